"""One llama-server under load: the latency distribution of a request, from the step model up.

The server runs llama-server's unified batch (``inferlab.llamacpp.server``):
every step holds one token of each generating slot, then prompt tokens up to
``n_batch``.  A step's time comes from the llama.cpp step model
(:meth:`inferlab.llamacpp.speed.SpeedModel.step_seconds`), and two
quantities of it carry everything below:

* ``t_d(n)``, a decode-only step of ``n`` generating slots at the workload's
  mean depth (the step model is affine in the cached tokens, so the mean depth
  gives the mean step);
* ``delta(m)``, what ``m`` prompt tokens add to a step beside the generating
  slots (the step with them minus the step without).  Nearly linear in ``m``,
  so prompts that share a step add up.

**A request's time on its server.**  It waits for the step in progress
(uniform over ``t_d`` when a slot is generating, which happens with the
probability ``1 - exp(-n)`` of a Poisson count of generating slots), then
for the prompt tokens queued ahead of it, ``V`` (a G/G/1 queue of prompt
work: Kingman's form of the Allen-Cunneen approximation for the mean,
``P(V > 0) = rho_v`` and an exponential tail), then its own prompt step,
``t_d(n) + delta(P)`` (plus ``t_d`` per further step when the prompt is split
over several).  Its first token comes at the end of that step (TTFT), and
prompts that arrived while it waited and fit beside it in ``n_batch`` ride
in that step.  Then it needs ``O - 1`` decode steps, and every prompt that
reaches its server before its last step lengthens one of them by the
prompt's ``delta``.  Those arrivals are walked in time order, each one
extending the window in which further arrivals count: the completion time of
a job under preemptive-priority interruptions (Kleinrock, *Queueing Systems*
vol. 2, section 3.7), counted directly.

**The steady state.**  The mean number of generating slots follows from
Little's law, ``n = lambda E[decode time]``, with ``E[decode time] = (E[O -
1] t_d + lambda E[delta] E[TTFT]) / (1 - rho)`` and ``rho = lambda
E[delta]`` the share of time spent on prompts: a fixed point in ``n``, found
by bisection; a server past saturation has none.

**Arrivals.**  The fleet's load balancer sends requests round robin (the next
server with a free slot), so a server sees every R-th arrival of a Poisson
stream: gaps are Erlang(R), squared coefficient of variation ``1 / R``.

**The distribution.**  Each of :data:`SAMPLES` draws has its own prompt and
output lengths (log-normal, rounded, as the simulator draws them), residual,
prompt wait and sequence of later arrivals.  The draws are fixed (a Halton
set and a seeded generator), the same for every evaluation, so an answer is
deterministic and moves smoothly with the inputs.  The slot wait
(:mod:`.fleet`) is added on top.

Times in seconds, rates in requests/s.
"""

from __future__ import annotations

import math
import random
import statistics
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from inferlab.llamacpp.speed import MATMUL_MIN_TOKENS

#: Draws per latency distribution: the p99 rests on the largest 20 of them.
SAMPLES = 2048
#: Most prompt arrivals counted inside one request's window (beyond it the request is far past any target).
MAX_INTERRUPTS = 24
#: Prompt lengths are timed on a grid of this many tokens (linear in between; micro-batch edges fall on it).
GRID_TOKENS = 32
#: A server whose mean generating count passes this is saturated (no steady state).
MAX_GENERATING = 4096
_PRIMES = (2, 3, 5, 7, 11, 13)


def _halton(index: int, base: int) -> float:
    """The *index*-th (from 1) point of the van der Corput sequence in *base*."""
    f, r = 1.0, 0.0
    while index:
        f /= base
        r += f * (index % base)
        index //= base
    return r


@lru_cache(maxsize=1)
def draws() -> tuple[tuple[tuple[float, ...], ...], tuple[tuple[tuple[float, float, float, float], ...], ...]]:
    """``(per-request uniforms, per-request arrival draws)``: fixed for every evaluation.

    Each request gets six Halton coordinates (prompt, output, in-step flag,
    residual, prompt wait, requests already on its server) and a slot-wait
    uniform; and, for each of the next :data:`MAX_INTERRUPTS` arrivals at its
    server, ``(uniform of the gap, its normal score, uniform picking the
    arrival's request, uniform of a residual time)`` from a seeded generator.
    Computed once (a few milliseconds).
    """
    rows = tuple(tuple(_halton(i + 20, b) for b in _PRIMES) + (_halton(i + 20, 17),) for i in range(1, SAMPLES + 1))
    rng = random.Random(20240526)
    nd = statistics.NormalDist()
    arrivals = []
    for _ in range(SAMPLES):
        row = []
        for _ in range(MAX_INTERRUPTS):
            u = rng.random()
            row.append((u, nd.inv_cdf(min(max(u, 1e-12), 1.0 - 1e-12)), rng.random(), rng.random()))
        arrivals.append(tuple(row))
    return rows, tuple(arrivals)


def erlang_gap(u: float, z: float, replicas: int, fleet_rate: float) -> float:
    """The gap (s) to a server's next arrival when it gets every *replicas*-th of a Poisson stream at
    *fleet_rate*: Erlang(R, rate), from its uniform *u* (R = 1: exact) or normal score *z* (Wilson-Hilferty)."""
    if replicas == 1:
        return -math.log1p(-u) / fleet_rate
    k = replicas
    c = 1.0 / (9.0 * k)
    base = 1.0 - c + z * math.sqrt(c)
    return k / fleet_rate * base * base * base if base > 0.0 else 0.0


@lru_cache(maxsize=1)
def _normal_scores() -> tuple[tuple[float, float], ...]:
    """Standard normal quantiles of the prompt and output coordinates of :func:`draws`."""
    nd = statistics.NormalDist()
    return tuple((nd.inv_cdf(u[0]), nd.inv_cdf(u[1])) for u in draws()[0])


def lognormal_counts(mean: float, cv: float, column: int, cap: int) -> list[int]:
    """Token counts of the fixed draws: log-normal with *mean* and *cv*, rounded, 1..*cap* (the simulator's draw)."""
    if cv <= 0:
        k = min(cap, max(1, int(mean + 0.5)))
        return [k] * SAMPLES
    s2 = math.log1p(cv * cv)
    mu, s = math.log(mean) - s2 / 2.0, math.sqrt(s2)
    return [min(cap, max(1, int(math.exp(mu + s * z[column]) + 0.5))) for z in _normal_scores()]


def lognormal_quantile(mean: float, cv: float, q: float) -> float:
    """The *q*-quantile of a log-normal with *mean* and coefficient of variation *cv*."""
    if cv <= 0:
        return mean
    s2 = math.log1p(cv * cv)
    return math.exp(math.log(mean) - s2 / 2.0 + math.sqrt(s2) * statistics.NormalDist().inv_cdf(q))


@dataclass(frozen=True)
class Workload:
    """Request shape: log-normal prompt and output tokens; *reuse* = share of the prompt already cached."""

    prompt_mean: float
    prompt_cv: float
    output_mean: float
    output_cv: float
    reuse: float = 0.0
    cap: int = 32768

    @cached_property
    def prompts(self) -> list[int]:
        """Prompt tokens of each draw."""
        return lognormal_counts(self.prompt_mean, self.prompt_cv, 0, self.cap)

    @cached_property
    def new_tokens(self) -> list[int]:
        """Prompt tokens each draw must read (those not found in the slot's cache)."""
        keep = 1.0 - self.reuse
        return [max(1, int(p * keep + 0.5)) for p in self.prompts]

    @cached_property
    def outputs(self) -> list[int]:
        """Output tokens of each draw."""
        return lognormal_counts(self.output_mean, self.output_cv, 1, self.cap)

    @property
    def decode_depth(self) -> float:
        """Mean tokens cached while a request generates: its prompt and half its output (as
        ``inferlab.llamacpp.server.saturated_throughput`` takes it)."""
        return self.prompt_mean + max(0.0, self.output_mean - 2.0) / 2.0

    @property
    def cached_depth(self) -> int:
        """Mean cached tokens a prompt's new tokens start after."""
        return int(self.prompt_mean * self.reuse + 0.5)


def _mean(xs: Sequence[float]) -> float:
    return math.fsum(xs) / len(xs)


def _grid(values: Sequence[int], points: int = 64) -> list[int]:
    """*points* evenly spaced order statistics of *values* (for the fixed point's moments)."""
    ordered = sorted(values)
    step = len(ordered) / points
    return [ordered[int((i + 0.5) * step)] for i in range(points)]


class StepCosts:
    """``t_d(n)`` and ``delta(m)`` of one server's step model, cached (see the module docstring)."""

    def __init__(self, step_model: Any, workload: Workload, n_batch: int) -> None:
        self.sm = step_model
        self.n_batch = n_batch
        self.depth = workload.decode_depth
        self.prompt_depth = workload.cached_depth
        self._decode: dict[int, float] = {}
        self._prompt: dict[tuple[int, int], float] = {}
        self._moments: dict[int, tuple[float, float, float]] = {}
        #: 64 evenly spaced order statistics of the new prompt tokens: the fixed point's moments are over these.
        self.grid = _grid(workload.new_tokens)

    def _decode_int(self, k: int) -> float:
        got = self._decode.get(k)
        if got is None:
            got = self._decode[k] = self.sm.step_seconds([self.depth] * k) if k else 0.0
        return got

    def decode(self, n: float) -> float:
        """Seconds of a decode-only step with *n* slots generating (linear between whole counts)."""
        k = int(n)
        f = n - k
        low = self._decode_int(k)
        return low if f == 0.0 else low + (self._decode_int(k + 1) - low) * f

    def _prompt_at(self, m: int, k: int) -> float:
        key = (m, k)
        got = self._prompt.get(key)
        if got is None:
            if m == 0:
                got = 0.0
            else:
                with_prompt = self.sm.step_seconds([self.depth] * k, [(m, self.prompt_depth)], k + 1)
                got = with_prompt - self._decode_int(k)
            self._prompt[key] = got
        return got

    def _prompt_k(self, m: int, k: int) -> float:
        # knots at the first and last token count of each cell of GRID_TOKENS batch tokens (k + m): a
        # micro-batch edge (a multiple of n_ubatch) never falls inside a cell, so the step is smooth across it
        # (small batches, where the kernels change, are timed exactly)
        total = k + m
        first = (total - 1) // GRID_TOKENS * GRID_TOKENS + 1 - k
        last = first + GRID_TOKENS - 1
        if m in (first, last) or total <= 2 * MATMUL_MIN_TOKENS:
            return self._prompt_at(m, k)
        a = self._prompt_at(first, k)
        return a + (self._prompt_at(last, k) - a) * (m - first) / (last - first)

    def prompt(self, m: int, n: float) -> float:
        """Seconds *m* prompt tokens add to a step beside *n* generating slots (linear between whole counts)."""
        k = int(n)
        f = n - k
        a = self._prompt_k(m, k)
        return a if f == 0.0 else a + (self._prompt_k(m, k + 1) - a) * f

    def _moments_k(self, k: int) -> tuple[float, float, float]:
        got = self._moments.get(k)
        if got is None:
            ds = [self._prompt_k(m, k) for m in self.grid]
            got = self._moments[k] = (_mean(ds), _mean([d * d for d in ds]),
                                      _mean([d * m for d, m in zip(ds, self.grid)]))
        return got

    def moments(self, n: float) -> tuple[float, float, float]:
        """``(E[delta], E[delta^2], E[delta m])`` over :attr:`grid` beside *n* generating slots."""
        k = int(n)
        f = n - k
        a = self._moments_k(k)
        if f == 0.0:
            return a
        b = self._moments_k(k + 1)
        return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f)

    def prompt_steps(self, m: int, n: float) -> int:
        """Steps a prompt of *m* new tokens is read in, beside *n* generating slots."""
        room = max(1.0, self.n_batch - n)
        return max(1, math.ceil(m / room))


@dataclass
class ServerLoad:
    """The steady state of one server at a request rate (means; seconds, requests/s)."""

    rate: float              # requests/s this server receives
    generating: float        # mean slots generating (time average)
    decode_step: float       # the decode step a generating request sees
    prompt_share: float      # rho: share of time spent on prompt tokens
    prompt_queue_share: float  # rho_v: prompt work including the step bases it drives
    mean_prompt_wait: float  # E[V]
    mean_ttft: float
    mean_decode: float


def steady_state(costs: StepCosts, workload: Workload, rate: float, replicas: int) -> ServerLoad | None:
    """The fixed point of the module docstring for one of *replicas* servers sharing *rate*; None when saturated.

    ``g(n) = lambda E[decode time](n) - n`` is positive at ``n = 0``; its root
    is bracketed by doubling and found by bisection (a saturated server has
    none below :data:`MAX_GENERATING`).
    """
    lam = rate / replicas
    grid = costs.grid
    mean_out_steps = _mean([o - 1 for o in workload.outputs])
    ca2 = 1.0 / replicas
    e_m = _mean(grid)
    e_m2 = _mean([m * m for m in grid])

    def state(n: float) -> ServerLoad | None:
        td = costs.decode(n + 1.0)
        e_delta, e_delta2, e_delta_m = costs.moments(n)
        per_token = td / max(1.0, costs.n_batch - n)  # the step bases a queue of prompt tokens drives
        e_work = e_delta + e_m * per_token
        e_work2 = e_delta2 + 2.0 * e_delta_m * per_token + e_m2 * per_token * per_token
        rho, rho_v = lam * e_delta, lam * e_work
        if rho >= 1.0 or rho_v >= 1.0:
            return None
        room = max(1.0, costs.n_batch - n)
        e_steps = _mean([math.ceil(m / room) for m in grid]) - 1.0
        cs2 = max(0.0, e_work2 / (e_work * e_work) - 1.0)
        mean_v = (ca2 + cs2) / 2.0 * rho_v / (1.0 - rho_v) * e_work  # Kingman
        ttft = (1.0 - math.exp(-n)) * td / 2.0 + mean_v + costs.decode(n) + e_delta + e_steps * td
        decode = (mean_out_steps * td + lam * e_delta * ttft) / (1.0 - rho)
        return ServerLoad(lam, n, td, rho, rho_v, mean_v, ttft, decode)

    def gap(n: float) -> float:
        st = state(n)
        return math.inf if st is None else lam * st.mean_decode - n

    lo, hi = 0.0, 1.0
    while gap(hi) > 0.0:
        lo, hi = hi, hi * 2.0
        if hi > MAX_GENERATING:
            return None
    if gap(lo) == math.inf:
        return None
    while hi - lo > 1e-6 * (1.0 + hi):
        mid = 0.5 * (lo + hi)
        if gap(mid) > 0.0:
            lo = mid
        else:
            hi = mid
    return state(hi)


@dataclass
class Latencies:
    """Per-draw server times (s): from getting a slot to the first token, and to the last."""

    load: ServerLoad
    ttft: list[float]
    hold: list[float]


def _poisson_quantile(u: float, mean: float, top: int) -> int:
    """The Poisson(*mean*) count at uniform *u*, at most *top*."""
    k, p = 0, math.exp(-mean)
    cdf = p
    while u > cdf and k < top:
        k += 1
        p *= mean / k
        cdf += p
    return k


def _capped_mean(mean: float, top: int) -> float:
    """E[min(K, top)] for K ~ Poisson(*mean*)."""
    p, cdf, total = math.exp(-mean), 0.0, 0.0
    for k in range(top):
        cdf += p
        total += 1.0 - cdf  # P(K > k)
        p *= mean / (k + 1)
    return total


def server_latencies(costs: StepCosts, workload: Workload, rate: float, replicas: int,
                     slots: int | None = None) -> Latencies | None:
    """Each draw's time to first token and to its last token on one of *replicas* servers of *slots* slots
    (None: as many as it takes); None when saturated.

    With few slots a server holds few requests: a prompt that arrives while
    every slot is taken goes to another server and lengthens none of this
    one's steps, and with one slot a request is alone on its server.  The
    walk keeps each slot's busy-until time: the requests found on the server
    (a Poisson count, capped) leave after an exponential residual of the
    holding time, the requests admitted after it hold their slot for their
    own time alone.
    """
    if rate <= 0.0:
        load = ServerLoad(0.0, 0.0, costs.decode(1.0), 0.0, 0.0, 0.0, 0.0, 0.0)
    else:
        got = steady_state(costs, workload, rate, replicas)
        if got is None:
            return None
        load = got
    cap = None if slots is None or slots - 1 >= MAX_INTERRUPTS else slots - 1  # other requests a server holds
    n, lam = load.generating, load.rate
    seen = n if cap is None else _capped_mean(n, cap)  # others generating beside a request
    td = costs.decode(seen + 1.0)
    p_gen = 1.0 - math.exp(-n) if cap != 0 else 0.0
    rho_v = load.prompt_queue_share if cap != 0 else 0.0
    wait_scale = load.mean_prompt_wait / rho_v if rho_v > 0 else 0.0
    news, outs = workload.new_tokens, workload.outputs
    table = {m: costs.prompt(m, seen) for m in set(news)}
    room = max(1.0, costs.n_batch - seen)
    deltas = [table[m] for m in news]  # each draw's prompt: seconds it adds to a step
    steps = [max(1, math.ceil(m / room)) for m in news]  # and the steps it is read in
    others = costs.decode(seen)  # the step the prompt is read in also carries the other generating slots
    alone = [d + (c + o - 2) * td for d, c, o in zip(deltas, steps, outs)]
    residual = _mean([a * a for a in alone]) / (2.0 * _mean(alone))  # mean residual of a holding time
    rows, arrivals = draws()
    ttft, hold = [], []
    for u, later, m, delta, c, o in zip(rows, arrivals, news, deltas, steps, outs):
        start = u[3] * td if u[2] < p_gen else 0.0  # the step in progress
        if u[4] < rho_v:
            start -= wait_scale * math.log(u[4] / rho_v)  # the prompts queued ahead of it
        t = start + others + delta + (c - 1) * td
        end = t + (o - 1) * td  # its last token, if no prompt came after it
        if lam > 0 and cap != 0:
            left = costs.n_batch - seen - m  # batch tokens left beside it in its first prompt step
            busy = None
            if cap is not None:  # busy-until time of each other slot
                found = _poisson_quantile(u[5], n, cap)
                busy = [-residual * math.log1p(-later[k][3]) for k in range(found)] + [0.0] * (cap - found)
            at = 0.0
            for gap_u, gap_z, pick, _ in later:  # a prompt arriving before its last step lengthens a step of it
                at += erlang_gap(gap_u, gap_z, replicas, rate)
                if at >= end - td:
                    break
                j = int(pick * SAMPLES)
                if busy is not None:
                    free = next((i for i, b in enumerate(busy) if b <= at), None)
                    if free is None:
                        continue  # every slot taken: it goes to another server
                    busy[free] = at + alone[j]
                end += deltas[j]
                if at < start and news[j] <= left:  # it arrived in time to ride in the same step
                    t += deltas[j]
                    left -= news[j]
        ttft.append(t)
        hold.append(end)
    return Latencies(load, ttft, hold)


def quantile(values: Sequence[float], q: float) -> float:
    """The *q*-quantile of *values* (linear between order statistics)."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    i = int(pos)
    if i + 1 >= len(ordered):
        return ordered[-1]
    return ordered[i] + (ordered[i + 1] - ordered[i]) * (pos - i)


def exceeding(values: Sequence[float], limit: float) -> float:
    """Share of *values* above *limit*."""
    ordered = sorted(values)
    return 1.0 - bisect_right(ordered, limit) / len(ordered)


__all__ = ["Latencies", "SAMPLES", "ServerLoad", "StepCosts", "Workload", "draws",
           "exceeding", "lognormal_counts", "lognormal_quantile", "quantile", "server_latencies", "steady_state"]
