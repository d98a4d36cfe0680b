"""inferlab.explainers.kvcache: published KV figures, closed forms against brute force, bad input."""

from __future__ import annotations

import json
import math

import pytest

from inferlab.catalog.models import build_shape
from inferlab.cli import main
from inferlab.explainers.kvcache.model import (Attention, attention_for, bytes_per_element, kv_report,
                                               layer_groups, sequence_bytes)
from inferlab.explainers.kvcache.published import PUBLISHED
from inferlab.explainers.kvcache.widget import KvCacheWidget
from inferlab.inputs import InputError
from inferlab.units import GiB


def report(**values: object) -> dict:
    return kv_report(KvCacheWidget.parse(values))


# -- published figures ----------------------------------------------------------------------------
@pytest.mark.parametrize("row", PUBLISHED, ids=[p.key for p in PUBLISHED])
def test_every_published_figure_is_reproduced_to_its_printed_precision(row) -> None:
    value = row.model_value()
    assert abs(value - row.value) <= row.tolerance + 1e-12, f"{row.claim} ({row.source}): model {value}"


@pytest.mark.parametrize(("printed_gib", "blocks"), [(3.81, 1952), (2.89, 1478)])
def test_vllm_block_count_for_the_logged_kv_memory(printed_gib: float, blocks: int) -> None:
    """vllm-project/vllm#10517 (Llama 3.1 8B, RTX 3090, vLLM V0 logs): 'kv_cache_size=3.81GiB ... # GPU blocks: 1952'
    and 'kv_cache_size=2.89GiB ... # GPU blocks: 1478' with the default block size 16.  The GiB figure is
    rounded to 0.01, so the block count must lie between the counts for its rounding interval."""
    low = report(model="llama-3.1-8b", free_gib=printed_gib - 0.005, tp=1)["capacity_blocks"]
    high = report(model="llama-3.1-8b", free_gib=printed_gib + 0.005, tp=1)["capacity_blocks"]
    assert low <= blocks <= high
    # the same issue: "the maximum number of tokens that can be stored in KV cache (23648)" = blocks x 16
    if blocks == 1478:
        assert blocks * 16 == 23648


def test_deepseek_v2_reports_a_93_3_percent_smaller_kv_cache_than_deepseek_67b() -> None:
    """DeepSeek-V2 (arXiv 2405.04434) abstract: 'reduces the KV cache by 93.3%' against DeepSeek 67B; section
    3.2.3: the deployed model's KV cache is quantized to '6 bits on average'.  Shapes from the config.json of
    deepseek-ai/DeepSeek-V2 (60 layers, kv_lora_rank 512, qk_rope_head_dim 64) and deepseek-llm-67b-base (95 layers,
    8 KV heads of 128, bf16).  The catalogue has no preset for either yet, so the test builds the attention
    directly; the figure comes out only with the 6-bit cache (MLA alone at bf16 saves 82%)."""
    mla = Attention("mla", 0, 128, kv_lora_rank=512, rope_dim=64)
    gqa = Attention("gqa", 8, 128)
    v2 = 60 * mla.width * 6 / 8
    v67 = 95 * gqa.width * bytes_per_element("bf16")
    assert round(100 * (1 - v2 / v67), 1) == 93.3
    assert round(100 * (1 - 60 * mla.width * 2 / v67)) == 82


# -- closed forms against brute force --------------------------------------------------------------
def test_variants_scale_with_kv_heads() -> None:
    mha = report(model="llama-3-70b", attention="mha")["kv_bytes_per_token"]
    assert report(model="llama-3-70b", attention="mqa")["kv_bytes_per_token"] == mha / 64
    assert report(model="llama-3-70b")["kv_bytes_per_token"] == mha * 8 / 64
    assert report(model="llama-3-70b", attention="gqa", kv_heads=16)["kv_bytes_per_token"] == mha * 16 / 64
    # MLA at DeepSeek-V2's ratios: (4 + 1/2) head sizes per layer
    assert report(model="llama-3-70b", attention="mla")["kv_bytes_per_token"] == 80 * (4 * 128 + 64) * 2


@pytest.mark.parametrize(("dtype", "ratio"), [("f32", 2), ("bf16", 1), ("fp8", 0.5), ("q8_0", 34 / 64),
                                             ("q4_0", 18 / 64)])
def test_cache_types_scale_bytes_per_token(dtype: str, ratio: float) -> None:
    f16 = report(model="llama-3-8b")["kv_bytes_per_token"]
    assert report(model="llama-3-8b", kv_dtype=dtype)["kv_bytes_per_token"] == pytest.approx(f16 * ratio)


def _ring_buffer_slots(ctx: int, window: int) -> int:
    """Brute force: write positions 0..ctx-1 at slot i mod W; count the slots ever written."""
    slots: set[int] = set()
    for i in range(ctx):
        slots.add(i % window if window else i)
    return len(slots)


@pytest.mark.parametrize(("ctx", "window"), [(100, 0), (100, 256), (4096, 4096), (5000, 4096), (32768, 4096)])
def test_sliding_window_cache_equals_a_ring_buffer(ctx: int, window: int) -> None:
    r = report(model="mistral-7b", ctx=ctx, window=window, tp=1)
    assert r["kv_cache_bytes"] == r["kv_bytes_per_token"] * _ring_buffer_slots(ctx, window)


def test_capacity_and_batch_equal_a_block_by_block_fill() -> None:
    """Allocate blocks one at a time until the next does not fit, then place sequences whole."""
    r = report(model="llama-2-7b", ctx=1000, free_gib=2.3, block_size=16, tp=1)
    block_bytes = 16 * r["kv_bytes_per_token_gpu"]
    used, blocks = 0, 0
    while used + block_bytes <= r["kv_free_bytes"]:
        used += block_bytes
        blocks += 1
    assert r["capacity_blocks"] == blocks and r["capacity_tokens"] == 16 * blocks
    per_seq = math.ceil(1000 / 16)  # blocks one 1,000-token sequence holds
    seqs = 0
    while (seqs + 1) * per_seq <= blocks:
        seqs += 1
    assert r["max_batch"] == seqs


def test_longest_context_at_a_batch_equals_a_linear_scan() -> None:
    r = report(model="llama-2-7b", ctx=512, batch=3, free_gib=0.7, block_size=32, tp=1)
    shape = build_shape("llama-2-7b")
    groups, per_layer = layer_groups(shape, None), attention_for(shape).width * 2
    best = max(c for c in range(0, 4097) if 3 * sequence_bytes(groups, per_layer, c, 32) <= r["kv_free_bytes"])
    assert r["max_ctx_at_batch"] == best


def test_tensor_parallel_splits_then_replicates_kv_heads() -> None:
    assert report(model="llama-3-70b", tp=4)["kv_heads_per_gpu"] == 2
    r8, r16 = report(model="llama-3-70b", tp=8), report(model="llama-3-70b", tp=16)
    assert r8["kv_heads_per_gpu"] == r16["kv_heads_per_gpu"] == 1
    assert r16["kv_bytes_per_token_gpu"] == r8["kv_bytes_per_token_gpu"]  # the 9th..16th GPU holds a replica
    mla = report(model="llama-3-70b", attention="mla", tp=8)
    assert mla["kv_bytes_per_token_gpu"] == mla["kv_bytes_per_token"]  # the latent is on every GPU


def test_the_gpu_budget_is_memory_times_utilization_minus_weights_and_activations() -> None:
    r = report(model="llama-3-8b", tp=1, gpu="a100-80gb")
    assert r["memory_budget_bytes"] == 80 * GiB * 0.9
    assert r["kv_free_bytes"] == r["memory_budget_bytes"] - r["weights_gpu_bytes"] - r["activation_bytes"]
    assert 14 * GiB < r["weights_gpu_bytes"] < 15 * GiB  # 8.03 B parameters at 2 bytes


def test_weights_that_do_not_fit_leave_no_cache_and_say_so() -> None:
    widget = KvCacheWidget(KvCacheWidget.parse({"tp": 1}))
    view = widget.view()
    assert view.result["max_batch"] == 0 and view.level == "bad"
    assert "leave nothing for the cache" in view.status


# -- bad input --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("values", "field", "allowed"), [
    ({"ctx": 200_000}, "ctx", "8,192"),
    ({"attention": "gqa", "kv_heads": 5}, "kv_heads", "divisor of the 64 query heads"),
    ({"tp": 3}, "tp", "divisor of the 64 attention heads"),
    ({"model": "llama-2-13b", "ctx": 4096, "tp": 16}, "tp", "divisor of the 40"),
])
def test_bad_combinations_name_the_field_and_what_is_allowed(values: dict, field: str, allowed: str) -> None:
    with pytest.raises(InputError) as info:
        report(**values)
    assert info.value.field == field and allowed in info.value.allowed


@pytest.mark.parametrize(("name", "value"), [("window", "-1"), ("free_gib", "0"), ("block_size", "0"),
                                             ("kv_dtype", "int3"), ("gpu", "ddr5-desktop"), ("batch", "1e9")])
def test_bad_values_are_refused_by_their_param(name: str, value: str) -> None:
    with pytest.raises(InputError) as info:
        KvCacheWidget.parse({name: value})
    assert info.value.field == name


def test_cli_json_has_the_promised_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kvcache", "--model", "llama-3-70b", "--ctx", "8192", "--kv-dtype", "f16", "--free-gib", "40",
                 "--block-size", "16", "--gpu", "a100-80gb", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kv_bytes_per_token"] == 327680
    assert out["kv_cache_bytes"] == 327680 * 8192
    assert out["capacity_tokens"] == math.floor(40 * GiB / (16 * 327680 / 4)) * 16  # 2 KV heads per GPU (tp 4)


def test_cli_bad_input_exits_2_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kvcache", "--model", "llama-3-70b", "--ctx", "100000"]) == 2
    assert "--ctx" in capsys.readouterr().err


# -- catalog fields from the llama.cpp branch: MLA presets, sliding-window patterns, more presets -----------
def test_the_hf_405b_row_is_twice_the_published_config() -> None:
    """The Hugging Face Llama 3.1 table lists the 405B f16 cache at 0.984 / 15.38 / 123.05 GB for 1k / 16k / 128k;
    config.json (126 layers, 8 KV heads of 128) gives exactly half, as huggingface/blog#2345 points out."""
    per_token = report(model="llama-3.1-405b", ctx=1, free_gib=1)["kv_bytes_per_token"]
    for tokens, published, digits in ((1024, 0.984, 3), (16000, 15.38, 2), (128000, 123.05, 2)):
        assert abs(2 * per_token * tokens / GiB - published) <= 0.5 * 10**-digits


def test_native_mla_caches_the_latent_once_per_layer_and_on_every_gpu() -> None:
    r = report(model="deepseek-v2-lite", ctx=4096, tp=1)
    assert r["native_variant"] == "mla" and r["kv_width"] == 512 + 64
    assert r["kv_bytes_per_token"] == 27 * 576 * 2
    mha = report(model="deepseek-v2-lite", ctx=4096, tp=1, attention="mha")
    assert mha["kv_bytes_per_token"] == 27 * 2 * 16 * 128 * 2  # 16 heads of d_h = 128
    r4 = report(model="deepseek-v2-lite", ctx=4096, tp=4)
    assert r4["kv_bytes_per_token_gpu"] == r4["kv_bytes_per_token"]


@pytest.mark.parametrize(("model", "ctx"), [("gemma-2-9b", 8192), ("gemma-3-1b", 20000), ("mistral-7b", 9000)])
def test_native_window_patterns_equal_a_ring_buffer_per_layer(model: str, ctx: int) -> None:
    shape = build_shape(model)
    r = report(model=model, ctx=ctx, tp=1)
    per_layer = r["kv_bytes_per_token"] / shape.n_layers
    expected = sum(per_layer * _ring_buffer_slots(ctx, shape.sliding_window if shape.is_swa_layer(i) else 0)
                   for i in range(shape.n_layers))
    assert r["kv_cache_bytes"] == pytest.approx(expected)
    assert 0 < r["windowed_layers"] <= shape.n_layers
