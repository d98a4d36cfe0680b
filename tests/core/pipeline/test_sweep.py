"""The batch API."""

import pytest

from inferlab.pipeline import sweep


def test_worker_sweep_p99_falls_then_flattens():
    rows = sweep({"arrival_rate": 6.0, "replicas": 2, "slots": 8}, "workers", [4, 8, 16, 32],
                 duration_s=120.0, warmup_s=20.0, seed=1)
    assert [r["value"] for r in rows] == [4, 8, 16, 32]
    assert all(r["field"] == "workers" and not r["truncated"] for r in rows)
    p99 = [r["p99_latency_ms"] for r in rows]
    assert p99[0] > p99[1] > p99[2]
    assert p99[3] == pytest.approx(p99[2], rel=0.1)
    assert all(r["window_s"] == pytest.approx(120.0) for r in rows)


def test_common_random_numbers_across_points():
    rows = sweep({"arrival_rate": 5.0}, "cache_size", [10, 1000], duration_s=30.0, seed=3)
    assert rows[0]["arrivals"] == rows[1]["arrivals"]


@pytest.mark.parametrize(
    ("field", "values", "match"),
    [("nonsense", [1], "nonsense: unknown field"), ("workers", [], "values: 0 points"),
     ("workers", [0], "workers: 0 is not allowed")],
)
def test_sweep_errors(field, values, match):
    with pytest.raises(ValueError, match=match):
        sweep({}, field, values, duration_s=1.0)
