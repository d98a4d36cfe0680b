"""FCFS connection pool."""

import pytest

from inferlab.pipeline.database import Database


def test_writes_queue_for_a_free_connection():
    db = Database(connections=2, latency_s=1.0)
    assert db.write(0.0) == 1.0
    assert db.write(0.0) == 1.0
    assert db.write(0.0) == 2.0   # waits for the first connection
    assert db.write(5.0) == 6.0   # idle pool: no wait
    assert db.writes == 4
    assert db.busy(5.5) == 1


def test_zero_latency():
    db = Database(1, 0.0)
    assert db.write(3.0) == pytest.approx(3.0)
