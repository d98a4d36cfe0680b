"""Perplexity reference figures are cited, never invented."""

import pytest

from inferlab.llamacpp.quality import perplexity_delta
from inferlab.llamacpp.quant_recipes import FILE_TYPES


@pytest.mark.parametrize("quant", list(FILE_TYPES))
def test_every_figure_has_a_source(quant):
    p = perplexity_delta(quant)
    if quant == "F32":
        assert p is None  # the reference itself
        return
    assert p["source"].startswith("https://github.com/ggml-org/llama.cpp/")
    assert p["reference_model"] and isinstance(p["delta_ppl"], float)


def test_known_values():
    # tools/perplexity/README.md, LLaMA 3 8b Scoreboard (imatrix None)
    assert perplexity_delta("Q4_K_M")["delta_ppl"] == 0.196383
    assert perplexity_delta("IQ2_XXS")["imatrix"] == "WT 2.7m"
    assert perplexity_delta("Q4_K_M", "llama-2-7b")["delta_ppl"] == 0.082526
    assert perplexity_delta("Q2_K_S")["source"].endswith("quantize.cpp")


def test_lower_bits_cost_more_perplexity():
    order = ["Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K", "IQ2_XXS", "IQ1_S"]
    deltas = [perplexity_delta(q)["delta_ppl"] for q in order]
    assert deltas == sorted(deltas)
