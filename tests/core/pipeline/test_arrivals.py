"""Arrival process: Poisson rate, live rate changes, spikes, bursty and diurnal patterns."""

import random
import statistics

import pytest

from inferlab.pipeline.arrivals import ArrivalProcess
from inferlab.pipeline.engine import Engine


def make(rate=10.0, pattern="constant", **kw):
    eng = Engine()
    times = []
    opts = dict(amplitude=0.5, period_s=100.0, burst_multiplier=5.0, burst_mean_s=5.0, calm_mean_s=20.0)
    opts.update(kw)
    arr = ArrivalProcess(eng, random.Random(1), random.Random(2), times.append, rate=rate, pattern=pattern, **opts)
    return eng, arr, times


def test_poisson_rate_and_exponential_gaps():
    eng, arr, times = make(rate=10.0)
    eng.run(2000.0, 10**7)
    assert len(times) / 2000.0 == pytest.approx(10.0, rel=0.03)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert statistics.stdev(gaps) / statistics.fmean(gaps) == pytest.approx(1.0, rel=0.05)


def test_rate_change_applies_from_now():
    eng, arr, times = make(rate=10.0)
    eng.run(100.0, 10**7)
    arr.set_rate(40.0)
    eng.run(200.0, 10**7)
    later = [t for t in times if t > 100.0]
    assert len(later) / 100.0 == pytest.approx(40.0, rel=0.06)
    arr.set_rate(0.0)
    n = len(times)
    eng.run(300.0, 10**7)
    assert len(times) == n


def test_rescaling_keeps_the_draws():
    """Doubling the rate halves every gap from the change on (time rescaling)."""
    eng1, arr1, t1 = make(rate=5.0)
    eng2, arr2, t2 = make(rate=5.0)
    arr2.set_rate(10.0)
    eng1.run(100.0, 10**6)
    eng2.run(50.0, 10**6)
    assert t2 == pytest.approx([t / 2 for t in t1 if t <= 100.0][: len(t2)])


def test_spike_multiplies_then_ends():
    eng, arr, times = make(rate=10.0)
    eng.run(10.0, 10**6)
    arr.fire_spike(4.0, 50.0)
    assert arr.spike_active()
    eng.run(60.0, 10**6)
    assert not arr.spike_active()
    during = sum(1 for t in times if 10.0 < t <= 60.0)
    assert during / 50.0 == pytest.approx(40.0, rel=0.08)
    eng.run(160.0, 10**6)
    after = sum(1 for t in times if 60.0 < t <= 160.0)
    assert after / 100.0 == pytest.approx(10.0, rel=0.1)


def test_bursty_mean_rate():
    eng, arr, times = make(rate=10.0, pattern="bursty")
    eng.run(5000.0, 10**7)
    # Fraction of time bursting = 5 / (5 + 20): mean rate 10 x (0.8 + 0.2 x 5) = 18.
    assert len(times) / 5000.0 == pytest.approx(18.0, rel=0.1)


def test_diurnal_follows_the_sine():
    eng, arr, times = make(rate=20.0, pattern="diurnal", period_s=100.0, amplitude=0.5)
    eng.run(2000.0, 10**7)
    assert len(times) / 2000.0 == pytest.approx(20.0, rel=0.05)
    peak = sum(1 for t in times if 15 <= t % 100 < 35)      # around sin = 1
    trough = sum(1 for t in times if 65 <= t % 100 < 85)    # around sin = -1
    assert peak > 2 * trough


def test_pattern_change_mid_run():
    eng, arr, times = make(rate=10.0, pattern="bursty")
    eng.run(10.0, 10**6)
    arr.set_pattern("constant", 0.5, 5.0)
    assert not arr.bursting
    eng.run(1010.0, 10**7)
    assert sum(1 for t in times if t > 10) / 1000.0 == pytest.approx(10.0, rel=0.06)
    assert arr.current_rate() == 10.0
