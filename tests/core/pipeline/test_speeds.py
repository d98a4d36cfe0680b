"""Inference speeds: plain rates, or the quantization calculator."""

import importlib.util
import sys

import pytest

from inferlab.pipeline import Simulation
from inferlab.pipeline.config import make_config
from inferlab.pipeline.speeds import resolve_speeds

HAVE_CALCULATOR = importlib.util.find_spec("inferlab.llamacpp.calculator") is not None


def test_plain_rates():
    s = resolve_speeds(make_config({"prefill_tps": 1234.0, "decode_tps": 56.0, "batch_overhead": 0.5}))
    assert (s.prefill_tps, s.decode_tps, s.source) == (1234.0, 56.0, "plain")
    assert s.timer.decode(1, 0)[0] == 1 / 56.0
    assert s.timer.decode(3, 999)[0] == pytest.approx(2 / 56.0)  # (1 + 0.5 x 2) / 56: depth does not matter
    assert s.n_ctx is None and s.n_ctx_slot is None  # no model, no context limit unless one is given
    limited = resolve_speeds(make_config({"ctx_size": 4000, "slots": 4}))
    assert limited.n_ctx_slot == 1024  # 4000 / 4 = 1000, padded up to 256 as llama.cpp does


CALC = {"model": "llama-3-8b", "hardware": "rtx-4090", "replicas": 4, "slots": 16, "arrival_rate": 10.0}


@pytest.mark.skipif(not HAVE_CALCULATOR, reason="needs inferlab.llamacpp.calculator")
def test_calculator_rates_and_q4_is_faster_than_q8():
    q8 = Simulation({**CALC, "quant": "Q8_0"}, seed=1)
    q4 = Simulation({**CALC, "quant": "Q4_K_M"}, seed=1)
    assert q8.speeds.source == "calculator: llama-3-8b Q8_0 rtx-4090"
    assert q4.speeds.decode_tps > q8.speeds.decode_tps
    slow, fast = q8.run(120), q4.run(120)
    assert fast["mean_latency_ms"] < 0.85 * slow["mean_latency_ms"]


@pytest.mark.skipif(not HAVE_CALCULATOR, reason="needs inferlab.llamacpp.calculator")
def test_switching_quant_mid_run_moves_latency():
    sim = Simulation({**CALC, "quant": "Q8_0"}, seed=2)
    sim.run(60)
    sim.reset_stats()
    before = sim.run(60)["mean_latency_ms"]
    sim.set_controls(quant="Q4_K_M")
    sim.run(10)
    sim.reset_stats()
    after = sim.run(60)["mean_latency_ms"]
    assert after < 0.85 * before


@pytest.mark.skipif(not HAVE_CALCULATOR, reason="needs inferlab.llamacpp.calculator")
def test_calculator_errors_pass_through_and_leave_state():
    with pytest.raises(ValueError, match="model"):
        Simulation({**CALC, "model": "no-such-model", "quant": "Q4_K_M"})
    sim = Simulation({**CALC, "quant": "Q4_K_M"})
    with pytest.raises(ValueError, match="quant"):
        sim.set_controls(quant="Q9_Z")
    assert sim.config.quant == "Q4_K_M"


@pytest.mark.skipif(not HAVE_CALCULATOR, reason="needs inferlab.llamacpp.calculator")
def test_calculator_context_is_the_largest_that_fits():
    """Unset -c: slots x the trained context if it fits, else the largest multiple of slots x 256 that does."""
    from inferlab.llamacpp.calculator import memory_report

    full = resolve_speeds(make_config({**CALC, "quant": "Q4_K_M", "slots": 16}))
    assert full.n_ctx == 16 * 8192 and full.n_ctx_slot == 8192
    tight = resolve_speeds(make_config({**CALC, "quant": "Q8_0", "slots": 64}))
    assert tight.n_ctx < 64 * 8192 and tight.n_ctx % (64 * 256) == 0

    def fits(n):
        return memory_report(model="llama-3-8b", quant="Q8_0", hardware="rtx-4090", gpu_layers=999, ctx=n,
                             parallel=64)["fits"]

    assert fits(tight.n_ctx) and not fits(tight.n_ctx + 64 * 256)
    assert tight.n_ctx_slot == tight.n_ctx // 64


@pytest.mark.skipif(not HAVE_CALCULATOR, reason="needs inferlab.llamacpp.calculator")
@pytest.mark.parametrize(("cfg", "field", "words"), [
    ({"model": "llama-3-70b", "quant": "Q4_K_M"}, "model", "VRAM short by"),
    ({"quant": "Q4_K_M", "ctx_size": 200_000}, "ctx_size", "at most slots x Llama 3 8B's trained context"),
    ({"quant": "Q8_0", "slots": 64, "ctx_size": 64 * 8192}, "ctx_size", "the largest that fits"),
    ({"quant": "Q4_K_M", "gpus": 2, "hardware": "m3-max"}, "gpus", "one integrated GPU"),
])
def test_configurations_that_cannot_load_are_refused(cfg, field, words):
    with pytest.raises(ValueError) as err:
        Simulation({**CALC, **cfg})
    assert err.value.field == field and words in str(err.value), str(err.value)


@pytest.mark.skipif(not HAVE_CALCULATOR, reason="needs inferlab.llamacpp.calculator")
def test_more_gpus_per_server_load_a_bigger_model():
    sim = Simulation({**CALC, "model": "llama-3-70b", "quant": "Q4_K_M", "gpus": 2, "slots": 4}, seed=1)
    assert "2 x" in sim.speeds.memory and "fits" in sim.speeds.memory
    assert sim.run(5)["speed_source"] == "calculator: llama-3-70b Q4_K_M rtx-4090"
