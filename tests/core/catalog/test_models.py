"""Presets: parameter counts derived from shapes equal the published counts; MLA and SWA fields."""

import pytest

from inferlab.catalog.models import (PRESETS, build_shape, count_active_params, count_params, get_preset,
                                     layer_params, list_models, matmul_params_per_token, synthesize_shape,
                                     tensor_inventory)
from inferlab.inputs import InputError

# Published totals (model cards / safetensors index metadata), one per preset with an exact count.
PUBLISHED = {
    "llama-2-7b": 6_738_415_616, "llama-2-13b": 13_015_864_320, "llama-2-70b": 68_976_648_192,
    "llama-3-8b": 8_030_261_248, "llama-3.1-8b": 8_030_261_248, "llama-3-70b": 70_553_706_496,
    "llama-3.1-70b": 70_553_706_496, "llama-3.3-70b": 70_553_706_496,
    "llama-3.1-405b": 405_853_388_800, "llama-3.2-1b": 1_235_814_400, "llama-3.2-3b": 3_212_749_824,
    "mistral-7b": 7_241_732_096, "mixtral-8x7b": 46_702_792_704, "qwen2.5-0.5b": 494_032_768,
    "qwen2.5-7b": 7_615_616_512, "qwen2.5-14b": 14_770_033_664, "qwen2.5-32b": 32_763_876_352,
    "qwen2.5-72b": 72_706_203_648, "qwen3-8b": 8_190_735_360, "qwen3-30b-a3b": 30_532_122_624,
    "deepseek-v2-lite": 15_706_484_224, "gemma-2-9b": 9_241_705_984, "gemma-3-1b": 999_885_952,
    "phi-3-mini": 3_821_079_552, "phi-4": 14_659_507_200,
}
# Presets whose only published count is rounded: (preset, count, tolerance of the rounding).
ROUNDED = [("gemma-3-27b", 27.01e9, 0.005e9)]  # llama.cpp print_info "model params = 27.01 B"


@pytest.mark.parametrize("name,published", sorted(PUBLISHED.items()))
def test_param_count_exact(name, published):
    shape = get_preset(name)
    assert count_params(shape) == published == shape.published_params


@pytest.mark.parametrize("name,count,tol", ROUNDED)
def test_param_count_matches_rounded_figure(name, count, tol):
    shape = get_preset(name)
    assert abs(count_params(shape) - count) <= tol
    assert shape.published_params is None and shape.published_params_text


def test_every_preset_is_in_a_table():
    assert set(PUBLISHED) | {r[0] for r in ROUNDED} == set(PRESETS)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_cites_its_config(name):
    assert get_preset(name).source.startswith("https://huggingface.co/")


@pytest.mark.parametrize("name,active", [
    ("mixtral-8x7b", 12.9e9),     # Mistral AI announcement: 12.9B of 46.7B used per token
    ("qwen3-30b-a3b", 3.3e9),     # model card: 3.3B activated
])
def test_moe_active_params(name, active):
    assert count_active_params(get_preset(name)) == pytest.approx(active, rel=0.02)


def test_deepseek_mla_shape():
    s = get_preset("deepseek-v2-lite")
    assert s.is_mla and s.mla_latent_dim == 512 + 64          # what MLA must cache per token/layer
    assert s.kv_elements_per_token_layer == (576, 512)        # llama.cpp n_embd_k_gqa / n_embd_v_gqa
    assert not s.is_moe_layer(0) and s.is_moe_layer(1)        # first_k_dense_replace = 1
    names = {t.name for t in tensor_inventory(s) if t.layer == 1}
    assert {"blk.1.attn_kv_a_mqa.weight", "blk.1.ffn_up_shexp.weight", "blk.1.ffn_up_exps.weight"} <= names


@pytest.mark.parametrize("name,window,pattern,global_layers", [
    ("gemma-2-9b", 4096, 2, 21), ("gemma-3-27b", 1024, 6, 10), ("gemma-3-1b", 512, 6, 4),
])
def test_sliding_window_layers(name, window, pattern, global_layers):
    s = get_preset(name)
    assert (s.sliding_window, s.swa_pattern) == (window, pattern)
    assert sum(not s.is_swa_layer(i) for i in range(s.n_layers)) == global_layers
    assert not s.is_swa_layer(pattern - 1)  # the last layer of each group is global


def test_mistral_window_is_described_but_not_used_by_llama_cpp():
    s = get_preset("mistral-7b")
    assert s.sliding_window == 4096 and s.is_swa_layer(0) and not s.swa_in_llama_cpp


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_inventory_order_and_shapes(name):
    s = get_preset(name)
    ts = tensor_inventory(s)
    keys = [(t.layer, t.name) for t in ts]
    assert keys == sorted(keys)
    assert sum(1 for t in ts if t.name == "output.weight") == (0 if s.tied_embeddings else 1)
    assert all(not t.quantizable for t in ts if t.n_rows == 1)
    assert layer_params(s) * s.n_layers < count_params(s)
    assert 0 < matmul_params_per_token(s) <= count_active_params(s)


def test_build_shape_overrides_and_errors():
    s = build_shape("llama-3-8b", n_layers=16)
    assert s.n_layers == 16 and s.published_params is None
    for kwargs, field in (({"model": "gpt-9"}, "model"), ({"n_kv_heads": 7}, "n_kv_heads"),
                          ({"arch": "rwkv"}, "arch"), ({"bogus": 1}, "bogus")):
        with pytest.raises(InputError) as info:
            build_shape(**{"model": "llama-3-8b", **kwargs})
        assert info.value.field == field


@pytest.mark.parametrize("params", [1e9, 3e9, 8e9, 13e9, 34e9, 70e9, 405e9])
def test_synthesized_shape_close_to_request(params):
    assert count_params(synthesize_shape(params)) == pytest.approx(params, rel=0.05)


def test_list_models_rows():
    rows = list_models()
    assert len(rows) == len(PRESETS)
    for r in rows:
        assert r["params"] == r["published_params"] or r["published_params_text"]
