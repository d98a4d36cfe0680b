"""Options of the ``quant`` widget (the llama.cpp quantization calculator).

Names and meanings follow :func:`inferlab.llamacpp.calculator.memory_report`, so a
widget's settings map one-to-one onto ``python -m inferlab memory``.
"""

from __future__ import annotations

from typing import Any

from inferlab.ui.options import Option, Schema, register

#: Shape fields a custom model may set (0 = derive from the parameter count).
CUSTOM_FIELDS = ("n_layers", "hidden_size", "ffn_size", "n_heads", "n_kv_heads", "vocab_size")


def _models() -> list[str]:
    from inferlab.llamacpp.calculator import list_models

    return [m["name"] for m in list_models()] + ["custom"]


def _quants() -> list[str]:
    from inferlab.llamacpp.calculator import list_quants

    return [q["name"] for q in list_quants()]


def _kv_types() -> list[str]:
    from inferlab.llamacpp.memory import KV_TYPES

    return list(KV_TYPES)


def _hardware() -> list[str]:
    from inferlab.llamacpp.calculator import list_hardware

    return [h["name"] for h in list_hardware()]


# No cross-option check in the schema: the calculator's own rules apply (a ValueError naming the field).
SCHEMA = register(Schema("quant", (
    Option("model", "choice", "llama-3-8b", "Model", choices=_models),
    Option("params_b", "float", 7.0, "Parameters", low=0.05, high=2000.0, step=0.1, unit="billions",
           help="custom model only"),
    *(Option(name, "int", 0, label, low=0, high=high, step=1, help="custom model only; 0 = derived from the parameter count", empty_ok=True)
      for name, label, high in (("n_layers", "Layers", 512), ("hidden_size", "Hidden size", 65536),
                                ("ffn_size", "FFN size", 262144), ("n_heads", "Attention heads", 512),
                                ("n_kv_heads", "KV heads", 512), ("vocab_size", "Vocabulary", 1_000_000))),
    Option("quant", "choice", "Q4_K_M", "Quantization", choices=_quants),
    Option("ctx", "int", 4096, "Context length", low=1, high=1_048_576, step=1, unit="tokens"),
    Option("kv_type", "choice", "f16", "KV cache type", choices=_kv_types),
    Option("hardware", "choice", "rtx-4090", "Hardware", choices=_hardware),
    Option("gpu_layers", "int", 99, "GPU layers (-ngl)", low=0, high=999, step=1),
    Option("vram_gib", "float", 0.0, "VRAM", low=0.0, high=4096.0, step=0.5, unit="GiB",
           help="0 or empty = the hardware's own", empty_ok=True),
    Option("ram_gib", "float", 0.0, "RAM", low=0.0, high=65536.0, step=1.0, unit="GiB",
           help="0 or empty = the hardware's own", empty_ok=True),
)))


def calculator_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    """Map validated widget options to :func:`inferlab.llamacpp.calculator.memory_report` keywords.

    The same mapping gives the CLI flags (see :func:`cli_args`), which is what
    makes the widget's numbers identical to ``python -m inferlab memory``.
    """
    kwargs: dict[str, Any] = {
        "model": values["model"], "quant": values["quant"], "ctx": values["ctx"], "kv_type": values["kv_type"],
        "gpu_layers": values["gpu_layers"], "hardware": values["hardware"],
        "vram_gib": values["vram_gib"] or None, "ram_gib": values["ram_gib"] or None,
    }
    if values["model"] == "custom":
        kwargs["params"] = values["params_b"] * 1e9
        kwargs.update({f: values[f] for f in CUSTOM_FIELDS if values[f]})
    return kwargs


_CLI_FLAGS = {"n_layers": "--layers", "hidden_size": "--hidden", "ffn_size": "--ffn", "n_heads": "--heads",
              "n_kv_heads": "--kv-heads", "vocab_size": "--vocab", "params": "--params", "model": "--model",
              "quant": "--quant", "ctx": "--ctx", "kv_type": "--kv-type", "gpu_layers": "--gpu-layers",
              "hardware": "--hardware", "vram_gib": "--vram-gib", "ram_gib": "--ram-gib"}


def cli_args(values: dict[str, Any]) -> list[str]:
    """The ``python -m inferlab memory`` arguments equivalent to *values* (without ``--json``)."""
    args = []
    for key, value in calculator_kwargs(values).items():
        if value is not None:
            args += [_CLI_FLAGS[key], repr(value) if isinstance(value, float) else str(value)]
    return args
