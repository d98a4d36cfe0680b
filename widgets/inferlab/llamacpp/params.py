"""The calculator's inputs, declared once.

Every input of :mod:`inferlab.llamacpp.calculator` is a :class:`~inferlab.inputs.Param`
here -- name, kind, default, unit, range or choices, label, help and where
its default comes from.  The calculator validates with them; the CLI flags,
widget controls and option tables are generated from them.  Defaults that
mirror llama.cpp cite common/common.h (``common_params``) or
common/arg.cpp.
"""

from __future__ import annotations

from typing import Any

from inferlab.catalog import choices
from inferlab.inputs import Param, Params

LLAMA_COMMON_H = "llama.cpp common/common.h (common_params defaults)"


def _kv_types() -> list[str]:
    from inferlab.llamacpp.kv_cache import KV_TYPES

    return list(KV_TYPES)


PARAMS = Params((
    Param("model", "choice", "llama-3-8b", "Model", choices=choices.models_and_custom, labels=choices.model_labels,
          help="preset name, or 'custom' with a parameter count and shape overrides",
          source="inferlab.catalog.model_presets (cited Hugging Face configs)"),
    Param("params", "float", None, "Parameters", unit="parameters", low=1e8, high=2e12,
          optional=True, none_means="the preset's own", suffixes=True, control="text",
          help="custom model: total parameter count, e.g. 70B (a Llama-3-style shape is derived)"),
    Param("quant", "choice", "Q4_K_M", "Quantization", choices=choices.file_types_and_aliases,
          help="llama-quantize file type", source="tools/quantize/quantize.cpp QUANT_OPTIONS"),
    Param("imatrix", "bool", None, "Importance matrix", optional=True,
          none_means="only where llama-quantize requires one",
          help="assume the file was quantized with an importance matrix"),
    Param("ctx", "int", 4096, "Context", unit="tokens", low=1, high=10_000_000, suffixes="binary",
          optional=True, none_means="the model's trained context, reduced by --fit to what fits",
          flag="--ctx", aliases=("-c",), help="KV cache size in tokens (llama.cpp -c); padded to 256",
          source="4096 keeps the calculator's earlier default; llama.cpp's own default is 0 = "
                 "trained context (" + LLAMA_COMMON_H + ")"),
    Param("kv_type", "choice", "f16", "KV cache type", choices=_kv_types,
          help="--cache-type-k/-v; quantized V needs flash attention",
          source=LLAMA_COMMON_H + ": cache_type_k/v = GGML_TYPE_F16"),
    Param("flash_attn", "choice", "auto", "Flash attention", choices=("on", "off", "auto"),
          flag="--flash-attn", aliases=("-fa",),
          help="changes the compute buffers; auto enables it where the backend supports it",
          source=LLAMA_COMMON_H + ": flash_attn_type = LLAMA_FLASH_ATTN_TYPE_AUTO"),
    Param("hardware", "choice", None, "Hardware", choices=choices.hardware_and_custom, labels=choices.hardware_labels,
          optional=True, none_means="ddr5-desktop (CPU only), or rtx-4090 when gpu_layers > 0",
          help="machine preset; 'custom' takes device_memory_gib, device_bandwidth_gbs, device_tflops",
          source="inferlab.catalog.hardware_presets (datasheets)"),
    Param("gpus", "int", 1, "GPUs", unit="GPUs", low=1, high=16,
          help="identical GPUs; layers are split across them (--split-mode layer)",
          source=LLAMA_COMMON_H + ": split_mode = LLAMA_SPLIT_MODE_LAYER"),
    Param("tensor_split", "text", None, "Tensor split", optional=True,
          none_means="proportional to each GPU's free memory",
          help="share of the layers per GPU, comma separated (llama.cpp -ts), e.g. 3,1"),
    Param("gpu_layers", "int", None, "GPU layers (-ngl)", unit="layers", low=0, high=999,
          optional=True, none_means="auto-fit: as many as fit (llama.cpp --fit)", flag="--gpu-layers",
          aliases=("-ngl",), help="layers offloaded; the output layer counts as one, offloaded first",
          source=LLAMA_COMMON_H + ": n_gpu_layers = -1 (auto), fit_params = true"),
    Param("vram_gib", "float", None, "VRAM per GPU", unit="GiB", low=0, high=100_000, low_open=True,
          optional=True, none_means="the hardware's own", help="needs a GPU hardware"),
    Param("ram_gib", "float", None, "RAM", unit="GiB", low=0, high=1_000_000, low_open=True,
          optional=True, none_means="the hardware's own"),
    Param("device_memory_gib", "float", None, "Custom GPU memory", unit="GiB", low=0, high=100_000,
          low_open=True, optional=True, none_means="required with hardware=custom"),
    Param("device_bandwidth_gbs", "float", None, "Custom GPU bandwidth", unit="GB/s", low=0,
          high=100_000, low_open=True, optional=True, none_means="required with hardware=custom"),
    Param("device_tflops", "float", None, "Custom GPU FP16 TFLOPS", unit="TFLOP/s", low=0,
          high=100_000, low_open=True, optional=True, none_means="required with hardware=custom"),
    Param("parallel", "int", 1, "Parallel slots (-np)", unit="slots", low=1, high=4096, aliases=("-np",),
          help="sequences sharing the KV cache; ctx may reach parallel x the trained context",
          source=LLAMA_COMMON_H + ": n_parallel = 1 (llama-server without -np picks 4 with a unified "
                 "KV cache: 'setting n_parallel = 4 and kv_unified = true', github.com/ggml-org/"
                 "llama.cpp/pull/16962 log)"),
    Param("batch", "int", 1, "Sequences", unit="sequences", low=1, high=4096,
          help="sequences decoding together (llama-server slots generating at once)"),
    Param("depth", "int", 0, "Context depth", unit="tokens", low=0, high=10_000_000, suffixes="binary",
          help="tokens already cached per sequence"),
    Param("threads", "int", None, "Threads (-t)", unit="threads", low=1, high=1024, optional=True,
          none_means="one per performance core", aliases=("-t",),
          source="ggml-org/llama.cpp#34 thread sweep"),
    Param("threads_batch", "int", None, "Batch threads (-tb)", unit="threads", low=1, high=1024,
          optional=True, none_means="every hardware thread", aliases=("-tb",)),
))


#: Shape overrides of a custom model (empty = derived from the parameter count); ModelShape field names.
SHAPE = Params(
    Param(name, "int", None, label, low=1, high=high, optional=True, none_means="derived from the parameter count",
          flag=flag, help="custom model only")
    for name, label, high, flag in (("n_layers", "Layers", 512, "--layers"), ("hidden_size", "Hidden size", 65536, "--hidden"),
                                    ("ffn_size", "FFN size", 262144, "--ffn"), ("n_heads", "Attention heads", 512, "--heads"),
                                    ("n_kv_heads", "KV heads", 512, "--kv-heads"),
                                    ("vocab_size", "Vocabulary", 1_000_000, "--vocab")))


def parse(name: str, value: Any) -> Any:
    """*value* validated by the declaration of *name* (InputError naming the field)."""
    return PARAMS[name].parse(value)


__all__ = ["PARAMS", "SHAPE", "parse"]
