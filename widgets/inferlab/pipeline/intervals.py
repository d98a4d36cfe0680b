"""What one ``Simulation.advance(dt)`` returns: the metrics of that interval.

:class:`IntervalMeter` closes each interval: counts since the previous one,
rates, time averages, latency percentiles of the answers in it, the capacity
estimate and the bottleneck, the status line (over the last
:data:`STATUS_WINDOW_S` seconds, see :mod:`~inferlab.pipeline.status`) and
the per-stage snapshot the widget's diagram draws.  Its cost does not grow
with the run: no walk of the whole history (see :class:`RecentLookups`).
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Any

from inferlab.pipeline import capacity as capacity_mod
from inferlab.pipeline.metrics import HistogramSnapshot, LatencyHistogram, Level, percentile, ratio
from inferlab.pipeline.status import describe

if TYPE_CHECKING:  # pragma: no cover
    from inferlab.pipeline.config import Config
    from inferlab.pipeline.simulation import Simulation

#: Seconds of recent history the status line looks at ...
STATUS_WINDOW_S = 5.0
#: ... or this many intervals when they are shorter (a run of near-empty steps stays O(1) per step).
STATUS_WINDOW_INTERVALS = 256
#: Cache lookups of recent history the capacity estimate's hit rate looks at.
RECENT_LOOKUPS = 200


class IntervalMeter:
    """Turns the state of *sim* between two instants into one interval's metrics."""

    __slots__ = ("sim", "latencies", "status_window", "_prev_tally", "_marks", "_prev_db_writes", "_recent",
                 "_levels", "_caps_key", "_caps", "_itl_mark", "_latency", "_latency_marks")

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        #: Answers since the interval began: latency in ms, client send to database write done.
        self.latencies: list[float] = []
        sim.workers.record_to(self.latencies)
        #: The measurements behind the newest interval's status line (see ``status.window_keys``).
        self.status_window: dict[str, Any] | None = None
        self._prev_tally = sim.tally.values()
        now = sim.engine.now
        self._levels = levels(sim)
        self._marks = [level.integral(now) for level in self._levels]
        self._prev_db_writes = sim.database.writes
        self._recent = RecentLookups(RECENT_LOOKUPS, sim.config.history_limit)
        self._caps_key: tuple[Any, ...] | None = None
        self._caps: tuple[dict[str, float | None], str | None, float | None] = ({}, None, None)
        self._itl_mark = sim.inference.itl_histogram().snapshot()
        #: Every answer's latency since the start (never reset), and its snapshot after each interval, newest
        #: last: the status line's p99 covers the same intervals as the rest of its window.
        self._latency = LatencyHistogram()
        self._latency_marks: deque[HistogramSnapshot] = deque([self._latency.snapshot()],
                                                              maxlen=STATUS_WINDOW_INTERVALS + 1)

    def drop_pending(self) -> None:
        """Forget the answers of the interval so far (the summary window restarts; see ``RunMeter.reset``)."""
        self.latencies.clear()

    def close(self, t0: float, t1: float, events: int, truncated: bool) -> dict[str, Any]:
        """The metrics of the interval from *t0* to *t1* (s) in which *events* events ran."""
        sim = self.sim
        cfg = sim.config
        span = t1 - t0
        tally = sim.tally
        d = tally.since(self._prev_tally)
        self._prev_tally = tally.values()
        queue_area, in_flight_area, busy_area, slots_area = self._take_areas(t1)
        lat = self.latencies
        lat.sort()
        sim.run_meter.latency.add_many(lat)
        self._latency.add_many(lat)
        n_lat = len(lat)
        depth = sim.queue.depth.value
        interval: dict[str, Any] = {
            "t": t1,
            "dt": span,
            **window_figures(cfg, d, span, queue_area, in_flight_area, busy_area, slots_area),
            "queue_depth": depth,
            "mean_queue_depth": queue_area / span if span > 0 else None,
            "in_flight": depth + sim.queue.in_flight.value,
            "mean_latency_ms": sum(lat) / n_lat if n_lat else None,
            "p50_latency_ms": percentile(lat, 0.50),
            "p95_latency_ms": percentile(lat, 0.95),
            "p99_latency_ms": percentile(lat, 0.99),
            "mean_wait_ms": d["wait_s"] * 1000.0 / d["received"] if d["received"] else None,
            **self._token_gaps(),
            "events": events,
            "truncated": truncated,
        }
        # A fresh list for the next interval (the sorted one now belongs to nobody but this call).
        self.latencies = []
        sim.workers.record_to(self.latencies)
        hits, misses = d["cache_hits"], d["cache_misses"]
        caps, name, cap = self._capacities(self._recent.hit_rate(hits, misses))
        interval["capacity_rps"] = cap
        interval["bottleneck"] = name
        self.status_window = self._status_window(interval, d, span)
        interval["status"] = describe(self.status_window)
        sim.run_meter.note_stall(interval)
        interval["stages"] = self.stages(d, caps)
        self._prev_db_writes = sim.database.writes
        self._recent.push(hits, misses)
        return interval

    def _token_gaps(self) -> dict[str, Any]:
        """Gaps between tokens in the interval, and the longest step that read a prompt beside generating slots."""
        inf = self.sim.inference
        itl = inf.itl_histogram()
        gaps = itl.since(self._itl_mark)
        self._itl_mark = itl.snapshot()
        stall_s, stall_tokens, stall_slots = inf.stall(reset=True)
        return {"itl_tokens": gaps.count, "mean_itl_ms": gaps.mean(), "p99_itl_ms": gaps.quantile(0.99),
                "stall_ms": stall_s * 1000.0 if stall_slots else None, "stall_prompt_tokens": stall_tokens,
                "stall_slots": stall_slots}

    def _take_areas(self, now: float) -> list[float]:
        """Integral (count x s) of each level since the previous call; restarts the window at *now*."""
        totals = [level.anchor + level.value * now for level in self._levels]  # Level.integral, inlined
        areas = [total - mark for total, mark in zip(totals, self._marks)]
        self._marks = totals
        return areas

    def _capacities(self, hit_rate: float | None) -> tuple[dict[str, float | None], str | None, float | None]:
        """(capacity of each stage, the bottleneck, its capacity) with *hit_rate*; reused while nothing changed."""
        sim = self.sim
        cfg = sim.config
        # The hit rate matters only with the cache on (see capacity.stage_capacities).
        key = (cfg, sim.speeds, hit_rate if (cfg.cache_enabled and not cfg.ideal) else None)
        old = self._caps_key
        if old is None or old[0] is not cfg or old[1] is not sim.speeds or old[2] != key[2]:
            caps = capacity_mod.stage_capacities(cfg, sim.speeds, hit_rate)
            self._caps = (caps, *capacity_mod.bottleneck(caps))
            self._caps_key = key
        return self._caps

    def _status_window(self, interval: dict[str, Any], d: dict[str, float], span: float) -> dict[str, Any]:
        """Recent measurements (the last STATUS_WINDOW_S seconds or more, at most STATUS_WINDOW_INTERVALS
        intervals) for the status line; its p99 is over the same intervals."""
        sim = self.sim
        arrivals, completed = d["arrivals"], d["completed"]
        rejected_full, rate_limited = d["rejected_full"], d["rate_limited"]
        errors = d["llm_errors"]
        itl_tokens = interval["itl_tokens"]
        itl_total = (interval["mean_itl_ms"] or 0.0) * itl_tokens
        stall = (interval["stall_ms"] or 0.0, interval["stall_prompt_tokens"], interval["stall_slots"])
        window = span
        history = sim.history  # does not hold this interval yet
        k = len(history)
        oldest = max(0, k - STATUS_WINDOW_INTERVALS)
        while k > oldest and window < STATUS_WINDOW_S:
            k -= 1
            past = history[k]
            window += past["dt"]
            arrivals += past["arrivals"]
            completed += past["completed"]
            rejected_full += past["rejected_full"]
            rate_limited += past["rate_limited"]
            errors += past["llm_errors"]
            itl_tokens += past["itl_tokens"]
            itl_total += (past["mean_itl_ms"] or 0.0) * past["itl_tokens"]
            if (past["stall_ms"] or 0.0) > stall[0]:
                stall = (past["stall_ms"], past["stall_prompt_tokens"], past["stall_slots"])
        start_depth = history[k - 1]["queue_depth"] if k > 0 else 0
        depth = sim.queue.depth.value
        marks = self._latency_marks
        back = len(history) - k  # past intervals in the window
        window_latency = self._latency.since(marks[-1 - back] if back < len(marks) else marks[0])
        marks.append(self._latency.snapshot())

        return status_window(sim, truncated=interval["truncated"], span=window, arrivals=arrivals,
                             completed=completed, depth_change=depth - start_depth, capacity=interval["capacity_rps"],
                             bottleneck=interval["bottleneck"], rejected_full=rejected_full, rate_limited=rate_limited,
                             dead_lettered=interval["dead_lettered"], llm_errors=errors,
                             p99_ms=window_latency.quantile(0.99),
                             mean_itl_ms=itl_total / itl_tokens if itl_tokens else None, stall=stall)

    def stages(self, d: dict[str, float] | None = None, caps: dict[str, float | None] | None = None) -> dict[str, Any]:
        """Per-stage state for the diagram; counts are of the interval *d* (default: since the last one closed)."""
        sim = self.sim
        cfg = sim.config
        now = sim.engine.now
        if d is None:
            d = sim.tally.since(self._prev_tally)
        if caps is None:
            caps = capacity_mod.stage_capacities(cfg, sim.speeds, None)
        inf = sim.inference
        decoding = inf.decoding_per_server()
        cache_on = cfg.cache_enabled and not cfg.ideal
        speeds = sim.speeds
        # Per-slot speed of the busiest server's current batch (one slot alone at an empty context if idle).
        busiest = max(inf.servers, key=lambda s: s.n_dec)
        step_s = speeds.timer.decode(max(1, busiest.n_dec), busiest.depth_sum())[0]
        return {
            "gateway": {
                "arrival_rate_rps": sim.arrivals.current_rate(),
                "rate_limit_rps": None if cfg.ideal else cfg.rate_limit_rps,
                "rate_limited": d["rate_limited"],
                "capacity_rps": caps["gateway"],
            },
            "queue": {
                "depth": sim.queue.depth.value,
                "in_flight": sim.queue.in_flight.value,
                "max_depth": None if cfg.ideal else cfg.queue_max_depth,
                "rejected": d["rejected_full"],
                "redeliveries": d["redeliveries"],
                "dead_letter_total": sim.queue.dead_letters,
            },
            "workers": {"busy": sim.workers.busy.value, "total": cfg.workers, "capacity_rps": caps["workers"]},
            "cache": {
                "state": "on" if cache_on else "bypassed",
                "hits": d["cache_hits"],
                "misses": d["cache_misses"],
                "entries": len(sim.cache),
                "capacity": cfg.cache_size,
            },
            "inference": {
                "slots_busy": inf.busy_slots.value,
                "slots_total": None if cfg.ideal else cfg.slots * cfg.replicas,
                "decoding": sum(decoding),
                "prefilling": inf.prefilling(),
                "waiting": len(inf.waiting),
                "replicas": cfg.replicas,
                "gpus_per_server": cfg.gpus,
                "ctx_per_slot": speeds.n_ctx_slot,
                "prefill_tps": speeds.prefill_tps,
                "decode_tps_per_slot": 1.0 / step_s if step_s > 0 else None,
                "speed_source": speeds.source,
                "capacity_rps": caps["inference"],
            },
            "database": {
                "writes": sim.database.writes - self._prev_db_writes,
                "busy": sim.database.busy(now),
                "connections": cfg.db_connections,
                "capacity_rps": caps["database"],
            },
        }


def status_window(sim: Simulation, *, truncated: bool, span: float, arrivals: float, completed: float,
                  depth_change: float, capacity: float | None, bottleneck: str | None, rejected_full: float,
                  rate_limited: float, dead_lettered: float, llm_errors: float, p99_ms: float | None,
                  mean_itl_ms: float | None, stall: tuple[float, int, int]) -> dict[str, Any]:
    """The measurements :func:`~inferlab.pipeline.status.describe` reads, over a window of *span* seconds.

    The counts are the window's; the queue, the spike and what is in the
    system are as of now.  The intervals' status uses the last few seconds,
    the summary's its whole window, each with its own p99 and capacity.
    """
    now = sim.engine.now
    arr = sim.arrivals
    spike_active = arr.spike_active()
    ended = sim.spike_ended_at
    since_end = now - ended if (ended is not None and not spike_active and now >= ended) else None
    if span > 0:
        rates = (arrivals / span, completed / span, depth_change / span,
                 # Poisson noise of the depth change over the window (2 sigma), msg/s.
                 2.0 * math.sqrt(arrivals + completed) / span, rejected_full / span, rate_limited / span)
    else:
        rates = (0.0,) * 6
    return {
        "now_s": now,
        "truncated": truncated,
        "arrival_rps": rates[0],
        "throughput_rps": rates[1],
        "queue_depth": sim.queue.depth.value,
        "queue_slope": rates[2],
        "slope_noise": rates[3],
        "capacity_rps": capacity,
        "bottleneck": bottleneck,
        "spike_active": spike_active,
        "spike_multiplier": arr.spike_multiplier,
        "spike_left_s": max(0.0, arr.spike_until - now),
        "since_spike_end_s": since_end,
        "rejected_full_rps": rates[4],
        "rate_limited_rps": rates[5],
        "dead_lettered": dead_lettered,
        "llm_errors": llm_errors,
        "p99_ms": p99_ms,
        "in_system": sim.in_system,
        "mean_itl_ms": mean_itl_ms,
        "stall_ms": stall[0] if stall[2] else None,
        "stall_prompt_tokens": stall[1],
        "stall_slots": stall[2],
    }


def window_figures(cfg: Config, d: dict[str, float], span: float, queue_area: float, in_flight_area: float,
                   busy_area: float, slots_area: float) -> dict[str, Any]:
    """The figures an interval and the summary both give for a window of *span* seconds.

    *d* holds the tally's counts over the window, the areas the levels'
    integrals over it (count x s): backlog, in flight, busy workers, busy slots.
    """
    has_span = span > 0
    hits, misses = d["cache_hits"], d["cache_misses"]
    slots_total = None if cfg.ideal else cfg.slots * cfg.replicas
    return {
        "arrivals": d["arrivals"],
        "completed": d["completed"],
        "arrival_rate_rps": d["arrivals"] / span if has_span else None,
        "throughput_rps": d["completed"] / span if has_span else None,
        "tokens_per_s": d["generated_tokens"] / span if has_span else None,
        "served_tokens_per_s": d["served_tokens"] / span if has_span else None,
        "mean_in_flight": (queue_area + in_flight_area) / span if has_span else None,
        "cache_hit_rate": ratio(hits, hits + misses),
        "worker_utilization": busy_area / (span * cfg.workers) if has_span else None,
        "slot_utilization": slots_area / (span * slots_total) if (has_span and slots_total) else None,
        "redeliveries": d["redeliveries"],
        "dead_lettered": d["dead_lettered"],
        "rejected": d["rate_limited"] + d["rejected_full"],
        "rate_limited": d["rate_limited"],
        "rejected_full": d["rejected_full"],
        "worker_crashes": d["worker_crashes"],
        "duplicates": d["duplicates"],
        "llm_errors": d["llm_errors"],
        "truncated_answers": d["truncated"],
    }


def levels(sim: Simulation) -> tuple[Level, Level, Level, Level]:
    """The time-integrated levels, in the order the meters keep their marks: backlog, in flight, busy workers, busy slots."""
    return (sim.queue.depth, sim.queue.in_flight, sim.workers.busy, sim.inference.busy_slots)


class RecentLookups:
    """Cache hits and misses of the newest intervals, with running sums.

    :meth:`hit_rate` answers what walking the history newest-first would:
    this interval's lookups plus the past intervals', adding intervals while
    the total is below *enough*, over at most the *limit* newest intervals.
    Only intervals with lookups are kept, and only those a later query can
    still reach (the newest ones holding fewer than *enough* lookups without
    the oldest), so a call costs at most *enough* steps, and none at all with
    the cache off (it used to walk the whole history every interval).
    """

    __slots__ = ("enough", "limit", "_intervals", "_pushed", "_lookups")

    def __init__(self, enough: int, limit: int) -> None:
        self.enough = enough
        self.limit = limit
        self._intervals: deque[tuple[int, float, float]] = deque()  # (interval number, hits, misses), oldest first
        self._pushed = 0      # intervals pushed so far
        self._lookups: float = 0  # hits + misses over the kept intervals

    def hit_rate(self, hits: float, misses: float) -> float | None:
        """Hit rate of (*hits*, *misses*) now plus the newest kept intervals, up to *enough* lookups."""
        enough = self.enough
        if hits + misses < enough:
            for _, h, m in reversed(self._intervals):
                hits += h
                misses += m
                if hits + misses >= enough:
                    break
        return ratio(hits, hits + misses)

    def push(self, hits: float, misses: float) -> None:
        """Keep the newest interval's lookups; drop the ones no later query can reach."""
        intervals = self._intervals
        if hits + misses:
            intervals.append((self._pushed, hits, misses))
            self._lookups += hits + misses
        self._pushed += 1
        oldest_reachable = self._pushed - self.limit
        while intervals:
            number, h, m = intervals[0]
            if number >= oldest_reachable and self._lookups - h - m < self.enough:
                break
            intervals.popleft()
            self._lookups -= h + m
