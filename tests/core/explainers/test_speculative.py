"""inferlab.explainers.speculative: closed forms against simulation, exact acceptance, and the load crossover.

Published figures used here:
* Leviathan, Kalman & Matias (arXiv 2211.17192): E = (1 - α^(γ+1)) / (1 - α) tokens per target step and the
  wall-time factor E / (γc + 1) -- the closed forms under test.
* vLLM blog, "How Speculative Decoding Boosts vLLM Performance by up to 2.8x" (2024-10-17,
  https://blog.vllm.ai/2024/10/17/spec-decode.html): up to 1.5x at QPS 1, 1.4x and 1.8x slower at high QPS
  (Llama 3 70B, 4x H100).  The model must reproduce the shape: a gain at batch 1, a slowdown of that order
  once the batch is large, one crossover in between.
"""

from __future__ import annotations

import json
import math

import pytest

from inferlab.cli import main
from inferlab.explainers import speculative as s
from inferlab.inputs import InputError

GRID_ALPHA = (0.1, 0.3, 0.5, 0.7, 0.9, 0.99)
GRID_GAMMA = (1, 2, 4, 8)
TRIALS = 6000


def test_expected_tokens_equals_the_series_it_sums() -> None:
    for alpha in GRID_ALPHA + (0.0, 1.0):
        for gamma in range(0, 12):
            direct = sum(k * q for k, q in enumerate(s.tokens_per_step_distribution(alpha, gamma), start=1))
            assert s.expected_tokens(alpha, gamma) == pytest.approx(direct, rel=1e-12)
            assert sum(s.tokens_per_step_distribution(alpha, gamma)) == pytest.approx(1.0)


def test_worked_examples() -> None:
    # α 0.8, γ 4, c 0.05: E = 3.3616, speed-up 3.3616 / 1.2 = 2.80 (Leviathan et al.'s formula, by hand)
    assert s.expected_tokens(0.8, 4) == pytest.approx(3.3616)
    assert s.speedup(0.8, 4, 0.05) == pytest.approx(2.8013, abs=1e-4)
    assert s.expected_tokens(1.0, 4) == 5.0 and s.expected_tokens(0.0, 4) == 1.0


def test_best_gamma_is_the_argmax_and_none_when_alpha_below_c() -> None:
    for alpha, c in ((0.8, 0.05), (0.6, 0.1), (0.95, 0.02), (0.5, 0.3)):
        g, best = s.best_gamma(alpha, c)
        assert best == pytest.approx(max([1.0] + [s.speedup(alpha, k, c) for k in range(1, s.MAX_GAMMA_SEARCH + 1)]))
        assert g == 0 or s.speedup(alpha, g, c) == pytest.approx(best)
    # Leviathan et al.: speculation can only help when α > c
    assert s.best_gamma(0.2, 0.25) == (0, 1.0)


@pytest.mark.parametrize("alpha", GRID_ALPHA)
@pytest.mark.parametrize("gamma", GRID_GAMMA)
def test_monte_carlo_agrees_with_the_closed_form(alpha: float, gamma: int) -> None:
    p, q = s.make_pair("matched", alpha)
    assert s.pair_acceptance(p, q, "rejection") == pytest.approx(alpha, abs=1e-12)
    mc = s.simulate(p, q, gamma, "rejection", TRIALS, seed=gamma * 100 + int(alpha * 100))
    expected = s.expected_tokens(alpha, gamma)
    dist = s.tokens_per_step_distribution(alpha, gamma)
    variance = sum((k - expected) ** 2 * w for k, w in enumerate(dist, start=1))
    assert abs(mc["tokens_per_step"] - expected) <= 4.5 * math.sqrt(variance / TRIALS) + 1e-9
    for got, want in zip(mc["per_step"], dist):
        assert abs(got - want) <= 4.5 * math.sqrt(want * (1 - want) / TRIALS) + 1e-9


@pytest.mark.parametrize("pair", ["matched", "flatter", "sharper", "uniform"])
@pytest.mark.parametrize("rule", ["rejection", "match"])
def test_the_output_distribution_is_the_targets(pair: str, rule: str) -> None:
    p, q = s.make_pair(pair, 0.6)
    mc = s.simulate(p, q, 4, rule, 8000, seed=11)
    n = mc["n_emitted"]
    for got, want in zip(mc["emitted"], p):
        assert abs(got - want) <= 5 * math.sqrt(want * (1 - want) / n)
    alpha = s.pair_acceptance(p, q, rule)
    assert abs(mc["acceptance"] - alpha) <= 5 * math.sqrt(alpha * (1 - alpha) / (8000 * 2)) + 1e-9


def test_exact_acceptance_of_each_rule() -> None:
    p, q = s.make_pair("uniform", 0.5)
    assert s.pair_acceptance(p, q, "rejection") == pytest.approx(sum(min(a, 1 / 8) for a in p))
    assert s.pair_acceptance(p, q, "match") == pytest.approx(p[0])  # a tie: the first most likely token
    p, q = s.make_pair("flatter", 0.5)
    assert s.pair_acceptance(p, q, "match") == pytest.approx(max(p))  # same ranking, so the top token
    assert sum(q) == pytest.approx(1.0) and all(x >= 0 for x in q)


def test_matched_pair_refuses_an_unreachable_alpha() -> None:
    with pytest.raises(InputError) as err:
        s.make_pair("matched", 0.01)
    assert err.value.field == "acceptance"


def test_speed_up_falls_with_batch_and_turns_into_a_slowdown() -> None:
    v = s.PARAMS.parse({})
    mem = s.memory(v)
    points, crossover = s.load_curve(v, 0.8, mem["max_batch_that_fits"])
    speedups = [pt["speedup"] for pt in points]
    assert speedups[0] > 1.3, "a clear gain at batch 1 (vLLM: up to 1.5x at QPS 1)"
    assert crossover is not None and 1 < crossover <= points[-1]["batch"]
    slowdown = 1 / speedups[-1]
    assert 1.2 < slowdown < 2.2, "a slowdown of vLLM's order (1.4x-1.8x) at the largest batch"
    assert all(b <= a + 1e-9 for a, b in zip(speedups, speedups[1:4])), "no gain from batching in the memory-bound range"
    before = s.load_point(v, crossover - 1, 0.8)["speedup"]
    at = s.load_point(v, crossover, 0.8)["speedup"]
    assert before >= 1.0 > at


def test_load_model_at_batch_one_is_the_closed_form_with_the_measured_verification_cost() -> None:
    v = s.PARAMS.parse({})
    pt = s.load_point(v, 1, 0.8)
    c = pt["draft_step_s"] / pt["target_step_s"]
    verify = pt["verify_step_s"] / pt["target_step_s"]
    assert 1.0 <= verify < 1.25, "γ+1 tokens cost about one step while memory-bound"
    assert pt["speedup"] == pytest.approx(s.expected_tokens(0.8, 4) / (4 * c + verify))
    assert pt["speedup"] <= s.speedup(0.8, 4, c)  # the closed form's free verification is the upper bound


def test_step_seconds_uses_the_llamacpp_step_model() -> None:
    from inferlab.llamacpp.calculator import speed_model

    sm = speed_model(model="qwen2.5-7b", quant="Q4_K_M", hardware="rtx-4090")
    assert s.step_seconds("qwen2.5-7b", "Q4_K_M", "rtx-4090", 8, 100) == sm.step_seconds(decode_depths=[100] * 8)
    assert s.step_seconds("qwen2.5-7b", "Q4_K_M", "rtx-4090", 2, 0, tokens_each=5) == \
        sm.step_seconds(prompt_chunks=[(5, 0), (5, 0)], outputs=10)


def test_memory_counts_the_draft_and_what_it_displaces() -> None:
    v = s.PARAMS.parse({"batch": 4})
    mem = s.memory(v)
    assert mem["draft_bytes"] > 0 and mem["target_bytes"] > mem["draft_bytes"]
    assert mem["sequences_displaced"] == pytest.approx(mem["draft_bytes"] / mem["target_kv_bytes_per_sequence"])
    fits = mem["max_batch_that_fits"]
    total = (mem["target_bytes"] + mem["draft_bytes"] + (fits - 4)
             * (mem["target_kv_bytes_per_sequence"] + mem["draft_kv_bytes_per_sequence"]))
    assert total <= mem["limit_bytes"] < total + mem["target_kv_bytes_per_sequence"] + mem["draft_kv_bytes_per_sequence"]


def test_cli_has_the_issue_flags_and_keys() -> None:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["speculative", "--acceptance", "0.8", "--draft-tokens", "4", "--draft-cost", "0.05",
                     "--json"]) == 0
    out = json.loads(buf.getvalue())
    assert out["expected_tokens_per_step"] == pytest.approx(3.3616)
    assert out["speedup"] == pytest.approx(2.8013, abs=1e-4)


@pytest.mark.parametrize(("values", "field"), [({"acceptance": 1.5}, "acceptance"), ({"draft_tokens": 0}, "draft_tokens"),
                                               ({"trials": 10**6}, "trials"), ({"draft_cost": -1}, "draft_cost")])
def test_bad_input_is_an_input_error(values: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        s.PARAMS.parse(values)
    assert err.value.field == field


def test_depth_must_fit_the_context() -> None:
    with pytest.raises(InputError) as err:
        s.report(s.PARAMS.parse({"depth": 4095, "ctx": 4096}))
    assert err.value.field == "depth"
