"""The event heap: ordering, ties, budget."""

import pytest

from inferlab.pipeline.engine import NORMAL, URGENT, Engine


def test_events_run_in_time_then_priority_then_schedule_order():
    eng = Engine()
    seen = []
    eng.schedule(2.0, seen.append, "late")
    eng.schedule(1.0, seen.append, "normal-a")
    eng.schedule(1.0, seen.append, "urgent", priority=URGENT)
    eng.schedule(1.0, seen.append, "normal-b", priority=NORMAL)
    assert eng.run(10.0, 100) is False
    assert seen == ["urgent", "normal-a", "normal-b", "late"]
    assert eng.now == 10.0
    assert eng.events == 4


def test_run_stops_at_until_and_keeps_later_events():
    eng = Engine()
    seen = []
    eng.schedule(1.0, seen.append, 1)
    eng.schedule(5.0, seen.append, 5)
    eng.run(3.0, 100)
    assert seen == [1] and eng.now == 3.0
    assert eng.peek() == 5.0
    eng.run(5.0, 100)
    assert seen == [1, 5]


def test_budget_truncates_and_resumes():
    eng = Engine()

    def tick(_):
        eng.schedule(0.1, tick)

    eng.schedule(0.0, tick)
    assert eng.run(100.0, 10) is True
    assert eng.events == 10
    assert eng.now < 100.0
    assert eng.run(eng.now + 0.5, 1000) is False


def test_step_and_peek():
    eng = Engine()
    assert eng.peek() == float("inf")
    with pytest.raises(IndexError):
        eng.step()
    seen = []
    eng.schedule_at(4.0, seen.append, "x")
    eng.step()
    assert seen == ["x"] and eng.now == 4.0


def test_bad_times_are_refused():
    eng = Engine(start=5.0)
    with pytest.raises(ValueError, match="negative delay"):
        eng.schedule(-1.0, print)
    with pytest.raises(ValueError, match="before now"):
        eng.schedule_at(1.0, print)
    with pytest.raises(ValueError, match="before now"):
        eng.run(1.0, 10)


def test_run_pauses_the_cyclic_collector_and_restores_it():
    import gc

    eng = Engine()
    seen = []
    eng.schedule(1.0, lambda _: seen.append(gc.isenabled()))
    assert gc.isenabled()
    eng.run(2.0, 10)
    assert seen == [False] and gc.isenabled()
    eng.schedule(1.0, lambda _: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        eng.run(5.0, 10)
    assert gc.isenabled() and eng.events == 2
    gc.disable()
    try:
        eng.run(6.0, 10)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
