"""KV cache arithmetic for the attention variants, and what it leaves room for on a GPU.

Per token and layer an attention layer caches (elements):

* MHA / GQA / MQA: ``2 x kv_heads x head_dim`` -- one key and one value row
  per KV head (MHA: kv_heads = query heads, MQA: 1, GQA: in between).
* MLA (DeepSeek-V2, arXiv 2405.04434, eq. 9-10 and Table 1): one
  compressed latent of ``kv_lora_rank`` (d_c) plus one decoupled RoPE key of
  ``rope_dim`` (d_h^R), shared by every head.  A model that is not MLA is
  given DeepSeek-V2's ratios, d_c = 4 d_h and d_h^R = d_h / 2 (Table 1
  caption), when the reader asks "what if it were MLA".

A sliding window of W tokens turns a layer's cache into a ring buffer of W
slots (Mistral 7B, arXiv 2310.06825, section 2: position i is stored at
slot i mod W, so the cache stops growing at W).

Capacity follows vLLM's accounting (vllm/v1/core/kv_cache_utils.py): the
memory left for the cache is cut into blocks of ``block_size`` tokens of
every layer, ``num_blocks = free // (block_size x bytes_per_token)``, and
the log line "GPU KV cache size: N tokens" prints ``num_blocks x block_size``.
A sequence holds whole blocks, so its cache is rounded up to a block.

Tensor parallelism splits the KV heads over the GPUs; with fewer KV heads
than GPUs each GPU keeps a replica of one head (vLLM's attention layers:
``num_kv_heads = max(1, total_num_kv_heads // tp_size)``).  An MLA latent
belongs to every head, so every GPU keeps all of it.

Units: bytes, tokens, GiB = 2^30 bytes, bandwidth GB/s = 10^9 bytes/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from inferlab.catalog.models import ModelShape, build_shape
from inferlab.inputs import InputError
from inferlab.units import GiB

#: Cache element types: llama.cpp's ggml layouts plus fp8 (vLLM ``--kv-cache-dtype fp8``).
KV_DTYPES = ("f32", "f16", "bf16", "fp8", "q8_0", "q4_0")
#: FP8 (e4m3 or e5m2) stores one byte per element.
FP8_BYTES = 1.0
#: The four attention variants, in the order the comparison shows them.
VARIANTS = ("mha", "gqa", "mqa", "mla")
VARIANT_NAMES = {"mha": "MHA", "gqa": "GQA", "mqa": "MQA", "mla": "MLA"}
#: KV heads a GQA variant gets when the model itself is not GQA (Llama 2 70B and Llama 3 use 8).
GQA_DEFAULT_KV_HEADS = 8


def bytes_per_element(kv_dtype: str) -> float:
    """Bytes per cached number: fp8 = 1, else the ggml block layout (q8_0 = 34/32, q4_0 = 18/32)."""
    if kv_dtype == "fp8":
        return FP8_BYTES
    from inferlab.llamacpp.kv_cache import kv_bytes_per_element

    return kv_bytes_per_element(kv_dtype)


@dataclass(frozen=True)
class Attention:
    """What one layer caches per token: ``kv_heads`` x ``head_dim`` keys and values, or an MLA latent."""

    variant: str
    kv_heads: int
    head_dim: int
    kv_lora_rank: int = 0
    rope_dim: int = 0

    @property
    def width(self) -> int:
        """Elements cached per token and layer (all heads)."""
        if self.variant == "mla":
            return self.kv_lora_rank + self.rope_dim
        return 2 * self.kv_heads * self.head_dim

    def width_per_gpu(self, tp: int) -> int:
        """Elements one of *tp* tensor-parallel GPUs caches per token and layer."""
        if self.variant == "mla":
            return self.width
        return 2 * max(1, self.kv_heads // tp) * self.head_dim

    def heads_per_gpu(self, tp: int) -> int:
        """KV heads one GPU holds (an MLA latent counts as one)."""
        return 1 if self.variant == "mla" else max(1, self.kv_heads // tp)

    def describe(self) -> str:
        """``GQA, 8 KV heads`` / ``MLA, latent 512 + RoPE key 64``."""
        if self.variant == "mla":
            return f"MLA, latent {self.kv_lora_rank} + RoPE key {self.rope_dim}"
        heads = "1 KV head" if self.kv_heads == 1 else f"{self.kv_heads} KV heads"
        return f"{VARIANT_NAMES[self.variant]}, {heads} of {self.head_dim}"


# -- the catalog's attention fields (ModelShape: kv_lora_rank, qk_rope_head_dim, qk_nope_head_dim, sliding_window,
#    swa_pattern and is_swa_layer, from each model's config.json) ------------------------------------
def native_window(shape: ModelShape) -> int:
    """The model's own sliding window (tokens; 0 = none)."""
    return shape.sliding_window if shape.swa_pattern else 0


def native_variant(shape: ModelShape) -> str:
    """mha / gqa / mqa / mla: what the model itself uses."""
    if shape.is_mla:
        return "mla"
    if shape.n_kv_heads == shape.n_heads:
        return "mha"
    return "mqa" if shape.n_kv_heads == 1 else "gqa"


def attention_for(shape: ModelShape, variant: str = "native", kv_heads: int | None = None) -> Attention:
    """The model's attention, or the same model with another *variant* (same heads and head size).

    *kv_heads* sets the GQA variant's KV heads (it must divide the query heads).
    """
    own = native_variant(shape)
    head_dim = shape.qk_nope_head_dim if own == "mla" else shape.head_dim  # DeepSeek-V2's d_h, 128
    rank, rope = shape.kv_lora_rank, shape.qk_rope_head_dim
    if variant == "native":
        variant = own
    if variant == "mla":
        if own == "mla":
            return Attention("mla", 0, head_dim, rank, rope)
        return Attention("mla", 0, head_dim, 4 * head_dim, head_dim // 2)  # DeepSeek-V2 Table 1 ratios
    if variant == "mha":
        return Attention("mha", shape.n_heads, head_dim)
    if variant == "mqa":
        return Attention("mqa", 1, head_dim)
    if kv_heads is None:
        kv_heads = shape.n_kv_heads if own == "gqa" else _default_groups(shape.n_heads)
    if not 1 <= kv_heads <= shape.n_heads or shape.n_heads % kv_heads:
        raise InputError("kv_heads", kv_heads, f"a divisor of the {shape.n_heads} query heads of {shape.display_name}")
    return Attention("gqa", kv_heads, head_dim)


def _default_groups(n_heads: int) -> int:
    return max(d for d in range(1, min(GQA_DEFAULT_KV_HEADS, n_heads) + 1) if n_heads % d == 0)


def check_tp(shape: ModelShape, attn: Attention, tp: int) -> None:
    """vLLM's split rules: query heads divide evenly; KV heads split evenly or replicate evenly."""
    if shape.n_heads % tp:
        raise InputError("tp", tp, f"a divisor of the {shape.n_heads} attention heads of {shape.display_name}")
    if attn.variant != "mla":
        kv = attn.kv_heads
        if (kv >= tp and kv % tp) or (kv < tp and tp % kv):
            raise InputError("tp", tp, f"a divisor or a multiple of the {kv} KV heads ({attn.describe()})")


# -- per-layer groups: (elements per token, cap in tokens or 0 for the full context) --------------
def layer_groups(shape: ModelShape, window: int | None) -> dict[int, int]:
    """Layers per cache cap: ``{cap: n_layers}`` with cap 0 meaning the whole context.

    *window* None uses the model's own window and layer pattern; 0 turns
    windows off; W > 0 gives every layer a W-token ring buffer.
    """
    if window is None:
        caps = [native_window(shape) if shape.is_swa_layer(i) else 0 for i in range(shape.n_layers)]
    else:
        caps = [window] * shape.n_layers
    groups: dict[int, int] = {}
    for cap in caps:
        groups[cap] = groups.get(cap, 0) + 1
    return groups


def cached_tokens(ctx: int, cap: int) -> int:
    """Tokens a layer holds at context *ctx*: all of them, or the last *cap* (ring buffer)."""
    return ctx if cap == 0 else min(ctx, cap)


def sequence_bytes(groups: dict[int, int], bytes_per_token_layer: float, ctx: int, block_size: int = 1) -> float:
    """Bytes of one sequence at *ctx*, each layer rounded up to whole blocks of *block_size* tokens."""
    total = 0.0
    for cap, layers in groups.items():
        n = cached_tokens(ctx, cap)
        total += layers * bytes_per_token_layer * block_size * math.ceil(n / block_size)
    return total


def effective_tokens(groups: dict[int, int], ctx: int) -> float:
    """Cached tokens averaged over the layers (ctx without windows; the window when every layer has one)."""
    layers = sum(groups.values())
    return sum(n * cached_tokens(ctx, cap) for cap, n in groups.items()) / layers


def longest_context(fits: Any, high: int) -> int:
    """Largest ctx in 0..high with ``fits(ctx)`` true (``fits`` is monotone: true up to a point)."""
    if fits(high):
        return high
    lo, hi = 0, high
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo


# -- the GPU side ---------------------------------------------------------------------------------
def gpu_choices() -> list[str]:
    """Hardware presets that have a GPU."""
    from inferlab.catalog.hardware import list_hardware

    return [h["name"] for h in list_hardware() if h["gpu"]]


def gpu_labels() -> dict[str, str]:
    """Display name of each GPU preset."""
    from inferlab.catalog.hardware import list_hardware

    return {h["name"]: h["display_name"] for h in list_hardware() if h["gpu"]}


def weight_bytes(model: str, weights: str) -> int:
    """Tensor bytes of *model* stored as llama.cpp file type *weights* (the calculator's inventory)."""
    from inferlab.llamacpp.calculator import quant_report

    return int(quant_report(model=model, quant=weights)["tensor_data_bytes"])


def activation_bytes(shape: ModelShape, ctx: int) -> int:
    """Scratch memory of one forward pass: llama.cpp's device compute buffer with flash attention."""
    from inferlab.llamacpp.compute_buffers import compute_buffer_bytes
    from inferlab.llamacpp.kv_cache import pad

    return int(compute_buffer_bytes(shape, pad(ctx), flash_attn=True)[0])


def shape_of(model: str) -> ModelShape:
    """The catalogue's shape of *model*."""
    return build_shape(model)


def kv_report(values: dict[str, Any]) -> dict[str, Any]:
    """Every number of the widget for validated inputs (see the widget's Params); InputError otherwise."""
    from inferlab.catalog.hardware import get_hardware

    shape = shape_of(values["model"])
    ctx, batch, block, tp = values["ctx"], values["batch"], values["block_size"], values["tp"]
    if ctx > shape.max_ctx:
        raise InputError("ctx", ctx, f"1 to {shape.max_ctx:,} tokens ({shape.display_name}'s trained context)")
    attn = attention_for(shape, values["attention"], values["kv_heads"])
    check_tp(shape, attn, tp)
    el = bytes_per_element(values["kv_dtype"])
    groups = layer_groups(shape, values["window"])
    layer_bytes, layer_bytes_gpu = attn.width * el, attn.width_per_gpu(tp) * el
    per_token, per_token_gpu = shape.n_layers * layer_bytes, shape.n_layers * layer_bytes_gpu
    eff = effective_tokens(groups, ctx)

    hw = get_hardware(values["gpu"])
    gpu = hw.gpu
    assert gpu is not None  # the choices hold GPU presets only
    if values["free_gib"] is not None:
        budget, weights_gpu, act = values["free_gib"] * GiB, 0.0, 0.0
    else:
        budget = gpu.vram_gib * GiB * values["gpu_util"]
        weights_gpu = weight_bytes(shape.name, values["weights"]) / tp
        act = float(activation_bytes(shape, ctx))
    free = max(0.0, budget - weights_gpu - act)

    seq_gpu = sequence_bytes(groups, layer_bytes_gpu, ctx, block)
    blocks = math.floor(free / (block * per_token_gpu))
    capacity = blocks * block
    max_batch = math.floor(free / seq_gpu)
    max_ctx = longest_context(lambda c: batch * sequence_bytes(groups, layer_bytes_gpu, c, block) <= free,
                              shape.max_ctx)
    kv_gpu = batch * seq_gpu
    bandwidth = gpu.bandwidth_gbs * 1e9
    return {
        "model": shape.name, "display_name": shape.display_name, "ctx": ctx, "batch": batch,
        "kv_dtype": values["kv_dtype"], "bytes_per_element": el,
        "variant": attn.variant, "native_variant": native_variant(shape), "attention_text": attn.describe(),
        "n_layers": shape.n_layers, "kv_width": attn.width, "kv_width_gpu": attn.width_per_gpu(tp),
        "kv_heads_per_gpu": attn.heads_per_gpu(tp), "tp": tp,
        "window": values["window"] if values["window"] is not None else native_window(shape),
        "windowed_layers": sum(n for cap, n in groups.items() if cap), "effective_tokens": eff,
        "kv_bytes_per_token": per_token, "kv_bytes_per_token_gpu": per_token_gpu,
        "kv_cache_bytes": batch * per_token * eff,
        "kv_bytes_per_sequence_gpu": seq_gpu, "kv_cache_bytes_gpu": kv_gpu,
        "gpu": hw.name, "gpu_display": hw.display_name, "vram_bytes": gpu.vram_gib * GiB,
        "memory_budget_bytes": budget, "weights_gpu_bytes": weights_gpu, "activation_bytes": act,
        "kv_free_bytes": free, "block_size": block, "capacity_blocks": blocks, "capacity_tokens": capacity,
        "max_concurrency": capacity / ctx, "max_batch": max_batch, "max_ctx_at_batch": max_ctx,
        "fits": kv_gpu <= free, "free_given": values["free_gib"] is not None,
        "kv_read_ms": kv_gpu / bandwidth * 1000.0, "weights_read_ms": weights_gpu / bandwidth * 1000.0,
    }


def compare_variants(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The same inputs with each attention variant (rows in VARIANTS order); variants tp cannot split are marked."""
    rows: list[dict[str, Any]] = []
    for variant in VARIANTS:
        try:
            r = kv_report({**values, "attention": variant, "kv_heads": values["kv_heads"] if variant == "gqa" else None})
        except InputError as err:
            rows.append({"variant": variant, "error": err.short()})
            continue
        rows.append({"variant": variant, "attention_text": r["attention_text"],
                     "kv_bytes_per_token": r["kv_bytes_per_token"], "kv_cache_bytes": r["kv_cache_bytes"],
                     "max_batch": r["max_batch"], "capacity_tokens": r["capacity_tokens"], "error": None})
    return rows
