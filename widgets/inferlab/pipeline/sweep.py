"""Batch runs: one metric against one control, all in one call.

    rows = sweep({"arrival_rate": 20}, "workers", range(4, 68, 4), duration_s=60)
    [(r["value"], r["p99_latency_ms"]) for r in rows]

Every point uses the same seed.  Because each source of randomness has its
own stream, the points see the very same requests (arrival times, prompts,
token counts): the curve differs only by the swept control (common random
numbers), so it is smooth even for short runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from inferlab.inputs import InputError
from inferlab.pipeline.config import PARAMS, Config, check_seconds, make_config
from inferlab.pipeline.simulation import Simulation

#: Most points one sweep may have.
MAX_POINTS = 256


def sweep(config: Mapping[str, Any] | Config | None, field: str, values: Iterable[Any], *,
          duration_s: float = 60.0, warmup_s: float = 0.0, seed: int = 0,
          interval_s: float | None = None) -> list[dict[str, Any]]:
    """Run one simulation per value of *field*; return each run's summary plus ``"value"``.

    *warmup_s* seconds are simulated first and left out of the summary.  Each
    point has the config's event budget; a point that runs out says
    ``"truncated": True``.
    """
    PARAMS.get(field)  # an unknown field is an InputError listing the known ones
    values = list(values)
    if not 1 <= len(values) <= MAX_POINTS:
        raise InputError("values", len(values), f"1 to {MAX_POINTS} points", reason="points are not allowed")
    duration_s = check_seconds("duration", duration_s)
    warmup_s = check_seconds("warmup", warmup_s)
    base = make_config(config)
    rows = []
    for value in values:
        cfg = make_config(base, **{field: value})
        sim = Simulation(cfg, seed=seed)
        step = interval_s if interval_s is not None else max(1.0, (warmup_s + duration_s) / 50.0)
        if warmup_s > 0:
            sim.run(warmup_s, interval_s=step)
            sim.reset_stats()
        summary = sim.run(duration_s, interval_s=step)
        summary["value"] = value
        summary["field"] = field
        del summary["config"]
        rows.append(summary)
    return rows
