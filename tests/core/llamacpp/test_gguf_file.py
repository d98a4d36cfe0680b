"""GGUF file-size model against published files and llama.cpp's own tables."""

import pytest

from inferlab.llamacpp.gguf_file import GGUF_ALIGNMENT, file_summary, metadata_bytes, padded
from inferlab.catalog.models import PRESETS, get_preset
from inferlab.llamacpp.quant_recipes import FILE_TYPES
from inferlab.units import GiB

from inferlab.llamacpp.published import GGUF_FILES as PUBLISHED_FILES  # noqa: E402
from inferlab.llamacpp.published import TB7, TB13, TB70, TBM  # noqa: E402


@pytest.mark.parametrize("model,quant,real_bytes,source", PUBLISHED_FILES)
def test_file_size_within_2_percent_of_published_gguf(model, quant, real_bytes, source):
    pred = file_summary(get_preset(model), quant)["file_bytes"]
    assert abs(pred - real_bytes) / real_bytes < 0.02, (source.format(quant), pred, real_bytes)


# Q2_K files of 2023 were made before llama.cpp re-tuned the Q2_K mix (PR #4897 / #4996,
# Jan 2024: attn_v/ffn_down went from Q4_K to Q3_K); the current recipe is ~10-13 % smaller.
@pytest.mark.parametrize("model,real_bytes,source", [
    ("llama-2-7b", 2_825_940_672, TB7.format("Q2_K")),
    ("llama-2-13b", 5_429_348_224, TB13.format("Q2_K")),
    ("llama-2-70b", 29_279_253_408, TB70.format("Q2_K")),
    ("mistral-7b", 3_083_097_728, TBM.format("Q2_K")),
])
def test_q2_k_is_smaller_than_2023_recipe(model, real_bytes, source):
    pred = file_summary(get_preset(model), "Q2_K")["file_bytes"]
    assert 0.85 * real_bytes < pred < real_bytes, source


# Whole-model bits per weight of Llama-3.1-8B per quant type, llama.cpp's own table:
# tools/quantize/README.md "Quantization" section (github.com/ggml-org/llama.cpp).
# These are tensor-data sizes (llama-bench "size"), so compare tensor_bits_per_weight.
README_BPW = {
    "IQ1_S": 2.0042, "IQ1_M": 2.1460, "IQ2_XXS": 2.3824, "IQ2_XS": 2.5882, "IQ2_S": 2.7403,
    "IQ2_M": 2.9294, "IQ3_XXS": 3.2548, "IQ3_XS": 3.4977, "IQ3_S": 3.6606, "IQ3_M": 3.7628,
    "IQ4_XS": 4.4597, "IQ4_NL": 4.6818, "Q2_K_S": 2.9697, "Q2_K": 3.1593, "Q3_K_S": 3.6429,
    "Q3_K_L": 4.2979, "Q4_K_S": 4.6672, "Q4_K_M": 4.8944, "Q5_K_S": 5.5704, "Q5_K_M": 5.7036,
    "Q6_K": 6.5633, "Q8_0": 8.5008, "F16": 16.0005,
}


@pytest.mark.parametrize("quant,bpw", sorted(README_BPW.items()))
def test_llama31_8b_bpw_matches_llama_cpp_readme(quant, bpw):
    got = file_summary(get_preset("llama-3.1-8b"), quant)["tensor_bits_per_weight"]
    assert got == pytest.approx(bpw, abs=6e-5)


# Llama 3 8B model sizes [GiB] from the "LLaMA 3 8b Scoreboard", tools/perplexity/README.md.
SCOREBOARD_GIB = {
    "F16": 14.97, "Q8_0": 7.96, "Q6_K": 6.14, "Q5_K_M": 5.33, "Q5_K_S": 5.21, "Q5_1": 5.65,
    "Q5_0": 5.21, "Q4_K_M": 4.58, "Q4_K_S": 4.37, "IQ4_NL": 4.35, "IQ4_XS": 4.14, "Q4_1": 4.78,
    "Q4_0": 4.34, "Q3_K_L": 4.03, "Q3_K_M": 3.74, "IQ3_M": 3.53, "IQ3_S": 3.42, "IQ3_XS": 3.28,
    "IQ3_XXS": 3.05, "Q3_K_S": 3.41, "IQ2_M": 2.74, "Q2_K": 2.96, "IQ2_S": 2.56, "IQ2_XS": 2.43,
    "IQ2_XXS": 2.24, "IQ1_M": 2.01, "IQ1_S": 1.88,
}


@pytest.mark.parametrize("quant,gib", sorted(SCOREBOARD_GIB.items()))
def test_llama3_8b_sizes_match_perplexity_scoreboard(quant, gib):
    # the scoreboard's i-quants were made with an imatrix (the "WT 2.7m" rows)
    imatrix = True if quant.startswith("IQ") else None
    got = file_summary(get_preset("llama-3-8b"), quant, imatrix)["tensor_data_bytes"] / GiB
    assert abs(got - gib) / gib < 0.02


@pytest.mark.parametrize("model", sorted(PRESETS))
@pytest.mark.parametrize("quant", list(FILE_TYPES))
def test_every_preset_and_quant_has_consistent_summary(model, quant):
    s = file_summary(get_preset(model), quant)
    assert s["params"] == sum(r["params"] for r in s["by_type"])
    assert s["tensor_data_bytes"] == sum(r["bytes"] for r in s["by_type"])
    assert s["file_bytes"] >= s["tensor_data_bytes"] + s["metadata_bytes"]
    assert s["file_bytes"] % GGUF_ALIGNMENT == 0
    assert 1.5 < s["bits_per_weight"] < 33


def test_qwen_half_billion_falls_back_to_32_blocks():
    s = file_summary(get_preset("qwen2.5-0.5b"), "Q4_K_M")
    assert s["fallback_tensors"]  # 896-wide rows do not fit 256-weight super-blocks
    types = {r["ggml_type"] for r in s["by_type"]}
    assert "Q5_0" in types and "Q8_0" in types


def test_padding_and_metadata():
    assert padded(1) == 32 and padded(32) == 32 and padded(33) == 64
    assert metadata_bytes(get_preset("llama-3-8b"), 291) > metadata_bytes(get_preset("llama-2-7b"), 291)
