"""Inference speeds: plain rates, or the quantization calculator."""

import importlib.util
import sys

import pytest

from inferlab.pipeline import Simulation
from inferlab.pipeline.config import make_config
from inferlab.pipeline.speeds import resolve_speeds

HAVE_CALCULATOR = importlib.util.find_spec("inferlab.llamacpp.calculator") is not None


def test_plain_rates():
    s = resolve_speeds(make_config({"prefill_tps": 1234.0, "decode_tps": 56.0}))
    assert (s.prefill_tps, s.decode_tps, s.source) == (1234.0, 56.0, "plain")
    assert s.per_slot[1] == 56.0


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
def test_many_slots_use_a_sampled_curve():
    cfg = make_config({**CALC, "quant": "Q4_K_M", "slots": 200})
    s = resolve_speeds(cfg)
    aggregate = [n * s.per_slot[n] for n in range(1, 201)]
    assert all(b >= a - 1e-9 for a, b in zip(aggregate, aggregate[1:]))
    assert s.per_slot[1] == pytest.approx(s.decode_tps)
