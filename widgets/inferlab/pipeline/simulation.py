"""The steppable pipeline simulation the live widget and the CLI drive.

    sim = Simulation({"arrival_rate": 80, "workers": 32}, seed=1)
    interval = sim.advance(0.25)          # metrics of the next 0.25 s of simulated time
    sim.set_controls(workers=64)          # applies from the current simulated instant
    sim.fire_spike(multiplier=3, duration_s=10)
    sim.summary()                         # whole-run figures

Stages (see their modules): arrivals -> gateway -> pub/sub queue -> worker
pool -> Redis cache -> llama.cpp -> database.  Every number returned is a
plain int/float/str/bool/None (JSON-able, never NaN).

The gateway's latency is a constant L, so rather than spend one event per
request on it, arrivals are generated at the moment they leave the gateway
and stamped with ``t_arrival = now - L``; the token bucket sees the same
sequence shifted by L, so its decisions are unchanged.
"""

from __future__ import annotations

import math
from math import log as _log
from collections import deque
from heapq import heappush
from types import SimpleNamespace
from typing import Any, Mapping

from inferlab.pipeline import capacity as capacity_mod
from inferlab.pipeline.arrivals import ArrivalProcess
from inferlab.pipeline.cache import ResponseCache
from inferlab.pipeline.config import Config, make_config, replace_controls, to_dict, validate_field
from inferlab.pipeline.database import Database
from inferlab.pipeline.engine import Engine
from inferlab.pipeline.gateway import Gateway
from inferlab.pipeline.hotpath import FullPath, IdealPath
from inferlab.pipeline.inference import Inference
from inferlab.pipeline.metrics import Counter, LatencyHistogram, Level, Tally, percentile, ratio
from inferlab.pipeline.pubsub import DONE, IN_FLIGHT, Message, MessageQueue
from inferlab.pipeline.random_streams import Streams, TokenCount, ZipfSampler
from inferlab.pipeline.speeds import Speeds, resolve_speeds
from inferlab.pipeline.status import describe
from inferlab.pipeline.workers import Orchestrator

#: Seconds of recent history the status line looks at.
STATUS_WINDOW_S = 5.0
#: Cache lookups of recent history the capacity estimate's hit rate looks at.
RECENT_LOOKUPS = 200
MAX_SEED = 2**63 - 1
MAX_DT_S = 1e10


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed: {seed!r} is not allowed; expected an integer from 0 to {MAX_SEED}")
    return seed


def check_seconds(name: str, value: Any, low_inclusive: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)
    if ok and (0.0 <= value <= MAX_DT_S) and (low_inclusive or value > 0.0):
        return float(value)
    low = "from 0" if low_inclusive else "greater than 0"
    raise ValueError(f"{name}: {value!r} is not allowed; expected a number of seconds {low} to {MAX_DT_S:g}")


class Simulation:
    """The whole pipeline on one event engine; see the module docstring."""

    #: Route each request through the fused handlers of ``hotpath.py`` (the
    #: same results, faster); tests switch it off to compare.
    HOT_PATH = True

    def __init__(self, config: Mapping[str, Any] | Config | None = None, seed: int = 0, **overrides: Any) -> None:
        cfg = make_config(config, **overrides)
        self.config = cfg
        self.seed = check_seed(seed)
        self.speeds: Speeds = resolve_speeds(cfg)
        self.engine = engine = Engine()
        self.streams = streams = Streams(self.seed)
        self.tally = tally = Tally()
        ideal = cfg.ideal
        self.queue = MessageQueue(
            engine, tally,
            visibility_timeout_s=None if ideal else cfg.visibility_timeout_s,
            max_receives=cfg.max_receives,
            max_depth=None if ideal else cfg.queue_max_depth,
        )
        self.cache = ResponseCache(cfg.cache_size, cfg.cache_ttl_s)
        self.inference = Inference(
            engine, tally, replicas=cfg.replicas, slots=cfg.slots, prefill_tps=self.speeds.prefill_tps,
            speeds=self.speeds.per_slot, fixed_service=cfg.service_dist is not None, unlimited=ideal,
        )
        self.database = Database(cfg.db_connections, 0.0 if ideal else cfg.db_latency_ms / 1000.0)
        self.workers = Orchestrator(
            engine, tally, self.queue, self.cache, self.inference, self.database, streams["failures"],
            workers=cfg.workers, failure_prob=0.0 if ideal else cfg.worker_failure_prob,
            cache_enabled=cfg.cache_enabled and not ideal, cache_latency_s=cfg.cache_latency_ms / 1000.0,
        )
        self.gateway = Gateway(0.0 if ideal else cfg.gateway_latency_ms / 1000.0,
                               None if ideal else cfg.rate_limit_rps, cfg.rate_limit_burst)
        self.queue.on_dead = self._on_dead
        if ideal:
            # No cache and no database, ever: answers go straight to the worker's finish step.
            self.inference.on_done = self.workers.finish
        self._interval_latencies: list[float] = []  # completions this interval, ms
        self.workers.record_to(self._interval_latencies)
        self._offer = self.workers.offer  # bound once: called for every request
        # Per-request samplers, each on its own stream.
        self._zipf = ZipfSampler(cfg.keyspace, cfg.zipf_s, streams["popularity"])
        self._prompt = TokenCount(cfg.prompt_tokens_mean, cfg.prompt_tokens_cv, cfg.max_tokens, streams["prompt_tokens"])
        self._output = TokenCount(cfg.output_tokens_mean, cfg.output_tokens_cv, cfg.max_tokens, streams["output_tokens"])
        self._service_random = streams["service"].random
        self._ideal = cfg.ideal
        self._service_mean_s = cfg.service_ms / 1000.0 if cfg.service_dist else 0.0
        self._service_exp = cfg.service_dist == "exp"
        # Bound once: each is called for every request.
        self._zipf_sample = self._zipf.sample
        self._prompt_sample = self._prompt.sample
        self._output_sample = self._output.sample
        self.arrivals = ArrivalProcess(
            engine, streams["arrivals"], streams["bursts"],
            self._on_arrival,
            rate=cfg.arrival_rate, pattern=cfg.pattern, amplitude=cfg.diurnal_amplitude,
            period_s=cfg.diurnal_period_s, burst_multiplier=cfg.burst_multiplier,
            burst_mean_s=cfg.burst_mean_s, calm_mean_s=cfg.calm_mean_s,
        )
        if cfg.spike_at_s is not None:
            engine.schedule_at(cfg.spike_at_s, self._scheduled_spike)
        if self.HOT_PATH:
            if ideal:
                IdealPath(self).install(self)
            elif cfg.service_dist is None:
                FullPath(self).install(self)
        # Measurement state.
        self.latency = LatencyHistogram()          # whole run, ms
        self._prev_tally = tally.as_dict()
        self._run_area = {"queue": 0.0, "in_flight": 0.0, "busy": 0.0, "slots": 0.0}
        self._prev_db_writes = 0
        # Start of the summary's measurement window (see reset_stats).
        self._stats_t0 = 0.0
        self._stats_tally = tally.as_dict()
        self._stats_wait_base_s = 0.0
        self._stats_entries_base = 0
        self._truncated_ever = False
        self._spike_ended_at: float | None = None
        self.history: deque[dict[str, Any]] = deque(maxlen=cfg.history_limit)
        self._recent_lookups = RecentLookups(RECENT_LOOKUPS, cfg.history_limit)
        #: The measurements behind the newest interval's status line (see status.window_keys).
        self.status_window: dict[str, Any] | None = None

    # -- request lifecycle -----------------------------------------------------
    def _on_arrival(self, now: float) -> None:
        tally = self.tally
        tally.arrivals += 1
        # Draw every attribute of the request up front, so the k-th request is
        # the same whatever the controls decide about it.  (--ideal has no
        # cache and no token model: one key, one token each way.)
        if self._ideal:
            key = prompt = output = 1
        else:
            key = self._zipf_sample()
            prompt = self._prompt_sample()
            output = self._output_sample()
        service = self._service_mean_s
        if self._service_exp:
            service *= -_log(1.0 - self._service_random())  # expovariate, inlined
        gateway = self.gateway
        if gateway.rate_rps is not None and not gateway.admit(now):
            tally.rate_limited += 1
            return
        msg = Message(tally.arrivals, now - gateway.latency_s, key, prompt, output, service)
        if not self._offer(msg, now):
            tally.rejected_full += 1

    def _on_dead(self, msg: Message, now: float) -> None:
        """A message went to the dead-letter queue (a hook for tests and widgets)."""

    # -- controls --------------------------------------------------------------
    def set_controls(self, **changes: Any) -> None:
        """Change live controls (see ``config.CONTROL_FIELDS``) from the current simulated instant."""
        if not changes:
            return
        old = self.config
        new = replace_controls(old, changes)
        speeds = self.speeds
        if any(getattr(new, f) != getattr(old, f) for f in ("model", "quant", "hardware", "prefill_tps",
                                                          "decode_tps", "batch_overhead", "slots")):
            speeds = resolve_speeds(new)  # may raise: nothing has changed yet
        self.config = new
        ideal = new.ideal
        if speeds is not self.speeds:
            self.speeds = speeds
            self.inference.set_rates(speeds.prefill_tps, speeds.per_slot)
        arr = self.arrivals
        if (new.pattern, new.diurnal_amplitude, new.burst_multiplier) != (old.pattern, old.diurnal_amplitude,
                                                                          old.burst_multiplier):
            arr.set_pattern(new.pattern, new.diurnal_amplitude, new.burst_multiplier)
        if new.arrival_rate != old.arrival_rate:
            arr.set_rate(new.arrival_rate)
        if not ideal:
            if new.rate_limit_rps != old.rate_limit_rps:
                self.gateway.set_rate(new.rate_limit_rps, self.engine.now)
            self.queue.max_depth = new.queue_max_depth
            self.workers.failure_prob = new.worker_failure_prob
            self.database.latency_s = new.db_latency_ms / 1000.0
            if new.cache_enabled != old.cache_enabled:
                self.workers.cache_enabled = new.cache_enabled
                if not new.cache_enabled:
                    self.cache.clear()
            if new.cache_size != old.cache_size:
                self.cache.resize(new.cache_size)
        if new.slots != old.slots:
            self.inference.set_slots(new.slots)
        if new.workers != old.workers:
            self.workers.set_workers(new.workers)

    def fire_spike(self, multiplier: float = 3.0, duration_s: float = 10.0) -> None:
        """Multiply the arrival rate by *multiplier* for *duration_s* seconds from now."""
        multiplier = validate_field("spike_multiplier", multiplier)
        duration_s = validate_field("spike_duration_s", duration_s)
        self.arrivals.fire_spike(multiplier, duration_s)
        self._spike_ended_at = self.engine.now + duration_s

    def _scheduled_spike(self, _: object) -> None:
        self.fire_spike(self.config.spike_multiplier, self.config.spike_duration_s)

    # -- stepping --------------------------------------------------------------
    def advance(self, dt: float, max_events: int | None = None) -> dict[str, Any]:
        """Simulate the next *dt* seconds (or until the event budget runs out); return that interval's metrics."""
        dt = check_seconds("dt", dt, low_inclusive=True)
        budget = self.config.event_budget if max_events is None else validate_field("event_budget", max_events)
        engine = self.engine
        t0 = engine.now
        events0 = engine.events
        truncated = engine.run(t0 + dt, budget)
        self._truncated_ever |= truncated
        interval = self._close_interval(t0, engine.now, engine.events - events0, truncated)
        self.history.append(interval)
        return interval

    def run(self, duration_s: float, interval_s: float | None = None, max_events: int | None = None) -> dict[str, Any]:
        """Advance *duration_s* seconds in intervals of *interval_s* (default 1 s, at most 1000 intervals)
        with one event budget for the whole run; return :meth:`summary`."""
        duration_s = check_seconds("duration", duration_s)
        if interval_s is None:
            interval_s = max(1.0, duration_s / 1000.0)
        interval_s = check_seconds("interval", interval_s)
        budget = self.config.run_event_budget if max_events is None else validate_field("run_event_budget", max_events)
        end = self.engine.now + duration_s
        used = 0
        while self.engine.now < end:
            left = end - self.engine.now
            # A last step within rounding of a full interval ends the run exactly (no sliver).
            step = left if left <= interval_s * (1.0 + 1e-9) else interval_s
            interval = self.advance(step, max_events=max(1, budget - used))
            used += interval["events"]
            if interval["truncated"] or used >= budget:
                if self.engine.now < end:
                    self._truncated_ever = True
                break
        return self.summary()

    # -- measurement -------------------------------------------------------------
    def _levels(self) -> dict[str, Level | Counter]:
        return {"queue": self.queue.depth, "in_flight": self.queue.in_flight, "busy": self.workers.busy,
                "slots": self.inference.busy_slots}

    @property
    def in_system(self) -> int:
        """Requests accepted and not yet answered or dead-lettered: visible plus in flight."""
        return self.queue.depth.value + self.queue.in_flight.value

    def _close_interval(self, t0: float, t1: float, events: int, truncated: bool) -> dict[str, Any]:
        cfg = self.config
        span = t1 - t0
        cur = self.tally.as_dict()
        prev = self._prev_tally
        d = {k: cur[k] - prev[k] for k in cur}
        self._prev_tally = cur
        areas = {}
        for name, level in self._levels().items():
            area = level.take_area(t1)
            areas[name] = area
            self._run_area[name] += area
        lat = sorted(self._interval_latencies)
        self._interval_latencies.clear()
        self.latency.add_many(lat)

        def per_s(x: float) -> float | None:
            return x / span if span > 0 else None

        def avg(area: float) -> float | None:
            return area / span if span > 0 else None

        hits, misses = d["cache_hits"], d["cache_misses"]
        slots_total = None if cfg.ideal else cfg.slots * cfg.replicas
        interval: dict[str, Any] = {
            "t": t1,
            "dt": span,
            "arrivals": d["arrivals"],
            "completed": d["completed"],
            "arrival_rate_rps": per_s(d["arrivals"]),
            "throughput_rps": per_s(d["completed"]),
            "tokens_per_s": per_s(d["generated_tokens"]),
            "served_tokens_per_s": per_s(d["served_tokens"]),
            "queue_depth": self.queue.depth.value,
            "mean_queue_depth": avg(areas["queue"]),
            "in_flight": self.in_system,
            "mean_in_flight": avg(areas["queue"] + areas["in_flight"]),
            "mean_latency_ms": sum(lat) / len(lat) if lat else None,
            "p50_latency_ms": percentile(lat, 0.50),
            "p95_latency_ms": percentile(lat, 0.95),
            "p99_latency_ms": percentile(lat, 0.99),
            "mean_wait_ms": d["wait_s"] * 1000.0 / d["received"] if d["received"] else None,
            "cache_hit_rate": ratio(hits, hits + misses),
            "worker_utilization": areas["busy"] / (span * cfg.workers) if span > 0 else None,
            "slot_utilization": (areas["slots"] / (span * slots_total)) if (span > 0 and slots_total) else None,
            "redeliveries": d["redeliveries"],
            "dead_lettered": d["dead_lettered"],
            "rejected": d["rate_limited"] + d["rejected_full"],
            "rate_limited": d["rate_limited"],
            "rejected_full": d["rejected_full"],
            "worker_crashes": d["worker_crashes"],
            "duplicates": d["duplicates"],
            "events": events,
            "truncated": truncated,
        }
        caps = capacity_mod.stage_capacities(cfg, self.speeds, self._recent_hit_rate(hits, misses))
        name, cap = capacity_mod.bottleneck(caps)
        interval["capacity_rps"] = cap
        interval["bottleneck"] = name
        self.status_window = self._status_window(interval, d, span)
        interval["status"] = describe(self.status_window)
        interval["stages"] = self.snapshot(d, caps)
        self._prev_db_writes = self.database.writes
        self._recent_lookups.push(hits, misses)
        return interval

    def _recent_hit_rate(self, hits: int, misses: int) -> float | None:
        """Cache hit rate of this interval and as many newest past ones as make 200 lookups (all if fewer)."""
        return self._recent_lookups.hit_rate(hits, misses)

    def _status_window(self, interval: dict[str, Any], d: dict[str, float], span: float) -> dict[str, Any]:
        """Recent measurements (the last STATUS_WINDOW_S seconds or more) for the status line."""
        now = self.engine.now
        arrivals, completed = d["arrivals"], d["completed"]
        rejected_full, rate_limited = d["rejected_full"], d["rate_limited"]
        window = span
        history = self.history  # does not hold this interval yet
        k = len(history)
        while k > 0 and window < STATUS_WINDOW_S:
            k -= 1
            past = history[k]
            window += past["dt"]
            arrivals += past["arrivals"]
            completed += past["completed"]
            rejected_full += past["rejected_full"]
            rate_limited += past["rate_limited"]
        start_depth = history[k - 1]["queue_depth"] if k > 0 else 0
        depth = self.queue.depth.value
        arr = self.arrivals
        spike_active = arr.spike_active()
        ended = self._spike_ended_at
        since_end = now - ended if (ended is not None and not spike_active and now >= ended) else None

        def per_s(x: float) -> float:
            return x / window if window > 0 else 0.0

        return {
            "now_s": now,
            "truncated": interval["truncated"],
            "arrival_rps": per_s(arrivals),
            "throughput_rps": per_s(completed),
            "queue_depth": depth,
            "queue_slope": per_s(depth - start_depth),
            # Poisson noise of the depth change over the window (2 sigma), msg/s.
            "slope_noise": per_s(2.0 * math.sqrt(arrivals + completed)),
            "capacity_rps": interval["capacity_rps"],
            "bottleneck": interval["bottleneck"],
            "spike_active": spike_active,
            "spike_multiplier": arr.spike_multiplier,
            "spike_left_s": max(0.0, arr.spike_until - now),
            "since_spike_end_s": since_end,
            "rejected_full_rps": per_s(rejected_full),
            "rate_limited_rps": per_s(rate_limited),
            "dead_lettered": interval["dead_lettered"],
            "p99_ms": interval["p99_latency_ms"],
            "in_system": self.in_system,
        }

    def snapshot(self, d: dict[str, float] | None = None, caps: dict[str, float | None] | None = None) -> dict[str, Any]:
        """Per-stage state for the diagram (counts are of the last interval when *d* is given)."""
        cfg = self.config
        now = self.engine.now
        if d is None:
            cur = self.tally.as_dict()
            d = {k: cur[k] - self._prev_tally[k] for k in cur}
        if caps is None:
            caps = capacity_mod.stage_capacities(cfg, self.speeds, None)
        inf = self.inference
        decoding = inf.decoding_per_server()
        cache_on = cfg.cache_enabled and not cfg.ideal
        return {
            "gateway": {
                "arrival_rate_rps": self.arrivals.current_rate(),
                "rate_limit_rps": None if cfg.ideal else cfg.rate_limit_rps,
                "rate_limited": d["rate_limited"],
                "capacity_rps": caps["gateway"],
            },
            "queue": {
                "depth": self.queue.depth.value,
                "in_flight": self.queue.in_flight.value,
                "max_depth": None if cfg.ideal else cfg.queue_max_depth,
                "rejected": d["rejected_full"],
                "redeliveries": d["redeliveries"],
                "dead_letter_total": self.queue.dead_letters,
            },
            "workers": {"busy": self.workers.busy.value, "total": cfg.workers, "capacity_rps": caps["workers"]},
            "cache": {
                "state": "on" if cache_on else "bypassed",
                "hits": d["cache_hits"],
                "misses": d["cache_misses"],
                "entries": len(self.cache),
                "capacity": cfg.cache_size,
            },
            "inference": {
                "slots_busy": inf.busy_slots.value,
                "slots_total": None if cfg.ideal else cfg.slots * cfg.replicas,
                "decoding": sum(decoding),
                "waiting": len(inf.waiting),
                "replicas": cfg.replicas,
                "prefill_tps": self.speeds.prefill_tps,
                # Per-slot speed at the busiest server's current decode batch.
                "decode_tps_per_slot": self.speeds.per_slot[max(1, *decoding)],
                "speed_source": self.speeds.source,
                "capacity_rps": caps["inference"],
            },
            "database": {
                "writes": self.database.writes - self._prev_db_writes,
                "busy": self.database.busy(now),
                "connections": cfg.db_connections,
                "capacity_rps": caps["database"],
            },
        }

    def reset_stats(self) -> None:
        """Start the :meth:`summary` window now (drop a warm-up transient).

        Messages already waiting count as entries of the new window, with
        only the part of their wait inside it, so Little's law stays exact.
        """
        now = self.engine.now
        for name, level in self._levels().items():
            self._run_area[name] = -level.pending_area(now)
        self.latency = LatencyHistogram()
        self._interval_latencies.clear()
        self._stats_t0 = now
        self._stats_tally = self.tally.as_dict()
        self._stats_wait_base_s = self.tally.wait_s + self.queue.waiting_partial_s(now)
        self._stats_entries_base = self.tally.queue_entries - self.queue.depth.value
        self._truncated_ever = False

    def summary(self) -> dict[str, Any]:
        """Figures over the measurement window: from t = 0 (or :meth:`reset_stats`) to now."""
        cfg = self.config
        now = self.engine.now
        span = now - self._stats_t0
        cur = self.tally.as_dict()
        base = self._stats_tally
        t = SimpleNamespace(**{k: cur[k] - base[k] for k in cur})
        hist = self.latency
        if self._interval_latencies:  # completions since the last interval closed
            hist = hist.copy()
            hist.add_many(self._interval_latencies)
        area = {name: self._run_area[name] + level.pending_area(now) for name, level in self._levels().items()}
        entries = self.tally.queue_entries - self._stats_entries_base
        wait_total_s = self.tally.wait_s + self.queue.waiting_partial_s(now) - self._stats_wait_base_s
        mean_wait_s = wait_total_s / entries if entries else None
        lam = entries / span if span > 0 else None
        mean_q = area["queue"] / span if span > 0 else None
        lw = lam * mean_wait_s if (lam is not None and mean_wait_s is not None) else None
        hits, misses = t.cache_hits, t.cache_misses
        slots_total = None if cfg.ideal else cfg.slots * cfg.replicas
        caps = capacity_mod.stage_capacities(cfg, self.speeds, ratio(hits, hits + misses))
        name, cap = capacity_mod.bottleneck(caps)
        last_status = self.history[-1]["status"] if self.history else describe_initial()
        return {
            "simulated_s": now,
            "window_s": span,
            "arrivals": t.arrivals,
            "completed": t.completed,
            "arrival_rate_rps": t.arrivals / span if span > 0 else None,
            "throughput_rps": t.completed / span if span > 0 else None,
            "tokens_per_s": t.generated_tokens / span if span > 0 else None,
            "served_tokens_per_s": t.served_tokens / span if span > 0 else None,
            "mean_wait_ms": mean_wait_s * 1000.0 if mean_wait_s is not None else None,
            "mean_latency_ms": hist.mean(),
            "p50_latency_ms": hist.quantile(0.50),
            "p95_latency_ms": hist.quantile(0.95),
            "p99_latency_ms": hist.quantile(0.99),
            "max_latency_ms": hist.high if hist.count else None,
            "mean_queue_depth": mean_q,
            "queue_arrival_rate_rps": lam,
            "littles_law_error": abs(mean_q - lw) / mean_q if (mean_q and lw is not None) else (0.0 if lw == 0 else None),
            "mean_in_flight": (area["queue"] + area["in_flight"]) / span if span > 0 else None,
            "cache_hit_rate": ratio(hits, hits + misses),
            "worker_utilization": area["busy"] / (span * cfg.workers) if span > 0 else None,
            "slot_utilization": area["slots"] / (span * slots_total) if (span > 0 and slots_total) else None,
            "redeliveries": t.redeliveries,
            "dead_lettered": t.dead_lettered,
            "rejected": t.rate_limited + t.rejected_full,
            "rate_limited": t.rate_limited,
            "rejected_full": t.rejected_full,
            "worker_crashes": t.worker_crashes,
            "duplicates": t.duplicates,
            "queue_depth_end": self.queue.depth.value,
            "in_flight_end": self.in_system,
            "capacity_rps": cap,
            "bottleneck": name,
            "speed_source": self.speeds.source,
            "prefill_tps": self.speeds.prefill_tps,
            "decode_tps": self.speeds.decode_tps,
            "events": self.engine.events,
            "truncated": self._truncated_ever,
            "status": last_status,
            "seed": self.seed,
            "config": to_dict(cfg),
        }


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
        self._intervals: deque[tuple[int, int, int]] = deque()  # (interval number, hits, misses), oldest first
        self._pushed = 0      # intervals pushed so far
        self._lookups = 0     # hits + misses over the kept intervals

    def hit_rate(self, hits: int, misses: int) -> float | None:
        """Hit rate of (*hits*, *misses*) now plus the newest kept intervals, up to *enough* lookups."""
        enough = self.enough
        if hits + misses < enough:
            for _, h, m in reversed(self._intervals):
                hits += h
                misses += m
                if hits + misses >= enough:
                    break
        return ratio(hits, hits + misses)

    def push(self, hits: int, misses: int) -> None:
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


def describe_initial() -> str:
    return "Not started: advance the simulation to see its state"

