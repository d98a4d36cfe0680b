"""llama.cpp servers in the pipeline: slots, the unified batch, the prefill stall, per-slot context, controls.

Plain-rate step model throughout (speeds.PlainSteps): a batch of n generating slots lasts
(1 + overhead (n - 1)) / decode seconds, plus its prompt tokens / prefill.
"""

import pytest

from inferlab.llamacpp.batching import StepTimer
from inferlab.pipeline.config import make_config
from inferlab.pipeline.engine import Engine
from inferlab.pipeline.inference import Inference
from inferlab.pipeline.metrics import Tally
from inferlab.pipeline.pubsub import Message
from inferlab.pipeline.speeds import PlainSteps, Speeds, resolve_speeds


def speeds(prefill=1000.0, decode=10.0, overhead=0.0, ctx=None, slots=4, unified=False, n_batch=2048):
    from inferlab.llamacpp.batching import slot_context

    return Speeds(StepTimer(PlainSteps(prefill, decode, overhead)), prefill, decode, ctx,
                  slot_context(ctx, slots, unified), unified, n_batch, "plain")


def make(replicas=1, slots=4, fixed_service=False, **kw):
    eng = Engine()
    tally = Tally()
    inf = Inference(eng, tally, replicas=replicas, slots=slots, speeds=speeds(slots=slots, **kw),
                    fixed_service=fixed_service)
    done = {}
    inf.on_done = lambda msg, now: done.__setitem__(msg.id, now)
    return eng, tally, inf, done


def request(i, prompt=100, output=10, service=0.0):
    return Message(i, 0.0, i, prompt, output, service)


def test_plain_step_model():
    steps = PlainSteps(1000.0, 10.0, 0.5)
    assert steps.step_seconds([0] * 3) == pytest.approx((1 + 0.5 * 2) / 10.0)
    assert steps.step_seconds([], [(500, 0)], 1) == pytest.approx(0.5)
    assert steps.step_seconds([7, 9], [(100, 0), (50, 20)], 3) == pytest.approx(1.5 / 10.0 + 0.15)


def test_single_request_is_one_prompt_step_then_one_step_per_token():
    eng, tally, inf, done = make()
    inf.submit(request(1, prompt=500, output=20), 0.0)
    eng.run(100.0, 1000)
    # the first token comes from the prompt's batch; the other 19 take a decode step each
    assert done[1] == pytest.approx(500 / 1000.0 + 19 / 10.0)
    assert tally.generated_tokens == 20 and tally.prompt_tokens == 500


def test_prompts_that_arrive_together_share_one_batch():
    eng, tally, inf, done = make()
    inf.submit(request(1, prompt=1000, output=10), 0.0)
    inf.submit(request(2, prompt=900, output=10), 0.0)
    eng.run(100.0, 1000)
    # the first prompt is read alone (its batch formed as it arrived); the second in the next batch, beside
    # the first's decode token; then both decode together
    assert done[1] == pytest.approx(1.0 + (0.1 + 0.9) + 8 * 0.1)
    assert done[2] == pytest.approx(1.0 + 1.0 + 9 * 0.1)


def test_a_long_prompt_stalls_every_generating_slot():
    eng, tally, inf, done = make()
    inf.submit(request(1, prompt=1, output=11), 0.0)
    eng.run(0.5, 1000)
    inf.submit(request(2, prompt=1000, output=2), 0.5)
    eng.run(100.0, 1000)
    # #1: prompt step 1 ms, then 0.1 s per token; #2 joins at the boundary after 0.5 s (0.501), where a batch of
    # #1's token and #2's 1000 prompt tokens takes 0.1 + 1.0 s: #1's tokens stop for 1.1 s
    boundary = 0.001 + 5 * 0.1
    assert done[1] == pytest.approx(boundary + 1.1 + 4 * 0.1)
    assert done[2] == pytest.approx(boundary + 1.1 + 0.1)
    stall_s, tokens, slots = inf.stall()
    assert (stall_s, tokens, slots) == (pytest.approx(1.1), 1000, 1)
    itl = inf.itl_histogram()
    assert itl.count == 10 + 1  # #1's ten gaps, #2's one
    assert itl.high == pytest.approx(1100.0, rel=0.01)
    assert itl.quantile(0.5) == pytest.approx(100.0, rel=0.01)


def test_batching_overhead_slows_each_slot():
    eng, tally, inf, done = make(overhead=1.0, prefill=1e9)
    inf.submit(request(1, prompt=1, output=11), 0.0)
    inf.submit(request(2, prompt=1, output=10), 0.0)
    eng.run(100.0, 1000)
    # #1's prompt (a nanosecond); #2's prompt beside #1's token (0.1 s, one slot generating); then nine steps of
    # two slots at (1 + 1) / 10 = 0.2 s, after which both have all their tokens
    assert done[2] == pytest.approx(0.1 + 9 * 0.2, rel=1e-6)
    assert done[1] == pytest.approx(0.1 + 9 * 0.2, rel=1e-6)


def test_slots_limit_concurrency_fifo():
    eng, tally, inf, done = make(slots=1, prefill=1e9)
    for i in (1, 2, 3):
        inf.submit(request(i, prompt=1, output=11), 0.0)
    assert len(inf.waiting) == 2 and inf.busy_slots.value == 1
    eng.run(100.0, 1000)
    assert [done[i] for i in (1, 2, 3)] == pytest.approx([1.0, 2.0, 3.0], rel=1e-6)


def test_round_robin_over_servers():
    eng, tally, inf, done = make(replicas=3, slots=1, prefill=1e9)
    for i in (1, 2, 3):
        inf.submit(request(i, prompt=1, output=10), 0.0)
    assert [s.assigned for s in inf.servers] == [1, 1, 1] and not inf.waiting


def test_more_slots_admit_waiting_requests():
    eng, tally, inf, done = make(slots=1, prefill=1e9)
    for i in (1, 2, 3):
        inf.submit(request(i, prompt=1, output=10), 0.0)
    inf.set_slots(3)
    assert not inf.waiting and inf.busy_slots.value == 3


def test_new_speeds_apply_from_the_next_step():
    eng, tally, inf, done = make(prefill=1e9)
    inf.submit(request(1, prompt=1, output=21), 0.0)
    eng.run(1.05, 1000)               # 10 tokens after the prompt; the 11th step is under way
    inf.set_speeds(speeds(prefill=1e9, decode=20.0))
    eng.run(100.0, 1000)
    assert done[1] == pytest.approx(1.1 + 9 * 0.05, rel=1e-6)


def test_fixed_service_and_ready_time():
    eng, tally, inf, done = make(fixed_service=True)
    m = request(1, service=0.25)
    m.ready_at = 0.5
    inf.submit(m, 0.0)
    eng.run(10.0, 100)
    assert done[1] == pytest.approx(0.75)


def test_a_request_starts_when_it_is_ready():
    eng, tally, inf, done = make()
    m = request(1, prompt=100, output=1)
    m.ready_at = 0.5
    inf.submit(m, 0.0)
    eng.run(10.0, 100)
    assert done[1] == pytest.approx(0.5 + 0.1)


def test_per_slot_context_refuses_long_prompts_and_cuts_long_answers():
    eng, tally, inf, done = make(ctx=1024, slots=4)  # 256 tokens per slot
    inf.servers[0].slots = 4
    long, cut = request(1, prompt=300, output=5), request(2, prompt=200, output=100)
    inf.submit(long, 0.0)
    inf.submit(cut, 0.0)
    eng.run(100.0, 1000)
    assert long.error == "context" and done[1] == 0.0
    assert cut.error is None and tally.truncated == 1 and tally.llm_errors == 1
    assert tally.generated_tokens == 256 - 200  # the slot's context filled up


def test_a_named_model_that_does_not_load_is_refused():
    with pytest.raises(ValueError) as err:
        resolve_speeds(make_config(model="llama-3-70b", quant="Q4_K_M", hardware="rtx-4090"))
    assert err.value.field == "model" and "does not load on 1 x" in str(err.value)
    two = resolve_speeds(make_config(model="llama-3-70b", quant="Q4_K_M", hardware="rtx-4090", gpus=2, slots=4))
    assert two.n_ctx is not None and "fits" in two.memory
