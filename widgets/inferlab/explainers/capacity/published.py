"""The solver checked by simulating it: the orchestration simulator run at the answer and below it.

The ground truth of the capacity solver is the simulator of
:mod:`inferlab.pipeline` with its llama.cpp servers (the same step model, the
same unified batch): at the solved fleet its p99 must meet the target, and at
a clearly smaller fleet it must miss.  :func:`simulate` runs one fleet as the
simulator takes it (a constant Poisson rate at the peak, log-normal lengths,
no response cache and no database time, the network as the gateway's
latency); :func:`check` runs the answer and a fleet :data:`SMALLER` of its
size.  The tests and the widget's fidelity line both call :func:`check`.
"""

from __future__ import annotations

import math
from typing import Any

from inferlab.explainers.capacity.solve import Question
from inferlab.inputs import InputError

#: The smaller fleet of the check: this share of the answer's servers (rounded down, at least one fewer).
SMALLER = 0.7
#: Requests simulated per fleet (after a warm-up of WARMUP_S).
REQUESTS = 15_000
WARMUP_S = 20.0
#: Event budget per simulated fleet.
EVENT_BUDGET = 2_000_000
#: Most orchestrator workers the simulator takes; the check needs one per slot.
MAX_WORKERS = 1024


def simulate(q: Question, replicas: int, slots: int, *, requests: int = REQUESTS, seed: int = 1) -> dict[str, Any]:
    """Simulate *replicas* llama-servers with *slots* slots at *q*'s peak rate: p99/p50 (ms), requests, events."""
    from inferlab.pipeline import Simulation

    if q.reuse:
        raise InputError("reuse", q.reuse, "0 (the simulator has no prompt cache)")
    if replicas * slots > MAX_WORKERS:
        raise InputError("replicas", replicas, f"at most {MAX_WORKERS} slots in all (one orchestrator worker each)")
    cfg = dict(model=q.model, quant=q.quant, hardware=q.hardware, replicas=replicas, slots=slots,
               workers=MAX_WORKERS, arrival_rate=q.peak_rate, prompt_tokens_mean=q.prompt_tokens,
               prompt_tokens_cv=q.prompt_cv, output_tokens_mean=q.output_tokens, output_tokens_cv=q.output_cv,
               cache_enabled=False, db_latency_ms=0.0, gateway_latency_ms=q.network_ms,
               event_budget=EVENT_BUDGET, run_event_budget=EVENT_BUDGET)
    sim = Simulation(cfg, seed=seed)
    sim.run(WARMUP_S)
    sim.reset_stats()
    s = sim.run(requests / q.peak_rate)
    return {"replicas": replicas, "slots": slots, "p99_ms": s["p99_latency_ms"], "p50_ms": s["p50_latency_ms"],
            "requests": s["completed"], "events": s["events"], "truncated": s["truncated"]}


def smaller(replicas: int) -> int:
    """The fleet size the check expects to miss: :data:`SMALLER` of *replicas*, at least one fewer."""
    return max(1, min(replicas - 1, math.floor(replicas * SMALLER)))


def check(q: Question, replicas: int, slots: int, predicted_ms: float, **kw: Any) -> dict[str, Any]:
    """The solved fleet and a smaller one, simulated: ``{"answer": ..., "smaller": ..., "predicted_ms": ...}``."""
    small = smaller(replicas)
    return {"predicted_ms": predicted_ms, "answer": simulate(q, replicas, slots, **kw),
            "smaller": simulate(q, small, slots, **kw) if small < replicas else None}


def fidelity_line() -> str:
    """The widget's fidelity line: the default answer and a smaller fleet, solved and simulated."""
    from inferlab.explainers.capacity.widget import PARAMS, question, report

    v = PARAMS.parse({"sensitivity": False})
    r = report(v)
    q = question(v)
    got = check(q, r["replicas"], r["slots"], r["p99_ms"])
    a, s = got["answer"], got["smaller"]
    line = (f"the orchestration simulator (the same llama.cpp step model and unified batch, {a['requests']:,} "
            f"requests, seed 1) measures a p99 of {a['p99_ms']:.0f} ms for the default answer of {r['replicas']} "
            f"servers, where the solver predicts {r['p99_ms']:.0f} ms against the {q.p99_ms:g} ms target")
    if s is not None:
        line += f"; {s['replicas']} servers measure {s['p99_ms']:.0f} ms"
    return line + "."


__all__ = ["EVENT_BUDGET", "REQUESTS", "SMALLER", "check", "fidelity_line", "simulate", "smaller"]
