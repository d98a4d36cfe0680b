"""Compute buffers: the scratch memory llama.cpp's graph allocator reserves.

When a context is created, llama.cpp builds the worst-case graph -- one
micro-batch of ``n_tokens = min(n_ctx, n_ubatch)`` tokens, every token an
output (``n_outputs = n_tokens``), against a full KV cache -- and lets
``ggml-alloc`` place its tensors: ``graph_reserve(n_tokens, n_seqs,
n_tokens, ...)`` after ``memory->init_full()`` in the "reserve worst-case
graph" block of the llama_context constructor (src/llama-context.cpp; in
2025 builds moved into ``llama_context::sched_reserve``), which then logs
``ggml_backend_sched_get_buffer_size`` per backend as "compute buffer size".  The
allocator reuses the memory of tensors no longer needed, so a buffer is the
*peak* of what is alive at once, per backend:

* the output projection: the logits ``n_vocab x n_tokens`` f32 plus its
  input ``n_embd x n_tokens`` f32 -- for Llama 3 (128,256-token vocabulary)
  250.5 MiB of the 258.5 MiB a 512-token context reserves;
* one attention layer without flash attention: the scores
  ``KQ = n_kv x n_tokens x n_head`` f32 (``build_attn_mha`` in
  src/llama-graph.cpp; the softmax runs in place) plus the f32 mask
  ``n_kv x pad(n_tokens, 64)`` and about four ``n_embd``-wide activations;
* one FFN: gate and up ``n_ff x n_tokens`` f32 (routed experts: per used
  expert, plus the shared ones);
* with flash attention no KQ exists; the mask is cast to f16
  (``self_kq_mask_cnv = ggml_cast(..., GGML_TYPE_F16)`` in
  ``build_attn_inp_kv``) and that copy stays alive through the graph.

The CPU-side ("host") buffer of a GPU run holds the graph inputs: the token
embeddings ``n_embd x n_tokens`` f32 (``get_rows`` on the CPU-resident
``token_embd``) and the f32 mask.  The tests hold these formulas to real
``llama_context: ... compute buffer size`` lines (:mod:`.published`).
"""

from __future__ import annotations

from dataclasses import dataclass

from inferlab.catalog.models import ModelShape
from inferlab.llamacpp.kv_cache import N_UBATCH, pad

#: Rows of the KQ mask are padded to 64 (``GGML_KQ_MASK_PAD``, ggml/include/ggml.h).
KQ_MASK_PAD = 64
F32 = 4


@dataclass(frozen=True)
class BufferParts:
    """The peaks a backend's buffer is the maximum of (bytes)."""

    output: int       # logits + their input
    attention: int    # one attention layer's working set
    ffn: int          # one FFN's working set
    mask_f16: int     # flash attention: the f16 mask kept alive (0 without)
    inputs: int       # host-side graph inputs (token embeddings + f32 mask)


def buffer_parts(shape: ModelShape, n_kv: int, n_ubatch: int = N_UBATCH,
                 flash_attn: bool = True) -> BufferParts:
    """Peaks of the worst-case graph for a cache of *n_kv* cells (bytes)."""
    t = min(n_kv, n_ubatch)
    t_mask = pad(t, KQ_MASK_PAD)
    d, q = shape.hidden_size, shape.q_dim
    activations = F32 * t * (2 * d + 2 * q)
    if flash_attn:
        attention = activations
        mask_f16 = 2 * n_kv * t_mask
    else:
        attention = activations + F32 * n_kv * t * shape.n_heads + F32 * n_kv * t_mask
        mask_f16 = 0
    if shape.n_experts:
        ff = shape.expert_width * (shape.n_experts_used + shape.n_shared_experts)
        ff = max(ff, shape.ffn_size if shape.n_dense_layers else 0)
    else:
        ff = shape.ffn_size
    ffn = F32 * t * (2 * ff + 2 * d)
    output = F32 * t * (shape.vocab_size + d)
    inputs = F32 * t * d + F32 * n_kv * t_mask
    return BufferParts(output, attention, ffn, mask_f16, inputs)


def layer_peak(parts: BufferParts) -> int:
    """Buffer of a backend that computes repeating layers but not the output."""
    return max(parts.attention, parts.ffn) + parts.mask_f16


def output_peak(parts: BufferParts) -> int:
    """Buffer of the backend that computes the output layer (and layers)."""
    return max(parts.attention, parts.ffn, parts.output) + parts.mask_f16


def compute_buffer_bytes(shape: ModelShape, ctx: int, flash_attn: bool = True,
                         n_ubatch: int = N_UBATCH) -> tuple[int, int]:
    """(device buffer, host buffer) in bytes when one GPU holds every layer and the output.

    *ctx* is the number of KV cells (already padded).  CPU-only runs have a
    single buffer of the device size (see :func:`cpu_only_buffer`).
    """
    parts = buffer_parts(shape, ctx, n_ubatch, flash_attn)
    return output_peak(parts), parts.inputs


def cpu_only_buffer(shape: ModelShape, ctx: int, flash_attn: bool = True,
                    n_ubatch: int = N_UBATCH) -> int:
    """The one compute buffer of a CPU-only run (bytes)."""
    return output_peak(buffer_parts(shape, ctx, n_ubatch, flash_attn))


__all__ = ["BufferParts", "KQ_MASK_PAD", "buffer_parts", "compute_buffer_bytes", "cpu_only_buffer",
           "layer_peak", "output_peak"]
