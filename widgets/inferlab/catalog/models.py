"""Model architectures: the preset table, shape resolution and listing.

The parts live in :mod:`.shapes` (the :class:`ModelShape` fields and
validation), :mod:`.model_presets` (the cited preset table) and
:mod:`.tensors` (the GGUF tensor inventory and parameter counts); this
module is the one place callers import them from.
"""

from __future__ import annotations

from typing import Any

from inferlab.catalog.model_presets import PRESETS_TABLE
from inferlab.catalog.shapes import (ARCHITECTURES, SHAPE_FIELDS, ModelShape, apply_overrides,
                                     synthesize_shape, validate_shape)
from inferlab.catalog.tensors import (TensorSpec, active_fraction, count_active_params, count_params,
                                      layer_params, matmul_params_per_token, tensor_inventory)
from inferlab.inputs import check_choice

PRESETS: dict[str, ModelShape] = {p.name: p for p in PRESETS_TABLE}


def model_names() -> list[str]:
    """Preset names in table order (the ``model`` input's choices, without ``custom``)."""
    return list(PRESETS)


def get_preset(name: str) -> ModelShape:
    """Preset by name (case-insensitive); InputError lists the allowed names."""
    key = check_choice("model", str(name).lower(), list(PRESETS))
    return PRESETS[key]


def build_shape(model: str = "llama-3-8b", params: float | None = None, **overrides: Any) -> ModelShape:
    """Resolve a preset (or ``"custom"``) plus shape overrides into a ModelShape.

    ``params`` (a parameter count) synthesizes a Llama-3-style dense shape of
    about that size; explicit overrides win over both.  Unknown override
    names raise InputError.
    """
    is_custom = str(model).lower() == "custom"
    if is_custom or params is not None:
        base = synthesize_shape(params if params is not None else 7e9)
        if not is_custom:
            get_preset(model)  # still reject unknown names
    else:
        base = get_preset(model)
    return apply_overrides(base, overrides)


def list_models() -> list[dict]:
    """Every preset as a plain dict (what ``inferlab models`` prints)."""
    rows = []
    for p in PRESETS_TABLE:
        rows.append({
            "name": p.name, "display_name": p.display_name, "arch": p.arch,
            "params": count_params(p), "active_params": count_active_params(p),
            "published_params": p.published_params, "published_params_text": p.published_params_text,
            "n_layers": p.n_layers, "hidden_size": p.hidden_size, "ffn_size": p.ffn_size,
            "n_heads": p.n_heads, "n_kv_heads": p.n_kv_heads, "head_dim": p.head_dim,
            "vocab_size": p.vocab_size, "tied_embeddings": p.tied_embeddings,
            "n_experts": p.n_experts, "n_experts_used": p.n_experts_used,
            "kv_lora_rank": p.kv_lora_rank, "qk_rope_head_dim": p.qk_rope_head_dim,
            "sliding_window": p.sliding_window, "swa_pattern": p.swa_pattern,
            "max_ctx": p.max_ctx, "source": p.source,
        })
    return rows


__all__ = [
    "ARCHITECTURES", "ModelShape", "PRESETS", "SHAPE_FIELDS", "TensorSpec", "active_fraction",
    "build_shape", "count_active_params", "count_params", "get_preset", "layer_params",
    "list_models", "matmul_params_per_token", "model_names", "synthesize_shape", "tensor_inventory",
    "validate_shape",
]
