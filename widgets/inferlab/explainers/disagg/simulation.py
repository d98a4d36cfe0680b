"""A discrete-event simulation of llama-server instances, co-located or split into prefill and decode pools.

One engine serves both architectures.  An *instance* is one llama-server
(one copy of the weights on ``gpus`` GPUs) with a fixed number of slots,
simulated by the shared llama-server model
(:class:`inferlab.llamacpp.server.Server`): unified batch steps the way
``update_slots`` runs them, one token for every generating slot first, then
prompt tokens of the slots that are reading a prompt, first come first
served, up to ``batch_tokens`` (``-b``) tokens, each step as long as the
llama.cpp step model says (:meth:`inferlab.llamacpp.speed.SpeedModel.step_seconds`),
so a prompt in the batch stalls every generating sequence for that step.

Roles: ``both`` (co-located serving), ``prefill`` (stops after the first
token, keeps the slot until its KV cache has left over the link: the
server's hand-off) and ``decode`` (starts from a transferred KV cache).
Routing follows the published designs: arrivals go to the instance with the
shortest queue (fewest requests; pending prompt tokens for prefill
instances, as Splitwise's scheduler counts them), a finished prefill to the
least loaded decode instance (DistServe section 4.3).  Each prefill instance
sends over its own link, one transfer at a time.

Speed: see :mod:`inferlab.llamacpp.server` (a stretch of decode-only steps is
one event, an arithmetic series when every layer attends globally; checked
against step-by-step simulation in the tests).  Models with sliding-window
layers step one by one.  Every run has an event budget and reports
``truncated`` instead of hanging.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any, cast

from inferlab.llamacpp.batching import StepTimer
from inferlab.llamacpp.server import Request as ServerRequest
from inferlab.llamacpp.server import Server

#: Events one simulation may process before it stops and reports itself truncated.
EVENT_BUDGET = 200_000
#: Share of the earliest arrivals left out of the statistics (the system starts empty).
WARMUP_SHARE = 0.1

BOTH, PREFILL, DECODE = "both", "prefill", "decode"
_ARRIVAL, _STEP, _TRANSFER = 0, 1, 2


class Request(ServerRequest):
    """One request's progress; times in seconds from the start of the run."""

    __slots__ = ("index", "arrival", "sent", "target")

    def __init__(self, index: int, arrival: float, prompt: int, output: int) -> None:
        super().__init__(prompt, output)
        self.index = index
        self.arrival = arrival
        self.sent = math.nan       # KV cache arrived at the decode instance (disaggregated only)
        self.target: Instance | None = None


class Instance(Server):
    """One llama-server in a role, with the routing state around it."""

    __slots__ = ("role", "incoming", "link_free")

    def __init__(self, index: int, role: str, timer: StepTimer, slots: int, batch_tokens: int) -> None:
        super().__init__(timer, slots, batch_tokens, hand_off=role == PREFILL, log_gaps=True, index=index)
        self.role = role
        self.incoming = 0         # decode instance: transfers on their way here
        self.link_free = 0.0

    def routing_load(self) -> int:
        """Requests queued, running, held or on their way here (the routing key)."""
        return self.load() + self.incoming


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
        timer = StepTimer(sm, affine=cluster.affine)
        if cluster.prefill:
            # a prefill instance batches prompts only up to one micro-batch: past the length that saturates
            # the GPU, batching delays the first prompt for nothing (DistServe's L_m rule, section 4.3);
            # batch_tokens (llama-server's -b, the chunked-prefill knob) shapes the co-located instances
            self.front = [Instance(i, PREFILL, timer, cluster.slots, sm.n_ubatch) for i in range(cluster.prefill)]
            self.back = [Instance(cluster.prefill + i, DECODE, timer, cluster.slots, cluster.batch_tokens)
                         for i in range(cluster.decode)]
        else:
            self.front = [Instance(i, BOTH, timer, cluster.slots, cluster.batch_tokens) for i in range(cluster.decode)]
            self.back = []

    def push(self, time: float, kind: int, obj: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (time, self.seq, kind, obj))

    def sync(self, inst: Instance, now: float) -> None:
        """After a call into *inst*: send the prompts it read (prefill role), arm its next step."""
        if inst.first:
            if inst.role == PREFILL:
                for r in inst.first:
                    self.send(inst, cast(Request, r), now)  # the server holds the requests this run added
            inst.first.clear()
        inst.out.clear()  # finished: their times are on the requests
        if inst.busy and inst.armed != inst.version:
            inst.armed = inst.version
            self.push(inst.end_time, _STEP, (inst, inst.version))

    # -- routing ----------------------------------------------------------------------------------
    def arrive(self, r: Request, now: float) -> None:
        if self.back:
            inst = min(self.front, key=lambda i: (i.prompt_left, i.index))
        else:
            inst = min(self.front, key=lambda i: (i.routing_load(), i.index))
        inst.add(r, now)
        self.sync(inst, now)

    def end_step(self, inst: Instance, now: float) -> None:
        inst.end(now)
        inst.plan(now)
        self.sync(inst, now)

    # -- the KV transfer ------------------------------------------------------------------------------
    def send(self, src: Instance, r: Request, now: float) -> None:
        link = self.cluster.link
        assert link is not None  # only a disaggregated cluster (prefill instances, a link) sends
        dst = min(self.back, key=lambda i: (i.routing_load(), i.index))
        dst.incoming += 1
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
        dst = r.target
        assert dst is not None  # send() set it
        dst.incoming -= 1
        dst.add(r, now)
        self.sync(dst, now)
        src.release(now)
        self.sync(src, now)

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
