"""Size of a quantized GGUF file: tensor data plus metadata.

Tensor data is exact given the per-tensor types (quant_recipes) and the
block layouts (ggml_types), each tensor padded to ``GGUF_DEFAULT_ALIGNMENT``
= 32 bytes (ggml/include/gguf.h).  The metadata (key/value header with the
tokenizer vocabulary, plus one tensor-info record per tensor; format in
ggml/docs/gguf.md) is an *estimate* from the vocabulary size; it is under
0.2 % of any preset's file.
"""

from dataclasses import dataclass

from inferlab.llamacpp.ggml_types import GGML_TYPES
from inferlab.catalog.models import ModelShape, TensorSpec, tensor_inventory
from inferlab.llamacpp.quant_recipes import assign_tensor_types, get_file_type

#: Tensor data alignment in a GGUF file, ``GGUF_DEFAULT_ALIGNMENT`` (ggml/include/gguf.h).
GGUF_ALIGNMENT = 32
#: Fixed GGUF header (magic, version, tensor and KV counts: 4+4+8+8 bytes, ggml/docs/gguf.md)
#: plus about 4 KiB of general/architecture key-value pairs (estimate).
HEADER_AND_KV_BYTES = 24 + 4096
#: Average UTF-8 length of a vocabulary entry (bytes).  Estimate calibrated on
#: TheBloke/Llama-2-7B-GGUF llama-2-7b.Q8_0.gguf (7,161,089,728 bytes, whose
#: tensor data is exactly computable): metadata = 741,056 bytes for 32,000 SPM tokens.
AVG_TOKEN_BYTES = {"spm": 6.5, "bpe": 6.6}
#: Average UTF-8 length of one BPE merge rule "a b" (estimate).
AVG_MERGE_BYTES = 12
#: Bytes of the GGUF string length prefix (uint64).
STR_PREFIX = 8


@dataclass(frozen=True)
class QuantizedTensor:
    """One tensor of the output file: its spec, chosen ggml type and bytes."""

    spec: TensorSpec
    ggml_type: str
    nbytes: int
    fell_back: bool


def metadata_bytes(shape: ModelShape, n_tensors: int) -> int:
    """Estimated bytes before the tensor data (header, KV pairs, tensor infos)."""
    v = shape.vocab_size
    tok = v * (STR_PREFIX + AVG_TOKEN_BYTES[shape.tokenizer]) + v * 4  # tokens + token_type i32
    if shape.tokenizer == "spm":
        tok += v * 4  # scores f32
    else:
        tok += shape.n_merges * (STR_PREFIX + AVG_MERGE_BYTES)
    # tensor info: name (prefix + ~24 chars) + n_dims u32 + up to 3 dims u64 + type u32 + offset u64
    infos = n_tensors * (STR_PREFIX + 24 + 4 + 3 * 8 + 4 + 8)
    raw = int(HEADER_AND_KV_BYTES + tok + infos)
    return -(-raw // GGUF_ALIGNMENT) * GGUF_ALIGNMENT


def quantize_tensors(shape: ModelShape, quant: str, imatrix: bool | None = None) -> list[QuantizedTensor]:
    """Every tensor of *shape* quantized as llama-quantize would for *quant*."""
    out = []
    for spec, tname, fell in assign_tensor_types(shape, tensor_inventory(shape), quant, imatrix):
        out.append(QuantizedTensor(spec, tname, GGML_TYPES[tname].tensor_bytes(spec.ne0, spec.n_rows), fell))
    return out


def padded(nbytes: int) -> int:
    """*nbytes* rounded up to the GGUF data alignment."""
    return -(-nbytes // GGUF_ALIGNMENT) * GGUF_ALIGNMENT


def file_summary(shape: ModelShape, quant: str, imatrix: bool | None = None,
                 tensors: list[QuantizedTensor] | None = None) -> dict:
    """Sizes of the GGUF file for *shape* at file type *quant* (all in bytes).

    Keys: ``params``, ``tensor_data_bytes`` (sum of tensor bytes, what
    llama.cpp prints as "model size"), ``metadata_bytes``, ``file_bytes``,
    ``bits_per_weight`` (file bytes x 8 / params),
    ``tensor_bits_per_weight`` (tensor data x 8 / params), ``by_type`` (per
    ggml type: tensors, params, bytes), ``fallback_tensors``.  *tensors* is
    ``quantize_tensors(shape, quant, imatrix)`` when the caller already has it.
    """
    ft = get_file_type(quant)
    if tensors is None:
        tensors = quantize_tensors(shape, ft.name, imatrix)
    params = sum(t.spec.n_elements for t in tensors)
    data = sum(t.nbytes for t in tensors)
    data_padded = sum(padded(t.nbytes) for t in tensors)
    meta = metadata_bytes(shape, len(tensors))
    by_type: dict[str, dict] = {}
    for t in tensors:
        row = by_type.setdefault(t.ggml_type, {"ggml_type": t.ggml_type, "tensors": 0,
                                               "params": 0, "bytes": 0})
        row["tensors"] += 1
        row["params"] += t.spec.n_elements
        row["bytes"] += t.nbytes
    breakdown = sorted(by_type.values(), key=lambda r: -r["bytes"])
    for row in breakdown:
        row["bits_per_weight"] = GGML_TYPES[row["ggml_type"]].bits_per_weight
        row["share_of_params"] = row["params"] / params
    return {
        "quant": ft.name,
        "default_type": ft.default_type,
        "imatrix": ft.needs_imatrix if imatrix is None else bool(imatrix),
        "params": params,
        "tensor_data_bytes": data,
        "metadata_bytes": meta,
        "file_bytes": meta + data_padded,
        "bits_per_weight": 8.0 * (meta + data_padded) / params,
        "tensor_bits_per_weight": 8.0 * data / params,
        "by_type": breakdown,
        "fallback_tensors": [t.spec.name for t in tensors if t.fell_back],
        "n_tensors": len(tensors),
    }


def layer_bytes(tensors: list[QuantizedTensor], n_layers: int) -> list[int]:
    """Tensor bytes of each repeating block, index = block number."""
    out = [0] * n_layers
    for t in tensors:
        if t.spec.layer >= 0:
            out[t.spec.layer] += t.nbytes
    return out


def tensor_table(tensors: list[QuantizedTensor]) -> list[dict]:
    """Per-tensor rows (name, type, shape, bytes) as plain dicts."""
    return [{"name": t.spec.name, "ggml_type": t.ggml_type, "ne0": t.spec.ne0,
             "n_rows": t.spec.n_rows, "params": t.spec.n_elements, "bytes": t.nbytes,
             "fell_back": t.fell_back} for t in tensors]
