"""The time-integrated level, percentiles, the latency histogram and its windows."""

import random

import pytest

from inferlab.pipeline.metrics import LatencyHistogram, Level, Tally, percentile, ratio


def test_level_integrates_over_time():
    lv = Level()
    lv.add(1.0, 2)   # 0 until t=1, then 2
    lv.add(3.0, -1)  # 2 for 2 s, then 1
    assert lv.integral(5.0) == pytest.approx(4.0 + 2.0)
    assert lv.integral(6.0) - lv.integral(5.0) == pytest.approx(1.0)
    lv.value += 1    # the inline form the hot paths use: +1 at t = 6
    lv.anchor -= 6.0
    assert lv.integral(8.0) - lv.integral(6.0) == pytest.approx(4.0)


def test_level_matches_a_step_by_step_integration():
    rng = random.Random(1)
    lv = Level()
    value, area, last = 0, 0.0, 0.0
    t = 0.0
    for _ in range(1000):
        t += rng.random()
        d = rng.choice((1, -1)) if value > 0 else 1
        area += value * (t - last)
        last, value = t, value + d
        lv.add(t, d)
    assert lv.value == value
    assert lv.integral(t + 1) == pytest.approx(area + value * 1.0, rel=1e-9)


def test_percentile_interpolates():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.99) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0


def test_histogram_quantiles_within_half_a_percent():
    rng = random.Random(2)
    values = [rng.lognormvariate(3, 1) for _ in range(20_000)]
    hist = LatencyHistogram()
    hist.add_many(values[:10_000])
    hist.add_many(values[10_000:])
    values.sort()
    for q in (0.5, 0.95, 0.99):
        assert hist.quantile(q) == pytest.approx(percentile(values, q), rel=0.006)
    assert hist.mean() == pytest.approx(sum(values) / len(values))
    assert hist.count == 20_000 and hist.high == values[-1]
    assert hist.copy().quantile(0.5) == hist.quantile(0.5)
    assert LatencyHistogram().quantile(0.5) is None and LatencyHistogram().mean() is None


def test_histogram_zero_values():
    hist = LatencyHistogram()
    hist.add_many([0.0, 0.0, 1.0])
    assert hist.quantile(0.0) == 0.0


def test_histogram_since_a_snapshot_is_the_window_alone():
    rng = random.Random(3)
    early = [rng.lognormvariate(3, 1) for _ in range(5_000)]
    late = [rng.lognormvariate(5, 0.5) for _ in range(2_000)]
    hist = LatencyHistogram()
    hist.add_many(early)
    snap = hist.snapshot()
    hist.add_many(late)
    before = (dict(hist.counts), hist.count, hist.total, hist.low, hist.high)
    window = hist.since(snap)
    assert (dict(hist.counts), hist.count, hist.total, hist.low, hist.high) == before  # untouched
    alone = LatencyHistogram()
    alone.add_many(late)
    assert window.count == 2_000 and window.counts == alone.counts
    assert window.mean() == pytest.approx(alone.mean())
    for q in (0.0, 0.5, 0.99, 1.0):
        assert window.quantile(q) == pytest.approx(alone.quantile(q), rel=0.011)
    assert window.low <= min(late) and window.high >= max(late)
    assert hist.since(hist.snapshot()).quantile(0.5) is None
    assert hist.since(LatencyHistogram().snapshot()).quantile(0.5) == hist.quantile(0.5)
    with pytest.raises(ValueError, match="newer"):
        LatencyHistogram().since(snap)


def test_small_helpers():
    assert ratio(1, 4) == 0.25 and ratio(0, 0) is None
    tally = Tally()
    tally.completed += 2
    assert tally.as_dict()["completed"] == 2
