"""Every number of the capacity answer: the fleet, its latency budget, utilization, cost and sensitivity.

:func:`answer` is what the widget shows and ``python -m inferlab capacity
--json`` prints.  :func:`sensitivity` re-solves the question with one input
moved by +-20 % at a time, the slots per server held at the answer's, and
reports the GPUs each needs.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from inferlab.explainers.capacity.model import quantile, steady_state
from inferlab.explainers.capacity.prices import gpu_hour_price
from inferlab.inputs import InputError
from inferlab.explainers.capacity.solve import (HOURS_PER_MONTH, MAX_REPLICAS, Fleet, Question, Server, Solver,
                                                first_guess, server)

#: Inputs the sensitivity view moves, with their labels.
SENSITIVITY = (("tokens_per_day", "traffic"), ("prompt_tokens", "prompt length"), ("output_tokens", "output length"),
               ("p99_ms", "p99 target"), ("network_ms", "network time"))
#: How far each is moved.
STEP = 0.2


def saturation_rate(srv: Server) -> float:
    """Requests/s one server sustains at most (the rate where the steady state of :mod:`.model` ends)."""
    lo, hi = 0.0, 1.0
    while steady_state(srv.costs, srv.workload, hi, 1) is not None and hi < 1e7:
        lo, hi = hi, hi * 2.0
    while hi - lo > 2e-3 * hi:
        mid = (lo + hi) / 2.0
        if steady_state(srv.costs, srv.workload, mid, 1) is not None:
            lo = mid
        else:
            hi = mid
    return lo


def _cost(q: Question, gpus: int | None, srv: Server, slots: int | None) -> dict[str, Any]:
    price = gpu_hour_price(q.hardware)
    usd = q.gpu_hour_usd if q.gpu_hour_usd is not None else (price.usd if price else None)
    source = "given" if q.gpu_hour_usd is not None else (price.source if price else None)
    out: dict[str, Any] = {"gpu_hour_usd": usd, "price_source": source, "fleet_usd_per_hour": None,
                           "monthly_usd": None, "cost_per_million": None, "decode_cost_per_million": None,
                           "prefill_cost_per_million": None, "decode_tokens_per_s": None,
                           "prefill_tokens_per_s": None}
    if srv.max_slots == 0:
        return out
    s = slots or 1
    sm = srv.costs.sm
    decode_tps = s / sm.step_seconds([srv.workload.decode_depth] * s)
    new = max(1, int(q.prompt_tokens * (1.0 - q.reuse) + 0.5))
    prefill_tps = new / sm.prompt_seconds(new, srv.workload.cached_depth)
    out.update(decode_tokens_per_s=decode_tps, prefill_tokens_per_s=prefill_tps)
    if usd is None:
        return out
    per_server = usd * q.gpus
    out.update(decode_cost_per_million=per_server / (decode_tps * 3600.0) * 1e6,
               prefill_cost_per_million=per_server / (prefill_tps * 3600.0) * 1e6)
    if gpus:
        fleet = usd * gpus
        out.update(fleet_usd_per_hour=fleet, monthly_usd=fleet * HOURS_PER_MONTH,
                   cost_per_million=fleet * 24.0 / (q.tokens_per_day / 1e6))
    return out


def _budget(q: Question, f: Fleet, srv: Server) -> dict[str, float]:
    """Mean time (s) of a request at the peak rate, split: network, slot wait, wait in the server, prompt,
    decode steps, other requests' prompts in its steps."""
    lat, client = f.server, f.client
    assert lat is not None and client is not None
    n, td = lat.load.generating, lat.load.decode_step
    costs, w = srv.costs, srv.workload
    own = math.fsum(costs.prompt(m, n) + (costs.prompt_steps(m, n) - 1) * td for m in w.new_tokens) / len(w.new_tokens)
    ttft = math.fsum(lat.ttft) / len(lat.ttft)
    decode = math.fsum((o - 1) * td for o in w.outputs) / len(w.outputs)
    hold = math.fsum(lat.hold) / len(lat.hold)
    return {"network_s": q.network_ms / 1000.0, "slot_wait_s": client.mean_slot_wait, "server_wait_s": ttft - own,
            "prompt_s": own, "decode_s": decode, "interruptions_s": max(0.0, hold - ttft - decode)}


def _verdict(q: Question, srv: Server, floor: Fleet | None, best: Fleet | None) -> tuple[str, str]:
    """(reason code, one sentence)."""
    if srv.max_slots == 0:
        return "memory", (f"{q.model} at {q.quant} does not load on {q.gpus} x {q.hardware} with a "
                          f"{srv.slot_ctx:,}-token slot ({srv.fit_reason}): more GPUs per server or a smaller "
                          "quant or model")
    assert floor is not None and floor.client is not None
    c = floor.client
    if not floor.meets(q):
        what = (f"p99 {c.p99 * 1000:.0f} ms end to end" if c.p99 > q.p99_ms / 1000.0
                else f"p99 TTFT {c.ttft_p99 * 1000:.0f} ms")
        return "floor", (f"No fleet meets the target: a request alone on an idle server already takes {what} "
                         f"(network included), above the target. Only a faster model, quant or GPU, shorter "
                         "prompts or outputs, or prompt reuse lower it.")
    if best is None:
        return "beyond", f"The target needs more than {MAX_REPLICAS:,} servers at this traffic."
    return "ok", ""


def answer(q: Question) -> dict[str, Any]:
    """The fleet that meets *q*'s targets at its peak, and everything the widget shows about it."""
    srv = server(q)
    out: dict[str, Any] = {
        "mean_rps": q.mean_rate, "peak_rps": q.peak_rate, "mean_tokens_per_s": q.tokens_per_day / 86_400.0,
        "peak_tokens_per_s": q.tokens_per_day / 86_400.0 * q.peak_factor, "slot_ctx": srv.slot_ctx,
        "max_slots": srv.max_slots, "target_s": q.p99_ms / 1000.0,
    }
    floor = best = None
    if srv.max_slots:
        solver = Solver(q, srv)
        floor = solver.floor()
        assert floor.client is not None  # one request alone never saturates
        out.update(floor_p99_ms=floor.client.p99 * 1000.0, floor_ttft_p99_ms=floor.client.ttft_p99 * 1000.0)
        if floor.meets(q):
            best = solver.smallest(first_guess(q, srv))
    code, verdict = _verdict(q, srv, floor, best)
    out.update(feasible=code == "ok", reason=code, verdict=verdict)
    if best is None:
        out.update(dict.fromkeys(("replicas", "slots", "gpus", "ctx_size", "p99_ms", "p50_ms", "ttft_p99_ms",
                                  "mean_ms", "mean_batch", "prompt_share", "slot_wait_share", "utilization",
                                  "mean_utilization", "tokens_per_s_per_gpu", "hold_scv", "total_slots",
                                  "mean_hold_s", "saturation_rps", "slot_wait_p99_ms")))
        out.setdefault("floor_p99_ms", None)
        out.setdefault("floor_ttft_p99_ms", None)
        out.update(_cost(q, None, srv, q.slots or (srv.max_slots or None)), budget=None, curve=[])
        return out
    f = best
    slots = f.slots
    assert f.client is not None and f.server is not None and f.queue is not None
    gpus = f.replicas * q.gpus
    sat = saturation_rate(srv)
    queue = f.queue
    mean_hold = math.fsum(f.server.hold) / len(f.server.hold)
    out.update(hold_scv=queue.scv, total_slots=queue.slots, mean_hold_s=mean_hold, saturation_rps=sat,
               slot_wait_p99_ms=(max(0.0, math.log(queue.p_wait / 0.01)) * (1.0 + queue.scv)
                                 / (2.0 * (queue.slots / mean_hold - q.peak_rate)) * 1000.0) if queue.p_wait > 0 else 0.0)
    out.update(replicas=f.replicas, slots=slots, gpus=gpus, ctx_size=slots * srv.slot_ctx,
               p99_ms=f.client.p99 * 1000.0, p50_ms=f.client.p50 * 1000.0, ttft_p99_ms=f.client.ttft_p99 * 1000.0,
               mean_ms=f.client.mean * 1000.0,
               mean_batch=q.peak_rate / f.replicas * math.fsum(h - t for h, t in zip(f.server.hold, f.server.ttft))
               / len(f.server.hold),
               prompt_share=f.server.load.prompt_share, slot_wait_share=f.queue.p_wait,
               utilization=q.peak_rate / (f.replicas * sat) if sat > 0 else None,
               mean_utilization=q.mean_rate / (f.replicas * sat) if sat > 0 else None,
               tokens_per_s_per_gpu=q.tokens_per_day / 86_400.0 * q.peak_factor / gpus,
               budget=_budget(q, f, srv))
    out.update(_cost(q, gpus, srv, slots))
    out["curve"] = _curve(solver, f.replicas, slots)
    return out


def _curve(solver: Solver, replicas: int, slots: int) -> list[tuple[int, float]]:
    """``(servers, p99 s)`` around the answer: where the target is crossed."""
    sizes = sorted({max(1, round(replicas * k)) for k in (0.5, 0.67, 0.8, 0.9, 1.0, 1.25, 1.5, 2.0)} | {replicas})
    points = []
    for r in sizes:
        c = solver.fleet(r, slots).client
        if c is not None:
            points.append((r, c.p99))
    return points


def gpus_needed(q: Question, guess: int = 1) -> int | None:
    """GPUs the fewest servers meeting *q* need, or None when no fleet does."""
    try:
        srv = server(q)
    except InputError:  # moved past the model's trained context
        return None
    if not srv.max_slots:
        return None
    solver = Solver(q, srv)
    if not solver.floor().meets(q):
        return None
    best = solver.smallest(guess)
    return None if best is None else best.replicas * q.gpus


def sensitivity(q: Question, replicas: int | None, slots: int | None = None) -> list[dict[str, Any]]:
    """GPUs needed with each input of :data:`SENSITIVITY` moved by -20 % and +20 % (None: no fleet meets it),
    the slots per server held at *slots* (the answer's)."""
    rows = []
    guess = replicas or 1
    fixed = replace(q, slots=slots) if slots is not None else q
    for name, label in SENSITIVITY:
        base = getattr(q, name)
        if not base:
            continue
        row: dict[str, Any] = {"input": name, "label": label}
        for key, f in (("low", 1.0 - STEP), ("high", 1.0 + STEP)):
            row[key] = gpus_needed(replace(fixed, **{name: base * f}), guess)
        rows.append(row)
    return rows


__all__ = ["SENSITIVITY", "STEP", "answer", "gpus_needed", "quantile", "saturation_rate", "sensitivity"]
