"""What advance() returns: one interval's metrics, at a cost that does not grow with the run."""

from collections import deque

from hypothesis import given, strategies as st

from inferlab.pipeline import Simulation
from inferlab.pipeline.intervals import RECENT_LOOKUPS, STATUS_WINDOW_INTERVALS, RecentLookups


@given(st.lists(st.tuples(st.integers(0, 150), st.integers(0, 150)), max_size=60),
       st.integers(1, 12), st.integers(1, 300))
def test_recent_lookups_equal_walking_the_history(lookups, limit, enough):
    """The running sums give what walking the kept history newest-first gives."""
    recent = RecentLookups(enough, limit)
    history: deque = deque(maxlen=limit)
    for hits, misses in lookups:
        h, m = hits, misses
        for past_h, past_m in reversed(history):
            if h + m >= enough:
                break
            h, m = h + past_h, m + past_m
        assert recent.hit_rate(hits, misses) == (h / (h + m) if h + m else None)
        recent.push(hits, misses)
        history.append((hits, misses))


def test_capacity_hit_rate_looks_back_about_200_lookups():
    """The capacity estimate reads the hit rate of the newest intervals holding RECENT_LOOKUPS lookups."""
    sim = Simulation({"arrival_rate": 50.0, "keyspace": 50, "cache_size": 50}, seed=2)
    rows = [sim.advance(0.5) for _ in range(40)]
    lookups = [r["stages"]["cache"]["hits"] + r["stages"]["cache"]["misses"] for r in rows]
    assert all(n < RECENT_LOOKUPS for n in lookups) and sum(lookups) > 2 * RECENT_LOOKUPS
    assert rows[-1]["bottleneck"] is not None and rows[-1]["capacity_rps"] > 0


def test_cache_off_keeps_no_lookups():
    sim = Simulation({"arrival_rate": 20.0, "cache_enabled": False, "history_limit": 50}, seed=1)
    for _ in range(200):
        sim.advance(0.1)
    assert len(sim.history) == 50
    assert not sim.intervals._recent._intervals  # nothing to walk, however long the run


def test_stages_snapshot_counts_since_the_last_interval():
    sim = Simulation({"arrival_rate": 30.0}, seed=4)
    sim.advance(5.0)
    assert sim.snapshot()["cache"]["hits"] == 0 and sim.snapshot()["database"]["writes"] == 0
    sim.engine.run(sim.engine.now + 2.0, 10**6)
    stages = sim.snapshot()
    assert stages["cache"]["hits"] + stages["cache"]["misses"] > 0
    assert set(stages) == {"gateway", "queue", "workers", "cache", "inference", "database"}


def test_zero_length_steps_stay_cheap():
    """advance(0) over and over must not walk the whole history each time (the status window is capped)."""

    class CountingHistory(deque):
        reads = 0

        def __getitem__(self, index):
            CountingHistory.reads += 1
            return super().__getitem__(index)

    sim = Simulation({"arrival_rate": 20.0}, seed=1)
    sim.history = CountingHistory(maxlen=sim.config.history_limit)
    sim.advance(3.0)
    for _ in range(3000):
        interval = sim.advance(0.0)
    assert interval["dt"] == 0.0 and interval["status"]
    assert len(sim.history) == sim.config.history_limit
    assert CountingHistory.reads <= 3001 * (STATUS_WINDOW_INTERVALS + 1)  # not 3000 x 2400
