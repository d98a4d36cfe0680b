"""Model shapes: the architecture numbers that decide tensor sizes, the KV
cache and the FLOPs of a forward pass, and how a caller's overrides are
validated.

A :class:`ModelShape` describes dense and mixture-of-experts transformers,
multi-head latent attention (MLA, DeepSeek-V2: the cache holds a compressed
latent of ``kv_lora_rank`` plus a decoupled RoPE key of ``qk_rope_head_dim``
per token and layer) and sliding-window attention (``sliding_window`` tokens
on the layers that ``swa_pattern`` marks local).  Field names follow the
Hugging Face ``config.json`` keys they come from (see :mod:`.model_presets`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from inferlab.inputs import InputError, check_choice, check_int

#: Architectures whose GGUF tensor layout :mod:`.tensors` knows (llama.cpp ``LLM_ARCH_*`` names).
ARCHITECTURES = ("llama", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3", "phi3", "deepseek2")
#: Tokenizer kinds (drive the metadata-size estimate of the GGUF file).
TOKENIZERS = ("spm", "bpe")


@dataclass(frozen=True)
class ModelShape:
    """The architecture numbers of one model.

    Sizes are element counts; ``max_ctx`` and ``sliding_window`` are tokens.
    Dense models have ``n_experts == 0``.  MoE models may give
    ``expert_ffn_size`` (width of one routed expert, default ``ffn_size``),
    ``n_shared_experts`` (always-active experts of that width) and
    ``n_dense_layers`` (leading layers with a dense FFN of ``ffn_size``).
    MLA models set ``kv_lora_rank`` > 0 with ``qk_nope_head_dim``,
    ``qk_rope_head_dim`` and ``v_head_dim``.  ``swa_pattern`` = p means
    every p-th layer (the last of each group) attends globally and the others
    see ``sliding_window`` tokens (Gemma 2: p=2, Gemma 3: p=6); p=1 means
    every layer is windowed.  ``swa_in_llama_cpp`` is False where llama.cpp
    ignores the window and caches the full context (Mistral 7B v0.1).
    """

    name: str
    display_name: str
    arch: str
    n_layers: int
    hidden_size: int
    ffn_size: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    vocab_size: int
    tied_embeddings: bool
    max_ctx: int
    n_experts: int = 0
    n_experts_used: int = 0
    expert_ffn_size: int = 0
    n_shared_experts: int = 0
    n_dense_layers: int = 0
    qkv_bias: bool = False
    qk_norm: bool = False
    kv_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    sliding_window: int = 0
    swa_pattern: int = 0
    swa_in_llama_cpp: bool = True
    tokenizer: str = "spm"
    n_merges: int = 0
    published_params: int | None = None
    published_params_text: str = ""
    source: str = ""
    is_70b_class: bool = False
    notes: str = ""

    # -- attention widths --------------------------------------------------------------
    @property
    def is_mla(self) -> bool:
        """Multi-head latent attention (DeepSeek-V2 family)."""
        return self.kv_lora_rank > 0

    @property
    def n_gqa(self) -> int:
        """Query heads per KV head (``hparams.n_gqa()`` in llama.cpp)."""
        return self.n_heads // self.n_kv_heads

    @property
    def q_dim(self) -> int:
        """Width of the concatenated query heads (elements)."""
        if self.is_mla:
            return self.n_heads * (self.qk_nope_head_dim + self.qk_rope_head_dim)
        return self.n_heads * self.head_dim

    @property
    def attn_out_dim(self) -> int:
        """Width of the concatenated value heads entering ``attn_output`` (elements)."""
        return self.n_heads * (self.v_head_dim if self.is_mla else self.head_dim)

    @property
    def kv_dim(self) -> int:
        """Width of the concatenated K (or V) heads of a standard attention layer."""
        return self.n_kv_heads * self.head_dim

    @property
    def mla_latent_dim(self) -> int:
        """Elements MLA must cache per token and layer: latent + RoPE key (DeepSeek-V2 paper, eq. 9-10)."""
        return self.kv_lora_rank + self.qk_rope_head_dim if self.is_mla else 0

    @property
    def kv_elements_per_token_layer(self) -> tuple[int, int]:
        """(K, V) elements llama.cpp stores per token and layer.

        MLA: K holds latent + RoPE key (``n_embd_k_gqa`` = 576 for
        DeepSeek-V2) and V the latent (``n_embd_v_gqa`` = 512), as llama.cpp
        prints them (``print_info`` lines of a deepseek2 load log, e.g.
        github.com/ollama/ollama/issues/15855).  Otherwise ``kv_dim`` each.
        """
        if self.is_mla:
            return self.mla_latent_dim, self.kv_lora_rank
        return self.kv_dim, self.kv_dim

    # -- layers ------------------------------------------------------------------------
    @property
    def expert_width(self) -> int:
        """FFN width of one routed expert."""
        return self.expert_ffn_size or self.ffn_size

    def is_moe_layer(self, layer: int) -> bool:
        """True when *layer* has routed experts."""
        return self.n_experts > 0 and layer >= self.n_dense_layers

    def is_swa_layer(self, layer: int) -> bool:
        """True when *layer* attends through a sliding window (``hparams.is_swa``)."""
        if not self.sliding_window or not self.swa_pattern:
            return False
        return self.swa_pattern == 1 or (layer % self.swa_pattern) < self.swa_pattern - 1

    def as_dict(self) -> dict:
        """Plain JSON-able dict, with derived parameter counts."""
        from inferlab.catalog.tensors import count_active_params, count_params

        out = asdict(self)
        out["params"] = count_params(self)
        out["active_params"] = count_active_params(self)
        out["mla_latent_dim"] = self.mla_latent_dim
        return out


#: Shape keywords a caller may override (``quant_report(..., n_layers=48)``).
SHAPE_FIELDS = (
    "n_layers", "hidden_size", "ffn_size", "n_heads", "n_kv_heads", "head_dim",
    "vocab_size", "tied_embeddings", "max_ctx", "n_experts", "n_experts_used",
    "arch", "qkv_bias",
)
_BOOL_FIELDS = ("tied_embeddings", "qkv_bias")
_ZERO_OK = ("n_experts", "n_experts_used")


def validate_shape(shape: ModelShape) -> ModelShape:
    """*shape* when its numbers are consistent; InputError naming the first bad field."""
    for fld in ("n_layers", "hidden_size", "ffn_size", "n_heads", "n_kv_heads",
                "head_dim", "vocab_size", "max_ctx"):
        check_int(fld, getattr(shape, fld), low=1)
    for fld in ("n_experts", "n_experts_used", "expert_ffn_size", "n_shared_experts",
                "n_dense_layers", "kv_lora_rank", "sliding_window", "swa_pattern"):
        check_int(fld, getattr(shape, fld), low=0)
    check_choice("arch", shape.arch, ARCHITECTURES)
    if shape.n_heads % shape.n_kv_heads:
        raise InputError("n_kv_heads", shape.n_kv_heads, f"a divisor of n_heads={shape.n_heads}",
                         reason="does not divide n_heads")
    if shape.n_experts and not 1 <= shape.n_experts_used <= shape.n_experts:
        raise InputError("n_experts_used", shape.n_experts_used, f"1..n_experts={shape.n_experts}")
    if shape.n_experts_used and not shape.n_experts:
        raise InputError("n_experts_used", shape.n_experts_used, "0 for a dense model (n_experts = 0)")
    return shape


def apply_overrides(base: ModelShape, overrides: dict) -> ModelShape:
    """*base* with a caller's shape *overrides* (None values ignored); InputError for bad ones."""
    unknown = sorted(set(overrides) - set(SHAPE_FIELDS))
    if unknown:
        raise InputError(unknown[0], overrides[unknown[0]], ", ".join(SHAPE_FIELDS),
                         reason="is not a known shape field")
    given = {k: v for k, v in overrides.items() if v is not None}
    for key, value in given.items():
        if key in _BOOL_FIELDS:
            if not isinstance(value, bool):
                raise InputError(key, value, "true or false")
        elif key != "arch":
            given[key] = check_int(key, value, low=0 if key in _ZERO_OK else 1)
    if not given:
        return validate_shape(base)
    if "head_dim" not in given and ("hidden_size" in given or "n_heads" in given):
        hidden = given.get("hidden_size", base.hidden_size)
        heads = given.get("n_heads", base.n_heads)
        given["head_dim"] = max(1, int(hidden) // max(1, int(heads)))
    shape = replace(base, name=f"{base.name}+custom", display_name=f"{base.display_name} (custom)",
                    published_params=None, published_params_text="", **given)
    return validate_shape(shape)


def synthesize_shape(params: float) -> ModelShape:
    """A Llama-3-style dense shape with about *params* parameters.

    Rules (from the Llama 3 family configs): head_dim 128, 8 KV heads,
    FFN = 3.5 x hidden rounded to 256, 128,256-token vocabulary, untied.
    Layer count is picked so hidden/layers stays near Llama 3's 128.
    """
    if isinstance(params, bool) or not isinstance(params, (int, float)) or not math.isfinite(params):
        raise InputError("params", params, "a finite number from 1e8 to 2e12 (parameters)")
    if params < 1e8 or params > 2e12:
        raise InputError("params", params, "a number from 1e8 to 2e12 (parameters)")
    best: tuple[float, int, int, int, int] | None = None
    for hidden in range(1024, 32768 + 1, 1024):  # whole groups of 8 heads x 128
        heads = max(1, hidden // 128)
        ffn = int(round(3.5 * hidden / 256)) * 256
        per_layer = hidden * hidden * 2 + 2 * hidden * (min(8, heads) * 128) + 3 * hidden * ffn
        emb = 2 * 128256 * hidden
        layers = max(1, round((params - emb) / per_layer))
        total = layers * per_layer + emb
        err = abs(total - params) + abs(layers - hidden / 128) * per_layer * 0.25
        if best is None or err < best[0]:
            best = (err, hidden, heads, ffn, layers)
    assert best is not None  # the hidden-size range above is never empty
    _, hidden, heads, ffn, layers = best
    return ModelShape(
        name="custom", display_name=f"custom ~{params / 1e9:.3g}B", arch="llama",
        n_layers=layers, hidden_size=hidden, ffn_size=ffn, n_heads=heads,
        n_kv_heads=min(8, heads), head_dim=128 if heads > 1 else hidden,
        vocab_size=128256, tied_embeddings=False, max_ctx=131072, tokenizer="bpe",
        n_merges=280_147, source="synthesized from a parameter count (Llama 3 proportions)",
    )


__all__ = ["ARCHITECTURES", "ModelShape", "SHAPE_FIELDS", "TOKENIZERS", "apply_overrides",
           "synthesize_shape", "validate_shape"]
