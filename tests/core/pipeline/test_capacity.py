"""Stage capacity estimates behind the status line."""

import pytest

from inferlab.pipeline.capacity import bottleneck, stage_capacities
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
