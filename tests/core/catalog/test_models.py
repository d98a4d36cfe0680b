"""Presets: parameter counts derived from shapes equal the published counts."""

import pytest

from inferlab.catalog.models import (PRESETS, build_shape, count_active_params, count_params, get_preset,
                             layer_params, list_models, synthesize_shape, tensor_inventory)

# Published totals (model cards / safetensors index metadata), one per preset.
PUBLISHED = {
    "llama-2-7b": 6_738_415_616, "llama-2-13b": 13_015_864_320, "llama-2-70b": 68_976_648_192,
    "llama-3-8b": 8_030_261_248, "llama-3.1-8b": 8_030_261_248, "llama-3-70b": 70_553_706_496,
    "mistral-7b": 7_241_732_096, "mixtral-8x7b": 46_702_792_704, "qwen2.5-0.5b": 494_032_768,
    "qwen2.5-7b": 7_615_616_512, "qwen2.5-32b": 32_763_876_352, "gemma-2-9b": 9_241_705_984,
    "phi-3-mini": 3_821_079_552,
}


@pytest.mark.parametrize("name,published", sorted(PUBLISHED.items()))
def test_param_count_exact(name, published):
    shape = get_preset(name)
    assert count_params(shape) == published == shape.published_params


def test_every_preset_is_in_the_table():
    assert set(PUBLISHED) == set(PRESETS)


def test_mixtral_active_params():
    # Mistral AI announcement: 12.9B of 46.7B parameters used per token
    assert count_active_params(get_preset("mixtral-8x7b")) == pytest.approx(12.9e9, rel=0.01)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_inventory_order_and_shapes(name):
    s = get_preset(name)
    ts = tensor_inventory(s)
    keys = [(t.layer, t.name) for t in ts]
    assert keys == sorted(keys)
    assert sum(1 for t in ts if t.name == "output.weight") == (0 if s.tied_embeddings else 1)
    assert all(not t.quantizable for t in ts if t.n_rows == 1)
    assert layer_params(s) * s.n_layers < count_params(s)


def test_build_shape_overrides_and_errors():
    s = build_shape("llama-3-8b", n_layers=16)
    assert s.n_layers == 16 and s.published_params is None
    with pytest.raises(ValueError, match="^model:"):
        build_shape("gpt-9")
    with pytest.raises(ValueError, match="^n_kv_heads:"):
        build_shape("llama-3-8b", n_kv_heads=7)
    with pytest.raises(ValueError, match="^arch:"):
        build_shape("llama-3-8b", arch="rwkv")


@pytest.mark.parametrize("params", [1e9, 3e9, 8e9, 13e9, 34e9, 70e9, 405e9])
def test_synthesized_shape_close_to_request(params):
    assert count_params(synthesize_shape(params)) == pytest.approx(params, rel=0.05)


def test_list_models_rows():
    rows = list_models()
    assert all(r["params"] == r["published_params"] for r in rows)
