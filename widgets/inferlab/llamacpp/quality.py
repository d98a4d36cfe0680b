"""Perplexity cost of each quant type, as llama.cpp publishes it.

These are *reference figures*, never computed: the perplexity increase
(ΔPPL, wikitext-2 test set) that llama.cpp's contributors measured against
the unquantized model.  A figure is returned with its model, its source and
whether an importance matrix was used; ``None`` where nothing is published.

Sources
-------
``SCOREBOARD``: "LLaMA 3 8b Scoreboard" and "LLaMA 2 vs. LLaMA 3 Quantization
comparison" in tools/perplexity/README.md
(https://github.com/ggml-org/llama.cpp/blob/master/tools/perplexity/README.md).
Rows "imatrix: None" are preferred; i-quants only exist with an imatrix, for
them the "WT 2.7m" rows are used.
``QUANTIZE``: the QUANT_OPTIONS descriptions in tools/quantize/quantize.cpp
(https://github.com/ggml-org/llama.cpp/blob/master/tools/quantize/quantize.cpp).
"""

SCOREBOARD = "https://github.com/ggml-org/llama.cpp/blob/master/tools/perplexity/README.md"
QUANTIZE = "https://github.com/ggml-org/llama.cpp/blob/master/tools/quantize/quantize.cpp"

# quant -> (ΔPPL, reference model, imatrix, source).  Llama 3 8B scoreboard, FP16 PPL 6.7684.
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
# Model-specific rows of the "LLaMA 2 vs. LLaMA 3 Quantization comparison" tables (Mean ΔPPL).
_PER_MODEL = {
    ("llama-2-7b", "Q2_K"): 0.625552, ("llama-2-7b", "Q4_K_M"): 0.082526,
    ("llama-2-7b", "Q6_K"): 0.013941, ("llama-2-7b", "Q8_0"): 0.003990,
    ("llama-2-70b", "Q2_K"): 0.738805, ("llama-2-70b", "Q4_K_M"): 0.041672,
    ("llama-2-70b", "Q6_K"): 0.006887, ("llama-2-70b", "Q8_0"): 0.000961,
    ("llama-3-70b", "Q2_K"): 2.863974, ("llama-3-70b", "Q4_K_M"): 0.154607,
    ("llama-3-70b", "Q6_K"): 0.013329, ("llama-3-70b", "Q8_0"): 0.000658,
}
_DISPLAY = {"llama-2-7b": "Llama 2 7B", "llama-2-70b": "Llama 2 70B", "llama-3-70b": "Llama 3 70B"}
# QUANT_OPTIONS in quantize.cpp: figures not on the scoreboard.
_FROM_QUANTIZE = {
    "Q2_K_S": (3.1836, "Llama 3 8B"),
    "F16": (0.0020, "Mistral 7B"),
    "BF16": (-0.0050, "Mistral 7B"),
}


def perplexity_delta(quant: str, model: str | None = None) -> dict | None:
    """Published ΔPPL for *quant* (a file-type name), or None if unpublished.

    A measurement for *model* itself is preferred; otherwise the Llama 3 8B
    figure is returned, labelled with the model it was measured on.
    """
    q = str(quant).upper()
    if model is not None and (model, q) in _PER_MODEL:
        return {"delta_ppl": _PER_MODEL[(model, q)], "reference_model": _DISPLAY[model],
                "imatrix": None, "dataset": "wikitext-2 test", "source": SCOREBOARD}
    if q in _LLAMA3_8B:
        delta, imat = _LLAMA3_8B[q]
        return {"delta_ppl": delta, "reference_model": "Llama 3 8B", "imatrix": imat,
                "dataset": "wikitext-2 test", "source": SCOREBOARD}
    if q in _FROM_QUANTIZE:
        delta, ref = _FROM_QUANTIZE[q]
        return {"delta_ppl": delta, "reference_model": ref, "imatrix": None,
                "dataset": "wikitext-2 test", "source": QUANTIZE}
    return None  # F32 is the reference itself; nothing else is published
