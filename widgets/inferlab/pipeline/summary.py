"""The whole-run figures: ``Simulation.summary()`` over a measurement window.

The window runs from t = 0, or from the last :meth:`RunMeter.reset` (to
leave a warm-up transient out), to now.  Latency percentiles come from a
log-bucketed histogram (bounded memory, within 0.5 %); time averages from
the levels' integrals; the mean wait from the queue's own per-message
bookkeeping, so that Little's law (mean backlog = arrival rate x mean wait)
compares two independent computations and is reported as
``littles_law_error``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from inferlab.pipeline import capacity as capacity_mod
from inferlab.pipeline.config import to_dict
from inferlab.pipeline.intervals import levels, status_window, window_figures
from inferlab.pipeline.metrics import LatencyHistogram, ratio
from inferlab.pipeline.status import describe
from inferlab.pipeline.theory import littles_law_gap

if TYPE_CHECKING:  # pragma: no cover
    from inferlab.pipeline.simulation import Simulation

#: The status of a simulation that has not advanced yet.
NOT_STARTED = "Not started: advance the simulation to see its state"


class RunMeter:
    """The summary's measurement window over *sim*."""

    __slots__ = ("sim", "latency", "truncated", "stall", "_t0", "_tally", "_marks", "_wait_base_s", "_entries_base",
                 "_depth0", "_itl_mark")

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        #: Latencies (ms) of the answers in the window, added as each interval closes.
        self.latency = LatencyHistogram()
        #: True if an event budget ran out within the window.
        self.truncated = False
        self._t0 = sim.engine.now
        self._tally = sim.tally.values()
        self._marks = [level.integral(self._t0) for level in levels(sim)]
        self._wait_base_s = 0.0
        self._entries_base = 0
        self._depth0 = 0
        self._itl_mark = sim.inference.itl_histogram().snapshot()
        #: The longest step that read a prompt beside generating slots: (ms, prompt tokens, slots stalled).
        self.stall: tuple[float, int, int] = (0.0, 0, 0)

    def reset(self) -> None:
        """Start the window now.

        Messages already waiting count as entries of the new window, with
        only the part of their wait inside it, so Little's law stays exact.
        """
        sim = self.sim
        now = sim.engine.now
        queue = sim.queue
        self.latency = LatencyHistogram()
        self.truncated = False
        self._t0 = now
        self._tally = sim.tally.values()
        self._marks = [level.integral(now) for level in levels(sim)]
        self._wait_base_s = sim.tally.wait_s + queue.waiting_partial_s(now)
        self._entries_base = sim.tally.queue_entries - queue.depth.value
        self._depth0 = queue.depth.value
        self._itl_mark = sim.inference.itl_histogram().snapshot()
        self.stall = (0.0, 0, 0)

    def note_stall(self, interval: dict[str, Any]) -> None:
        """Keep the interval's longest prompt stall if it is the window's longest so far."""
        if interval["stall_ms"] is not None and interval["stall_ms"] > self.stall[0]:
            self.stall = (interval["stall_ms"], interval["stall_prompt_tokens"], interval["stall_slots"])

    def summary(self) -> dict[str, Any]:
        """Figures over the window: from its start to now."""
        sim = self.sim
        cfg = sim.config
        now = sim.engine.now
        span = now - self._t0
        t = sim.tally.since(self._tally)
        hist = self.latency
        pending = sim.intervals.latencies
        if pending:  # answers since the last interval closed
            hist = hist.copy()
            hist.add_many(sorted(pending))
        queue_area, in_flight_area, busy_area, slots_area = (
            level.integral(now) - mark for level, mark in zip(levels(sim), self._marks))
        entries = sim.tally.queue_entries - self._entries_base
        wait_total_s = sim.tally.wait_s + sim.queue.waiting_partial_s(now) - self._wait_base_s
        mean_wait_s = wait_total_s / entries if entries else None
        has_span = span > 0
        lam = entries / span if has_span else None
        mean_q = queue_area / span if has_span else None
        little = None  # undefined without a span or without a wait
        if lam is not None and mean_q is not None and mean_wait_s is not None:
            gap = littles_law_gap(mean_q, lam, mean_wait_s)
            little = None if math.isinf(gap) else gap
        hits, misses = t["cache_hits"], t["cache_misses"]
        caps = capacity_mod.stage_capacities(cfg, sim.speeds, ratio(hits, hits + misses))
        name, cap = capacity_mod.bottleneck(caps)
        gaps = sim.inference.itl_histogram().since(self._itl_mark)
        stall = self.stall
        pending_s, pending_tokens, pending_slots = sim.inference.stall()  # since the last interval closed
        if pending_slots and pending_s * 1000.0 > stall[0]:
            stall = (pending_s * 1000.0, pending_tokens, pending_slots)
        p99 = hist.quantile(0.99)
        status = NOT_STARTED
        if has_span:  # the status line of this window: its own p99, capacity and counts
            status = describe(status_window(
                sim, truncated=self.truncated, span=span, arrivals=t["arrivals"], completed=t["completed"],
                depth_change=sim.queue.depth.value - self._depth0, capacity=cap, bottleneck=name,
                rejected_full=t["rejected_full"], rate_limited=t["rate_limited"], dead_lettered=t["dead_lettered"],
                llm_errors=t["llm_errors"], p99_ms=p99, mean_itl_ms=gaps.mean(), stall=stall))
        return {
            "simulated_s": now,
            "window_s": span,
            **window_figures(cfg, t, span, queue_area, in_flight_area, busy_area, slots_area),
            "mean_wait_ms": mean_wait_s * 1000.0 if mean_wait_s is not None else None,
            "mean_latency_ms": hist.mean(),
            "p50_latency_ms": hist.quantile(0.50),
            "p95_latency_ms": hist.quantile(0.95),
            "p99_latency_ms": p99,
            "max_latency_ms": hist.high if hist.count else None,
            "mean_itl_ms": gaps.mean(),
            "p50_itl_ms": gaps.quantile(0.50),
            "p99_itl_ms": gaps.quantile(0.99),
            "max_itl_ms": gaps.high if gaps.count else None,
            "longest_stall_ms": stall[0] if stall[2] else None,
            "longest_stall_prompt_tokens": stall[1] if stall[2] else None,
            "longest_stall_slots": stall[2] if stall[2] else None,
            "mean_queue_depth": mean_q,
            "queue_arrival_rate_rps": lam,
            "littles_law_error": little,
            "queue_depth_end": sim.queue.depth.value,
            "in_flight_end": sim.in_system,
            "capacity_rps": cap,
            "bottleneck": name,
            "speed_source": sim.speeds.source,
            "prefill_tps": sim.speeds.prefill_tps,
            "decode_tps": sim.speeds.decode_tps,
            "ctx_size": sim.speeds.n_ctx,
            "ctx_per_slot": sim.speeds.n_ctx_slot,
            "memory": sim.speeds.memory,
            "events": sim.engine.events,
            "truncated": self.truncated,
            "status": status,
            "seed": sim.seed,
            "config": to_dict(cfg),
        }
