"""Public API: keys, JSON-ability, validation messages, property tests."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferlab.catalog.hardware import HARDWARE
from inferlab.catalog.models import PRESETS
from inferlab.inputs import InputError
from inferlab.llamacpp import calculator as c
from inferlab.llamacpp.ggml_types import GGML_TYPES
from inferlab.llamacpp.quant_recipes import FILE_TYPES

MEMORY_KEYS = {"weights_bytes", "kv_cache_bytes", "compute_buffer_bytes", "vram_bytes",
               "ram_bytes", "total_bytes", "fits", "fits_reason", "max_ctx_that_fits",
               "decode_tokens_per_s", "prefill_tokens_per_s", "thread_advice",
               "vram_headroom_bytes", "ram_headroom_bytes"}


def test_quant_report_keys_and_json():
    r = c.quant_report(model="llama-3-8b", quant="Q4_K_M")
    assert {"params", "bits_per_weight", "file_bytes", "by_type"} <= set(r)
    assert r["params"] == 8_030_261_248
    assert json.loads(json.dumps(r)) == r


def test_memory_report_keys_and_json():
    r = c.memory_report()
    assert MEMORY_KEYS <= set(r)
    assert r["hardware"] == "ddr5-desktop" and r["gpu_layers"] == 0  # documented default: no GPU
    assert r["total_bytes"] == r["vram_bytes"] + r["ram_bytes"]
    assert isinstance(r["fits"], bool)
    assert json.loads(json.dumps(r)) == r
    gpu = c.memory_report(gpu_layers=99)
    assert gpu["hardware"] == "rtx-4090" and gpu["vram_bytes"] > 0


@pytest.mark.parametrize("hardware", [None, *sorted(HARDWARE)])
def test_speed_keys_are_numbers_when_it_fits(hardware):
    r = c.memory_report(hardware=hardware)  # Llama 3 8B Q4_K_M at 4096 tokens fits every preset
    assert r["fits"] and r["speed_note"] is None
    for key in ("decode_tokens_per_s", "prefill_tokens_per_s", "decode_tokens_per_s_at_ctx"):
        assert isinstance(r[key], float) and math.isfinite(r[key]) and r[key] > 0


def test_compare_quants_rows():
    rows = c.compare_quants(model="mistral-7b", ctx=2048, gpu_layers=99, hardware="rtx-3090")
    assert [r["quant"] for r in rows] == list(FILE_TYPES)
    for r in rows:
        assert {"quant", "bits_per_weight", "file_bytes", "total_bytes", "fits",
                "decode_tokens_per_s", "delta_ppl", "perplexity"} <= set(r)
        assert (r["decode_tokens_per_s"] is None) == (not r["fits"])
    assert json.loads(json.dumps(rows)) == rows
    assert next(r for r in rows if r["quant"] == "F32")["fits"] is False


def test_lists():
    assert len(c.list_models()) == len(PRESETS)
    assert len(c.list_quants()) == len(FILE_TYPES) >= 28
    assert {h["name"] for h in c.list_hardware()} >= {"rtx-4090", "rtx-3090", "m2-max", "m3-max",
                                                       "m2-ultra", "a100-80gb", "h100-pcie",
                                                       "ddr5-desktop"}


def test_custom_shapes():
    base = c.quant_report(model="llama-3-8b")
    deeper = c.quant_report(model="llama-3-8b", n_layers=48)
    assert deeper["params"] > base["params"] and deeper["model"] == "llama-3-8b+custom"
    syn = c.quant_report(model="custom", params=13e9)
    assert abs(syn["params"] - 13e9) / 13e9 < 0.05
    assert c.memory_report(model="custom", n_layers=8, hidden_size=1024, ffn_size=2816,
                           n_heads=8, n_kv_heads=8, ctx=2048)["fits"]


def test_aliases_and_case():
    assert c.quant_report(quant="q4_k")["quant"] == "Q4_K_M"
    assert c.memory_report(kv_type="Q8_0")["kv_type"] == "q8_0"


BAD_INPUTS = [
    ({"model": "foo"}, "model", "llama-2-7b"),
    ({"quant": "Q9_X"}, "quant", "Q4_K_M"),
    ({"ctx": 0}, "ctx", "from 1 to 8192"),
    ({"ctx": -5}, "ctx", "allowed"),
    ({"ctx": 100000}, "ctx", "max context"),
    ({"ctx": float("nan")}, "ctx", "integer"),
    ({"ctx": 1.5}, "ctx", "integer"),
    ({"kv_type": "q3"}, "kv_type", "q8_0"),
    ({"gpu_layers": -1}, "gpu_layers", "allowed"),
    ({"gpu_layers": 10, "hardware": "ddr5-desktop"}, "gpu_layers", "no GPU"),
    ({"vram_gib": 0, "gpu_layers": 1}, "vram_gib", "allowed"),
    ({"vram_gib": float("nan")}, "vram_gib", "a number above 0"),
    ({"vram_gib": 24}, "vram_gib", "GPU hardware"),
    ({"flash_attn": "maybe"}, "flash_attn", "on, off, auto"),
    ({"kv_type": "q8_0", "flash_attn": "off"}, "kv_type", "flash attention"),
    ({"gpus": 0, "hardware": "rtx-4090"}, "gpus", "from 1 to 16"),
    ({"ram_gib": -1}, "ram_gib", "allowed"),
    ({"hardware": "tpu"}, "hardware", "rtx-4090"),
    ({"threads": 0}, "threads", "allowed"),
    ({"n_layers": 0}, "n_layers", "allowed"),
    ({"hidden_size": float("inf")}, "hidden_size", "integer"),
    ({"n_kv_heads": 5}, "n_kv_heads", "divide"),
    ({"bogus": 1}, "bogus", "allowed"),
    ({"model": "custom", "params": -3}, "params", "allowed"),
    ({"imatrix": "maybe"}, "imatrix", "on or off"),
    ({"ctx": "8q"}, "ctx", "8k = 8,192"),
]


@pytest.mark.parametrize("kwargs,field,allowed", BAD_INPUTS)
def test_bad_input_names_field_value_allowed(kwargs, field, allowed):
    with pytest.raises(InputError) as exc:
        c.memory_report(**kwargs)
    msg = str(exc.value)
    assert exc.value.field == field and msg.startswith(field + ":"), msg
    assert allowed in msg


def test_batched_validation():
    with pytest.raises(InputError, match="^n_slots:"):
        c.batched_decode_tokens_per_s(0)
    with pytest.raises(InputError) as info:
        c.speed_report(batch=2, depth=100, ctx=150)
    assert info.value.field == "ctx"


def test_text_inputs_with_suffixes():
    # the declarations accept what a reader types: 8k tokens, 70B parameters, "on"/"off"
    r = c.memory_report(model="custom", params="70B", ctx="8k", flash_attn="off", hardware="rtx-4090", gpus=2)
    assert r["ctx"] == 8192 and 60e9 < r["params"] < 80e9 and r["flash_attn"] is False


def test_flash_attention_changes_the_compute_buffers():
    on = c.memory_report(ctx=32768, model="llama-3.1-8b", flash_attn="on", hardware="rtx-4090")
    off = c.memory_report(ctx=32768, model="llama-3.1-8b", flash_attn="off", hardware="rtx-4090")
    auto = c.memory_report(ctx=32768, model="llama-3.1-8b", hardware="rtx-4090")
    assert off["compute_buffer_bytes"] > 4 * on["compute_buffer_bytes"]
    assert auto["flash_attn"] is True and auto["compute_buffer_bytes"] == on["compute_buffer_bytes"]


def test_speed_model_step_is_the_simulator_primitive():
    sm = c.speed_model(model="llama-3-8b", quant="Q4_K_M", hardware="rtx-4090")
    one = sm.step_seconds([100])
    assert sm.step_seconds([100] * 8) > one                      # more tokens, longer step
    assert sm.step_seconds([100], [(512, 0)]) > sm.step_seconds([100])   # a prompt chunk stalls decode
    assert sm.step_seconds([5000]) > one                           # deeper context, more KV to read
    assert sm.step_seconds() == 0.0
    assert sm.decode_tokens_per_s(100) == pytest.approx(1 / one)
    with pytest.raises(InputError):
        c.speed_model(model="llama-3-70b", quant="Q8_0", hardware="rtx-4090", gpu_layers=81)


@settings(max_examples=40, deadline=None)
@given(model=st.sampled_from(sorted(PRESETS)),
       pair=st.sampled_from([("Q4_0", "Q4_1"), ("Q4_1", "Q5_0"), ("Q5_0", "Q5_1"), ("Q5_1", "Q8_0"),
                             ("Q8_0", "F16"), ("F16", "F32"), ("Q3_K_S", "Q3_K_M"),
                             ("Q3_K_M", "Q3_K_L"), ("Q4_K_S", "Q4_K_M"), ("Q4_K_M", "Q5_K_M"),
                             ("Q5_K_S", "Q5_K_M"), ("Q5_K_M", "Q6_K"), ("Q6_K", "Q8_0"),
                             ("IQ1_S", "IQ1_M"), ("IQ2_XXS", "IQ2_XS"), ("IQ2_XS", "IQ2_S"),
                             ("IQ2_S", "IQ2_M"), ("IQ3_XXS", "IQ3_S"), ("IQ3_S", "IQ3_M"),
                             ("IQ4_XS", "IQ4_NL"), ("Q2_K", "Q3_K_M"), ("IQ3_M", "Q4_K_M")]))
def test_more_bits_bigger_file(model, pair):
    small, big = (c.quant_report(model=model, quant=q)["file_bytes"] for q in pair)
    assert small <= big


@settings(max_examples=25, deadline=None)
@given(model=st.sampled_from(sorted(PRESETS)), a=st.integers(1, 4096), b=st.integers(1, 4096))
def test_more_context_more_memory(model, a, b):
    lo, hi = sorted((a, b))
    r_lo = c.memory_report(model=model, ctx=lo)
    r_hi = c.memory_report(model=model, ctx=hi)
    assert r_lo["kv_cache_bytes"] <= r_hi["kv_cache_bytes"]
    assert r_lo["total_bytes"] <= r_hi["total_bytes"]


@settings(max_examples=40, deadline=None)
@given(bad=st.one_of(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not x.is_integer() if math.isfinite(x) else True),
                     st.integers(max_value=0), st.text(alphabet="qxz!/", min_size=1, max_size=3)))
def test_ctx_validation_property(bad):
    with pytest.raises(InputError, match="^ctx:"):
        c.memory_report(ctx=bad)


def test_ggml_types_cover_all_defaults():
    assert {f.default_type for f in FILE_TYPES.values()} <= set(GGML_TYPES)


def test_parallel_slots_share_a_bigger_context():
    # llama-server -np 4 -c 32768 gives each slot 8,192 tokens: Llama 3 8B's trained context
    r = c.memory_report(model="llama-3-8b", ctx=32768, parallel=4, hardware="rtx-4090")
    assert r["parallel"] == 4 and r["kv_cells"] == 32768
    with pytest.raises(InputError) as info:
        c.memory_report(model="llama-3-8b", ctx=32769, parallel=4)
    assert info.value.field == "ctx" and "x 4 slots" in str(info.value)
