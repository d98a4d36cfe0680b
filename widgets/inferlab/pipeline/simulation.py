"""The steppable pipeline simulation the live widget and the CLI drive.

    sim = Simulation({"arrival_rate": 80, "workers": 32}, seed=1)
    interval = sim.advance(0.25)          # metrics of the next 0.25 s of simulated time
    sim.set_controls(workers=64)          # applies from the current simulated instant
    sim.fire_spike(multiplier=3, duration_s=10)
    sim.summary()                         # whole-run figures

Stages (see their modules): arrivals -> gateway -> pub/sub queue -> worker
pool -> Redis cache -> llama.cpp -> database.  This module wires them on one
event engine and turns each arrival into a request; the measurements are
kept by :mod:`~inferlab.pipeline.intervals` (what each ``advance`` returns)
and :mod:`~inferlab.pipeline.summary` (the whole-run figures).  Every number
returned is a plain int/float/str/bool/None (JSON-able, never NaN).

The gateway's latency is a constant L, so rather than spend one event per
request on it, arrivals are generated at the moment they leave the gateway
and stamped with ``t_arrival = now - L``; the token bucket sees the same
sequence shifted by L, so its decisions are unchanged.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from math import log as _log
from typing import Any

from inferlab.pipeline.arrivals import ArrivalProcess
from inferlab.pipeline.cache import ResponseCache
from inferlab.pipeline.config import (Config, check_interval, check_seconds, check_seed, make_config, replace_controls,
                                      validate_field)
from inferlab.pipeline.database import Database
from inferlab.pipeline.engine import Engine
from inferlab.pipeline.gateway import Gateway
from inferlab.pipeline.inference import Inference
from inferlab.pipeline.intervals import IntervalMeter
from inferlab.pipeline.metrics import LatencyHistogram, Tally
from inferlab.pipeline.pubsub import Message, MessageQueue
from inferlab.pipeline.random_streams import Streams, TokenCount, ZipfSampler
from inferlab.pipeline.speeds import Speeds, resolve_speeds
from inferlab.pipeline.summary import RunMeter
from inferlab.pipeline.workers import Orchestrator


#: Live controls that change how a llama.cpp server runs (its step model or its context).
SPEED_FIELDS = ("model", "quant", "hardware", "prefill_tps", "decode_tps", "batch_overhead", "slots")


class Simulation:
    """The whole pipeline on one event engine; see the module docstring."""

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
        self.inference = Inference(engine, tally, replicas=cfg.replicas, slots=cfg.slots, speeds=self.speeds,
                                   fixed_service=cfg.service_dist is not None)
        self.database = Database(cfg.db_connections, 0.0 if ideal else cfg.db_latency_ms / 1000.0)
        self.workers = Orchestrator(
            engine, tally, self.queue, self.cache, self.inference, self.database, streams["failures"],
            workers=cfg.workers, failure_prob=0.0 if ideal else cfg.worker_failure_prob,
            cache_enabled=cfg.cache_enabled and not ideal, cache_latency_s=cfg.cache_latency_ms / 1000.0,
            serve=ideal,
        )
        self.gateway = Gateway(0.0 if ideal else cfg.gateway_latency_ms / 1000.0,
                               None if ideal else cfg.rate_limit_rps, cfg.rate_limit_burst)
        self._offer = self.workers.offer  # bound once: called for every request
        # Per-request samplers, each on its own stream (--ideal has no cache and no token model).
        if not ideal:
            self._zipf = ZipfSampler(cfg.keyspace, cfg.zipf_s, streams["popularity"])
            self._prompt = TokenCount(cfg.prompt_tokens_mean, cfg.prompt_tokens_cv, cfg.max_tokens,
                                      streams["prompt_tokens"])
            self._output = TokenCount(cfg.output_tokens_mean, cfg.output_tokens_cv, cfg.max_tokens,
                                      streams["output_tokens"])
            self._zipf_sample = self._zipf.sample  # bound once: each is called for every request
            self._prompt_sample = self._prompt.sample
            self._output_sample = self._output.sample
        self._service_random = streams["service"].random
        self._service_mean_s = cfg.service_ms / 1000.0 if cfg.service_dist else 0.0
        self._service_exp = cfg.service_dist == "exp"
        self.arrivals = ArrivalProcess(
            engine, streams["arrivals"], streams["bursts"],
            self._on_ideal_arrival if ideal else self._on_arrival,
            rate=cfg.arrival_rate, pattern=cfg.pattern, amplitude=cfg.diurnal_amplitude,
            period_s=cfg.diurnal_period_s, burst_multiplier=cfg.burst_multiplier,
            burst_mean_s=cfg.burst_mean_s, calm_mean_s=cfg.calm_mean_s,
        )
        if cfg.spike_at_s is not None:
            engine.schedule_at(cfg.spike_at_s, self._scheduled_spike)
        #: When the last spike ends (s), for the status line's "draining after spike".
        self.spike_ended_at: float | None = None
        #: Every interval :meth:`advance` returned, newest last (at most ``history_limit``).
        self.history: deque[dict[str, Any]] = deque(maxlen=cfg.history_limit)
        self.intervals = IntervalMeter(self)
        self.run_meter = RunMeter(self)

    # -- request lifecycle -----------------------------------------------------
    def _on_arrival(self, now: float) -> None:
        """A request leaves the gateway at *now*: draw it, rate-limit it, offer it to the queue."""
        tally = self.tally
        tally.arrivals += 1
        # Draw every attribute of the request up front, so the k-th request is
        # the same whatever the controls decide about it.
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
        if not self._offer(Message(tally.arrivals, now - gateway.latency_s, key, prompt, output, service), now):
            tally.rejected_full += 1

    def _on_ideal_arrival(self, now: float) -> None:
        """:meth:`_on_arrival` of --ideal: no cache and no token model (one key, one token each way), no gateway."""
        tally = self.tally
        tally.arrivals += 1
        service = self._service_mean_s
        if self._service_exp:
            service *= -_log(1.0 - self._service_random())  # expovariate, inlined
        if not self._offer(Message(tally.arrivals, now, 1, 1, 1, service), now):
            tally.rejected_full += 1

    # -- controls --------------------------------------------------------------
    def set_controls(self, **changes: Any) -> None:
        """Change live controls (see ``config.CONTROL_FIELDS``) from the current simulated instant."""
        if not changes:
            return
        old = self.config
        new = replace_controls(old, changes)
        speeds = self.speeds
        if any(getattr(new, f) != getattr(old, f) for f in SPEED_FIELDS):
            speeds = resolve_speeds(new)  # may raise: nothing has changed yet
        self.config = new
        if speeds is not self.speeds:
            self.speeds = speeds
            self.inference.set_speeds(speeds)
        arr = self.arrivals
        if (new.pattern, new.diurnal_amplitude, new.burst_multiplier) != (old.pattern, old.diurnal_amplitude,
                                                                          old.burst_multiplier):
            arr.set_pattern(new.pattern, new.diurnal_amplitude, new.burst_multiplier)
        if new.arrival_rate != old.arrival_rate:
            arr.set_rate(new.arrival_rate)
        if not new.ideal:
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
        self.spike_ended_at = self.engine.now + duration_s

    def _scheduled_spike(self, _: object) -> None:
        self.fire_spike(self.config.spike_multiplier, self.config.spike_duration_s)

    # -- stepping --------------------------------------------------------------
    def advance(self, dt: float, max_events: int | None = None) -> dict[str, Any]:
        """Simulate the next *dt* seconds (or until the event budget runs out); return that interval's metrics."""
        dt = check_seconds("dt", dt)
        budget = self.config.event_budget if max_events is None else validate_field("event_budget", max_events)
        return self._advance(dt, budget)

    def _advance(self, dt: float, budget: int) -> dict[str, Any]:
        """:meth:`advance` with checked arguments."""
        engine = self.engine
        t0 = engine.now
        events0 = engine.events
        truncated = engine.run(t0 + dt, budget)
        if truncated:
            self.run_meter.truncated = True
        interval = self.intervals.close(t0, engine.now, engine.events - events0, truncated)
        self.history.append(interval)
        return interval

    def run(self, duration_s: float, interval_s: float | None = None, max_events: int | None = None) -> dict[str, Any]:
        """Advance *duration_s* seconds in intervals of *interval_s* (default 1 s, at most 1000 intervals)
        with one event budget for the whole run; return :meth:`summary`.

        The run is cut into at most ``run_interval_budget`` intervals (a
        shorter *interval_s* is an InputError) and stops early, truncated, when
        the event budget runs out or the clock cannot move (a step below its
        resolution).
        """
        duration_s = check_seconds("duration", duration_s)
        if interval_s is None:
            interval_s = max(1.0, duration_s / 1000.0)
        cfg = self.config
        interval_s = check_interval(interval_s, duration_s, cfg.run_interval_budget)
        budget = cfg.run_event_budget if max_events is None else validate_field("run_event_budget", max_events)
        engine = self.engine
        end = engine.now + duration_s
        used = 0
        for _ in range(cfg.run_interval_budget + 1):  # + 1: rounding may leave a sliver
            left = end - engine.now
            if left <= 0.0:
                break
            # A last step within rounding of a full interval ends the run exactly (no sliver).
            step = left if left <= interval_s * (1.0 + 1e-9) else interval_s
            before = engine.now
            interval = self._advance(step, max(1, budget - used))
            used += interval["events"]
            if interval["truncated"] or used >= budget or engine.now == before:
                break
        if engine.now < end:
            self.run_meter.truncated = True
        return self.summary()

    # -- measurement -------------------------------------------------------------
    @property
    def in_system(self) -> int:
        """Requests accepted and not yet answered or dead-lettered: visible plus in flight."""
        return self.queue.depth.value + self.queue.in_flight.value

    @property
    def latency(self) -> LatencyHistogram:
        """Latencies (ms, client send to answer) of the summary's window, as of the last closed interval."""
        return self.run_meter.latency

    @property
    def status_window(self) -> dict[str, Any] | None:
        """The measurements behind the newest interval's status line (see ``status.window_keys``)."""
        return self.intervals.status_window

    def snapshot(self) -> dict[str, Any]:
        """Per-stage state for the diagram, with the counts since the last interval closed."""
        return self.intervals.stages()

    def reset_stats(self) -> None:
        """Start the :meth:`summary` window now (drop a warm-up transient); see ``summary.RunMeter.reset``."""
        self.intervals.drop_pending()
        self.run_meter.reset()

    def summary(self) -> dict[str, Any]:
        """Figures over the measurement window: from t = 0 (or :meth:`reset_stats`) to now."""
        return self.run_meter.summary()
