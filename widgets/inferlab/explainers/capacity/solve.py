"""The inverse question: the fewest GPUs that carry a daily token volume within a p99 latency target.

From the traffic (tokens per day, a peak factor, the request shape) to a
request rate; from the model, quantization and hardware to the step model of
one llama-server and its memory; then, at the peak rate:

1. the latency floor: one request alone on an idle server (no queueing, no
   other prompt in its steps).  If its p99 is above the target, no number of
   servers helps, and the answer says so;
2. the fewest servers R whose p99 meets the target(s) at their best slot count
   (:func:`.model.server_latencies` for the server, :mod:`.fleet` for the slot
   queue); p99 falls as R grows, so an exponential then binary search finds it;
3. for each fleet size, the slots per server (``-np``) with the lowest p99,
   unless the slots are given: few slots keep other requests' prompts out of
   a request's steps, many keep requests from waiting for a slot;
4. what the answer costs: GPUs x price per GPU-hour, over the day's tokens.

Every figure is at the peak rate, the rate the fleet is sized for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from inferlab.explainers.capacity.fleet import Client, SlotQueue, client_latencies, slot_queue
from inferlab.explainers.capacity.model import (MAX_INTERRUPTS, Latencies, StepCosts, Workload,
                                                lognormal_quantile, server_latencies, steady_state)
from inferlab.inputs import InputError

SECONDS_PER_DAY = 86_400.0
HOURS_PER_MONTH = 730.0
#: Most slots per server the solver tries (llama-server's -np has no such cap; memory usually binds first).
MAX_SLOTS = 256
#: Most servers the solver tries.
MAX_REPLICAS = 4096
#: Slot counts per server the solver tries (then the most that fit).
SLOT_LADDER = (1, 2, 3, 4, 6, 8, 12, 16, 24)
#: Quantile of the prompt and output lengths each slot's context must hold.
CONTEXT_QUANTILE = 0.9999
#: llama.cpp pads each slot's context to a multiple of this many cells.
CTX_PAD = 256


@dataclass(frozen=True)
class Question:
    """The inputs of one capacity question (tokens; seconds; dollars)."""

    tokens_per_day: float
    peak_factor: float
    prompt_tokens: float
    prompt_cv: float
    output_tokens: float
    output_cv: float
    reuse: float
    model: str
    quant: str
    hardware: str
    gpus: int
    batch_tokens: int
    slots: int | None
    p99_ms: float
    ttft_p99_ms: float | None
    network_ms: float
    gpu_hour_usd: float | None

    @property
    def mean_rate(self) -> float:
        """Requests/s over the day: tokens per day / 86,400 / (prompt + output tokens)."""
        return self.tokens_per_day / SECONDS_PER_DAY / (self.prompt_tokens + self.output_tokens)

    @property
    def peak_rate(self) -> float:
        """Requests/s at the peak the fleet is sized for."""
        return self.mean_rate * self.peak_factor

    @property
    def workload(self) -> Workload:
        return Workload(self.prompt_tokens, self.prompt_cv, self.output_tokens, self.output_cv, self.reuse)


@dataclass(frozen=True)
class Server:
    """One llama-server of the question: its step costs, per-slot context and the slots that fit."""

    costs: StepCosts
    workload: Workload
    slot_ctx: int
    max_slots: int          # 0: the model does not load on one server
    fit_reason: str


def _pad(n: float) -> int:
    return int(math.ceil(n / CTX_PAD) * CTX_PAD)


def slot_context(q: Question, max_ctx: int) -> int:
    """Cells one slot holds: the 99.99th percentiles of prompt and output, padded to 256, within the trained context."""
    need = _pad(lognormal_quantile(q.prompt_tokens, q.prompt_cv, CONTEXT_QUANTILE)
                + lognormal_quantile(q.output_tokens, q.output_cv, CONTEXT_QUANTILE))
    return min(need, max_ctx)


@lru_cache(maxsize=512)
def _step_model(model: str, quant: str, hardware: str, gpus: int, ctx: int, slots: int) -> tuple[Any, str]:
    """(the step model of one server with *slots* slots and *ctx* KV cells, None if it does not fit; why)."""
    from inferlab.llamacpp import calculator as calc

    try:
        sm = calc.speed_model(model=model, quant=quant, hardware=hardware, gpus=gpus, gpu_layers=999, ctx=ctx,
                              parallel=slots)
    except InputError as err:
        return None, err.reason
    return sm, "fits"


def max_slots(q: Question, slot_ctx: int) -> tuple[int, str]:
    """The most slots (up to :data:`MAX_SLOTS` and -b) whose KV cache fits beside the weights; 0 if none."""
    top = min(MAX_SLOTS, q.batch_tokens)
    sm, reason = _step_model(q.model, q.quant, q.hardware, q.gpus, slot_ctx, 1)
    if sm is None:
        return 0, reason
    lo, hi = 1, top + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _step_model(q.model, q.quant, q.hardware, q.gpus, mid * slot_ctx, mid)[0] is not None:
            lo = mid
        else:
            hi = mid
    return lo, reason


def server(q: Question) -> Server:
    """The :class:`Server` of *q* (InputError when the request shape exceeds the model's trained context)."""
    from inferlab.catalog.models import build_shape

    shape = build_shape(q.model)
    if q.prompt_tokens + q.output_tokens > shape.max_ctx:
        raise InputError("prompt_tokens", q.prompt_tokens,
                         f"prompt + output tokens within {shape.display_name}'s trained context of "
                         f"{shape.max_ctx:,} tokens", reason="is too long")
    ctx = slot_context(q, shape.max_ctx)
    top, reason = max_slots(q, ctx)
    sm = _step_model(q.model, q.quant, q.hardware, q.gpus, top * ctx, top)[0] if top else None
    costs = StepCosts(sm, q.workload, q.batch_tokens) if sm is not None else None
    return Server(costs, q.workload, ctx, top, reason)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Fleet:
    """One fleet size evaluated at the peak rate."""

    replicas: int
    slots: int
    server: Latencies | None     # None: a server saturates
    queue: SlotQueue | None      # None: the slots saturate
    client: Client | None

    def meets(self, q: Question) -> bool:
        c = self.client
        if c is None:
            return False
        ok = c.p99 <= q.p99_ms / 1000.0
        if q.ttft_p99_ms is not None:
            ok = ok and c.ttft_p99 <= q.ttft_p99_ms / 1000.0
        return ok


class Solver:
    """Fleet evaluations of one question, memoized by fleet size."""

    def __init__(self, q: Question, srv: Server) -> None:
        self.q = q
        self.srv = srv
        self._server: dict[tuple[int, int], Latencies | None] = {}

    def server_at(self, replicas: int, slots: int) -> Latencies | None:
        got = self._server.get((replicas, slots), False)
        if got is False:
            got = self._server[replicas, slots] = server_latencies(self.srv.costs, self.srv.workload,
                                                                   self.q.peak_rate, replicas, slots)
        return got  # type: ignore[return-value]

    def fleet(self, replicas: int, slots: int) -> Fleet:
        lat = self.server_at(replicas, slots)
        if lat is None:
            return Fleet(replicas, slots, None, None, None)
        queue = slot_queue(self.q.peak_rate, lat.hold, replicas * slots)
        if queue is None:
            return Fleet(replicas, slots, lat, None, None)
        return Fleet(replicas, slots, lat, queue, client_latencies(lat, queue, self.q.network_ms / 1000.0))

    def floor(self) -> Fleet:
        """One request alone: no other request anywhere (the limit of infinitely many servers)."""
        lat = server_latencies(self.srv.costs, self.srv.workload, 0.0, 1)
        assert lat is not None
        queue = SlotQueue(1, 0.0, 0.0, math.inf, 0.0)
        return Fleet(0, 1, lat, queue, client_latencies(lat, queue, self.q.network_ms / 1000.0))

    def slot_choices(self) -> list[int]:
        """Slot counts to try: the given one, or a ladder up to what fits (above the walk's reach only the most)."""
        if self.q.slots is not None:
            return [self.q.slots]
        top = self.srv.max_slots
        ladder = [s for s in SLOT_LADDER if s < top and s <= MAX_INTERRUPTS]
        return ladder + [top]

    def best(self, replicas: int) -> Fleet:
        """The slot count with the lowest p99 at *replicas* servers among those meeting the targets (if any).

        p99 first falls as slots are added (less waiting for a slot), then
        rises (more prompts in each request's steps): the ladder stops two
        rungs after the lowest.
        """
        best: Fleet | None = None
        key_best: tuple[bool, float] = (True, math.inf)
        worse = 0
        for slots in self.slot_choices():
            f = self.fleet(replicas, slots)
            key = (not f.meets(self.q), f.client.p99 if f.client else math.inf)
            if best is None or key < key_best:
                best, key_best, worse = f, key, 0
            else:
                worse += 1
                if worse >= 2:
                    break
        assert best is not None
        return best

    def smallest(self, guess: int = 1) -> Fleet | None:
        """The fewest servers meeting the target(s) at their best slot count (searching from *guess*), or None
        within :data:`MAX_REPLICAS`."""
        def ok(r: int) -> bool:
            return self.best(r).meets(self.q)

        guess = min(max(1, guess), MAX_REPLICAS)
        if ok(guess):
            hi, lo = guess, guess // 2
            while lo >= 1 and ok(lo):
                hi, lo = lo, lo // 2
            if lo < 1:
                return self.best(hi)
        else:
            lo, hi = guess, guess * 2
            while not ok(min(hi, MAX_REPLICAS)):
                if hi >= MAX_REPLICAS:
                    return None
                lo, hi = hi, hi * 2
            hi = min(hi, MAX_REPLICAS)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid
        return self.best(hi)


def first_guess(q: Question, srv: Server) -> int:
    """Servers at which prompt reading alone would keep each one 30 % busy: where the search starts."""
    load = steady_state(srv.costs, srv.workload, 1e-9, 1)
    work = (srv.costs.prompt(int(q.prompt_tokens * (1 - q.reuse) + 0.5), 0.0)
            + (q.output_tokens - 1) * (load.decode_step if load else 0.0) / max(1, srv.max_slots))
    return max(1, math.ceil(q.peak_rate * work / 0.3))


__all__ = ["CONTEXT_QUANTILE", "Fleet", "HOURS_PER_MONTH", "MAX_REPLICAS", "MAX_SLOTS", "Question",
           "SECONDS_PER_DAY", "SLOT_LADDER", "Server", "Solver", "first_guess", "max_slots", "server",
           "slot_context"]
