"""Seeded streams, the Zipf sampler and token-count draws."""

import collections
import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferlab.pipeline.random_streams import STREAM_NAMES, Streams, TokenCount, ZipfSampler


def test_streams_are_deterministic_and_independent():
    a, b = Streams(1), Streams(1)
    assert [a["arrivals"].random() for _ in range(5)] == [b["arrivals"].random() for _ in range(5)]
    # Drawing from one stream leaves every other untouched.
    c, d = Streams(2), Streams(2)
    for _ in range(100):
        c["popularity"].random()
    for name in STREAM_NAMES:
        if name != "popularity":
            assert c[name].random() == d[name].random()
    assert Streams(1)["arrivals"].random() != Streams(2)["arrivals"].random()
    assert Streams(1)["arrivals"].random() != Streams(1)["service"].random()


@pytest.mark.parametrize(("n", "s"), [(10, 1.0), (10, 0.0), (5, 2.5), (20, 0.5), (10, 1.0 + 1e-9)])
def test_zipf_matches_its_pmf(n, s):
    z = ZipfSampler(n, s, random.Random(1))
    draws = 100_000
    counts = collections.Counter(z.sample() for _ in range(draws))
    weights = [k ** -s for k in range(1, n + 1)]
    total = sum(weights)
    for k in range(1, n + 1):
        p = weights[k - 1] / total
        sd = (p * (1 - p) / draws) ** 0.5
        assert abs(counts[k] / draws - p) < 5 * sd + 1e-4


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 10**9), s=st.floats(0.0, 5.0), seed=st.integers(0, 2**32))
def test_zipf_stays_in_range(n, s, seed):
    z = ZipfSampler(n, s, random.Random(seed))
    for _ in range(20):
        assert 1 <= z.sample() <= n


def test_token_counts_mean_and_clamp():
    rng = random.Random(3)
    tc = TokenCount(200.0, 0.5, 10_000, rng)
    draws = [tc.sample() for _ in range(40_000)]
    assert statistics.fmean(draws) == pytest.approx(200.0, rel=0.02)
    assert statistics.stdev(draws) / 200.0 == pytest.approx(0.5, rel=0.1)
    assert TokenCount(50.0, 0.0, 100, rng).sample() == 50
    capped = TokenCount(1000.0, 3.0, 1500, rng)
    assert max(capped.sample() for _ in range(2000)) <= 1500
    assert min(TokenCount(1.0, 2.0, 10, rng).sample() for _ in range(2000)) >= 1
