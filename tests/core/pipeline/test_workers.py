"""Orchestrator workers: hand-over, crashes, scaling, the hit and miss paths."""

import random

import pytest

from inferlab.pipeline.cache import ResponseCache
from inferlab.pipeline.database import Database
from inferlab.pipeline.engine import Engine
from inferlab.llamacpp.batching import StepTimer
from inferlab.pipeline.inference import Inference
from inferlab.pipeline.metrics import Tally
from inferlab.pipeline.pubsub import DONE, Message, MessageQueue
from inferlab.pipeline.speeds import PlainSteps, Speeds
from inferlab.pipeline.workers import Orchestrator


def make(workers=2, failure_prob=0.0, cache=True, cache_latency_s=0.001, db_latency_s=0.004, vt=30.0):
    eng = Engine()
    tally = Tally()
    q = MessageQueue(eng, tally, visibility_timeout_s=vt, max_receives=5, max_depth=None)
    c = ResponseCache(100, None)
    plain = Speeds(StepTimer(PlainSteps(1000.0, 10.0, 0.0)), 1000.0, 10.0, None, None, False, 2048, "plain")
    inf = Inference(eng, tally, replicas=1, slots=8, speeds=plain)
    db = Database(4, db_latency_s)
    orch = Orchestrator(eng, tally, q, c, inf, db, random.Random(1), workers=workers,
                        failure_prob=failure_prob, cache_enabled=cache, cache_latency_s=cache_latency_s)
    latencies = []
    orch.record_to(latencies)
    return eng, tally, q, c, orch, latencies


def m(i, key=1):
    return Message(i, 0.0, key, 100, 10, 0.0)


def test_miss_runs_inference_then_hit_skips_it():
    eng, tally, q, c, orch, lat = make()
    orch.offer(m(1, key=7), 0.0)
    eng.run(10.0, 1000)
    # lookup 1 ms, the prompt's batch 0.1 s (first token), nine decode steps 0.9 s, write 4 ms
    assert lat == pytest.approx([1000.0 * (0.001 + 0.1 + 0.9 + 0.004)])
    orch.offer(Message(2, 10.0, 7, 100, 10, 0.0), 10.0)
    eng.run(20.0, 1000)
    assert lat[1] == pytest.approx(1000.0 * (0.001 + 0.004))  # lookup + write, no inference
    assert tally.cache_hits == 1 and tally.cache_misses == 1 and tally.completed == 2


def test_busy_workers_leave_a_backlog_that_drains():
    eng, tally, q, c, orch, lat = make(workers=1, cache=False)
    for i in range(3):
        orch.offer(m(i), 0.0)
    assert orch.busy.value == 1 and q.depth.value == 2
    eng.run(100.0, 1000)
    assert tally.completed == 3 and q.depth.value == 0 and orch.busy.value == 0


def test_crashed_worker_message_is_redelivered():
    eng, tally, q, c, orch, lat = make(workers=1, failure_prob=1.0, vt=5.0)
    msg = m(1)
    orch.offer(msg, 0.0)
    assert tally.worker_crashes == 1 and orch.busy.value == 0
    orch.failure_prob = 0.0
    eng.run(60.0, 1000)
    assert tally.redeliveries == 1 and msg.state == DONE and tally.completed == 1


def test_scale_up_pulls_backlog_at_once():
    eng, tally, q, c, orch, lat = make(workers=1, cache=False)
    for i in range(4):
        orch.offer(m(i), 0.0)
    orch.set_workers(4)
    assert orch.busy.value == 4 and q.depth.value == 0


def test_zero_latencies_finish_inline():
    eng, tally, q, c, orch, lat = make(cache=True, cache_latency_s=0.0, db_latency_s=0.0)
    c.put(1, 0.0)
    orch.offer(m(1, key=1), 0.0)
    assert tally.completed == 1 and lat == [0.0]


@pytest.mark.parametrize("defer", [True, False])
def test_redelivery_behind_busy_workers_is_pulled_when_a_write_ends(defer, monkeypatch):
    """A backlog that forms while write completions are deferred (workers.py) is pulled on time."""
    monkeypatch.setattr(Orchestrator, "DEFER", defer)
    eng, tally, q, c, orch, lat = make(workers=2, failure_prob=1.0, db_latency_s=0.8, vt=1.0)
    seen = []  # event times, which must never go back

    def watch(handler):
        return lambda arg: (seen.append(eng.now), handler(arg))

    q._check = watch(q._check)
    orch._finish_event = watch(orch._finish_event)
    orch.inference._run_end = watch(orch.inference._run_end)
    c.put(1, 0.0)
    first = Message(1, 0.0, 2, 1, 1, 0.0)
    orch.offer(first, 0.0)  # the worker crashes: invisible until t = 1
    orch.failure_prob = 0.0
    eng.run(0.5, 1000)
    orch.offer(Message(2, 0.5, 1, 100, 10, 0.0), 0.5)  # cache hits: the two workers are busy
    eng.run(0.6, 1000)                                  # until their writes end at 1.301 and 1.401
    orch.offer(Message(3, 0.6, 1, 100, 10, 0.0), 0.6)
    eng.run(1.2, 1000)
    assert q.depth.value == 1 and tally.redeliveries == 1  # no idle worker at t = 1
    eng.run(10.0, 1000)
    # Pulled at 1.301; lookup 1 ms, the prompt's batch 1 ms gives its one token, write 0.8 s.
    assert first.state == DONE and tally.completed == 3
    assert sorted(lat) == pytest.approx([801.0, 801.0, 1000.0 * (1.301 + 0.001 + 0.001 + 0.8)])
    assert seen == sorted(seen)


def test_offer_rejects_when_the_backlog_is_at_max_depth():
    eng, tally, q, c, orch, lat = make(workers=1, cache=False)
    q.max_depth = 2
    assert orch.offer(m(1), 0.0)                       # taken by the idle worker
    assert orch.offer(m(2), 0.0) and orch.offer(m(3), 0.0)
    assert orch.offer(m(4), 0.0) is False and q.depth.value == 2
    eng.run(1.2, 1000)                                 # the first answer frees the worker: one pulled
    assert q.depth.value == 1 and orch.offer(m(5), 1.2)
