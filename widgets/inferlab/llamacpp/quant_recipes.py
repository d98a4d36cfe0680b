"""llama.cpp file types ("Q4_K_M" ...) and the per-tensor type each one picks.

A GGUF "Q4_K_M" file is a *mix*: llama-quantize chooses a ggml type for
every tensor.  This module re-implements that choice from the logic of
``llama_tensor_get_type`` / ``llama_tensor_get_type_impl`` /
``tensor_type_fallback`` / ``llama_ftype_get_default_type`` in
src/llama-quant.cpp (github.com/ggml-org/llama.cpp, master 2025), written
from scratch in Python.  Falcon-specific branches are omitted (no Falcon
preset); everything else that our architectures can reach is modelled:

* output.weight (and token_embd when embeddings are tied) -> Q6_K, or Q5_K
  for the 1-2 bit i-quant files, Q8_0 when the row does not fit the block;
* attn_v / attn_qkv and ffn_down get more bits in some layers
  (``use_more_bits``: first and last eighth, and every third layer between);
* 8-expert MoE models keep attn_k / attn_v at Q8_0;
* 70B-class Llama (80 layers, GQA) bumps attn_v from Q3_K/Q4_K to Q5_K;
* tensors whose row length is not a multiple of the block size fall back
  (Q4_K -> Q5_0, Q6_K -> Q8_0, IQ* -> IQ4_NL, ...), then to F16;
* 1-D tensors (norms, biases) and the MoE router are never quantized.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from inferlab.llamacpp.ggml_types import GGML_TYPES, ggml_type
from inferlab.catalog.models import ModelShape, TensorSpec
from inferlab.inputs import check_choice


@dataclass(frozen=True)
class FileType:
    """One llama-quantize target (``LLAMA_FTYPE_*``).

    ``default_type`` is ``llama_ftype_get_default_type``; ``needs_imatrix`` is
    True when llama-quantize refuses to run without an importance matrix
    (``tensor_requires_imatrix`` in src/llama-quant.cpp).
    """

    name: str
    default_type: str
    description: str
    needs_imatrix: bool = False


# Names and default types: QUANT_OPTIONS in tools/quantize/quantize.cpp and
# llama_ftype_get_default_type in src/llama-quant.cpp.
_FILE_TYPES = (
    FileType("F32", "F32", "32-bit float, no quantization"),
    FileType("F16", "F16", "16-bit float"),
    FileType("BF16", "BF16", "bfloat16"),
    FileType("Q8_0", "Q8_0", "8-bit, block 32"),
    FileType("Q6_K", "Q6_K", "6-bit k-quant"),
    FileType("Q5_K_M", "Q5_K", "5-bit k-quant, Q6_K for some attn_v/ffn_down"),
    FileType("Q5_K_S", "Q5_K", "5-bit k-quant"),
    FileType("Q5_1", "Q5_1", "5-bit legacy with min, block 32"),
    FileType("Q5_0", "Q5_0", "5-bit legacy, block 32"),
    FileType("Q4_K_M", "Q4_K", "4-bit k-quant, Q6_K for half of attn_v/ffn_down"),
    FileType("Q4_K_S", "Q4_K", "4-bit k-quant, Q5_K for first attn_v/ffn_down"),
    FileType("Q4_1", "Q4_1", "4-bit legacy with min, block 32"),
    FileType("Q4_0", "Q4_0", "4-bit legacy, block 32"),
    FileType("Q3_K_L", "Q3_K", "3-bit k-quant, Q5_K attn_v/attn_output/ffn_down"),
    FileType("Q3_K_M", "Q3_K", "3-bit k-quant, Q4_K/Q5_K attn_v/attn_output/ffn_down"),
    FileType("Q3_K_S", "Q3_K", "3-bit k-quant"),
    FileType("Q2_K", "Q2_K", "2-bit k-quant, Q3_K/Q4_K attn_v/ffn_down"),
    FileType("Q2_K_S", "Q2_K", "2-bit k-quant, small", needs_imatrix=True),
    FileType("IQ4_XS", "IQ4_XS", "4.25 bpw non-linear"),
    FileType("IQ4_NL", "IQ4_NL", "4.5 bpw non-linear, block 32"),
    FileType("IQ3_M", "IQ3_S", "3.66 bpw i-quant mix"),
    FileType("IQ3_S", "IQ3_S", "3.44 bpw i-quant"),
    FileType("IQ3_XS", "IQ3_S", "3.3 bpw i-quant mix"),
    FileType("IQ3_XXS", "IQ3_XXS", "3.06 bpw i-quant", needs_imatrix=True),
    FileType("IQ2_M", "IQ2_S", "2.7 bpw i-quant", needs_imatrix=True),
    FileType("IQ2_S", "IQ2_XS", "2.5 bpw i-quant", needs_imatrix=True),
    FileType("IQ2_XS", "IQ2_XS", "2.31 bpw i-quant", needs_imatrix=True),
    FileType("IQ2_XXS", "IQ2_XXS", "2.06 bpw i-quant", needs_imatrix=True),
    FileType("IQ1_M", "IQ1_M", "1.75 bpw i-quant", needs_imatrix=True),
    FileType("IQ1_S", "IQ1_S", "1.56 bpw i-quant", needs_imatrix=True),
)

FILE_TYPES: dict[str, FileType] = {f.name: f for f in _FILE_TYPES}
#: Aliases accepted by llama-quantize (QUANT_OPTIONS in tools/quantize/quantize.cpp).
ALIASES = {"Q3_K": "Q3_K_M", "Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M"}

# ftype groups used by several branches of llama_tensor_get_type_impl.
_LOW_BIT_IQ = {"IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ1_S", "IQ1_M"}
_OUTPUT_Q5K = {"IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ2_S", "IQ2_M", "IQ1_M"}
_MOE8_ATTN_OUT_Q5K = {"Q2_K", "IQ3_XS", "IQ3_XXS", "Q3_K_S", "Q3_K_M", "IQ4_NL", "Q4_K_S",
                      "Q4_K_M", "IQ3_S", "IQ3_M", "IQ4_XS"}
# tensor_type_fallback: replacement when ncols % block_size != 0.
_FALLBACK = {
    "IQ1_S": "IQ4_NL", "IQ1_M": "IQ4_NL", "IQ2_XXS": "IQ4_NL", "IQ2_XS": "IQ4_NL",
    "IQ2_S": "IQ4_NL", "IQ3_XXS": "IQ4_NL", "IQ3_S": "IQ4_NL", "IQ4_XS": "IQ4_NL",
    "Q2_K": "Q4_0", "Q3_K": "Q4_0", "Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0",
}


def get_file_type(name: str) -> FileType:
    """File type by name (case-insensitive, llama-quantize aliases accepted)."""
    key = str(name).upper()
    key = ALIASES.get(key, key)
    check_choice("quant", key, list(FILE_TYPES))
    return FILE_TYPES[key]


def use_more_bits(i_layer: int, n_layers: int) -> bool:
    """llama.cpp's ``use_more_bits``: first/last eighth and every third layer between."""
    return (i_layer < n_layers // 8 or i_layer >= 7 * n_layers // 8
            or (i_layer - n_layers // 8) % 3 == 2)


class _Counters:
    """The running tensor counters of ``quantize_state_impl``."""

    def __init__(self, tensors: Sequence[TensorSpec], n_layers: int):
        self.n_attention_wv = sum(1 for t in tensors if t.category in ("attn_v", "attn_qkv"))
        self.n_layers = n_layers
        self.i_attention_wv = 0
        self.i_ffn_down = 0
        self.i_ffn_gate = 0
        self.i_ffn_up = 0


def _recipe_type(shape: ModelShape, ft: FileType, t: TensorSpec, qs: _Counters,
                 imatrix: bool) -> str:
    """``llama_tensor_get_type_impl``: the mixture rule for one tensor."""
    name, cat, new = ft.name, t.category, ft.default_type
    gqa, n_exp = shape.n_gqa, shape.n_experts
    n_layer = qs.n_layers
    tied = shape.tied_embeddings
    if cat == "output" or (tied and cat == "token_embd"):
        if t.ne0 % ggml_type(new).block_size:
            return "Q8_0"
        if name in _OUTPUT_Q5K:
            return "Q5_K"
        return "Q6_K" if new != "Q8_0" else new
    if cat == "token_embd":
        if name in ("IQ2_XXS", "IQ2_XS", "IQ1_S", "IQ1_M"):
            return "Q2_K"
        if name in ("IQ2_S", "IQ2_M", "IQ3_XXS"):
            return "IQ3_S"
        return new
    is_v = cat in ("attn_v", "attn_qkv")
    if name in _LOW_BIT_IQ:
        if is_v:
            qs.i_attention_wv += 1
            if gqa >= 4 or n_exp >= 4:
                return "Q4_K"
            return "IQ3_S" if name in ("IQ2_S", "IQ2_M") else "Q2_K"
        if n_exp == 8 and cat == "attn_k":
            return "Q4_K"
        if cat == "ffn_down":
            i = qs.i_ffn_down
            qs.i_ffn_down += 1
            if i < n_layer // 8:
                return "IQ3_S" if name in ("IQ2_S", "IQ2_M") else "Q2_K"
            return new
        if cat == "attn_output":
            if n_exp == 8:
                return "Q5_K"
            if name in ("IQ1_S", "IQ1_M"):
                return "IQ2_XXS"
            if name in ("IQ2_S", "IQ2_M"):
                return "IQ3_S"
        return new
    if is_v:
        i = qs.i_attention_wv
        if name == "Q2_K":
            new = "Q4_K" if gqa >= 4 else "Q3_K"
        elif name == "Q2_K_S" and gqa >= 4:
            new = "Q4_K"
        elif name == "IQ3_XXS":
            new = "Q4_K" if gqa >= 4 else ("IQ3_S" if not imatrix else "IQ3_XXS")
        elif name in ("IQ3_XS", "IQ3_S") and gqa >= 4:
            new = "Q4_K"
        elif name == "IQ3_M":
            new = "Q4_K"
        elif name == "Q3_K_M":
            new = "Q5_K" if i < 2 else "Q4_K"
        elif name == "Q3_K_L":
            new = "Q5_K"
        elif name in ("IQ4_NL", "IQ4_XS") and gqa >= 4:
            new = "Q5_K"
        elif name in ("Q4_K_M", "Q5_K_M") and use_more_bits(i, qs.n_attention_wv):
            new = "Q6_K"
        elif name == "Q4_K_S" and i < 4:
            new = "Q5_K"
        if shape.is_70b_class and new in ("Q3_K", "Q4_K"):
            new = "Q5_K"
        if n_exp == 8:
            new = "Q8_0"
        qs.i_attention_wv += 1
        return new
    if cat == "attn_k":
        if n_exp == 8:
            return "Q8_0"
        if name == "IQ3_XS":
            return "IQ3_XXS"
        if name == "IQ3_XXS":
            return "IQ2_S"
        return new
    if cat == "attn_q":
        if name == "IQ3_XS":
            return "IQ3_XXS"
        if name == "IQ3_XXS":
            return "IQ2_S"
        return new
    if cat == "ffn_down":
        i = t.layer if n_exp > 1 else qs.i_ffn_down
        qs.i_ffn_down += 1
        if name == "Q2_K":
            return "Q3_K"
        if name == "Q2_K_S":
            return "Q4_K" if i < n_layer // 8 else new
        if name == "IQ3_XXS" and not imatrix:
            return "Q4_K" if i < n_layer // 8 else "Q3_K"
        if name == "Q3_K_M":
            return "Q5_K" if i < n_layer // 16 else "Q4_K"
        if name == "IQ3_M" and (i < n_layer // 8 or (n_exp == 8 and use_more_bits(i, n_layer))):
            return "Q4_K"
        if name == "Q3_K_L":
            return "Q5_K"
        if name == "Q4_K_M":
            return "Q6_K" if use_more_bits(i, n_layer) else new
        if i < n_layer // 8 and name in ("IQ4_NL", "IQ4_XS") and not imatrix:
            return "Q5_K"
        if name == "Q5_K_M" and use_more_bits(i, n_layer):
            return "Q6_K"
        if name == "Q4_K_S" and i < n_layer // 8:
            return "Q5_K"
        if name in ("Q4_0", "Q5_0") and imatrix and i < n_layer // 8:
            return "Q4_1" if name == "Q4_0" else "Q5_1"
        return new
    if cat == "attn_output":
        if n_exp == 8:
            return "Q5_K" if name in _MOE8_ATTN_OUT_Q5K else new
        return {"Q2_K": "Q3_K", "IQ3_XXS": "IQ3_S", "Q3_K_M": "Q4_K",
                "Q3_K_L": "Q5_K", "IQ3_M": "Q4_K"}.get(name, new)
    if cat in ("ffn_gate", "ffn_up"):
        i = t.layer if n_exp > 1 else (qs.i_ffn_gate if cat == "ffn_gate" else qs.i_ffn_up)
        if cat == "ffn_gate":
            qs.i_ffn_gate += 1
        else:
            qs.i_ffn_up += 1
        if name == "IQ3_XS" and n_layer // 8 <= i < 7 * n_layer // 8:
            return "IQ3_XXS"
    return new


def _fallback(t: TensorSpec, chosen: str) -> tuple[str, bool]:
    """``tensor_type_fallback``: (type, fell_back) for rows not fitting the block."""
    if t.ne0 % GGML_TYPES[chosen].block_size == 0:
        return chosen, False
    repl = _FALLBACK.get(chosen)
    if repl is None or t.ne0 % GGML_TYPES[repl].block_size:
        return "F16", True
    return repl, True


def assign_tensor_types(shape: ModelShape, tensors: Sequence[TensorSpec], quant: str,
                        imatrix: bool | None = None) -> list[tuple[TensorSpec, str, bool]]:
    """Pick the ggml type of every tensor for file type *quant*.

    Returns ``(tensor, ggml_type_name, fell_back)`` in file order.  *imatrix*
    None means "as llama-quantize must be run": True for the file types that
    require an importance matrix, False otherwise.
    """
    ft = get_file_type(quant)
    if imatrix is None:
        imatrix = ft.needs_imatrix
    qs = _Counters(tensors, shape.n_layers)
    quantized_default = ggml_type(ft.default_type).is_quantized
    out = []
    for t in tensors:
        if not t.quantizable:
            out.append((t, t.source_type, False))
            continue
        if not quantized_default:
            out.append((t, ft.default_type, False))
            continue
        chosen = _recipe_type(shape, ft, t, qs, imatrix)
        chosen, fell_back = _fallback(t, chosen)
        out.append((t, chosen, fell_back))
    return out


def list_file_types() -> list[dict]:
    """Every file type as a plain dict, highest precision first."""
    return [{"name": f.name, "default_type": f.default_type,
             "default_type_bits_per_weight": GGML_TYPES[f.default_type].bits_per_weight,
             "description": f.description, "needs_imatrix": f.needs_imatrix}
            for f in _FILE_TYPES]
