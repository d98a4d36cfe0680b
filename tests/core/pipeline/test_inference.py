"""llama.cpp servers: slots, prefill line, processor-sharing decode."""

import pytest

from inferlab.pipeline.engine import Engine
from inferlab.pipeline.inference import Inference, per_slot_speeds
from inferlab.pipeline.metrics import Tally
from inferlab.pipeline.pubsub import Message


def make(replicas=1, slots=4, prefill=1000.0, decode=10.0, overhead=0.0, **kw):
    eng = Engine()
    tally = Tally()
    inf = Inference(eng, tally, replicas=replicas, slots=slots, prefill_tps=prefill,
                    speeds=per_slot_speeds(decode, overhead), **kw)
    done = {}
    inf.on_done = lambda msg, now: done.__setitem__(msg.id, now)
    return eng, tally, inf, done


def request(i, prompt=100, output=10, service=0.0):
    return Message(i, 0.0, i, prompt, output, service)


def test_per_slot_speed_formula():
    speeds = per_slot_speeds(100.0, 0.1)
    assert speeds[1] == 100.0
    assert speeds[11] == pytest.approx(100.0 / 2.0)
    aggregate = [n * speeds[n] for n in range(1, 65)]
    assert all(b > a for a, b in zip(aggregate, aggregate[1:]))  # rises ...
    assert aggregate[-1] < 100.0 / 0.1                             # ... towards decode / overhead
    assert per_slot_speeds(1.0, 0.0, batched=lambda n: 2.0 * n)[5] == 2.0


def test_single_request_time_is_prefill_plus_decode():
    eng, tally, inf, done = make()
    inf.submit(request(1, prompt=500, output=20), 0.0)
    eng.run(100.0, 1000)
    assert done[1] == pytest.approx(500 / 1000.0 + 20 / 10.0)
    assert tally.generated_tokens == 20 and tally.prompt_tokens == 500


def test_prefill_is_a_serial_line_and_decode_is_shared():
    eng, tally, inf, done = make(overhead=0.0)
    inf.submit(request(1, prompt=1000, output=10), 0.0)
    inf.submit(request(2, prompt=1000, output=10), 0.0)
    eng.run(100.0, 1000)
    # Prefills end at 1 s and 2 s; overhead 0 means each slot still decodes at 10 tokens/s.
    assert done[1] == pytest.approx(2.0)
    assert done[2] == pytest.approx(3.0)


def test_batching_overhead_slows_each_slot():
    eng, tally, inf, done = make(overhead=1.0, prefill=1e9)
    inf.submit(request(1, prompt=1, output=10), 0.0)
    inf.submit(request(2, prompt=1, output=10), 0.0)
    eng.run(100.0, 1000)
    # Two slots decoding: each at 10 / (1 + 1) = 5 tokens/s -> 2 s.
    assert done[1] == pytest.approx(2.0, rel=1e-6) and done[2] == pytest.approx(2.0, rel=1e-6)


def test_processor_sharing_speeds_up_when_a_slot_leaves():
    eng, tally, inf, done = make(overhead=1.0, prefill=1e9)
    inf.submit(request(1, prompt=1, output=5), 0.0)
    inf.submit(request(2, prompt=1, output=15), 0.0)
    eng.run(100.0, 1000)
    # Both at 5 tok/s until #1 finishes at 1 s (5 tokens); #2 then has 10 left at 10 tok/s.
    assert done[1] == pytest.approx(1.0, rel=1e-6)
    assert done[2] == pytest.approx(2.0, rel=1e-6)


def test_slots_limit_concurrency_fifo():
    eng, tally, inf, done = make(slots=1, prefill=1e9)
    for i in (1, 2, 3):
        inf.submit(request(i, prompt=1, output=10), 0.0)
    assert len(inf.waiting) == 2 and inf.busy_slots.value == 1
    eng.run(100.0, 1000)
    assert [done[i] for i in (1, 2, 3)] == pytest.approx([1.0, 2.0, 3.0])


def test_round_robin_over_servers():
    eng, tally, inf, done = make(replicas=3, slots=1, prefill=1e9)
    for i in (1, 2, 3):
        inf.submit(request(i, prompt=1, output=10), 0.0)
    assert [s.busy for s in inf.servers] == [1, 1, 1] and not inf.waiting


def test_more_slots_admit_waiting_requests():
    eng, tally, inf, done = make(slots=1, prefill=1e9)
    for i in (1, 2, 3):
        inf.submit(request(i, prompt=1, output=10), 0.0)
    inf.set_slots(3)
    assert not inf.waiting and inf.busy_slots.value == 3


def test_rate_change_mid_decode():
    eng, tally, inf, done = make(prefill=1e9)
    inf.submit(request(1, prompt=1, output=20), 0.0)
    eng.run(1.0, 1000)              # 10 tokens done at 10 tok/s
    inf.set_rates(1e9, per_slot_speeds(20.0, 0.0))
    eng.run(100.0, 1000)
    assert done[1] == pytest.approx(1.5, rel=1e-6)


def test_fixed_service_and_ready_time():
    eng, tally, inf, done = make(fixed_service=True)
    m = request(1, service=0.25)
    m.ready_at = 0.5
    inf.submit(m, 0.0)
    eng.run(10.0, 100)
    assert done[1] == pytest.approx(0.75)
