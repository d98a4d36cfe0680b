"""Perplexity reference figures are cited, never invented, and carry their provenance per row."""

import pytest

from inferlab.llamacpp.quality import perplexity_delta, perplexity_figures
from inferlab.llamacpp.quant_recipes import FILE_TYPES

PROVENANCE = {"quant", "delta_ppl", "model", "metric", "baseline", "tool", "dataset", "imatrix", "source"}


@pytest.mark.parametrize("quant", list(FILE_TYPES))
def test_every_figure_has_a_source_and_provenance(quant):
    p = perplexity_delta(quant)
    if quant == "F32":
        assert p is None and perplexity_figures(quant) == []  # the reference itself
        return
    for fig in perplexity_figures(quant):
        assert PROVENANCE <= set(fig)
        assert fig["source"].startswith("https://github.com/ggml-org/llama.cpp/")
        assert fig["model"] in fig["baseline"] and isinstance(fig["delta_ppl"], float)
    assert p in perplexity_figures(quant)


def test_known_values():
    # tools/perplexity/README.md, LLaMA 3 8b Scoreboard (imatrix None)
    assert perplexity_delta("Q4_K_M")["delta_ppl"] == 0.196383
    assert perplexity_delta("IQ2_XXS")["imatrix"] == "WT 2.7m"
    assert perplexity_delta("Q4_K_M", "llama-2-7b")["delta_ppl"] == 0.082526
    assert perplexity_delta("Q2_K_S")["source"].endswith("quantize.cpp")


def test_the_two_q4_k_m_figures_are_told_apart():
    # the post quotes +0.1754 (llama-quantize's list), the widget +0.196383 (the scoreboard)
    figs = {f["tool"]: f for f in perplexity_figures("Q4_K_M") if f["model"] == "Llama 3 8B"}
    assert len(figs) == 2
    quantize = next(f for t, f in figs.items() if "quantize" in t)
    scoreboard = next(f for t, f in figs.items() if "scoreboard" in t)
    assert (quantize["delta_ppl"], scoreboard["delta_ppl"]) == (0.1754, 0.196383)
    assert quantize["source"] != scoreboard["source"] and quantize["metric"] != scoreboard["metric"]


def test_mistral_rows_are_labelled_mistral():
    for quant in ("F16", "BF16"):
        fig = perplexity_delta(quant)
        assert fig["model"] == "Mistral 7B" and "Mistral 7B" in fig["baseline"]
    assert all(f["model"] != "Mistral 7B" for q in FILE_TYPES if q not in ("F16", "BF16")
               for f in perplexity_figures(q))


def test_lower_bits_cost_more_perplexity():
    order = ["Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K", "IQ2_XXS", "IQ1_S"]
    deltas = [perplexity_delta(q)["delta_ppl"] for q in order]
    assert deltas == sorted(deltas)
