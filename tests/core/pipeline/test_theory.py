"""Closed forms, and the simulator's --ideal mode checked against them.

The fidelity tests are long runs with a fixed seed (marked slow).  Each also
computes a batch-means confidence interval from the run's own intervals, so a
pass is precision, not luck.
"""

import math
import statistics

import pytest

from inferlab.pipeline import Simulation
from inferlab.pipeline.theory import (
    erlang_c,
    littles_law_gap,
    md1_mean_wait,
    mdc_mean_wait_approx,
    mg1_mean_wait,
    mmc_mean_wait,
)


@pytest.mark.parametrize(
    ("lam", "mu", "c", "expected"),
    [
        (0.5, 1.0, 1, 1.0),                 # M/M/1: rho / (mu - lambda)
        (9.0, 10.0, 1, 0.9),                # rho = 0.9: 0.9 / 1
        (1.0, 1.0, 2, 1.0 / 3.0),           # M/M/2, a = 1: C = 1/3, W = C / (2 - 1)
    ],
)
def test_mmc_mean_wait_known_values(lam, mu, c, expected):
    assert mmc_mean_wait(lam, mu, c) == pytest.approx(expected, rel=1e-12)


def test_erlang_c_matches_the_textbook_sum():
    c, a = 5, 3.7
    rho = a / c
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - rho)
    assert erlang_c(c, a) == pytest.approx(tail / (head + tail), rel=1e-12)


def test_pollaczek_khinchine():
    assert md1_mean_wait(5.0, 0.1) == pytest.approx(0.5 * 0.1 / (2 * 0.5))
    # Exponential service: P-K equals the M/M/1 result.
    assert mg1_mean_wait(5.0, 0.1, 1.0) == pytest.approx(mmc_mean_wait(5.0, 10.0, 1))
    assert mdc_mean_wait_approx(5.0, 0.1, 1) == pytest.approx(md1_mean_wait(5.0, 0.1))


@pytest.mark.parametrize(
    ("args", "field"),
    [((10.0, 10.0, 1), "load"), ((1.0, 0.0, 1), "service_rate"), ((1.0, 1.0, 0), "servers"),
     ((-1.0, 1.0, 1), "arrival_rate")],
)
def test_theory_rejects_bad_input(args, field):
    with pytest.raises(ValueError, match=field):
        mmc_mean_wait(*args)


def test_littles_law_gap():
    assert littles_law_gap(2.0, 4.0, 0.5) == 0.0
    assert littles_law_gap(0.0, 0.0, 1.0) == 0.0
    assert littles_law_gap(1.0, 1.0, 1.1) == pytest.approx(0.1)


def run_ideal(dist, servers, load, customers, seed=7, service_ms=100.0, batches=20):
    """Mean wait (s) of an --ideal run, its batch-means 95% half-width (relative), Little gap."""
    mu = 1000.0 / service_ms
    lam = load * servers * mu
    duration = customers / lam
    sim = Simulation({"ideal": True, "service_dist": dist, "service_ms": service_ms, "workers": servers,
                      "arrival_rate": lam, "run_event_budget": 10**9}, seed=seed)
    summary = sim.run(duration, interval_s=duration / batches)
    assert not summary["truncated"]
    means = [row["mean_wait_ms"] for row in sim.history]
    half_width = 2.09 * statistics.stdev(means) / math.sqrt(len(means)) / statistics.fmean(means)
    return summary["mean_wait_ms"] / 1000.0, half_width, summary["littles_law_error"], lam


@pytest.mark.slow
@pytest.mark.parametrize(("load", "customers"), [(0.3, 600_000), (0.5, 400_000), (0.7, 400_000), (0.9, 1_500_000)])
def test_ideal_mmc_matches_erlang_c(load, customers):
    wait, half_width, little, lam = run_ideal("exp", 2, load, customers)
    theory = mmc_mean_wait(lam, 10.0, 2)
    assert abs(wait / theory - 1) < 0.03, (wait, theory)
    assert half_width < 0.05
    assert little < 0.01


@pytest.mark.slow
@pytest.mark.parametrize(("load", "customers"), [(0.3, 200_000), (0.5, 200_000), (0.7, 300_000), (0.9, 1_500_000)])
def test_ideal_md1_matches_pollaczek_khinchine(load, customers):
    wait, half_width, little, lam = run_ideal("det", 1, load, customers)
    theory = md1_mean_wait(lam, 0.1)
    assert abs(wait / theory - 1) < 0.03, (wait, theory)
    assert half_width < 0.05
    assert little < 0.01


def test_ideal_mmc_short_run_is_close():
    """A quick (not slow) sanity check at load 0.5: within 10 %."""
    wait, _, little, lam = run_ideal("exp", 3, 0.5, 30_000)
    assert wait == pytest.approx(mmc_mean_wait(lam, 10.0, 3), rel=0.10)
    assert little < 0.01
