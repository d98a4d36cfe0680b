"""KV cache (padding, sliding windows, MLA), offload placement, multi-GPU split, fit checks."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferlab.catalog.models import PRESETS, get_preset
from inferlab.inputs import InputError
from inferlab.llamacpp.calculator import memory_report
from inferlab.llamacpp.gguf_file import quantize_tensors
from inferlab.llamacpp.memory import (KV_TYPES, fit_check, kv_bytes_per_element, kv_cache_bytes,
                                      kv_cache_bytes_per_token, pad, place)
from inferlab.llamacpp.placement import layer_devices

CACHE_BYTES = {"f16": 2, "q8_0": 34 / 32, "q4_0": 18 / 32, "f32": 4}


def expected_kv(s, ctx: int, kv_type: str) -> float:
    """Closed form, layer by layer: windowed layers hold min(ctx, pad(window + 512)) cells."""
    k, v = s.kv_elements_per_token_layer
    total = 0.0
    for i in range(s.n_layers):
        cells = ctx
        if s.swa_in_llama_cpp and s.is_swa_layer(i):
            cells = min(ctx, -(-(s.sliding_window + 512) // 256) * 256)
        total += (k + v) * CACHE_BYTES[kv_type] * cells
    return total


@pytest.mark.parametrize("model", sorted(PRESETS))
@pytest.mark.parametrize("kv_type", sorted(CACHE_BYTES))
@pytest.mark.parametrize("ctx", [1, 512, 4096])
def test_kv_cache_closed_form(model, kv_type, ctx):
    s = get_preset(model)
    cells = pad(ctx)  # llama.cpp allocates whole 256-cell pads
    assert kv_cache_bytes(s, cells, kv_type) == pytest.approx(expected_kv(s, cells, kv_type), abs=s.n_layers)
    r = memory_report(model=model, ctx=ctx, kv_type=kv_type)
    assert r["kv_cells"] == cells and r["kv_cache_bytes"] == kv_cache_bytes(s, cells, kv_type)


def test_kv_known_values():
    # Llama 2 7B: 32 layers x 32 heads x 128 x 2 (K,V) x 2 bytes = 512 KiB per token
    assert kv_cache_bytes_per_token(get_preset("llama-2-7b")) == 524288
    # Llama 3 8B (GQA, 8 KV heads): 128 KiB per token, 1 GiB at 8192 tokens
    assert kv_cache_bytes(get_preset("llama-3-8b"), 8192) == 2**30
    # DeepSeek-V2-Lite (MLA): (576 + 512) x 2 bytes x 27 layers per token
    assert kv_cache_bytes_per_token(get_preset("deepseek-v2-lite")) == (576 + 512) * 2 * 27
    # Gemma 3 27B at 32K: 10 global layers hold 32,768 cells, 52 windowed layers pad(1024+512) = 1,536
    g = get_preset("gemma-3-27b")
    assert kv_cache_bytes(g, 32768) == 2 * 2048 * 2 * (10 * 32768 + 52 * 1536)


def test_kv_type_bytes():
    assert [kv_bytes_per_element(t) for t in ("f16", "q8_0", "q4_0")] == [2, 1.0625, 0.5625]
    with pytest.raises(InputError, match="kv_type"):
        kv_bytes_per_element("q3_k")
    assert "q8_0" in KV_TYPES


def test_offload_order_output_first_then_last_layers():
    # src/llama-model.cpp: i_gpu_start = max(n_layer + 1 - ngl, 0); the output layer is layer n_layer
    assert layer_devices(4, 1, [1.0]) == [-1, -1, -1, -1, 0]
    assert layer_devices(4, 3, [1.0]) == [-1, -1, 0, 0, 0]
    assert layer_devices(4, 5, [1.0, 1.0]) == [0, 0, 0, 1, 1]   # split mode layer, equal shares
    assert layer_devices(4, 5, [3.0, 1.0]) == [0, 0, 0, 0, 1]
    s = get_preset("llama-3-8b")
    ts = quantize_tensors(s, "Q4_K_M")
    total = sum(t.nbytes for t in ts)
    p0 = place(s, ts, 4096, "f16", 0, True)
    assert p0.vram_bytes == 0 and p0.weights_cpu == total
    p1 = place(s, ts, 4096, "f16", 1, True)
    assert p1.output_on_gpu and p1.kv_gpu == 0
    p33 = place(s, ts, 4096, "f16", 33, True)
    embd = next(t.nbytes for t in ts if t.spec.name == "token_embd.weight")
    assert p33.output_on_gpu and p33.kv_cpu == 0 and p33.weights_cpu == embd  # embeddings stay on the CPU


def test_tied_output_is_a_gpu_copy_of_the_embeddings():
    s = get_preset("gemma-2-9b")
    ts = quantize_tensors(s, "Q4_K_M")
    embd = next(t.nbytes for t in ts if t.spec.name == "token_embd.weight")
    p = place(s, ts, 4096, "f16", 1, True)
    assert p.weights_cpu > embd and p.gpus[0].weights >= embd


def test_two_gpus_hold_half_the_layers_each():
    s = get_preset("llama-3-70b")
    p = place(s, quantize_tensors(s, "Q4_K_M"), 4096, "f16", 81, True, n_gpus=2)
    a, b = p.gpus
    assert (len(a.layers), len(b.layers)) == (41, 39) and b.has_output and not a.has_output
    assert a.kv == b.kv * 41 // 39


def test_fit_check_unified_counts_both_parts():
    s = get_preset("llama-3-8b")
    p = place(s, quantize_tensors(s, "Q4_K_M"), 4096, "f16", 99, True)
    roomy = fit_check(p, 100 * 2**30, 100 * 2**30, True, 0, 0)
    assert roomy["fits"]
    tight = fit_check(p, 100 * 2**30, p.vram_bytes + p.ram_bytes - 1, True, 0, 0)
    assert not tight["fits"] and tight["short_of"] == ["unified memory"]


def test_70b_does_not_fit_one_4090_and_reports_no_speed():
    r = memory_report(model="llama-3-70b", quant="Q4_K_M", ctx=8192, gpu_layers=99, hardware="rtx-4090")
    assert r["fits"] is False and "VRAM" in r["fits_reason"] and r["max_ctx_that_fits"] == 0
    assert r["decode_tokens_per_s"] is None and r["prefill_tokens_per_s"] is None and r["speed_note"]
    ok = memory_report(model="llama-3-8b", quant="Q4_K_M", ctx=8192, gpu_layers=99, hardware="rtx-4090")
    assert ok["fits"] is True and ok["max_ctx_that_fits"] == 8192 and ok["decode_tokens_per_s"] > 0


def test_max_ctx_that_fits_is_tight():
    kw = dict(model="llama-3.1-8b", quant="Q8_0", gpu_layers=99, hardware="rtx-4090", vram_gib=16)
    best = memory_report(ctx=4096, **kw)["max_ctx_that_fits"]
    assert 4096 < best < 131072
    assert memory_report(ctx=best, **kw)["fits"]
    assert not memory_report(ctx=best + 256, **kw)["fits"]


@settings(max_examples=40, deadline=None)
@given(model=st.sampled_from(sorted(PRESETS)), a=st.integers(1, 4096), b=st.integers(1, 4096),
       kv=st.sampled_from(sorted(CACHE_BYTES)))
def test_more_context_more_kv_cache(model, a, b, kv):
    s = get_preset(model)
    lo, hi = sorted((a, b))
    assert kv_cache_bytes(s, lo, kv) <= kv_cache_bytes(s, hi, kv)


@settings(max_examples=30, deadline=None)
@given(model=st.sampled_from(sorted(PRESETS)), a=st.integers(0, 90), b=st.integers(0, 90))
def test_more_gpu_layers_more_vram_less_ram_weights(model, a, b):
    lo, hi = sorted((a, b))
    kw = dict(model=model, quant="Q4_K_M", ctx=1024, hardware="h200")
    v_lo = memory_report(gpu_layers=lo, **kw)
    v_hi = memory_report(gpu_layers=hi, **kw)
    assert v_lo["vram"]["weights_bytes"] <= v_hi["vram"]["weights_bytes"]
    assert v_lo["ram"]["weights_bytes"] >= v_hi["ram"]["weights_bytes"]
    assert v_lo["ram"]["kv_cache_bytes"] >= v_hi["ram"]["kv_cache_bytes"]
