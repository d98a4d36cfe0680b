"""llama.cpp servers: parallel slots, prompt prefill, continuously batched decode.

Each of ``replicas`` llama-server processes has ``slots`` (``-np``) slots.  A
worker's request takes a free slot (the next server with one, round robin; if
every slot is busy it waits in one FIFO line, as llama-server defers tasks
until a slot frees) and holds it for prefill plus decode.

Prefill (prompt processing) is compute bound: a server works through prompts
one after another at ``prefill_tps`` tokens/s, so a prompt finishes at
``max(now, server free) + prompt_tokens / prefill_tps``.

Decode is memory-bandwidth bound: each step reads all the weights once and
produces one token for *every* decoding slot.  With n slots decoding, a step
costs the single-slot step time times ``1 + overhead x (n - 1)`` (the extra
KV-cache reads and matrix width per slot), so

    per-slot speed  r(n) = decode_tps / (1 + overhead x (n - 1))
    aggregate speed      = n x r(n)   (rises with n, towards decode_tps / overhead)

``overhead`` defaults to 0.1, fitted to the sample table in llama.cpp's
``examples/batched-bench/README.md`` (LLaMA 7B F16: S_TG 41.57 t/s at B=1,
242.23 t/s at B=16, i.e. 16 / (1 + 15 x 0.12) = 5.8x).  When the quantization
calculator offers ``batched_decode_tokens_per_s`` its curve replaces this one.
Simplification: prefill of a new prompt and decode of other slots overlap
freely (llama.cpp mixes them in one batch, where a prompt chunk slows that
step a little).

Decode is processor sharing with a load-dependent rate, simulated exactly
with a virtual clock ``v``: every decoding slot has emitted ``v`` tokens of
"shared progress" since time zero, ``dv/dt = r(n)``; a request joining at
``v0`` with ``k`` tokens finishes when ``v = v0 + k``.  One timer per server
tracks the earliest finish, so a change of n costs O(log n), not O(n).
Joins (prefill done) need no events: the prefill line is FIFO, so they are
known in advance and in time order, and the timer's finish time is computed
by stepping through the pending ones.

Interface (all the rest of the pipeline uses; a different server model, such
as llama-server's unified batch, keeps it):

* ``Inference(engine, tally, replicas=, slots=, prefill_tps=, speeds=,
  fixed_service=)`` -- *speeds* is the per-slot decode tokens/s by number of
  decoding slots (``speeds.per_slot``); *fixed_service* makes each request
  hold its slot for ``msg.service_s`` instead (``service_dist``);
* :meth:`Inference.submit` ``(msg, now)`` -- a worker asks for the completion
  of ``msg`` (``prompt_tokens``, ``output_tokens``), which may not start
  before ``msg.ready_at``; the request queues for a slot from *now*;
* ``on_done(msg, now)`` -- set by the worker pool; called once per request,
  at the simulated time its last token is out;
* :meth:`Inference.set_rates` and :meth:`Inference.set_slots` -- live controls;
* read by the meters: ``busy_slots`` (a :class:`~inferlab.pipeline.metrics.Level`
  of slots held), ``waiting`` (requests without a slot),
  :meth:`Inference.decoding_per_server`, and the tally's ``prompt_tokens``
  and ``generated_tokens``.

Events go on the shared engine (``engine.heap`` with ``engine.counter`` for
tie-breaks), as every stage's do.
"""

from __future__ import annotations

from collections import deque
from heapq import heappop, heappush
from typing import Callable

from inferlab.pipeline.config import MAX_SLOTS
from inferlab.pipeline.engine import Engine
from inferlab.pipeline.metrics import Level, Tally
from inferlab.pipeline.pubsub import Message

_INF = float("inf")



def per_slot_speeds(decode_tps: float, overhead: float, batched: Callable[[int], float] | None = None) -> list[float]:
    """Per-slot decode speed (tokens/s) for n = 0..MAX_SLOTS concurrently decoding slots.

    *batched*, if given, returns the aggregate tokens/s of n slots and
    overrides the formula in the module docstring.
    """
    speeds = [0.0]
    for n in range(1, MAX_SLOTS + 1):
        if batched is not None:
            speeds.append(batched(n) / n)
        else:
            speeds.append(decode_tps / (1.0 + overhead * (n - 1)))
    return speeds


def _min_decode_s(speeds: list[float]) -> float:
    """Least decode time per token of any request, if joins never speed others up; else 0.

    With per-slot speed non-increasing in n, a new decoding slot only slows
    the others, so a request joining at t with k tokens finishes after
    t + k x this, and before that it can only postpone the other finishes.
    """
    per_slot = speeds[1:]
    fastest = max(per_slot)
    monotone = all(a >= b for a, b in zip(per_slot, per_slot[1:]))
    return 1.0 / fastest if (monotone and fastest > 0.0) else 0.0


class Server:
    """One llama-server: busy slots, prefill line, decode virtual clock."""

    __slots__ = ("index", "busy", "prefill_free_at", "v", "n", "t_last", "heap", "timer_at", "joins",
                 "in_timer")

    def __init__(self, index: int, now: float) -> None:
        self.index = index
        self.busy = 0                 # slots held (prefill or decode)
        self.prefill_free_at = now    # when the prefill line is next free (s)
        self.v = 0.0                  # virtual decode clock (tokens per slot)
        self.n = 0                    # slots decoding
        self.t_last = now             # time v was last brought up to date
        self.heap: list[tuple[float, int, Message]] = []  # (v at finish, seq, message)
        self.timer_at = _INF           # time of the current decode timer event
        self.joins: deque[tuple[float, Message]] = deque()  # (prefill done, msg), in time order
        self.in_timer = False          # the timer handler re-arms itself at its end


class Inference:
    """The pool of llama.cpp servers; calls ``on_done(msg, now)`` as each request finishes."""

    __slots__ = ("engine", "tally", "servers", "slots", "prefill_tps", "speeds", "service",
                 "waiting", "busy_slots", "on_done", "_seq", "_decode_timer",
                 "_service_done", "_next_server", "min_decode_s")

    def __init__(self, engine: Engine, tally: Tally, *, replicas: int, slots: int, prefill_tps: float,
                 speeds: list[float], fixed_service: bool = False) -> None:
        self.engine = engine
        self.tally = tally
        self.servers = [Server(i, engine.now) for i in range(replicas)]
        self.slots = slots                # per server
        self.prefill_tps = prefill_tps
        self.speeds = speeds              # per-slot decode tokens/s by n
        self.min_decode_s = _min_decode_s(speeds)
        self.service = fixed_service      # override: each request takes msg.service_s (s)
        self.waiting: deque[Message] = deque()
        self._next_server = 0
        self.busy_slots = Level()
        self.on_done: Callable[[Message, float], None] = lambda msg, now: None
        self._seq = 0
        self._decode_timer = self._on_decode_timer
        self._service_done = self._on_service_done

    # -- admission --------------------------------------------------------
    def submit(self, msg: Message, now: float) -> None:
        """A worker asks for a completion of *msg* at *now*.

        The request cannot start before ``msg.ready_at`` (it may still be on
        its way: see ``workers.py``), but it queues for a slot from *now*.
        """
        server = self._free_server()
        if server is None:
            self.waiting.append(msg)
        else:
            self._start(server, msg, now)

    def _free_server(self) -> Server | None:
        """The next server with a free slot, round robin (a load balancer that skips full servers), or None."""
        servers = self.servers
        count = len(servers)
        slots = self.slots
        i = self._next_server
        for _ in range(count):
            server = servers[i]
            i += 1
            if i == count:
                i = 0
            if server.busy < slots:
                self._next_server = i
                return server
        return None

    def _start(self, server: Server, msg: Message, now: float) -> None:
        server.busy += 1
        busy = self.busy_slots
        busy.value += 1
        busy.anchor -= now
        eng = self.engine
        ready = msg.ready_at
        if ready < now:
            ready = now
        if self.service:
            heappush(eng.heap, (ready + msg.service_s, 1, next(eng.counter), self._service_done, (server, msg)))
            return
        start = server.prefill_free_at
        if start < ready:
            start = ready
        done = start + msg.prompt_tokens / self.prefill_tps
        server.prefill_free_at = done
        self.tally.prompt_tokens += msg.prompt_tokens
        # The prefill line is FIFO, so joins arrive in time order and need no
        # event of their own: the decode timer steps through them (see _next_finish).
        server.joins.append((done, msg))
        # A join before the timer can only postpone the finishes already
        # timed (see _min_decode_s), so the timer moves only if the new request
        # could itself finish first; else, if it is now early, it just re-arms.
        if done + msg.output_tokens * self.min_decode_s < server.timer_at and not server.in_timer:
            self._arm(server)

    def _release(self, server: Server, msg: Message, now: float) -> None:
        server.busy -= 1
        busy = self.busy_slots
        busy.value -= 1
        busy.anchor += now
        waiting = self.waiting
        if waiting and server.busy < self.slots:
            self._start(server, waiting.popleft(), now)
        self.on_done(msg, now)

    def _on_service_done(self, arg: tuple[Server, Message]) -> None:
        """A request with a drawn service time (``service_dist`` without --ideal) is done."""
        server, msg = arg
        self.tally.generated_tokens += msg.output_tokens
        self._release(server, msg, self.engine.now)

    # -- decode (processor sharing, see module docstring) -------------------
    def _advance(self, server: Server, now: float) -> None:
        """Bring the server's decode state up to *now*: pending joins due by then, then the clock.

        Only called at or before the server's next decode finish, so no
        finish is skipped.
        """
        speeds = self.speeds
        joins = server.joins
        v, n, t = server.v, server.n, server.t_last
        while joins and joins[0][0] <= now:
            tj, msg = joins.popleft()
            if n:
                v += speeds[n] * (tj - t)
            t = tj
            n += 1
            self._seq += 1
            heappush(server.heap, (v + msg.output_tokens, self._seq, msg))
        if n:
            v += speeds[n] * (now - t)
        server.v, server.n, server.t_last = v, n, now

    def _next_finish(self, server: Server) -> float:
        """Time of the server's next decode finish, stepping through the pending joins."""
        speeds = self.speeds
        v, n, t = server.v, server.n, server.t_last
        head = server.heap[0][0] if server.heap else _INF
        for tj, msg in server.joins:
            if n and head - v <= speeds[n] * (tj - t):
                return t + (head - v) / speeds[n]
            if n:
                v += speeds[n] * (tj - t)
            t = tj
            n += 1
            joined = v + msg.output_tokens
            if joined < head:
                head = joined
        if head == _INF:
            return _INF
        return t + (head - v) / speeds[n]

    def _arm(self, server: Server) -> None:
        """Make sure the server's decode timer fires no later than its next finish.

        A timer event is current only if its time is still ``server.timer_at``;
        superseded ones are skipped when they come up.  A timer that is now
        early (the next finish moved later) is left alone: it fires, finds
        nothing due and re-arms, which costs no more than a superseded event.
        """
        at = self._next_finish(server)
        if at < server.timer_at:
            server.timer_at = at
            eng = self.engine
            heappush(eng.heap, (at, 1, next(eng.counter), self._decode_timer, server))

    def _on_decode_timer(self, server: Server) -> None:
        now = self.engine.now
        if now != server.timer_at:
            return  # superseded
        self._advance(server, now)
        heap = server.heap
        v = server.v
        limit = v + 1e-9 * (1.0 + v)
        finished = []
        while heap and heap[0][0] <= limit:
            finished.append(heappop(heap)[2])
        server.n -= len(finished)
        server.timer_at = _INF
        server.in_timer = True
        tally = self.tally
        for msg in finished:
            tally.generated_tokens += msg.output_tokens
            self._release(server, msg, now)
        server.in_timer = False
        self._arm(server)

    # -- controls ---------------------------------------------------------
    def set_rates(self, prefill_tps: float, speeds: list[float]) -> None:
        """New prefill speed and per-slot decode speeds from now on."""
        now = self.engine.now
        for server in self.servers:
            self._advance(server, now)
        self.prefill_tps = prefill_tps
        self.speeds = speeds
        self.min_decode_s = _min_decode_s(speeds)
        for server in self.servers:
            server.timer_at = _INF  # force a new timer: the old one is at the old speed
            self._arm(server)

    def set_slots(self, slots: int) -> None:
        """Change ``-np`` on every server; waiting requests take any new slots at once."""
        self.slots = slots
        now = self.engine.now
        while self.waiting:
            server = self._free_server()
            if server is None:
                break
            self._start(server, self.waiting.popleft(), now)

    def decoding_per_server(self) -> list[int]:
        """Slots decoding right now on each server, in server order."""
        now = self.engine.now
        counts = []
        for s in self.servers:
            n = s.n
            for tj, _ in s.joins:
                if tj > now:
                    break  # joins are in time order
                n += 1
            counts.append(n)
        return counts
