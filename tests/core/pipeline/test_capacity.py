"""Stage capacity estimates behind the status line."""

import pytest

import random
import statistics

from inferlab.llamacpp.batching import saturated_throughput
from inferlab.pipeline import Simulation
from inferlab.pipeline.capacity import bottleneck, mean_lengths, server_capacity, stage_capacities
from inferlab.pipeline.random_streams import TokenCount
from inferlab.pipeline.config import make_config
from inferlab.pipeline.speeds import resolve_speeds


def caps(**kw):
    cfg = make_config(kw)
    return stage_capacities(cfg, resolve_speeds(cfg), kw.pop("hit", None))


def test_ideal_capacity_is_workers_over_service_time():
    c = caps(ideal=True, service_dist="exp", service_ms=100.0, workers=4)
    assert c["workers"] == pytest.approx(40.0)
    assert c["inference"] is None and c["gateway"] is None and c["database"] is None
    assert bottleneck(c) == ("workers", pytest.approx(40.0))


def test_rate_limit_and_database_bound():
    c = caps(rate_limit_rps=7.0, db_connections=1, db_latency_ms=100.0)
    assert c["gateway"] == 7.0
    assert c["database"] == pytest.approx(10.0)
    assert bottleneck(c)[0] == "gateway"


def test_cache_hits_raise_inference_capacity():
    cfg = make_config({})
    speeds = resolve_speeds(cfg)
    low = stage_capacities(cfg, speeds, 0.0)["inference"]
    high = stage_capacities(cfg, speeds, 0.5)["inference"]
    assert high == pytest.approx(2 * low)


def test_all_unbounded():
    assert bottleneck({"a": None}) == (None, None)


def test_the_estimate_uses_the_capped_lengths_the_simulation_draws():
    cfg = make_config(prompt_tokens_mean=2000.0, prompt_tokens_cv=2.0, output_tokens_mean=300.0,
                      output_tokens_cv=1.5, max_tokens=1500)
    prompt, output = mean_lengths(cfg)
    rng = random.Random(4)
    draws = TokenCount(2000.0, 2.0, 1500, rng), TokenCount(300.0, 1.5, 1500, rng)
    for mean, sampler in zip((prompt, output), draws):
        sample = [sampler.sample() for _ in range(200_000)]
        assert mean == pytest.approx(statistics.fmean(sample), rel=0.01)
    assert prompt < 0.6 * 2000.0  # the cap binds: the nominal mean would overstate the work
    speeds = resolve_speeds(cfg)
    per_server, busy = server_capacity(cfg, speeds)
    assert per_server == saturated_throughput(speeds.timer, busy, prompt, output, speeds.n_batch)
    assert per_server > saturated_throughput(speeds.timer, busy, 2000.0, 300.0, speeds.n_batch)


@pytest.mark.parametrize("rate", [4.0, 7.0, 11.0])
def test_the_estimate_is_the_simulated_ceiling(rate):
    """Workers and slots matched, cache off: below the estimate the queue holds, above it the tier saturates."""
    cfg = {"arrival_rate": rate, "workers": 32, "replicas": 2, "slots": 16, "cache_enabled": False}
    sim = Simulation(cfg, seed=3)
    sim.run(60)
    sim.reset_stats()
    s = sim.run(300)
    cap = s["capacity_rps"]
    if rate < 0.9 * cap:
        assert s["throughput_rps"] == pytest.approx(rate, rel=0.06) and s["queue_depth_end"] < 50
    else:
        assert rate > cap and s["throughput_rps"] == pytest.approx(cap, rel=0.08)
        assert s["status"].startswith("Saturated")
