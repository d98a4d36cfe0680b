"""inferlab.explainers.sampling: every stage against a direct computation, the two orders, the grammar redraw.

Direct computations here are written independently of the module (sorting
with numpy-free brute force, enumerating draws), so an error in a stage
cannot cancel itself out.
"""

from __future__ import annotations

import json
import math
import random
from itertools import product

import pytest

from inferlab.cli import main
from inferlab.explainers import sampling as s
from inferlab.inputs import InputError

LOGITS = [2.0, 1.5, 1.5, 0.2, -0.4, -1.0, -3.0, 0.9]
NEG = -math.inf


def _probs(logits: list[float]) -> list[float]:
    alive = [z for z in logits if z != NEG]
    total = sum(math.exp(z) for z in alive)
    return [math.exp(z) / total if z != NEG else 0.0 for z in logits]


def _kept(logits: list[float]) -> set[int]:
    return {i for i, z in enumerate(logits) if z != NEG}


def test_softmax_and_entropy_against_direct_sums() -> None:
    got = s.softmax(LOGITS)
    assert got == pytest.approx(_probs(LOGITS), rel=1e-12)
    assert sum(got) == pytest.approx(1.0)
    uniform = s.softmax([0.3] * 6)
    assert s.entropy_nats(uniform) == pytest.approx(math.log(6))
    assert math.exp(s.entropy_nats(uniform)) == pytest.approx(6.0), "effective choices of a uniform 6-way pick"


@pytest.mark.parametrize("k", [0, 1, 2, 3, 5, 8, 50])
def test_top_k_keeps_the_k_largest(k: int) -> None:
    got = _kept(s.top_k(LOGITS, k))
    if k <= 0 or k >= len(LOGITS):
        assert got == set(range(len(LOGITS)))
    else:
        threshold = sorted(LOGITS, reverse=True)[k - 1]
        assert len(got) == k and all(LOGITS[i] >= threshold for i in got)
        assert all(LOGITS[i] <= threshold for i in set(range(len(LOGITS))) - got)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.77, 0.9, 0.95, 0.999, 1.0])
def test_top_p_is_the_smallest_set_reaching_p_in_both_engines_formulations(p: float) -> None:
    probs = _probs(LOGITS)
    got = _kept(s.top_p(LOGITS, p))
    if p >= 1.0:
        assert got == set(range(len(LOGITS)))
        return
    # transformers: remove a token when the mass at and below it (ascending cumsum) is <= 1 - p
    ascending = sorted(range(len(probs)), key=lambda i: (probs[i], -i))
    hf_removed, tail = set(), 0.0
    for i in ascending:
        tail += probs[i]
        if tail <= 1 - p and i != ascending[-1]:
            hf_removed.add(i)
    assert got == set(range(len(probs))) - hf_removed
    # and it is the smallest most-likely prefix whose mass reaches p
    mass = sum(probs[i] for i in got)
    assert mass >= p - 1e-12
    smallest = min(probs[i] for i in got)
    assert mass - smallest < p or len(got) == 1


def test_min_p_matches_the_published_example() -> None:
    # llama.cpp PR #3841 (min-p): "if your top token is 90% and base min p is 0.05, only tokens at least 4.5%
    # probable" survive.
    probs = [0.90, 0.046, 0.045, 0.009]
    logits = [math.log(q) for q in probs]
    assert _kept(s.min_p(logits, 0.05)) == {0, 1, 2}
    assert _kept(s.min_p(logits, 0.0)) == {0, 1, 2, 3}


@pytest.mark.parametrize("p", [0.01, 0.1, 0.2, 0.5])
def test_min_p_keeps_tokens_at_or_above_p_times_the_top(p: float) -> None:
    probs = _probs(LOGITS)
    assert _kept(s.min_p(LOGITS, p)) == {i for i, q in enumerate(probs) if q >= p * max(probs)}


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9, 0.99])
def test_typical_keeps_the_most_typical_tokens_until_their_mass_exceeds_p(p: float) -> None:
    probs = _probs(LOGITS)
    h = -sum(q * math.log(q) for q in probs)
    got = _kept(s.typical(LOGITS, p))
    surprise = {i: abs(-math.log(probs[i]) - h) for i in range(len(probs))}
    # every kept token is at least as typical as every removed one, and the kept mass first exceeds p
    removed = set(range(len(probs))) - got
    assert all(surprise[i] <= surprise[j] for i in got for j in removed)
    mass = sum(probs[i] for i in got)
    least_typical = max(got, key=lambda i: surprise[i])
    assert mass > p and mass - probs[least_typical] <= p


def test_temperature_divides_logits_and_zero_is_greedy() -> None:
    assert s.temperature(LOGITS, 0.5) == pytest.approx([z / 0.5 for z in LOGITS])
    assert _kept(s.temperature(LOGITS, 0.0)) == {0}
    hot = _probs(s.temperature(LOGITS, 2.0))
    cold = _probs(s.temperature(LOGITS, 0.5))
    assert s.entropy_nats(hot) > s.entropy_nats(_probs(LOGITS)) > s.entropy_nats(cold)


def test_penalties_follow_llama_cpp_arithmetic() -> None:
    logits = [2.0, -1.0, 0.5, 3.0]
    counts = {0: 2, 1: 1, 3: 0}
    got = s.penalize(logits, counts, repeat=1.3, presence=0.4, frequency=0.25)
    assert got[0] == pytest.approx(2.0 / 1.3 - 2 * 0.25 - 0.4)
    assert got[1] == pytest.approx(-1.0 * 1.3 - 1 * 0.25 - 0.4)  # a negative logit is multiplied
    assert got[2] == 0.5 and got[3] == 3.0  # unseen tokens untouched


def test_penalty_window_is_llama_cpp_only() -> None:
    history = [0, 0, 1, 2, 2, 2]
    base = s.PARAMS.defaults()
    assert s.penalty_counts(history, {**base, "repeat_last_n": 3}) == {2: 3}
    assert s.penalty_counts(history, {**base, "repeat_last_n": 0}) == {}
    assert s.penalty_counts(history, {**base, "order": "transformers", "repeat_last_n": 3}) == {0: 2, 1: 1, 2: 3}


def test_order_matters_temperature_first_lets_more_tokens_through_min_p() -> None:
    values = s.PARAMS.parse({"temperature": 1.5, "min_p": 0.1, "top_p": 1.0, "top_k": 0})
    last = s.report(values)
    first = s.report({**values, "order": "transformers"})
    # llama.cpp trims on untempered probabilities, transformers on tempered (flatter) ones
    assert first["candidates"] > last["candidates"]
    probs = _probs(list(s.EXAMPLES["capital"].logits))
    assert last["candidates"] == sum(q >= 0.1 * max(probs) for q in probs)
    hot = _probs([z / 1.5 for z in s.EXAMPLES["capital"].logits])
    assert first["candidates"] == sum(q >= 0.1 * max(hot) for q in hot)


def test_the_chain_equals_stage_by_stage_composition() -> None:
    values = s.PARAMS.parse({"example": "story", "top_k": 8, "typical_p": 0.9, "top_p": 0.8, "min_p": 0.2,
                             "temperature": 0.7, "repeat_penalty": 1.2, "presence_penalty": 0.3})
    ex = s.EXAMPLES["story"]
    counts = s.penalty_counts(list(ex.history), values)
    z = s.penalize(list(ex.logits), counts, 1.2, 0.3, 0.0)
    z = s.temperature(s.min_p(s.top_p(s.typical(s.top_k(z, 8), 0.9), 0.8), 0.2), 0.7)
    stages = s.run_chain(list(ex.logits), values, counts, None)
    assert [name for name, _ in stages] == ["logits", *s.ORDERS["llama.cpp"]]
    assert stages[-1][1] == pytest.approx(z)


def test_llama_cpp_grammar_redraw_distribution_is_exact() -> None:
    """Enumerate both draws of common_sampler_sample and compare with the closed form the module reports."""
    values = s.PARAMS.parse({"example": "json", "grammar": True, "top_k": 3, "min_p": 0.0, "top_p": 1.0})
    ex = s.EXAMPLES["json"]
    step = s.sample_step(ex, values, list(ex.history), random.Random(0))
    counts = s.penalty_counts(list(ex.history), values)
    free = _probs(s.run_chain(list(ex.logits), values, counts, None)[-1][1])
    constrained = _probs(s.run_chain(list(ex.logits), values, counts, ex.allowed)[-1][1])
    direct = [0.0] * len(free)
    for first, second in product(range(len(free)), repeat=2):
        weight = free[first] * constrained[second]
        direct[first if first in ex.allowed else second] += weight
    assert step.output == pytest.approx(direct, abs=1e-12)
    assert sum(step.output) == pytest.approx(1.0)
    assert all(step.output[i] == 0 for i in range(len(free)) if i not in ex.allowed)
    # and it differs from masking first (top-k 3 on the free logits keeps 2 disallowed tokens)
    assert step.output != pytest.approx(constrained)


def test_seeded_draws_follow_the_reported_distribution() -> None:
    values = s.PARAMS.parse({"example": "story", "temperature": 1.0, "min_p": 0.0, "top_p": 1.0, "top_k": 0})
    ex = s.EXAMPLES["story"]
    rng = random.Random(7)
    n = 20_000
    hits = [0] * len(ex.tokens)
    step = None
    for _ in range(n):
        step = s.sample_step(ex, values, list(ex.history), rng)
        hits[step.chosen] += 1
    assert step is not None
    for q, h in zip(step.output, hits):
        assert abs(h / n - q) < 5 * math.sqrt(q * (1 - q) / n) + 1e-9


def test_cli_prints_the_widget_numbers() -> None:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["sampling", "--temperature", "0.7", "--top-p", "0.9", "--seed", "1", "--json"]) == 0
    out = json.loads(buf.getvalue())
    assert out["chosen_token"] in s.EXAMPLES["capital"].tokens
    assert out["effective_choices"] == pytest.approx(2 ** out["entropy_bits"])
    assert sum(out["output"].values()) == pytest.approx(1.0)


def test_token_by_token_is_reproducible_and_penalties_change_the_odds() -> None:
    base = s.PARAMS.parse({"example": "story", "position": 10, "seed": 3})
    a, b = s.report(base), s.report(base)
    assert a["generated"] == b["generated"] and len(a["generated"]) == 10
    penalized = s.report({**base, "frequency_penalty": 2.0})
    first = s.report({**base, "position": 1})
    assert first["generated"][0] == a["generated"][0]
    assert penalized["output"] != a["output"]


@pytest.mark.parametrize(("name", "value"), [("temperature", -1), ("top_p", 1.5), ("position", 65),
                                             ("example", "nope"), ("repeat_penalty", 0)])
def test_bad_input_names_the_field(name: str, value: object) -> None:
    with pytest.raises(InputError) as err:
        s.PARAMS.parse({name: value})
    assert err.value.field == name


def test_stage_chart_is_well_formed_accessible_svg() -> None:
    import xml.etree.ElementTree as ET

    from inferlab.ui import svg

    chart = s.SamplingWidget(s.PARAMS.parse({"grammar": True, "example": "json"})).view().charts["stages"]
    root = ET.fromstring(chart)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.find(f"{ns}title") is not None and root.find(f"{ns}desc") is not None
    assert "ifw-hl" in chart, "the chosen token is highlighted"
    ET.fromstring(svg.bar_grid(["<a>", "b & c"], [("x", [0.5, None]), ("y", [float("nan"), 1.0])],
                               title="t <", desc="d &"))


def test_a_temperature_so_small_that_dividing_overflows_is_greedy() -> None:
    from inferlab.explainers.sampling import softmax, temperature

    probs = softmax(temperature([2.0, 1.0, -3.0], 1e-307))
    assert probs == [1.0, 0.0, 0.0]
