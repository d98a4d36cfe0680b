"""Per-tensor type choice (llama_tensor_get_type in src/llama-quant.cpp)."""

import pytest

from inferlab.catalog.models import get_preset, tensor_inventory
from inferlab.llamacpp.quant_recipes import FILE_TYPES, assign_tensor_types, get_file_type, use_more_bits


def types(model, quant, imatrix=None):
    s = get_preset(model)
    return {t.name: ty for t, ty, _ in assign_tensor_types(s, tensor_inventory(s), quant, imatrix)}


def test_use_more_bits_32_layers():
    more = [i for i in range(32) if use_more_bits(i, 32)]
    assert more == [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31]


def test_q4_k_m_mix_llama3():
    t = types("llama-3-8b", "Q4_K_M")
    assert t["output.weight"] == "Q6_K" and t["token_embd.weight"] == "Q4_K"
    assert t["blk.0.attn_v.weight"] == "Q6_K" and t["blk.4.attn_v.weight"] == "Q4_K"
    assert t["blk.6.ffn_down.weight"] == "Q6_K" and t["blk.7.ffn_down.weight"] == "Q4_K"
    assert t["blk.0.attn_norm.weight"] == "F32"


def test_70b_attn_v_bumped():
    t = types("llama-2-70b", "Q4_K_M")
    assert t["blk.10.attn_v.weight"] == "Q5_K"  # not a use_more_bits layer, but 70B rule


def test_moe_attention_q8():
    t = types("mixtral-8x7b", "Q4_K_M")
    assert t["blk.3.attn_v.weight"] == t["blk.3.attn_k.weight"] == "Q8_0"
    assert t["blk.3.ffn_gate_inp.weight"] == "F32"


def test_tied_embedding_takes_output_rule():
    assert types("gemma-2-9b", "Q4_K_M")["token_embd.weight"] == "Q6_K"
    assert types("qwen2.5-0.5b", "Q4_K_M")["token_embd.weight"] == "Q8_0"  # 896 % 256 != 0


def test_fallbacks():
    t = types("qwen2.5-0.5b", "Q4_K_M")
    assert t["blk.5.attn_q.weight"] == "Q5_0"  # Q4_K -> Q5_0
    assert types("qwen2.5-0.5b", "IQ2_XXS")["blk.5.attn_q.weight"] == "IQ4_NL"


def test_low_bit_iq_rules():
    t = types("llama-3-8b", "IQ2_XXS")
    assert t["output.weight"] == "Q5_K" and t["token_embd.weight"] == "Q2_K"
    assert t["blk.9.attn_v.weight"] == "Q4_K"  # GQA 4
    assert t["blk.0.ffn_down.weight"] == "Q2_K" and t["blk.9.ffn_down.weight"] == "IQ2_XXS"


def test_imatrix_changes_iq3_xxs_and_iq4():
    assert types("llama-3-8b", "IQ3_XXS", False)["blk.20.ffn_down.weight"] == "Q3_K"
    assert types("llama-3-8b", "IQ3_XXS", True)["blk.20.ffn_down.weight"] == "IQ3_XXS"
    assert types("llama-3-8b", "IQ4_XS", False)["blk.0.ffn_down.weight"] == "Q5_K"


@pytest.mark.parametrize("quant", list(FILE_TYPES))
def test_non_quantizable_stay_f32(quant):
    s = get_preset("qwen2.5-7b")
    for t, ty, _ in assign_tensor_types(s, tensor_inventory(s), quant):
        if not t.quantizable:
            assert ty == "F32"


def test_file_type_lookup():
    assert get_file_type("q5_k").name == "Q5_K_M"
    with pytest.raises(ValueError, match="^quant: .*allowed: F32"):
        get_file_type("Q9")
