"""Levels, counters, percentiles, the latency histogram."""

import random

import pytest

from inferlab.pipeline.metrics import Counter, LatencyHistogram, Level, Tally, percentile, rate, ratio


def test_level_integrates_over_time():
    lv = Level()
    lv.add(1.0, 2)   # 0 until t=1, then 2
    lv.add(3.0, -1)  # 2 for 2 s, then 1
    assert lv.pending_area(5.0) == pytest.approx(4.0 + 2.0)
    assert lv.take_area(5.0) == pytest.approx(6.0)
    assert lv.take_area(6.0) == pytest.approx(1.0)


def test_counter_matches_level():
    rng = random.Random(1)
    lv, ct = Level(), Counter()
    t = 0.0
    for _ in range(1000):
        t += rng.random()
        d = rng.choice((1, -1)) if lv.value > 0 else 1
        lv.add(t, d)
        ct.add(t, d)
    assert ct.value == lv.value
    assert ct.take_area(t + 1) == pytest.approx(lv.take_area(t + 1), rel=1e-9)


def test_percentile_interpolates():
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.99) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0


def test_histogram_quantiles_within_half_a_percent():
    rng = random.Random(2)
    values = [rng.lognormvariate(3, 1) for _ in range(20_000)]
    hist = LatencyHistogram()
    for v in values[:10_000]:
        hist.add(v)
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


def test_small_helpers():
    assert rate(10, 2.0) == 5.0 and rate(1, 0.0) is None
    assert ratio(1, 4) == 0.25 and ratio(0, 0) is None
    tally = Tally()
    tally.completed += 2
    assert tally.as_dict()["completed"] == 2
