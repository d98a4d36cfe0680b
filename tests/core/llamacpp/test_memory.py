"""KV cache formula, offload placement, fit checks; hypothesis monotonicity."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inferlab.llamacpp.calculator import memory_report
from inferlab.llamacpp.memory import (KV_TYPES, compute_buffer_bytes, fit_check, kv_bytes_per_element,
                             kv_cache_bytes, kv_cache_bytes_per_token, place)
from inferlab.llamacpp.gguf_file import quantize_tensors
from inferlab.catalog.models import PRESETS, get_preset

CACHE_BYTES = {"f16": 2, "q8_0": 34 / 32, "q4_0": 18 / 32, "f32": 4}


@pytest.mark.parametrize("model", sorted(PRESETS))
@pytest.mark.parametrize("kv_type", sorted(CACHE_BYTES))
@pytest.mark.parametrize("ctx", [1, 512, 4096])
def test_kv_cache_exact_formula(model, kv_type, ctx):
    s = get_preset(model)
    if ctx > s.max_ctx:
        pytest.skip("beyond model context")
    expected = 2 * s.n_layers * s.n_kv_heads * s.head_dim * CACHE_BYTES[kv_type] * ctx
    assert kv_cache_bytes(s, ctx, kv_type) == expected
    r = memory_report(model=model, ctx=ctx, kv_type=kv_type)
    assert r["kv_cache_bytes"] == expected
    assert r["kv_cache_bytes_per_token"] == expected / ctx


def test_kv_known_values():
    # Llama 2 7B: 32 layers x 32 heads x 128 x 2 (K,V) x 2 bytes = 512 KiB per token
    assert kv_cache_bytes_per_token(get_preset("llama-2-7b")) == 524288
    # Llama 3 8B (GQA, 8 KV heads): 128 KiB per token, 1 GiB at 8192 tokens
    assert kv_cache_bytes(get_preset("llama-3-8b"), 8192) == 2**30


def test_kv_type_bytes():
    assert [kv_bytes_per_element(t) for t in ("f16", "q8_0", "q4_0")] == [2, 1.0625, 0.5625]
    with pytest.raises(ValueError, match="kv_type"):
        kv_bytes_per_element("q3_k")
    assert "q8_0" in KV_TYPES


def test_offload_order_last_layers_then_output():
    s = get_preset("llama-3-8b")
    ts = quantize_tensors(s, "Q4_K_M")
    total = sum(t.nbytes for t in ts)
    p0 = place(s, ts, 4096, "f16", 0, True)
    assert p0.vram_bytes == 0 and p0.weights_cpu == total
    p32 = place(s, ts, 4096, "f16", 32, True)
    assert not p32.output_on_gpu and p32.kv_cpu == 0
    p33 = place(s, ts, 4096, "f16", 33, True)
    assert p33.output_on_gpu and p33.weights_gpu > p32.weights_gpu
    embd = next(t.nbytes for t in ts if t.spec.name == "token_embd.weight")
    assert p33.weights_cpu == embd  # the token embedding always stays on the CPU


def test_compute_buffer_calibration_log():
    # fedora-copr/logdetective#106 (no flash attention, 32 heads, n_embd 4096):
    # device 164 MiB at 2048 and 2144 MiB at 32768; host 12.01 / 72.01 MiB
    s = get_preset("mistral-7b")
    for ctx, dev_mib, host_mib in ((2048, 164, 12.01), (32768, 2144, 72.01)):
        dev, host = compute_buffer_bytes(s, ctx, flash_attn=False)
        assert dev / 2**20 == pytest.approx(dev_mib, rel=0.01)
        assert host / 2**20 == pytest.approx(host_mib, rel=0.01)


def test_fit_check_unified_counts_both_parts():
    s = get_preset("llama-3-8b")
    p = place(s, quantize_tensors(s, "Q4_K_M"), 4096, "f16", 99, True)
    roomy = fit_check(p, 100 * 2**30, 100 * 2**30, True, 0, 0)
    assert roomy["fits"]
    tight = fit_check(p, 100 * 2**30, p.vram_bytes + p.ram_bytes - 1, True, 0, 0)
    assert not tight["fits"] and tight["short_of"] == ["unified memory"]


def test_70b_does_not_fit_one_4090_but_max_ctx_reported():
    r = memory_report(model="llama-3-70b", quant="Q4_K_M", ctx=8192, gpu_layers=99,
                      hardware="rtx-4090")
    assert r["fits"] is False and "VRAM" in r["fits_reason"] and r["max_ctx_that_fits"] == 0
    ok = memory_report(model="llama-3-8b", quant="Q4_K_M", ctx=8192, gpu_layers=99,
                       hardware="rtx-4090")
    assert ok["fits"] is True and ok["max_ctx_that_fits"] == 8192


def test_max_ctx_that_fits_is_tight():
    kw = dict(model="llama-3.1-8b", quant="Q8_0", gpu_layers=99, hardware="rtx-4090", vram_gib=16)
    best = memory_report(ctx=4096, **kw)["max_ctx_that_fits"]
    assert 4096 < best < 131072
    assert memory_report(ctx=best, **kw)["fits"]
    assert not memory_report(ctx=best + 1, **kw)["fits"]


@settings(max_examples=40, deadline=None)
@given(model=st.sampled_from(sorted(PRESETS)), a=st.integers(1, 4096), b=st.integers(1, 4096),
       kv=st.sampled_from(sorted(CACHE_BYTES)))
def test_more_context_more_kv_cache(model, a, b, kv):
    s = get_preset(model)
    lo, hi = sorted((a, b))
    assert kv_cache_bytes(s, lo, kv) <= kv_cache_bytes(s, hi, kv)


@settings(max_examples=30, deadline=None)
@given(model=st.sampled_from(sorted(PRESETS)), a=st.integers(0, 90), b=st.integers(0, 90))
def test_more_gpu_layers_more_vram(model, a, b):
    lo, hi = sorted((a, b))
    kw = dict(model=model, quant="Q4_K_M", ctx=1024, hardware="a100-80gb")
    v_lo = memory_report(gpu_layers=lo, **kw)
    v_hi = memory_report(gpu_layers=hi, **kw)
    assert v_lo["vram_bytes"] <= v_hi["vram_bytes"]
    assert v_lo["ram_bytes"] >= v_hi["ram_bytes"] - v_hi["vram"]["compute_buffer_bytes"]
