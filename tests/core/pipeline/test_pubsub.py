"""SQS-like queue: visibility timeout, redelivery, dead-letter queue, max depth."""

import pytest

from inferlab.pipeline.engine import Engine
from inferlab.pipeline.metrics import Tally
from inferlab.pipeline.pubsub import DEAD, DONE, IN_FLIGHT, VISIBLE, Message, MessageQueue


def make(vt=5.0, max_receives=3, max_depth=None):
    eng = Engine()
    tally = Tally()
    q = MessageQueue(eng, tally, visibility_timeout_s=vt, max_receives=max_receives, max_depth=max_depth)
    return eng, tally, q


def msg(i=1):
    return Message(i, 0.0, 1, 10, 10, 0.0)


def test_fifo_receive_and_wait_accounting():
    eng, tally, q = make()
    a, b = msg(1), msg(2)
    q.publish(a, 0.0)
    q.publish(b, 1.0)
    assert q.depth.value == 2
    assert q.receive(3.0) is a and a.state == IN_FLIGHT and a.receives == 1
    assert q.receive(4.0) is b
    assert q.receive(4.0) is None
    assert tally.wait_s == pytest.approx(3.0 + 3.0)
    assert q.depth.take_area(4.0) == pytest.approx(6.0)  # Little: area = total wait


def test_unacknowledged_message_reappears_after_visibility_timeout():
    eng, tally, q = make(vt=5.0)
    woke = []
    q.on_visible = woke.append
    m = msg()
    q.publish(m, 0.0)
    q.receive(0.0)
    eng.run(4.9, 100)
    assert m.state == IN_FLIGHT
    eng.run(5.1, 100)
    assert m.state == VISIBLE and tally.redeliveries == 1 and woke == [5.0]
    assert q.receive(6.0) is m and m.receives == 2


def test_dead_letter_only_after_max_receives():
    eng, tally, q = make(vt=1.0, max_receives=3)
    dead = []
    q.on_dead = lambda m, now: dead.append((m.receives, now))
    m = msg()
    q.publish(m, 0.0)
    for k in range(1, 4):
        assert q.receive(eng.now) is m
        assert m.receives == k
        eng.run(eng.now + 1.0, 100)
        if k < 3:
            assert m.state == VISIBLE and not dead
    assert m.state == DEAD and dead == [(3, 3.0)] and tally.dead_lettered == 1
    assert q.dead_letters == 1


def test_delete_in_time_prevents_redelivery():
    eng, tally, q = make(vt=2.0)
    m = msg()
    q.publish(m, 0.0)
    q.receive(0.0)
    assert q.delete(m, 1.0) is True and m.state == DONE
    assert q.delete(m, 1.5) is False  # a duplicate completion
    eng.run(10.0, 100)
    assert tally.redeliveries == 0 and q.in_flight.value == 0


def test_delete_while_visible_is_lazy_and_counted():
    eng, tally, q = make()
    a, b = msg(1), msg(2)
    q.publish(a, 0.0)
    q.publish(b, 0.0)
    assert q.delete(a, 2.0)
    assert q.depth.value == 1
    assert q.receive(3.0) is b


def test_max_depth_rejects_publishes():
    eng, tally, q = make(max_depth=2)
    assert q.publish(msg(1), 0.0) and q.publish(msg(2), 0.0)
    assert q.publish(msg(3), 0.0) is False
    q.receive(1.0)
    assert q.publish(msg(4), 1.0)


def test_no_visibility_timeout_never_redelivers():
    eng, tally, q = make(vt=None)
    m = msg()
    q.publish(m, 0.0)
    q.receive(0.0)
    eng.run(1e6, 100)
    assert m.state == IN_FLIGHT and eng.events == 0


def test_waiting_partial():
    eng, tally, q = make()
    q.publish(msg(1), 1.0)
    q.publish(msg(2), 2.0)
    assert q.waiting_partial_s(5.0) == pytest.approx(4.0 + 3.0)
