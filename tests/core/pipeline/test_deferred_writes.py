"""Deferred database-write completions (workers.py) change nothing but the event count."""

import pytest

from inferlab.pipeline import Simulation
from inferlab.pipeline.workers import Orchestrator

#: Configs that walk every path of a request (backlog or not, hits, misses, crashes, limits);
#: --ideal runs are left out: they write nothing.
CASES = {
    "default": {"arrival_rate": 40.0},
    "roomy": {"arrival_rate": 60.0, "workers": 512, "replicas": 16, "slots": 32, "keyspace": 2000},
    "roomy-no-db": {"arrival_rate": 60.0, "workers": 512, "replicas": 16, "slots": 32, "keyspace": 2000,
                    "db_latency_ms": 0.0},
    "roomy-no-cache-latency": {"arrival_rate": 60.0, "workers": 512, "replicas": 16, "slots": 32,
                               "keyspace": 2000, "cache_latency_ms": 0.0},
    "roomy-fixed-tokens-zipf-1": {"arrival_rate": 60.0, "workers": 512, "replicas": 16, "slots": 32,
                                  "prompt_tokens_cv": 0.0, "output_tokens_cv": 0.0, "zipf_s": 1.0},
    "roomy-lru-ttl": {"arrival_rate": 60.0, "workers": 512, "replicas": 16, "slots": 32, "keyspace": 500,
                      "cache_size": 100, "cache_ttl_s": 3.0, "visibility_timeout_s": 5.0},
    "saturated": {"arrival_rate": 60.0, "workers": 16, "replicas": 2, "slots": 8},
    "slot-line": {"arrival_rate": 30.0, "workers": 64, "replicas": 1, "slots": 2, "decode_tps": 60.0},
    "crashes": {"arrival_rate": 30.0, "workers": 8, "worker_failure_prob": 0.2,
                "visibility_timeout_s": 2.0, "max_receives": 2},
    "rate-limit": {"arrival_rate": 80.0, "rate_limit_rps": 50.0, "queue_max_depth": 50, "workers": 16},
    "no-cache": {"arrival_rate": 40.0, "cache_enabled": False, "db_latency_ms": 0.0},
    "zero-latency": {"arrival_rate": 40.0, "cache_latency_ms": 0.0, "gateway_latency_ms": 0.0},
    "ttl-lru": {"arrival_rate": 40.0, "cache_size": 50, "cache_ttl_s": 2.0, "keyspace": 300},
    "no-timeout": {"arrival_rate": 40.0, "visibility_timeout_s": None, "cache_size": 0},
    "service-override": {"arrival_rate": 40.0, "service_dist": "exp", "service_ms": 50.0, "workers": 4},
    "bursty-spike": {"arrival_rate": 30.0, "pattern": "bursty", "spike_at_s": 10.0},
    "diurnal": {"arrival_rate": 30.0, "pattern": "diurnal", "diurnal_period_s": 10.0},
}


def run(cfg):
    sim = Simulation(cfg, seed=7)
    sim.run(20.0)
    sim.set_controls(workers=max(2, sim.config.workers // 2), slots=max(1, sim.config.slots // 2),
                     cache_size=100, db_latency_ms=2.0, cache_enabled=not sim.config.cache_enabled)
    sim.fire_spike(2.0, 5.0)
    sim.run(20.0)
    crash = 0.05 if sim.config.visibility_timeout_s is not None else 0.0  # a crash needs a timeout
    sim.set_controls(cache_enabled=True, worker_failure_prob=crash, rate_limit_rps=25.0)
    sim.run(10.0)
    cache = sim.cache
    state = {
        "tally": sim.tally.as_dict(),
        "cache": (cache.hits, cache.misses, cache.evictions, cache.expirations, list(cache.entries.items())),
        "database": (sim.database.writes, sorted(sim.database._free_at)),
        "latency": (sim.latency.counts, sim.latency.count, sim.latency.total),
        "queue": (sim.queue.depth.value, sim.queue.in_flight.value, sim.queue.dead_letters),
        "servers": [(s.busy, s.n_dec, s.v, s.depth_base, len(s.prefilling), len(s.waiting), s.end_time if s.busy else 0)
                    for s in sim.inference.servers],
        "events": sim.engine.events,
    }
    return sim.summary(), list(sim.history), state


def close(a, b, path="") -> list[str]:
    """Paths where *a* and *b* differ beyond float rounding ("events" aside)."""
    if isinstance(a, dict):
        return [p for k in a if k != "events" for p in close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return [path]
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in close(x, y, f"{path}[{i}]")]
    if isinstance(a, float) and isinstance(b, float):
        return [] if a == pytest.approx(b, rel=1e-9, abs=1e-9) else [path]
    return [] if a == b else [path]


@pytest.mark.parametrize("name", sorted(CASES))
def test_deferred_write_completions_change_nothing_but_the_event_count(name, monkeypatch):
    monkeypatch.setattr(Orchestrator, "DEFER", True)
    deferred = run(CASES[name])
    monkeypatch.setattr(Orchestrator, "DEFER", False)
    scheduled = run(CASES[name])
    summary, history, state = deferred
    assert close(summary, scheduled[0]) == []
    assert close(history, scheduled[1]) == []
    assert close({k: v for k, v in state.items() if k != "events"},
                 {k: v for k, v in scheduled[2].items() if k != "events"}) == []
    assert state["events"] <= scheduled[2]["events"]


def test_deferring_saves_an_event_per_answer_when_there_is_no_backlog():
    sim = Simulation(CASES["roomy"], seed=7)
    summary = sim.run(20.0)
    assert summary["queue_depth_end"] == 0 and summary["completed"] > 500
    assert summary["events"] < 2.2 * summary["arrivals"]  # arrival + decode finish, no write events
