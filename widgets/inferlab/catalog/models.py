"""Model architectures: presets with their real shapes, custom shapes, the
GGUF tensor inventory a shape implies, and parameter counts.

Every preset cites the Hugging Face ``config.json`` its numbers come from.
Parameter counts are *derived* from the shape (the tensor inventory below)
and checked in the tests against the published totals.

Tensor names and shapes follow llama.cpp's GGUF naming (``token_embd``,
``blk.N.attn_q`` ...; see src/llama-arch.cpp), with ``ne0`` the row length
(input dimension) as ggml stores it.
"""

import functools
import math
from dataclasses import asdict, dataclass, replace

from inferlab.inputs import check_choice, check_int

#: Architectures whose GGUF tensor layout this module knows.
ARCHITECTURES = ("llama", "qwen2", "gemma2", "phi3")
#: Tokenizer kinds (drive the metadata-size estimate in gguf_file).
TOKENIZERS = ("spm", "bpe")


@dataclass(frozen=True)
class ModelShape:
    """The architecture numbers that decide tensor shapes.

    Sizes are element counts; ``max_ctx`` is tokens (the trained context).
    ``n_experts`` is 0 for dense models.
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
    qkv_bias: bool = False
    tokenizer: str = "spm"
    n_merges: int = 0
    published_params: int | None = None
    source: str = ""
    is_70b_class: bool = False
    notes: str = ""

    @property
    def n_gqa(self) -> int:
        """Query heads per KV head (``hparams.n_gqa()`` in llama.cpp)."""
        return self.n_heads // self.n_kv_heads

    @property
    def q_dim(self) -> int:
        """Width of the concatenated query heads (elements)."""
        return self.n_heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        """Width of the concatenated K (or V) heads (elements)."""
        return self.n_kv_heads * self.head_dim

    def as_dict(self) -> dict:
        """Plain JSON-able dict, with derived parameter counts."""
        out = asdict(self)
        out["params"] = count_params(self)
        out["active_params"] = count_active_params(self)
        return out


@dataclass(frozen=True)
class TensorSpec:
    """One GGUF tensor: ``ne0`` weights per row, ``n_rows`` rows in total.

    ``layer`` is -1 for tensors outside the repeating blocks.
    ``category`` mirrors llama.cpp's ``tensor_category`` (src/llama-quant.cpp).
    ``quantizable`` is False for tensors llama-quantize leaves alone (1-D
    norms and biases, MoE router ``ffn_gate_inp``).
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


# --------------------------------------------------------------------------
# Presets.  Each row: HF config.json hidden_size / intermediate_size /
# num_hidden_layers / num_attention_heads / num_key_value_heads / vocab_size /
# tie_word_embeddings / max_position_embeddings.  published_params is the
# count shown on the model card or the HF safetensors index.
# --------------------------------------------------------------------------
def _preset(**kw) -> ModelShape:
    kw.setdefault("head_dim", kw["hidden_size"] // kw["n_heads"])
    return ModelShape(**kw)


_PRESETS = (
    # huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json
    _preset(name="llama-2-7b", display_name="Llama 2 7B", arch="llama", n_layers=32,
            hidden_size=4096, ffn_size=11008, n_heads=32, n_kv_heads=32, vocab_size=32000,
            tied_embeddings=False, max_ctx=4096, published_params=6_738_415_616,
            source="https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json"),
    # huggingface.co/meta-llama/Llama-2-13b-hf/blob/main/config.json
    _preset(name="llama-2-13b", display_name="Llama 2 13B", arch="llama", n_layers=40,
            hidden_size=5120, ffn_size=13824, n_heads=40, n_kv_heads=40, vocab_size=32000,
            tied_embeddings=False, max_ctx=4096, published_params=13_015_864_320,
            source="https://huggingface.co/meta-llama/Llama-2-13b-hf/blob/main/config.json"),
    # huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json (GQA, 8 KV heads)
    _preset(name="llama-2-70b", display_name="Llama 2 70B", arch="llama", n_layers=80,
            hidden_size=8192, ffn_size=28672, n_heads=64, n_kv_heads=8, vocab_size=32000,
            tied_embeddings=False, max_ctx=4096, published_params=68_976_648_192,
            is_70b_class=True,
            source="https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json"),
    # huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json; tokenizer.json has
    # 280,147 BPE merges
    _preset(name="llama-3-8b", display_name="Llama 3 8B", arch="llama", n_layers=32,
            hidden_size=4096, ffn_size=14336, n_heads=32, n_kv_heads=8, vocab_size=128256,
            tied_embeddings=False, max_ctx=8192, tokenizer="bpe", n_merges=280_147,
            published_params=8_030_261_248,
            source="https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json"),
    # huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json (same shape, 128K context)
    _preset(name="llama-3.1-8b", display_name="Llama 3.1 8B", arch="llama", n_layers=32,
            hidden_size=4096, ffn_size=14336, n_heads=32, n_kv_heads=8, vocab_size=128256,
            tied_embeddings=False, max_ctx=131072, tokenizer="bpe", n_merges=280_147,
            published_params=8_030_261_248,
            source="https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json"),
    # huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json
    _preset(name="llama-3-70b", display_name="Llama 3 70B", arch="llama", n_layers=80,
            hidden_size=8192, ffn_size=28672, n_heads=64, n_kv_heads=8, vocab_size=128256,
            tied_embeddings=False, max_ctx=8192, tokenizer="bpe", n_merges=280_147,
            published_params=70_553_706_496, is_70b_class=True,
            source="https://huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json"),
    # huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json (sliding_window 4096 is
    # not used by llama.cpp's llama graph, so the KV cache spans the full context)
    _preset(name="mistral-7b", display_name="Mistral 7B v0.1", arch="llama", n_layers=32,
            hidden_size=4096, ffn_size=14336, n_heads=32, n_kv_heads=8, vocab_size=32000,
            tied_embeddings=False, max_ctx=32768, published_params=7_241_732_096,
            source="https://huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json"),
    # huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json (8 experts, 2 active)
    _preset(name="mixtral-8x7b", display_name="Mixtral 8x7B", arch="llama", n_layers=32,
            hidden_size=4096, ffn_size=14336, n_heads=32, n_kv_heads=8, vocab_size=32000,
            tied_embeddings=False, max_ctx=32768, n_experts=8, n_experts_used=2,
            published_params=46_702_792_704,
            source="https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json"),
    # huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json -- hidden 896 is not a multiple of
    # 256, so k-quants fall back to legacy types (llama-quant.cpp tensor_type_fallback)
    _preset(name="qwen2.5-0.5b", display_name="Qwen2.5 0.5B", arch="qwen2", n_layers=24,
            hidden_size=896, ffn_size=4864, n_heads=14, n_kv_heads=2, vocab_size=151936,
            tied_embeddings=True, max_ctx=32768, qkv_bias=True, tokenizer="bpe",
            n_merges=151_387, published_params=494_032_768,
            source="https://huggingface.co/Qwen/Qwen2.5-0.5B/blob/main/config.json"),
    # huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json (32,768 native context)
    _preset(name="qwen2.5-7b", display_name="Qwen2.5 7B", arch="qwen2", n_layers=28,
            hidden_size=3584, ffn_size=18944, n_heads=28, n_kv_heads=4, vocab_size=152064,
            tied_embeddings=False, max_ctx=32768, qkv_bias=True, tokenizer="bpe",
            n_merges=151_387, published_params=7_615_616_512,
            source="https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json"),
    # huggingface.co/Qwen/Qwen2.5-32B-Instruct/blob/main/config.json
    _preset(name="qwen2.5-32b", display_name="Qwen2.5 32B", arch="qwen2", n_layers=64,
            hidden_size=5120, ffn_size=27648, n_heads=40, n_kv_heads=8, vocab_size=152064,
            tied_embeddings=False, max_ctx=32768, qkv_bias=True, tokenizer="bpe",
            n_merges=151_387, published_params=32_763_876_352,
            source="https://huggingface.co/Qwen/Qwen2.5-32B-Instruct/blob/main/config.json"),
    # huggingface.co/google/gemma-2-9b/blob/main/config.json (head_dim 256, tied embeddings,
    # extra post-attention / post-FFN norms)
    _preset(name="gemma-2-9b", display_name="Gemma 2 9B", arch="gemma2", n_layers=42,
            hidden_size=3584, ffn_size=14336, n_heads=16, n_kv_heads=8, head_dim=256,
            vocab_size=256000, tied_embeddings=True, max_ctx=8192,
            published_params=9_241_705_984,
            notes="llama.cpp allocates a full-length KV cache for the sliding-window layers "
                  "unless its SWA cache is enabled; this calculator assumes the full cache.",
            source="https://huggingface.co/google/gemma-2-9b/blob/main/config.json"),
    # huggingface.co/microsoft/Phi-3-mini-4k-instruct/blob/main/config.json (fused qkv and
    # gate_up projections)
    _preset(name="phi-3-mini", display_name="Phi-3 mini 4k", arch="phi3", n_layers=32,
            hidden_size=3072, ffn_size=8192, n_heads=32, n_kv_heads=32, vocab_size=32064,
            tied_embeddings=False, max_ctx=4096, published_params=3_821_079_552,
            source="https://huggingface.co/microsoft/Phi-3-mini-4k-instruct/blob/main/config.json"),
)

PRESETS: dict[str, ModelShape] = {p.name: p for p in _PRESETS}

#: Shape keywords a caller may override (``quant_report(..., n_layers=48)``).
SHAPE_FIELDS = (
    "n_layers", "hidden_size", "ffn_size", "n_heads", "n_kv_heads", "head_dim",
    "vocab_size", "tied_embeddings", "max_ctx", "n_experts", "n_experts_used",
    "arch", "qkv_bias",
)


def get_preset(name: str) -> ModelShape:
    """Preset by name (case-insensitive); ValueError lists the allowed names."""
    key = check_choice("model", str(name).lower(), list(PRESETS))
    return PRESETS[key]


def _validate_shape(shape: ModelShape) -> ModelShape:
    for fld in ("n_layers", "hidden_size", "ffn_size", "n_heads", "n_kv_heads",
                "head_dim", "vocab_size", "max_ctx"):
        check_int(fld, getattr(shape, fld), low=1)
    check_int("n_experts", shape.n_experts, low=0)
    check_int("n_experts_used", shape.n_experts_used, low=0)
    check_choice("arch", shape.arch, ARCHITECTURES)
    if shape.n_heads % shape.n_kv_heads:
        raise ValueError(
            f"n_kv_heads: {shape.n_kv_heads} must divide n_heads={shape.n_heads}"
        )
    if shape.n_experts and not 1 <= shape.n_experts_used <= shape.n_experts:
        raise ValueError(
            f"n_experts_used: {shape.n_experts_used}; allowed: 1..n_experts={shape.n_experts}"
        )
    return shape


def build_shape(model: str = "llama-3-8b", params: float | None = None, **overrides) -> ModelShape:
    """Resolve a preset (or ``"custom"``) plus shape overrides into a ModelShape.

    ``params`` (a parameter count) synthesizes a Llama-3-style dense shape of
    about that size; explicit overrides win over both.  Unknown override
    names raise ValueError.
    """
    unknown = sorted(set(overrides) - set(SHAPE_FIELDS))
    if unknown:
        raise ValueError(
            f"{unknown[0]}: unknown shape field; allowed: {', '.join(SHAPE_FIELDS)}"
        )
    overrides = {k: v for k, v in overrides.items() if v is not None}
    for key, value in overrides.items():
        if key in ("tied_embeddings", "qkv_bias"):
            if not isinstance(value, bool):
                raise ValueError(f"{key}: {value!r}; allowed: true or false")
        elif key != "arch":
            overrides[key] = check_int(key, value, low=0 if key.startswith("n_experts") else 1)
    if str(model).lower() == "custom" or params is not None:
        base = synthesize_shape(params if params is not None else 7e9)
        if str(model).lower() != "custom":
            get_preset(model)  # still reject unknown names
    else:
        base = get_preset(model)
    if not overrides:
        return _validate_shape(base)
    if "head_dim" not in overrides and ("hidden_size" in overrides or "n_heads" in overrides):
        hidden = overrides.get("hidden_size", base.hidden_size)
        heads = overrides.get("n_heads", base.n_heads)
        overrides["head_dim"] = max(1, int(hidden) // max(1, int(heads)))
    shape = replace(base, name=f"{base.name}+custom", display_name=f"{base.display_name} (custom)",
                    published_params=None, **overrides)
    return _validate_shape(shape)


def synthesize_shape(params: float) -> ModelShape:
    """A Llama-3-style dense shape with about *params* parameters.

    Rules (from the Llama 3 family configs): head_dim 128, 8 KV heads,
    FFN = 3.5 x hidden rounded to 256, 128,256-token vocabulary, untied.
    Layer count is picked so hidden/layers stays near Llama 3's 128.
    """
    if isinstance(params, bool) or not isinstance(params, (int, float)) or not math.isfinite(params):
        raise ValueError(f"params: {params!r}; allowed: a finite number > 1e8")
    if params < 1e8 or params > 2e12:
        raise ValueError(f"params: {params!r}; allowed: 1e8..2e12")
    best = None
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
    assert best is not None  # the candidate list is never empty
    _, hidden, heads, ffn, layers = best
    return ModelShape(
        name="custom", display_name=f"custom ~{params / 1e9:.3g}B", arch="llama",
        n_layers=layers, hidden_size=hidden, ffn_size=ffn, n_heads=heads,
        n_kv_heads=min(8, heads), head_dim=128 if heads > 1 else hidden,
        vocab_size=128256, tied_embeddings=False, max_ctx=131072, tokenizer="bpe",
        n_merges=280_147, source="synthesized from a parameter count (Llama 3 proportions)",
    )


@functools.lru_cache(maxsize=64)
def tensor_inventory(shape: ModelShape) -> tuple[TensorSpec, ...]:
    """Every tensor of the GGUF file, in llama-quantize's processing order.

    llama.cpp's model loader keeps tensors in a map ordered by block number,
    then by name (``weight_name_comparer`` in src/llama-model-loader.h), which
    is the order the per-tensor type choice sees them in.  Cached per shape
    (shapes and tensors are frozen): comparing all file types reuses one list.
    """
    d, ff, L = shape.hidden_size, shape.ffn_size, shape.n_layers
    out = [TensorSpec("token_embd.weight", "token_embd", -1, d, shape.vocab_size),
           TensorSpec("output_norm.weight", "other", -1, d, 1, quantizable=False, source_type="F32")]
    if not shape.tied_embeddings:
        out.append(TensorSpec("output.weight", "output", -1, d, shape.vocab_size))
    for i in range(L):
        out.extend(_layer_tensors(shape, i, d, ff))
    return tuple(sorted(out, key=lambda t: (t.layer, t.name)))


def _layer_tensors(shape: ModelShape, i: int, d: int, ff: int) -> list[TensorSpec]:
    p = f"blk.{i}."

    def norm(name: str, n: int = d) -> TensorSpec:
        return TensorSpec(p + name, "other", i, n, 1, quantizable=False, source_type="F32")

    ts = [norm("attn_norm.weight"), norm("ffn_norm.weight")]
    if shape.arch == "gemma2":
        ts += [norm("post_attention_norm.weight"), norm("post_ffw_norm.weight")]
    if shape.arch == "phi3":
        ts.append(TensorSpec(p + "attn_qkv.weight", "attn_qkv", i, d, shape.q_dim + 2 * shape.kv_dim))
    else:
        ts += [TensorSpec(p + "attn_q.weight", "attn_q", i, d, shape.q_dim),
               TensorSpec(p + "attn_k.weight", "attn_k", i, d, shape.kv_dim),
               TensorSpec(p + "attn_v.weight", "attn_v", i, d, shape.kv_dim)]
    if shape.qkv_bias:
        ts += [norm("attn_q.bias", shape.q_dim), norm("attn_k.bias", shape.kv_dim),
               norm("attn_v.bias", shape.kv_dim)]
    ts.append(TensorSpec(p + "attn_output.weight", "attn_output", i, shape.q_dim, d))
    if shape.n_experts:
        e = shape.n_experts
        ts += [TensorSpec(p + "ffn_gate_inp.weight", "other", i, d, e, quantizable=False,
                          source_type="F32"),
               TensorSpec(p + "ffn_gate_exps.weight", "ffn_gate", i, d, ff * e, n_expert=e),
               TensorSpec(p + "ffn_up_exps.weight", "ffn_up", i, d, ff * e, n_expert=e),
               TensorSpec(p + "ffn_down_exps.weight", "ffn_down", i, ff, d * e, n_expert=e)]
    elif shape.arch == "phi3":
        ts += [TensorSpec(p + "ffn_up.weight", "ffn_up", i, d, 2 * ff),
               TensorSpec(p + "ffn_down.weight", "ffn_down", i, ff, d)]
    else:
        ts += [TensorSpec(p + "ffn_gate.weight", "ffn_gate", i, d, ff),
               TensorSpec(p + "ffn_up.weight", "ffn_up", i, d, ff),
               TensorSpec(p + "ffn_down.weight", "ffn_down", i, ff, d)]
    return ts


def count_params(shape: ModelShape) -> int:
    """Total parameters (elements of every tensor, tied embeddings counted once)."""
    return sum(t.n_elements for t in tensor_inventory(shape))


def count_active_params(shape: ModelShape) -> int:
    """Parameters used per token: for MoE only ``n_experts_used`` experts count."""
    total = 0
    for t in tensor_inventory(shape):
        if t.n_expert > 1:
            total += t.n_elements * shape.n_experts_used // t.n_expert
        else:
            total += t.n_elements
    return total


def layer_params(shape: ModelShape) -> int:
    """Parameters of one repeating block (elements)."""
    return sum(t.n_elements for t in tensor_inventory(shape) if t.layer == 0)


def list_models() -> list[dict]:
    """Every preset as a plain dict (what ``inferlab models`` prints)."""
    rows = []
    for p in _PRESETS:
        rows.append({
            "name": p.name, "display_name": p.display_name, "arch": p.arch,
            "params": count_params(p), "active_params": count_active_params(p),
            "published_params": p.published_params, "n_layers": p.n_layers,
            "hidden_size": p.hidden_size, "ffn_size": p.ffn_size, "n_heads": p.n_heads,
            "n_kv_heads": p.n_kv_heads, "head_dim": p.head_dim, "vocab_size": p.vocab_size,
            "tied_embeddings": p.tied_embeddings, "n_experts": p.n_experts,
            "n_experts_used": p.n_experts_used, "max_ctx": p.max_ctx, "source": p.source,
        })
    return rows


__all__ = [
    "ARCHITECTURES", "ModelShape", "PRESETS", "SHAPE_FIELDS", "TensorSpec", "build_shape",
    "count_active_params", "count_params", "get_preset", "layer_params", "list_models",
    "synthesize_shape", "tensor_inventory",
]
