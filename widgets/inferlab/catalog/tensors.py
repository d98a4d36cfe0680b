"""The GGUF tensor inventory a shape implies, and parameter counts.

Tensor names and shapes follow llama.cpp's GGUF naming (``token_embd``,
``blk.N.attn_q`` ...; src/llama-arch.cpp), with ``ne0`` the row length
(input dimension) as ggml stores it.  Parameter counts are *derived* from
this inventory and checked in the tests against the published totals.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from inferlab.catalog.shapes import ModelShape


@dataclass(frozen=True)
class TensorSpec:
    """One GGUF tensor: ``ne0`` weights per row, ``n_rows`` rows in total.

    ``layer`` is -1 for tensors outside the repeating blocks.
    ``category`` mirrors llama.cpp's tensor categories (src/llama-quant.cpp).
    ``quantizable`` is False for tensors llama-quantize leaves alone (1-D
    norms and biases, MoE router ``ffn_gate_inp``).  ``n_expert`` > 1 marks
    routed-expert tensors (3-D in the file: one slice per expert).
    """

    name: str
    category: str
    layer: int
    ne0: int
    n_rows: int
    quantizable: bool = True
    n_expert: int = 1
    source_type: str = "F16"

    @property
    def n_elements(self) -> int:
        """Weights in the tensor."""
        return self.ne0 * self.n_rows


@functools.lru_cache(maxsize=128)
def tensor_inventory(shape: ModelShape) -> tuple[TensorSpec, ...]:
    """Every tensor of the GGUF file, in llama-quantize's processing order.

    llama.cpp's model loader keeps tensors in a map ordered by block number,
    then by name (``weight_name_comparer`` in src/llama-model-loader.h), which
    is the order the per-tensor type choice sees them in.  Cached per shape.
    """
    d = shape.hidden_size
    out = [TensorSpec("token_embd.weight", "token_embd", -1, d, shape.vocab_size),
           TensorSpec("output_norm.weight", "other", -1, d, 1, quantizable=False, source_type="F32")]
    if not shape.tied_embeddings:
        out.append(TensorSpec("output.weight", "output", -1, d, shape.vocab_size))
    for i in range(shape.n_layers):
        out.extend(_layer_tensors(shape, i))
    return tuple(sorted(out, key=lambda t: (t.layer, t.name)))


def _norm(prefix: str, name: str, i: int, n: int) -> TensorSpec:
    return TensorSpec(prefix + name, "other", i, n, 1, quantizable=False, source_type="F32")


def _layer_tensors(shape: ModelShape, i: int) -> list[TensorSpec]:
    p, d = f"blk.{i}.", shape.hidden_size
    ts = [_norm(p, "attn_norm.weight", i, d), _norm(p, "ffn_norm.weight", i, d)]
    if shape.arch in ("gemma2", "gemma3"):
        ts += [_norm(p, "post_attention_norm.weight", i, d), _norm(p, "post_ffw_norm.weight", i, d)]
    ts += _attention_tensors(shape, i, p, d)
    ts += _ffn_tensors(shape, i, p, d)
    return ts


def _attention_tensors(shape: ModelShape, i: int, p: str, d: int) -> list[TensorSpec]:
    if shape.is_mla:  # DeepSeek-V2 without q compression (V2-Lite): src/llama-model.cpp LLM_ARCH_DEEPSEEK2
        kv_b_rows = shape.n_heads * (shape.qk_nope_head_dim + shape.v_head_dim)
        return [TensorSpec(p + "attn_q.weight", "attn_q", i, d, shape.q_dim),
                TensorSpec(p + "attn_kv_a_mqa.weight", "other", i, d, shape.mla_latent_dim),
                _norm(p, "attn_kv_a_norm.weight", i, shape.kv_lora_rank),
                TensorSpec(p + "attn_kv_b.weight", "other", i, shape.kv_lora_rank, kv_b_rows),
                TensorSpec(p + "attn_output.weight", "attn_output", i, shape.attn_out_dim, d)]
    if shape.arch == "phi3":
        ts = [TensorSpec(p + "attn_qkv.weight", "attn_qkv", i, d, shape.q_dim + 2 * shape.kv_dim)]
    else:
        ts = [TensorSpec(p + "attn_q.weight", "attn_q", i, d, shape.q_dim),
              TensorSpec(p + "attn_k.weight", "attn_k", i, d, shape.kv_dim),
              TensorSpec(p + "attn_v.weight", "attn_v", i, d, shape.kv_dim)]
    if shape.qkv_bias:
        ts += [_norm(p, "attn_q.bias", i, shape.q_dim), _norm(p, "attn_k.bias", i, shape.kv_dim),
               _norm(p, "attn_v.bias", i, shape.kv_dim)]
    if shape.qk_norm:  # per-head RMSNorm of q and k (Qwen3, Gemma 3)
        ts += [_norm(p, "attn_q_norm.weight", i, shape.head_dim),
               _norm(p, "attn_k_norm.weight", i, shape.head_dim)]
    ts.append(TensorSpec(p + "attn_output.weight", "attn_output", i, shape.attn_out_dim, d))
    return ts


def _ffn_tensors(shape: ModelShape, i: int, p: str, d: int) -> list[TensorSpec]:
    if shape.is_moe_layer(i):
        e, ff = shape.n_experts, shape.expert_width
        ts = [TensorSpec(p + "ffn_gate_inp.weight", "other", i, d, e, quantizable=False, source_type="F32"),
              TensorSpec(p + "ffn_gate_exps.weight", "ffn_gate", i, d, ff * e, n_expert=e),
              TensorSpec(p + "ffn_up_exps.weight", "ffn_up", i, d, ff * e, n_expert=e),
              TensorSpec(p + "ffn_down_exps.weight", "ffn_down", i, ff, d * e, n_expert=e)]
        if shape.n_shared_experts:
            sh = ff * shape.n_shared_experts
            ts += [TensorSpec(p + "ffn_gate_shexp.weight", "ffn_gate", i, d, sh),
                   TensorSpec(p + "ffn_up_shexp.weight", "ffn_up", i, d, sh),
                   TensorSpec(p + "ffn_down_shexp.weight", "ffn_down", i, sh, d)]
        return ts
    ff = shape.ffn_size
    if shape.arch == "phi3":  # fused gate and up projection
        return [TensorSpec(p + "ffn_up.weight", "ffn_up", i, d, 2 * ff),
                TensorSpec(p + "ffn_down.weight", "ffn_down", i, ff, d)]
    return [TensorSpec(p + "ffn_gate.weight", "ffn_gate", i, d, ff),
            TensorSpec(p + "ffn_up.weight", "ffn_up", i, d, ff),
            TensorSpec(p + "ffn_down.weight", "ffn_down", i, ff, d)]


def count_params(shape: ModelShape) -> int:
    """Total parameters (elements of every tensor, tied embeddings counted once)."""
    return sum(t.n_elements for t in tensor_inventory(shape))


def active_fraction(t: TensorSpec, shape: ModelShape) -> float:
    """Share of tensor *t* one token uses: ``n_experts_used / n_experts`` for routed experts, else 1."""
    return shape.n_experts_used / t.n_expert if t.n_expert > 1 else 1.0


def count_active_params(shape: ModelShape) -> int:
    """Parameters used per token: for MoE only ``n_experts_used`` routed experts count."""
    total = 0
    for t in tensor_inventory(shape):
        if t.n_expert > 1:
            total += t.n_elements * shape.n_experts_used // t.n_expert
        else:
            total += t.n_elements
    return total


def layer_params(shape: ModelShape, layer: int = 0) -> int:
    """Parameters of one repeating block (elements)."""
    return sum(t.n_elements for t in tensor_inventory(shape) if t.layer == layer)


def matmul_params_per_token(shape: ModelShape) -> int:
    """Weights multiplied per token in the repeating blocks (active experts only; no norms, no output).

    2 x this is the FLOPs of the block matmuls for one token; the output
    projection (``vocab x hidden``) is charged separately, only for tokens
    whose logits are computed.
    """
    total = 0.0
    for t in tensor_inventory(shape):
        if t.layer >= 0 and t.quantizable:
            total += t.n_elements * active_fraction(t, shape)
    return int(total)


__all__ = ["TensorSpec", "active_fraction", "count_active_params", "count_params", "layer_params",
           "matmul_params_per_token", "tensor_inventory"]
