"""llama-server's scheduler: slots, the unified batch, per-slot context and KV capacity.

One :class:`Server` is one llama-server process with ``slots`` (``-np``)
slots, simulated the way ``update_slots`` runs it (ggml-org/llama.cpp
``tools/server/server-context.cpp``, read at commit 001d906a):

* each step is ONE ``llama_decode`` call on one batch: first one token of
  every generating slot ("update the batch with the sampled/drafted tokens",
  ``handle_last_sampled_token``), then prompt tokens of the slots reading a
  prompt, slot by slot, "without exceeding n_batch" (``while
  (slot.prompt.n_tokens() < slot.task->n_tokens() && batch.size() <
  n_batch)``); llama.cpp splits the batch into ``n_ubatch`` micro-batches.
  So a prompt in the batch stalls every generating slot for that step;
* the step lasts what the step model says: any object with
  ``step_seconds(decode_depths, prompt_chunks, outputs)``
  (:meth:`inferlab.llamacpp.speed.SpeedModel.step_seconds`, or a plain-rate
  model), through a :class:`~inferlab.llamacpp.batching.StepTimer` that
  caches decode-only steps;
* ``-c`` is split evenly over the slots unless the KV cache is unified
  (``src/llama-context.cpp``: ``n_ctx_seq = kv_unified ? n_ctx : n_ctx /
  n_seq_max``, padded up to 256 cells), and a slot never holds more than the
  trained context (the server caps it).  A prompt that does not fit its
  slot's context is refused ("the request exceeds the available context
  size"); generation stops when the slot's context is full, context shift
  being off by default ("stopped due to running out of context capacity",
  ``prompt.n_tokens() + 1 >= n_ctx``);
* with a unified cache the slots share ``n_ctx`` cells: a batch that finds no
  room fails, and llama-server then releases EVERY slot with an error ("KV
  cache is full - try increasing it via the context size").  (Finished
  slots' caches are dropped here; llama-server may keep them for prompt
  reuse.)

Speed.  Between two events a decode-only batch changes only by one cached
token per sequence per step, and the step model is affine in the cached
tokens when every layer attends globally, so such a stretch of steps is one
event whose duration is an arithmetic series; decode progress is a virtual
clock (``v``: decode steps run) so an event costs O(log slots), not
O(slots).  A request that arrives during a stretch joins the batch at the
next step boundary: the stretch is cut there and the composed step that
follows ("the tail") is part of the same event.  Models with sliding-window
layers step one by one.

The host (a discrete-event simulation) calls :meth:`Server.add`,
:meth:`Server.plan` and :meth:`Server.end` and schedules one event per
server at ``server.end_time`` whenever ``server.version`` changed; requests
that left (finished, refused, failed) are in ``server.out`` and, on a
hand-off server, prompts just read in ``server.first``; the host empties
both.  Times are seconds.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

from inferlab.llamacpp.batching import N_BATCH, StepTimer, slot_context

#: ``Request.error`` values.
CONTEXT, KV_FULL = "context", "kv_full"
_NAN = math.nan


class Request:
    """One completion request in a llama-server: what it asks for and how far it got (times in seconds)."""

    __slots__ = ("prompt", "output", "ready_at", "payload", "done_prompt", "n_out", "v0", "depth0",
                 "prefill_start", "first_token", "last_token", "finish", "max_gap", "error", "truncated")

    def __init__(self, prompt: int, output: int, ready_at: float = 0.0, payload: Any = None,
                 prefilled: bool = False) -> None:
        self.prompt = prompt              # prompt tokens
        self.output = output              # tokens asked for (the first is sampled from the prompt's logits)
        self.ready_at = ready_at          # earliest time it may join a batch
        self.payload = payload            # the host's object
        self.done_prompt = prompt if prefilled else 0
        self.n_out = output               # tokens it produces (fewer if its slot's context fills or it fails)
        self.v0 = 0                       # server's decode clock when it started generating
        self.depth0 = 0                   # cached tokens then
        self.prefill_start = _NAN
        self.first_token = _NAN
        self.last_token = _NAN
        self.finish = _NAN
        self.max_gap = 0.0                # longest wait between two of its tokens (with gap logging)
        self.error: str | None = None     # CONTEXT (refused) or KV_FULL (failed), None if served
        self.truncated = False            # stopped early: its slot's context was full


class Server:
    """One llama-server: a FIFO of requests, its slots and the batches it runs.

    The running *run* is a stretch of ``k`` decode-only steps from
    ``start``, then optionally the *tail* (one composed batch at
    ``tail_start``: decode tokens, then prompt chunks), then optionally a
    *post* stretch of ``k2`` decode-only steps when nothing the host sees
    happens at the tail's end (no finish, no hand-off, nothing left to read
    or waiting); the host's event is at ``end_time``.
    """

    __slots__ = ("timer", "slots", "n_batch", "n_ctx_slot", "kv_cells", "hand_off", "log_gaps", "gaps", "stall",
                 "waiting", "prefilling", "joiners", "heap", "n_dec", "depth_base", "prefill_cells", "v", "held",
                 "prompt_left", "seq", "busy", "version", "armed", "start", "k", "t0", "delta", "tail",
                 "tail_start", "tail_t", "tail_tokens", "tail_fails", "k2", "t2", "delta2", "end_time", "out",
                 "first", "index")

    def __init__(self, timer: StepTimer, slots: int, n_batch: int = N_BATCH, n_ctx: int | None = None,
                 kv_unified: bool = False, n_ctx_train: int | None = None, hand_off: bool = False,
                 log_gaps: bool = False, gaps: dict[float, int] | None = None, index: int = 0) -> None:
        self.index = index
        self.timer = timer
        self.slots = slots
        self.n_batch = n_batch
        self.n_ctx_slot = slot_context(n_ctx, slots, kv_unified, n_ctx_train)
        self.kv_cells = n_ctx if (kv_unified and n_ctx is not None) else None
        #: A finished prompt leaves the batch and keeps its slot until :meth:`release` (a prefill-only instance).
        self.hand_off = hand_off
        #: Keep each request's longest pause between tokens (``max_gap``; costs O(slots) per event).
        self.log_gaps = log_gaps
        #: If given, counts the gaps between consecutive tokens: ``gaps[seconds] += tokens`` per applied step
        #: (a stretch counts at its mean step), and ``stall`` keeps the longest step that read prompt tokens
        #: beside generating slots: ``(seconds, prompt tokens, slots stalled)``.
        self.gaps = gaps
        self.stall: tuple[float, int, int] = (0.0, 0, 0)
        self.waiting: deque[Request] = deque()
        self.prefilling: list[Request] = []
        self.joiners: list[Request] = []              # read prompts admitted at the tail's boundary
        self.heap: list[tuple[int, int, Request]] = []  # (decode clock at its last token, seq, request)
        self.n_dec = 0
        self.depth_base = 0                           # sum of depth0 - v0 over the generating slots
        self.prefill_cells = 0                        # prompt tokens cached by the slots still reading
        self.v = 0                                    # decode steps run
        self.held = 0                                 # slots kept after a hand-off
        self.prompt_left = 0                          # prompt tokens queued or still to read here
        self.seq = 0
        self.busy = False
        self.version = 0
        self.armed = -1                               # the host's: version of its pending event
        self.start = self.t0 = self.delta = self.tail_start = self.tail_t = self.end_time = 0.0
        self.t2 = self.delta2 = 0.0
        self.k = self.k2 = self.tail_tokens = 0
        self.tail: list[tuple[Request, int]] | None = None
        self.tail_fails = False
        self.out: list[Request] = []
        self.first: list[Request] = []

    # -- reading ---------------------------------------------------------------------------------------
    def load(self) -> int:
        """Requests queued or running here."""
        return len(self.waiting) + len(self.prefilling) + len(self.joiners) + self.n_dec + self.held

    def in_slots(self) -> int:
        """Slots taken (reading a prompt, generating, or held)."""
        return len(self.prefilling) + len(self.joiners) + self.n_dec + self.held

    def depth_sum(self) -> int:
        """Cached tokens of the generating slots, as of the last applied step."""
        return self.depth_base + self.n_dec * self.v

    @property
    def posting(self) -> bool:
        """May a decode stretch follow a tail in the same event?  Only when the tail's end shows the host
        nothing and the stretch can be timed in closed form."""
        return self.timer.affine and not (self.hand_off or self.log_gaps or self.kv_cells is not None)

    def steps_done(self, t: float) -> int:
        """Whole decode steps of the running stretch finished by time *t*."""
        t = t - self.start
        if t < 0.0:
            t = 0.0
        k, t0, d = self.k, self.t0, self.delta
        if d > 0:
            a, b = d / 2.0, t0 - d / 2.0
            j = int((-b + math.sqrt(b * b + 4 * a * t)) / (2 * a))
        else:
            j = int(t / t0) if t0 > 0 else k
        if j > k:
            j = k
        elif j < 0:
            j = 0
        while j > 0 and j * t0 + d * j * (j - 1) / 2.0 > t:  # the stretch's first j steps last that long
            j -= 1
        while j < k and (j + 1) * t0 + d * (j + 1) * j / 2.0 <= t:
            j += 1
        return j

    # -- the host's calls ----------------------------------------------------------------------------------
    def add(self, r: Request, now: float) -> None:
        """Queue *r* at *now*; it joins the first batch formed once it is ready and a slot is free.

        A prompt longer than a slot's context is refused at once (``r.error``
        CONTEXT, in ``out``); one whose answer would overflow it is cut short.
        """
        limit = self.n_ctx_slot
        if limit is not None:
            if r.prompt >= limit:  # llama-server answers HTTP 400: the request exceeds the context size
                r.error = CONTEXT
                r.finish = now
                r.n_out = 0
                self.out.append(r)
                return
            if r.prompt + r.output > limit:  # generation stops when the slot's context is full
                r.n_out = limit - r.prompt
                r.truncated = True
        self.waiting.append(r)
        self.prompt_left += r.prompt - r.done_prompt
        if not self.busy:
            self.plan(now)
            return
        if len(self.prefilling) + len(self.joiners) + self.n_dec + self.held >= self.slots:
            return  # no slot frees before the run ends
        if self.tail is not None:
            if now < self.tail_start:  # the tail's batch is not formed yet: it takes r too
                self._compose(self.tail_start)
                self.version += 1
                return
            if not self.k2:
                return  # r joins when the tail ends, with the run
            self._fold()
        self._cut(r.ready_at if r.ready_at > now else now)

    def cut(self, now: float) -> None:
        """End the running decode stretch at its first step boundary after *now* (new speeds from then on)."""
        if not self.busy:
            return
        if self.tail is not None:
            if not self.k2 or now < self.tail_start:
                return
            self._fold()
        k = 0 if now < self.start else self.steps_done(now) + 1
        if k < self.k:
            self.k = k
            self.end_time = self.start + k * self.t0 + self.delta * k * (k - 1) / 2.0
            self.version += 1

    def release(self, now: float) -> None:
        """A handed-off request's slot is free again."""
        self.held -= 1
        if not self.busy:
            self.plan(now)

    def plan(self, now: float) -> None:
        """Start the next run at *now* (the server is not busy): admit, then a batch or a decode stretch."""
        self.joiners = []
        self.tail = None
        self.tail_fails = False
        self.k2 = 0
        while True:
            if self.waiting:
                self._admit(now)
            if self.joiners:
                for r in self.joiners:
                    self._join(r)
                self.joiners = []
            if self.prefilling:
                self.k = 0
                self.start = now
                self._compose(now)
                break
            n = self.n_dec
            if n:
                timer = self.timer
                k = self.heap[0][0] - self.v if timer.affine else 1
                if self.kv_cells is not None:
                    room = (self.kv_cells - self.prefill_cells - self.depth_sum()) // n
                    if room < 1:
                        self._fail_all(now)
                        continue
                    if room < k:
                        k = room
                self.start, self.k = now, k
                if timer.affine:
                    self.t0, self.delta = timer.decode(n, self.depth_base + n * self.v)
                else:
                    self.t0, self.delta = timer.step(self._depths(0), [], n), 0.0
                self.end_time = now + k * self.t0 + self.delta * k * (k - 1) / 2.0
                if self.waiting and len(self.prefilling) + len(self.joiners) + n + self.held < self.slots:
                    ready = self.waiting[0].ready_at
                    self._cut(ready if ready > now else now)
                break
            if self.waiting and self.in_slots() < self.slots:
                ready = self.waiting[0].ready_at
                self.k = 0
                self.start = ready if ready > now else now
                self._compose(self.start)
                break
            self.busy = False
            return
        self.busy = True
        self.version += 1

    def end(self, now: float) -> None:
        """The run is over at *now*: apply its steps; fill ``out`` (finished, failed) and ``first``."""
        self.busy = False
        if self.log_gaps:
            self._log_gaps(now)
        if self.tail_fails:
            self.v += self.k
            self._fail_all(now)
            return
        if self.tail is not None:
            self._apply_head()
        elif self.k:
            k = self.k
            self.v += k
            gaps = self.gaps
            if gaps is not None and self.n_dec:
                gap = self.t0 + self.delta * (k - 1) / 2.0
                gaps[gap] = gaps.get(gap, 0) + self.n_dec * k
        k2 = self.k2
        if k2:
            self.v += k2
            gaps = self.gaps
            if gaps is not None:
                gap = self.t2 + self.delta2 * (k2 - 1) / 2.0
                gaps[gap] = gaps.get(gap, 0) + self.n_dec * k2
            self.k2 = 0
        heap = self.heap
        v = self.v
        if heap and heap[0][0] <= v:
            out = self.out
            while heap and heap[0][0] <= v:
                r = heappop(heap)[2]
                self.n_dec -= 1
                self.depth_base -= r.depth0 - r.v0
                r.finish = now
                out.append(r)

    # -- inside ---------------------------------------------------------------------------------------------
    def _apply_head(self) -> None:
        """Apply the stretch and the tail (its prompts' first tokens come at the tail's end)."""
        k = self.k
        gaps = self.gaps
        if k:
            self.v += k
            if gaps is not None and self.n_dec:
                gap = self.t0 + self.delta * (k - 1) / 2.0
                gaps[gap] = gaps.get(gap, 0) + self.n_dec * k
        tail = self.tail
        if tail is None:
            return
        tail_t = self.tail_t
        at = self.tail_start + tail_t
        if self.joiners:
            for r in self.joiners:
                self._join(r)
                r.last_token = at
            self.joiners = []
        n = self.n_dec
        if n:
            self.v += 1
            if gaps is not None:
                gaps[tail_t] = gaps.get(tail_t, 0) + n
                if self.tail_tokens and tail_t > self.stall[0]:
                    self.stall = (tail_t, self.tail_tokens, n)
        read = 0  # the chunks are the first prompts in line, each read to its end but maybe the last
        for r, m in tail:
            r.done_prompt += m
            if r.done_prompt < r.prompt:
                self.prefill_cells += m
                break
            read += 1
            r.first_token = r.last_token = at
            self.prefill_cells -= r.done_prompt - m
            if r.n_out <= 1:
                r.finish = at
                self.out.append(r)
            elif self.hand_off:
                self.held += 1
                self.first.append(r)
            else:
                self._join(r)
        self.prompt_left -= self.tail_tokens
        if read:
            del self.prefilling[:read]
        self.tail = None

    def _fold(self) -> None:
        """Apply the stretch and tail ahead of time (nothing the host sees happens then); the post runs on."""
        self._apply_head()
        self.start = self.tail_start + self.tail_t
        self.k, self.t0, self.delta = self.k2, self.t2, self.delta2
        self.k2 = 0

    def _admit(self, at: float) -> None:
        """Ready requests take free slots, first come first served; read prompts join as generating slots."""
        waiting = self.waiting
        while waiting and len(self.prefilling) + len(self.joiners) + self.n_dec + self.held < self.slots:
            r = waiting[0]
            if r.ready_at > at:
                break
            waiting.popleft()
            if r.done_prompt >= r.prompt:
                self.joiners.append(r)
            else:
                self.prefilling.append(r)

    def _join(self, r: Request) -> None:
        """*r* starts generating: its last token comes after ``n_out - 1`` decode steps."""
        v = self.v
        r.v0 = v
        r.depth0 = r.prompt
        self.seq += 1
        heappush(self.heap, (v + r.n_out - 1, self.seq, r))
        self.n_dec += 1
        self.depth_base += r.prompt - v

    def _depths(self, ahead: int) -> list[int]:
        """Cached tokens of each generating slot *ahead* decode steps from the last applied one."""
        v = self.v + ahead
        return [r.depth0 + v - r.v0 for _, _, r in self.heap]

    def _compose(self, at: float) -> None:
        """Form the batch that starts at *at*, after the stretch's k decode steps (the tail), and the post."""
        if self.waiting:
            self._admit(at)
        joiners = self.joiners
        n_dec = self.n_dec
        n = n_dec + len(joiners) if joiners else n_dec
        budget = self.n_batch - n
        chunks: list[tuple[Request, int]] = []
        timed: list[tuple[int, int]] = []
        outputs = n
        tokens = 0
        completing = 0        # prompt tokens of the prompts read to the end in this batch
        shortest = 1 << 62    # fewest tokens left to any of them after it
        for r in self.prefilling:
            if budget <= 0:
                break
            done = r.done_prompt
            left = r.prompt - done
            m = left if left < budget else budget
            chunks.append((r, m))
            timed.append((m, done))
            budget -= m
            tokens += m
            if done == 0:
                r.prefill_start = at
            if m == left:
                outputs += 1
                completing += r.prompt
                if r.n_out - 1 < shortest:
                    shortest = r.n_out - 1
        ahead = self.k
        v_at = self.v + ahead
        depth_sum = self.depth_base + n_dec * v_at
        for r in joiners:
            depth_sum += r.prompt
        self.tail = chunks
        self.tail_start = at
        self.tail_tokens = tokens
        self.k2 = 0
        timer = self.timer
        kv_cells = self.kv_cells
        fails = self.tail_fails = (kv_cells is not None and self.prefill_cells + depth_sum + n + tokens > kv_cells)
        if fails or (n == 0 and not chunks):
            self.tail_t = 0.0
            self.end_time = at
            return
        if timer.affine:
            depths: Sequence[float] = [depth_sum / n] * n if n else []
        else:
            depths = self._depths(ahead) + [r.prompt for r in joiners]
        self.tail_t = t = timer.step(depths, timed, outputs)
        self.end_time = at + t
        # the post: decode-only steps after the tail, when its end needs no event of its own: every chunk
        # finishes its prompt, no other prompt waits to be read, nobody finishes in the tail
        read = outputs - n
        if (read != len(chunks) or len(self.prefilling) != read
                or (self.waiting and read + n + self.held < self.slots) or not self.posting):
            return
        heap = self.heap
        k2 = heap[0][0] - v_at - 1 if heap else shortest
        if shortest < k2:
            k2 = shortest
        for r in joiners:
            if r.n_out - 2 < k2:
                k2 = r.n_out - 2
        if k2 < 1 or outputs == 0:
            return
        self.k2 = k2
        self.t2, self.delta2 = t2, d2 = timer.decode(outputs, depth_sum + n + completing)
        self.end_time += k2 * t2 + d2 * k2 * (k2 - 1) / 2.0

    def _cut(self, ready: float) -> None:
        """A request ready at *ready* joins at the next step boundary: cut the stretch there, add the tail."""
        start, t0 = self.start, self.t0
        if ready < start:
            k = 0
        else:
            if self.delta == 0.0 and t0 > 0.0:  # steps_done(ready), inlined for steps of equal length
                t = ready - start
                j = int(t / t0)
                if j * t0 > t:
                    j -= 1
                elif (j + 1) * t0 <= t:
                    j += 1
                k = j + 1
            else:
                k = self.steps_done(ready) + 1
            if k >= self.k:
                return  # it joins when the stretch ends anyway
        self.k = k
        self._compose(self.start + k * self.t0 + self.delta * k * (k - 1) / 2.0)  # its first k steps
        self.version += 1

    def _fail_all(self, now: float) -> None:
        """The unified KV cache is full: llama-server releases every slot with an error."""
        v = self.v
        for _, _, r in self.heap:
            r.n_out = 1 + v - r.v0  # the tokens it got before the failure
        for r in self.prefilling:
            r.n_out = 0
            self.prompt_left -= r.prompt - r.done_prompt
        for r in self.joiners:
            r.n_out = 1
        failed = self.prefilling + self.joiners + [e[2] for e in self.heap]
        for r in failed:
            r.error = KV_FULL
            r.finish = now
        self.out.extend(failed)
        self.prefilling, self.joiners, self.heap = [], [], []
        self.n_dec = self.depth_base = self.prefill_cells = 0
        self.tail = None
        self.tail_fails = False
        self.k2 = 0

    def _log_gaps(self, now: float) -> None:
        """Each generating slot's longest pause between tokens, over the run ending at *now* (no post then)."""
        k = self.k
        tail = self.tail is not None and not self.tail_fails
        first_end = self.start + (self.t0 if k else self.tail_t)
        longest = self.t0 + (k - 1) * self.delta if k else 0.0
        if tail and self.tail_t > longest:
            longest = self.tail_t
        for _, _, r in self.heap:
            gap = first_end - r.last_token
            if gap < longest:
                gap = longest
            if gap > r.max_gap:
                r.max_gap = gap
            r.last_token = now
        if tail:
            for r in self.joiners:
                gap = now - r.last_token
                if gap > r.max_gap:
                    r.max_gap = gap


__all__ = ["CONTEXT", "KV_FULL", "Request", "Server"]
