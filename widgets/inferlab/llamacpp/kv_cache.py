"""KV cache sizes as llama.cpp allocates them.

Per layer and cached token llama.cpp stores K and V rows of
``n_embd_k_gqa`` / ``n_embd_v_gqa`` elements (``n_kv_heads x head_dim``;
MLA: latent + RoPE key and latent, see ``ModelShape.kv_elements_per_token_layer``)
in the ``--cache-type-k/-v`` type.  The context is padded to
:data:`KV_PAD` cells.  Sliding-window layers get their own cache of
``min(n_ctx, pad(n_swa x n_seq + n_ubatch))`` cells
(``llama_kv_cache_iswa``, src/llama-kv-cache-iswa.cpp) unless ``--swa-full``.
"""

from __future__ import annotations

from inferlab.catalog.models import ModelShape
from inferlab.llamacpp.ggml_types import GGML_TYPES
from inferlab.inputs import check_choice

#: Cache types accepted by llama.cpp's ``--cache-type-k/-v`` (common/arg.cpp kv_cache_types).
KV_TYPES = ("f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1")
#: Default micro-batch (``n_ubatch``, common/common.h) -- sizes the compute buffers and SWA caches.
N_UBATCH = 512
#: Default logical batch (``n_batch``, common/common.h): tokens submitted per llama_decode call.
N_BATCH = 2048
#: The context is padded to a multiple of 256 cells: ``cparams.n_ctx = GGML_PAD(cparams.n_ctx, 256)``
#: in the llama_context constructor (src/llama-context.cpp, ref. PR #17046); load logs print
#: "n_ctx = ... (padded)".
KV_PAD = 256


def pad(n: int, to: int = KV_PAD) -> int:
    """*n* rounded up to a multiple of *to* (``GGML_PAD``)."""
    return -(-int(n) // to) * to


def kv_bytes_per_element(kv_type: str) -> float:
    """Bytes per cached element for a ``--cache-type`` name (block layouts, ggml_types)."""
    t = GGML_TYPES[check_choice("kv_type", str(kv_type).lower(), KV_TYPES).upper()]
    return t.type_size / t.block_size


def kv_cells(shape: ModelShape, layer: int, ctx: int, n_seq: int = 1, swa_full: bool = False) -> int:
    """Cells the cache of *layer* holds for a context of *ctx* cells (already padded)."""
    if swa_full or not shape.swa_in_llama_cpp or not shape.is_swa_layer(layer):
        return ctx
    return min(ctx, pad(shape.sliding_window * n_seq + N_UBATCH))


def kv_layer_bytes(shape: ModelShape, layer: int, cells: int, kv_type: str = "f16") -> int:
    """K plus V bytes of *layer* for *cells* cached tokens."""
    k, v = shape.kv_elements_per_token_layer
    return int(round((k + v) * kv_bytes_per_element(kv_type) * cells))


def kv_cache_bytes_per_token(shape: ModelShape, kv_type: str = "f16") -> float:
    """KV bytes one more token of context adds when every layer caches it (no window reached)."""
    k, v = shape.kv_elements_per_token_layer
    return shape.n_layers * (k + v) * kv_bytes_per_element(kv_type)


def kv_cache_bytes(shape: ModelShape, ctx: int, kv_type: str = "f16", n_layers: int | None = None,
                   n_seq: int = 1, swa_full: bool = False) -> int:
    """KV cache bytes for a *ctx*-cell cache over the last *n_layers* blocks (default all).

    The last blocks are the ones ``-ngl`` offloads first (see :mod:`.placement`).
    """
    count = shape.n_layers if n_layers is None else n_layers
    layers = range(shape.n_layers - count, shape.n_layers)
    return sum(kv_layer_bytes(shape, i, kv_cells(shape, i, ctx, n_seq, swa_full), kv_type) for i in layers)


def attended_tokens(shape: ModelShape, layer: int, depth: int) -> int:
    """Keys a query at position *depth* reads in *layer* (the window caps it on SWA layers)."""
    if shape.swa_in_llama_cpp and shape.is_swa_layer(layer):
        return min(depth, shape.sliding_window)
    return depth


__all__ = ["KV_PAD", "KV_TYPES", "N_BATCH", "N_UBATCH", "attended_tokens", "kv_bytes_per_element",
           "kv_cache_bytes", "kv_cache_bytes_per_token", "kv_cells", "kv_layer_bytes", "pad"]
