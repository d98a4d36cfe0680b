"""A discrete-event simulation of llama-server instances, co-located or split into prefill and decode pools.

One engine serves both architectures.  An *instance* is one llama-server
(one copy of the weights on ``gpus`` GPUs) with a fixed number of slots; it
runs unified batch steps the way llama-server's ``update_slots`` does: one
token for every generating slot first, then prompt tokens of the slots that
are reading a prompt, first come first served, up to ``batch_tokens``
(``-b``) tokens.  The step lasts what the llama.cpp step model says
(:meth:`inferlab.llamacpp.speed.SpeedModel.step_seconds`), so a prompt in the
batch stalls every generating sequence for that step.

Roles: ``both`` (co-located serving), ``prefill`` (stops after the first
token, keeps the slot until its KV cache has left over the link) and
``decode`` (starts from a transferred KV cache).  Routing follows the
published designs: arrivals go to the instance with the shortest queue
(fewest requests; pending prompt tokens for prefill instances, as
Splitwise's scheduler counts them), a finished prefill to the least loaded
decode instance (DistServe section 4.3).  Each prefill instance sends over
its own link, one transfer at a time.

Speed: between two events a decode-only batch changes only by one cached
token per sequence per step, and the step model is affine in the cached
tokens when every layer attends globally (the KV bytes read and the
attention FLOPs grow linearly), so such a stretch of steps is one event
whose duration is an arithmetic series (checked against step-by-step
summation in the tests).  Models with sliding-window layers step one by one.
Every run has an event budget and reports ``truncated`` instead of hanging.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass
from typing import Any

#: Events one simulation may process before it stops and reports itself truncated.
EVENT_BUDGET = 200_000
#: Share of the earliest arrivals left out of the statistics (the system starts empty).
WARMUP_SHARE = 0.1

BOTH, PREFILL, DECODE = "both", "prefill", "decode"
_ARRIVAL, _STEP, _TRANSFER = 0, 1, 2


class Request:
    """One request's progress; times in seconds from the start of the run."""

    __slots__ = ("index", "arrival", "prompt", "output", "done_prompt", "generated", "depth", "prefill_start",
                 "first_token", "sent", "finish", "target", "last_token", "max_gap")

    def __init__(self, index: int, arrival: float, prompt: int, output: int) -> None:
        self.index = index
        self.arrival = arrival
        self.prompt = prompt
        self.output = output
        self.done_prompt = 0
        self.generated = 0
        self.depth = 0
        self.prefill_start = math.nan
        self.first_token = math.nan
        self.sent = math.nan       # KV cache arrived at the decode instance (disaggregated only)
        self.finish = math.nan
        self.target: Instance | None = None
        self.last_token = math.nan
        self.max_gap = 0.0        # longest wait between two of its tokens (what a streaming reader sees stall)


class Instance:
    """One llama-server: slots, a FIFO queue and the batch it is running."""

    __slots__ = ("index", "role", "sm", "slots", "batch_tokens", "affine", "waiting", "prefilling", "decoding",
                 "holding", "incoming", "busy", "version", "start", "t0", "delta", "steps", "chunks", "link_free",
                 "pending")

    def __init__(self, index: int, role: str, sm: Any, slots: int, batch_tokens: int, affine: bool) -> None:
        self.index = index
        self.role = role
        self.sm = sm
        self.slots = slots
        self.batch_tokens = batch_tokens
        self.affine = affine
        self.waiting: deque[Request] = deque()
        self.prefilling: list[Request] = []
        self.decoding: list[Request] = []
        self.holding = 0          # prefill slots whose KV cache is still being sent
        self.incoming = 0         # decode instance: transfers on their way here
        self.busy = False
        self.version = 0
        self.start = self.t0 = self.delta = 0.0
        self.steps = 0
        self.chunks: list[tuple[Request, int]] = []
        self.link_free = 0.0
        self.pending = 0          # prompt tokens queued or still to read here (the prefill routing key)

    def load(self) -> int:
        """Requests queued or running here (the routing key)."""
        return len(self.waiting) + len(self.prefilling) + len(self.decoding) + self.holding + self.incoming

    def elapsed(self, steps: int) -> float:
        """Seconds from the start of the running stretch to the end of its *steps*-th step."""
        return steps * self.t0 + self.delta * steps * (steps - 1) / 2.0


@dataclass(frozen=True)
class Link:
    """The path a KV cache takes: bytes/s per GPU, fixed seconds per transfer, layer-wise overlap."""

    bytes_per_s: float
    latency_s: float
    layerwise: bool
    n_layers: int


@dataclass(frozen=True)
class Cluster:
    """What to simulate: ``prefill`` instances (0 = co-located) and ``decode`` (or co-located) instances."""

    prefill: int
    decode: int
    slots: int
    batch_tokens: int
    gpus: int
    kv_bytes_per_token: float
    link: Link | None
    affine: bool


class _Run:
    """The event loop of one simulation."""

    def __init__(self, cluster: Cluster, sm: Any, budget: int) -> None:
        self.cluster = cluster
        self.heap: list[tuple[float, int, int, Any]] = []
        self.seq = 0
        self.events = 0
        self.budget = budget
        if cluster.prefill:
            # a prefill instance batches prompts only up to one micro-batch: past the length that saturates
            # the GPU, batching delays the first prompt for nothing (DistServe's L_m rule, section 4.3);
            # batch_tokens (llama-server's -b, the chunked-prefill knob) shapes the co-located instances
            budget_p = sm.n_ubatch
            self.front = [Instance(i, PREFILL, sm, cluster.slots, budget_p, cluster.affine)
                          for i in range(cluster.prefill)]
            self.back = [Instance(cluster.prefill + i, DECODE, sm, cluster.slots, cluster.batch_tokens,
                                  cluster.affine) for i in range(cluster.decode)]
        else:
            self.front = [Instance(i, BOTH, sm, cluster.slots, cluster.batch_tokens, cluster.affine)
                          for i in range(cluster.decode)]
            self.back = []

    def push(self, time: float, kind: int, obj: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (time, self.seq, kind, obj))

    # -- routing ----------------------------------------------------------------------------------
    def arrive(self, r: Request, now: float) -> None:
        if self.back:
            inst = min(self.front, key=lambda i: (i.pending, i.index))
        else:
            inst = min(self.front, key=lambda i: (i.load(), i.index))
        inst.waiting.append(r)
        inst.pending += r.prompt
        self.kick(inst, now)

    def kick(self, inst: Instance, now: float) -> None:
        """New work at *inst*: start a step if idle, or end a running decode stretch at its next step."""
        if not inst.busy:
            self.start_step(inst, now)
        elif inst.steps > 1:
            done = _steps_done(inst, now)
            if done + 1 < inst.steps:
                inst.steps = done + 1
                inst.version += 1
                self.push(inst.start + inst.elapsed(inst.steps), _STEP, (inst, inst.version))

    # -- one instance ---------------------------------------------------------------------------
    def start_step(self, inst: Instance, now: float) -> None:
        while inst.waiting and len(inst.prefilling) + len(inst.decoding) + inst.holding < inst.slots:
            r = inst.waiting.popleft()
            (inst.decoding if inst.role == DECODE else inst.prefilling).append(r)
        dec = inst.decoding
        if not dec and not inst.prefilling:
            inst.busy = False
            return
        inst.busy = True
        inst.start = now
        inst.version += 1
        chunks: list[tuple[Request, int]] = []
        budget = inst.batch_tokens - len(dec)
        for r in inst.prefilling:
            if budget <= 0:
                break
            m = min(r.prompt - r.done_prompt, budget)
            chunks.append((r, m))
            budget -= m
            if r.done_prompt == 0:
                r.prefill_start = now
        inst.chunks = chunks
        depths = [r.depth for r in dec]
        if chunks:
            outputs = len(dec) + sum(1 for r, m in chunks if r.done_prompt + m == r.prompt)
            inst.t0 = inst.sm.step_seconds(depths, [(m, r.done_prompt) for r, m in chunks], outputs)
            inst.delta, inst.steps = 0.0, 1
        else:
            inst.t0 = inst.sm.step_seconds(depths)
            k = min(r.output - r.generated for r in dec) if inst.affine else 1
            inst.delta = inst.sm.step_seconds([d + 1 for d in depths]) - inst.t0 if k > 1 else 0.0
            inst.steps = k
        self.push(now + inst.elapsed(inst.steps), _STEP, (inst, inst.version))

    def end_step(self, inst: Instance, now: float) -> None:
        k = inst.steps
        first_end = inst.start + inst.t0
        last_step = inst.t0 + (k - 1) * inst.delta
        still: list[Request] = []
        for r in inst.decoding:
            gap = first_end - r.last_token
            if gap < last_step:
                gap = last_step
            if gap > r.max_gap:
                r.max_gap = gap
            r.last_token = now
            r.generated += k
            r.depth += k
            if r.generated >= r.output:
                r.finish = now
            else:
                still.append(r)
        inst.decoding = still
        completed = []
        for r, m in inst.chunks:
            r.done_prompt += m
            inst.pending -= m
            if r.done_prompt == r.prompt:
                completed.append(r)
        if completed:
            inst.prefilling = [r for r in inst.prefilling if r.done_prompt < r.prompt]
        inst.chunks = []
        for r in completed:
            r.first_token = r.last_token = now
            r.generated = 1
            r.depth = r.prompt
            if r.output <= 1:
                r.finish = now
            elif inst.role == BOTH:
                inst.decoding.append(r)
            else:
                self.send(inst, r, now)
        self.start_step(inst, now)

    # -- the KV transfer ------------------------------------------------------------------------------
    def send(self, src: Instance, r: Request, now: float) -> None:
        link = self.cluster.link
        dst = min(self.back, key=lambda i: (i.load(), i.index))
        dst.incoming += 1
        src.holding += 1
        r.target = dst
        seconds = r.prompt * self.cluster.kv_bytes_per_token / (link.bytes_per_s * self.cluster.gpus)
        if link.layerwise:  # each layer leaves as soon as it is computed (Splitwise section 4.3)
            span = now - r.prefill_start
            start = max(src.link_free, now - span * (link.n_layers - 1) / link.n_layers)
            done = max(start + seconds, now + seconds / link.n_layers)
        else:
            start = max(src.link_free, now)
            done = start + seconds
        src.link_free = start + seconds
        self.push(done + link.latency_s, _TRANSFER, (src, r))

    def arrived(self, src: Instance, r: Request, now: float) -> None:
        r.sent = now
        src.holding -= 1
        dst = r.target
        dst.incoming -= 1
        dst.waiting.append(r)
        self.kick(dst, now)
        if not src.busy:
            self.start_step(src, now)

    def run(self, requests: list[Request]) -> bool:
        for r in requests:
            self.push(r.arrival, _ARRIVAL, r)
        while self.heap:
            self.events += 1
            if self.events > self.budget:
                return False
            now, _, kind, obj = heapq.heappop(self.heap)
            if kind == _ARRIVAL:
                self.arrive(obj, now)
            elif kind == _STEP:
                inst, version = obj
                if version == inst.version:
                    self.end_step(inst, now)
            else:
                self.arrived(obj[0], obj[1], now)
        return True


def _steps_done(inst: Instance, now: float) -> int:
    """Whole steps of the running stretch finished by *now*."""
    t = max(0.0, now - inst.start)
    if inst.delta > 0:
        a, b = inst.delta / 2.0, inst.t0 - inst.delta / 2.0
        j = int((-b + math.sqrt(b * b + 4 * a * t)) / (2 * a))
    else:
        j = int(t / inst.t0) if inst.t0 > 0 else inst.steps
    j = max(0, min(j, inst.steps))
    while j > 0 and inst.elapsed(j) > t:
        j -= 1
    while j < inst.steps and inst.elapsed(j + 1) <= t:
        j += 1
    return j


def simulate(cluster: Cluster, sm: Any, workload: list[tuple[float, int, int]], rate: float,
             budget: int = EVENT_BUDGET) -> dict[str, Any]:
    """Serve *workload* ``[(unit-rate arrival time, prompt tokens, output tokens)]`` at *rate* requests/s.

    Returns per-request ``ttft`` / ``tpot`` / ``gap`` (longest pause between
    two tokens) lists (s; requests after the warm-up share), the phase times summed over them (``queue_s``,
    ``prefill_s``, ``transfer_s``, ``decode_s``), ``truncated`` and ``events``.
    A request unfinished when the budget runs out counts with infinite times.
    """
    requests = [Request(i, t / rate, p, o) for i, (t, p, o) in enumerate(workload)]
    run = _Run(cluster, sm, budget)
    complete = run.run(requests)
    counted = requests[int(len(requests) * WARMUP_SHARE):]
    ttft, tpot, gaps = [], [], []
    phases = dict.fromkeys(("queue_s", "prefill_s", "transfer_s", "decode_s"), 0.0)
    for r in counted:
        if math.isnan(r.finish):
            ttft.append(math.inf)
            tpot.append(math.inf)
            gaps.append(math.inf)
            continue
        gaps.append(r.max_gap)
        ttft.append(r.first_token - r.arrival)
        tpot.append((r.finish - r.first_token) / (r.output - 1) if r.output > 1 else 0.0)
        phases["queue_s"] += r.prefill_start - r.arrival
        phases["prefill_s"] += r.first_token - r.prefill_start
        after = r.first_token if math.isnan(r.sent) else r.sent
        phases["transfer_s"] += after - r.first_token
        phases["decode_s"] += r.finish - after
    return {"ttft": ttft, "tpot": tpot, "gap": gaps, "phases": phases, "n": len(counted), "truncated": not complete,
            "events": run.events}


__all__ = ["BOTH", "Cluster", "DECODE", "EVENT_BUDGET", "Instance", "Link", "PREFILL", "Request", "WARMUP_SHARE",
           "simulate"]
