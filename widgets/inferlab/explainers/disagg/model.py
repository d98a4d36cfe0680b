"""Co-located vs disaggregated serving: the configuration, the workload, goodput and the pool ratio.

Goodput is DistServe's (Zhong et al., arXiv 2401.09670, section 1): the
highest request rate at which the share of requests meeting *both* the TTFT
and the TPOT target stays at or above the attainment goal (90 % in the
paper), divided by the GPUs provisioned.  It is found by bisection on the
arrival rate, each probe one simulation (:mod:`.simulation`) of the same
requests (common random numbers: one seeded draw of unit-rate arrival times
and lengths, arrival times divided by the rate), so attainment falls
monotonically with the rate up to sampling noise.  The pool ratio is the
split of a fixed number of instances into prefill and decode instances with
the highest goodput, every split simulated (DistServe's Algorithm 2
enumerates placements the same way).

Units: times s, rates requests/s, bytes, bandwidth bytes/s.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass
from typing import Any

from inferlab.explainers.disagg.links import LINKS, link_bytes_per_s
from inferlab.explainers.disagg.simulation import EVENT_BUDGET, Cluster, Link, simulate
from inferlab.inputs import InputError

#: Largest slot count (-np) searched when the input is left empty.
MAX_SLOTS = 256
#: Caps of the length distributions, as multiples of the mean.
LENGTH_CAP = {"fixed": 1.0, "uniform": 1.5, "exponential": 4.0}
#: Bisection probes after the rate is bracketed (each halves the interval).
BISECTION_STEPS = 7
#: Simulation events one report may spend over all its probes: the defaults need ~30,000; the worst inputs
#: (8 instances of a 1B model, 1,000 requests of long outputs, big batches) stop here after ~8 s of CPython.
REPORT_EVENT_BUDGET = 200_000


class Budget:
    """Events left for the simulations of one report; ``truncated`` once any run or search was cut short."""

    def __init__(self, events: int | None = None) -> None:
        self.left = REPORT_EVENT_BUDGET if events is None else events
        self.truncated = False


@dataclass(frozen=True)
class Setup:
    """One instance's llama.cpp configuration and what follows from it."""

    sm: Any
    n_layers: int
    kv_bytes_per_token: float
    per_slot_tokens: int
    slots: int
    slots_fit: int
    affine: bool
    gpus: int
    pcie_gbs: float | None


def _cap(mean: int, spread: str) -> int:
    return max(1, int(math.ceil(mean * LENGTH_CAP[spread])))


@functools.lru_cache(maxsize=16)
def _setup(model: str, quant: str, hardware: str, gpus: int, prompt_cap: int, output_cap: int,
           slots: int | None, batch_tokens: int) -> Setup:
    from inferlab.catalog.hardware import get_hardware
    from inferlab.catalog.models import build_shape
    from inferlab.llamacpp.calculator import memory_report, speed_model
    from inferlab.llamacpp.kv_cache import pad

    hw = get_hardware(hardware)
    if hw.gpu is None:
        raise InputError("hardware", hardware, "a preset with a GPU (disaggregation moves KV caches between GPUs)")
    shape = build_shape(model)
    per_slot = pad(prompt_cap + output_cap)
    if per_slot > shape.max_ctx:
        raise InputError("prompt_tokens", prompt_cap, f"prompt + output (at their largest) within "
                                                      f"{shape.display_name}'s {shape.max_ctx:,}-token context")
    common: dict[str, Any] = dict(model=model, quant=quant, hardware=hardware, gpus=gpus, gpu_layers=999)

    def fits(n: int) -> bool:
        return memory_report(**common, ctx=n * per_slot, parallel=n)["fits"]

    if not fits(1):
        r = memory_report(**common, ctx=per_slot, parallel=1)
        raise InputError("model", model, f"a model that fits {gpus} x {hw.gpu.name} with one slot",
                         reason=f"does not fit ({r['fits_reason']})")
    lo, hi = 1, MAX_SLOTS
    if fits(hi):
        lo = hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    n = min(lo, batch_tokens) if slots is None else slots
    if n > lo:
        raise InputError("slots", slots, f"at most {lo} (slots of {per_slot:,} tokens that fit beside the weights)")
    if n > batch_tokens:  # every generating slot puts one token in each batch
        raise InputError("slots", slots, f"at most batch_tokens = {batch_tokens}")
    sm = speed_model(**common, ctx=n * per_slot, parallel=n)
    bpt = memory_report(**common, ctx=per_slot, parallel=1)["kv_cache_bytes_per_token"]
    affine = not (shape.swa_in_llama_cpp and shape.swa_pattern and shape.sliding_window)
    return Setup(sm, shape.n_layers, bpt, per_slot, n, lo, affine, gpus, hw.gpu.pcie_gbs)


def setup(v: dict[str, Any]) -> Setup:
    """The :class:`Setup` of the widget values *v* (cached)."""
    return _setup(v["model"], v["quant"], v["hardware"], v["gpus"], _cap(v["prompt_tokens"], v["spread"]),
                  _cap(v["output_tokens"], v["spread"]), v["slots"], v["batch_tokens"])


def link(v: dict[str, Any], st: Setup) -> Link:
    """The link of *v*: bytes/s per GPU, fixed cost, layer-wise overlap."""
    bps = link_bytes_per_s(v["link"], st.pcie_gbs, v["link_gbps"])
    latency = LINKS[v["link"]].latency_ms if v["link_latency_ms"] is None else v["link_latency_ms"]
    return Link(bps, latency / 1e3, v["layerwise"], st.n_layers)


@functools.lru_cache(maxsize=8)
def draw_workload(n: int, prompt: int, output: int, spread: str, seed: int) -> tuple[tuple[float, int, int], ...]:
    """*n* requests: unit-rate Poisson arrival times and (prompt, output) lengths of mean *prompt* / *output*."""
    rng = random.Random(seed)
    caps = (_cap(prompt, spread), _cap(output, spread))

    def draw(mean: int, cap: int) -> int:
        if spread == "fixed":
            return mean
        x = rng.uniform(0.5 * mean, 1.5 * mean) if spread == "uniform" else rng.expovariate(1.0 / mean)
        return max(1, min(cap, round(x)))

    t, out = 0.0, []
    for _ in range(n):
        t += rng.expovariate(1.0)
        out.append((t, draw(prompt, caps[0]), draw(output, caps[1])))
    return tuple(out)


def workload(v: dict[str, Any]) -> list[tuple[float, int, int]]:
    """``requests`` requests: unit-rate Poisson arrival times and (prompt, output) lengths, seeded."""
    return list(draw_workload(v["requests"], v["prompt_tokens"], v["output_tokens"], v["spread"], v["seed"]))


def cluster(v: dict[str, Any], st: Setup, prefill: int) -> Cluster:
    """*prefill* prefill instances and the rest decode instances (0: every instance co-located)."""
    return Cluster(prefill, v["instances"] - prefill, st.slots, v["batch_tokens"], st.gpus, st.kv_bytes_per_token,
                   link(v, st) if prefill else None, st.affine)


def _quantile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))]


def evaluate(v: dict[str, Any], st: Setup, prefill: int, rate: float, budget: Budget | None = None) -> dict[str, Any]:
    """One simulation at *rate*: attainment of both targets, P90 TTFT and TPOT, mean phase times."""
    budget = budget or Budget()
    out = simulate(cluster(v, st, prefill), st.sm, workload(v), rate, min(EVENT_BUDGET, max(1, budget.left)))
    budget.left -= out["events"]
    budget.truncated = budget.truncated or out["truncated"]
    ttft, tpot = out["ttft"], out["tpot"]
    ok = sum(1 for a, b in zip(ttft, tpot) if a <= v["ttft_slo"] and b <= v["tpot_slo"])
    n = out["n"]
    return {"rate": rate, "attainment": ok / n, "ttft_p90": _quantile(ttft, 0.9), "tpot_p90": _quantile(tpot, 0.9),
            "gap_p90": _quantile(out["gap"], 0.9),
            "ttft_ok": sum(1 for a in ttft if a <= v["ttft_slo"]) / n,
            "tpot_ok": sum(1 for b in tpot if b <= v["tpot_slo"]) / n,
            "phases": {k: x / n for k, x in out["phases"].items()}, "truncated": out["truncated"],
            "events": out["events"]}


def _rate_bound(v: dict[str, Any], st: Setup, prefill: int) -> float:
    """A rate no split of these instances can sustain: every prefill-capable GPU busy reading prompts."""
    readers = prefill or v["instances"]
    return 2.0 * readers / st.sm.prompt_seconds(v["prompt_tokens"])


def goodput(v: dict[str, Any], st: Setup, prefill: int, budget: Budget | None = None) -> dict[str, Any]:
    """Highest rate meeting the attainment goal, by bisection; ``probes`` are the simulations it ran.

    The search starts at 1/64 of a rate no configuration sustains (0 if the
    goal fails even there: the targets cannot be met at any load) and stops
    early, keeping its best bracket, when the budget runs out.
    """
    budget = budget or Budget()
    goal = v["attainment"]
    hi = _rate_bound(v, st, prefill)
    probes = [evaluate(v, st, prefill, hi / 64.0, budget)]
    if probes[0]["attainment"] < goal:
        return {"rate": 0.0, "probes": probes}
    lo = hi / 64.0
    while budget.left > 0:
        top = evaluate(v, st, prefill, hi, budget)
        probes.append(top)
        if top["attainment"] < goal or hi > 1e6:
            break
        lo, hi = hi, hi * 2.0
    for _ in range(BISECTION_STEPS):
        if budget.left <= 0:
            budget.truncated = True
            break
        mid = math.sqrt(lo * hi)
        p = evaluate(v, st, prefill, mid, budget)
        probes.append(p)
        lo, hi = (mid, hi) if p["attainment"] >= goal else (lo, mid)
    return {"rate": lo, "probes": sorted(probes, key=lambda p: p["rate"])}


def best_split(v: dict[str, Any], st: Setup, budget: Budget | None = None
               ) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
    """The prefill instance count (1 .. instances - 1) with the highest goodput; every split's goodput."""
    budget = budget or Budget()
    rows = []
    for p in range(1, v["instances"]):
        g = goodput(v, st, p, budget)
        rows.append({"prefill": p, "decode": v["instances"] - p, "rate": g["rate"], "probes": g["probes"]})
    best = max(rows, key=lambda r: (r["rate"], -abs(r["prefill"] - r["decode"])))
    return best["prefill"], best, rows


__all__ = ["BISECTION_STEPS", "Budget", "REPORT_EVENT_BUDGET", "LENGTH_CAP", "MAX_SLOTS", "Setup", "best_split", "cluster", "draw_workload", "evaluate", "goodput",
           "link", "setup", "workload"]
