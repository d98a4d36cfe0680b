"""Perplexity cost of each quant type, as llama.cpp publishes it -- with provenance.

These are *reference figures*, never computed: the perplexity increase
(ΔPPL) over the unquantized model that llama.cpp's contributors measured.
Every figure carries its provenance, so two figures for the same quant
can sit on one page without contradicting each other:

``model``      the model it was measured on (Llama 3 8B, Mistral 7B, ...);
``metric``     what the number is;
``baseline``   what it is relative to;
``tool``       which llama.cpp listing it comes from;
``source``     where it is published; ``imatrix`` how the file was made.

Two listings give Q4_K_M on Llama 3 8B: the quantize tool's help text says
+0.1754 (``QUANT_OPTIONS`` in tools/quantize/quantize.cpp) and the
perplexity README's scoreboard says +0.196383 (a separate run, other
files).  Both are real; the ``tool`` field tells them apart.
"""

from __future__ import annotations

SCOREBOARD = "https://github.com/ggml-org/llama.cpp/blob/master/tools/perplexity/README.md"
QUANTIZE = "https://github.com/ggml-org/llama.cpp/blob/master/tools/quantize/quantize.cpp"

_SCOREBOARD_TOOL = "llama-perplexity scoreboard (tools/perplexity/README.md)"
_SCOREBOARD_METRIC = "mean ΔPPL, wikitext-2 test"
_QUANTIZE_TOOL = "llama-quantize --help (QUANT_OPTIONS)"
_QUANTIZE_METRIC = "ΔPPL listed next to the type"

# "LLaMA 3 8b Scoreboard": quant -> (ΔPPL, imatrix).  Rows "imatrix: None" are preferred;
# i-quants only exist with an imatrix, for them the "WT 2.7m" rows are used.
_LLAMA3_8B = {
    "Q8_0": (0.005872, None), "Q6_K": (0.037777, None), "Q5_K_M": (0.067952, None),
    "Q5_K_S": (0.124777, None), "Q5_1": (0.125879, None), "Q5_0": (0.135923, None),
    "Q4_K_M": (0.196383, None), "Q4_K_S": (0.291578, None), "IQ4_NL": (0.248562, "WT 2.7m"),
    "IQ4_XS": (0.246254, "WT 2.7m"), "Q4_1": (0.494238, None), "Q4_0": (0.529800, None),
    "Q3_K_L": (0.585400, None), "Q3_K_M": (0.689517, None), "IQ3_M": (0.742584, "WT 2.7m"),
    "IQ3_S": (0.806473, "WT 2.7m"), "IQ3_XS": (1.042930, "WT 2.7m"),
    "IQ3_XXS": (1.290849, "WT 2.7m"), "Q3_K_S": (1.907244, None), "IQ2_M": (2.663082, "WT 2.7m"),
    "IQ2_S": (3.867287, "WT 2.7m"), "Q2_K": (3.882171, None), "IQ2_XS": (5.043388, "WT 2.7m"),
    "IQ2_XXS": (8.843541, "WT 2.7m"), "IQ1_M": (21.893176, "WT 2.7m"),
    "IQ1_S": (62.867391, "WT 2.7m"),
}
# "LLaMA 2 vs. LLaMA 3 Quantization comparison" tables of the same README (Mean ΔPPL).
_PER_MODEL = {
    ("llama-2-7b", "Q2_K"): 0.625552, ("llama-2-7b", "Q4_K_M"): 0.082526,
    ("llama-2-7b", "Q6_K"): 0.013941, ("llama-2-7b", "Q8_0"): 0.003990,
    ("llama-2-70b", "Q2_K"): 0.738805, ("llama-2-70b", "Q4_K_M"): 0.041672,
    ("llama-2-70b", "Q6_K"): 0.006887, ("llama-2-70b", "Q8_0"): 0.000961,
    ("llama-3-70b", "Q2_K"): 2.863974, ("llama-3-70b", "Q4_K_M"): 0.154607,
    ("llama-3-70b", "Q6_K"): 0.013329, ("llama-3-70b", "Q8_0"): 0.000658,
}
_DISPLAY = {"llama-2-7b": "Llama 2 7B", "llama-2-70b": "Llama 2 70B", "llama-3-70b": "Llama 3 70B"}
# QUANT_OPTIONS descriptions in quantize.cpp: quant -> (ΔPPL, model named after "@").
_FROM_QUANTIZE = {
    "Q2_K": (3.5199, "Llama 3 8B"), "Q2_K_S": (3.1836, "Llama 3 8B"),
    "Q3_K_S": (1.6321, "Llama 3 8B"), "Q3_K_M": (0.6569, "Llama 3 8B"),
    "Q3_K_L": (0.5562, "Llama 3 8B"), "Q4_0": (0.4685, "Llama 3 8B"),
    "Q4_K_S": (0.2689, "Llama 3 8B"), "Q4_K_M": (0.1754, "Llama 3 8B"),
    "Q5_0": (0.1316, "Llama 3 8B"), "Q5_1": (0.1062, "Llama 3 8B"),
    "Q5_K_S": (0.1049, "Llama 3 8B"), "Q5_K_M": (0.0569, "Llama 3 8B"),
    "Q6_K": (0.0217, "Llama 3 8B"), "Q8_0": (0.0026, "Llama 3 8B"),
    "F16": (0.0020, "Mistral 7B"), "BF16": (-0.0050, "Mistral 7B"),
}


def _figure(quant: str, delta: float, model: str, tool: str, metric: str, source: str,
            imatrix: str | None) -> dict:
    return {"quant": quant, "delta_ppl": delta, "model": model, "reference_model": model,
            "metric": metric, "baseline": f"the F16 / BF16 {model}", "tool": tool,
            "dataset": "wikitext-2 test", "imatrix": imatrix, "source": source}


def perplexity_figures(quant: str) -> list[dict]:
    """Every published ΔPPL for *quant* (a file-type name), each with its provenance."""
    q = str(quant).upper()
    rows = []
    if q in _LLAMA3_8B:
        delta, imat = _LLAMA3_8B[q]
        rows.append(_figure(q, delta, "Llama 3 8B", _SCOREBOARD_TOOL, _SCOREBOARD_METRIC, SCOREBOARD, imat))
    for (model, mq), delta in _PER_MODEL.items():
        if mq == q:
            rows.append(_figure(q, delta, _DISPLAY[model], _SCOREBOARD_TOOL, _SCOREBOARD_METRIC,
                                SCOREBOARD, None))
    if q in _FROM_QUANTIZE:
        delta, model = _FROM_QUANTIZE[q]
        rows.append(_figure(q, delta, model, _QUANTIZE_TOOL, _QUANTIZE_METRIC, QUANTIZE, None))
    return rows


def perplexity_delta(quant: str, model: str | None = None) -> dict | None:
    """The one ΔPPL to show for *quant* on *model*, or None if nothing is published.

    A scoreboard measurement on *model* itself is preferred, then the Llama 3
    8B scoreboard, then the quantize tool's listing; the returned figure
    says which (see :func:`perplexity_figures` for all of them).
    """
    q = str(quant).upper()
    figures = perplexity_figures(q)
    if model is not None and (model, q) in _PER_MODEL:
        return next(f for f in figures if f["model"] == _DISPLAY[model])
    return figures[0] if figures else None  # F32 is the reference itself


__all__ = ["QUANTIZE", "SCOREBOARD", "perplexity_delta", "perplexity_figures"]
