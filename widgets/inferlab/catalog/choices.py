"""The catalogue's names as input choices: the one place every widget's model, file type and hardware inputs read.

Each function takes no argument, so a :class:`~inferlab.inputs.Param` can
hold it as its ``choices`` or ``labels`` and read the catalogue only when a
value is checked or a control drawn (importing a widget stays cheap).  The
variants differ only in what an input admits: ``custom`` (a shape or device
given by hand), llama-quantize's aliases, GPUs only.
"""

from __future__ import annotations


def models() -> list[str]:
    """Model presets, in table order."""
    from inferlab.catalog.models import model_names

    return model_names()


def models_and_custom() -> list[str]:
    """Model presets, then ``custom`` (a parameter count and shape given by hand)."""
    return [*models(), "custom"]


def model_labels() -> dict[str, str]:
    """Display name of each model preset (and of ``custom``)."""
    from inferlab.catalog.models import PRESETS

    return {**{k: v.display_name for k, v in PRESETS.items()}, "custom": "Custom shape"}


def file_types() -> list[str]:
    """llama.cpp file types (``Q4_K_M`` ...)."""
    from inferlab.llamacpp.quant_recipes import FILE_TYPES

    return list(FILE_TYPES)


def file_types_and_aliases() -> list[str]:
    """llama.cpp file types, then the aliases llama-quantize also accepts."""
    from inferlab.llamacpp.quant_recipes import ALIASES

    return [*file_types(), *ALIASES]


def hardware() -> list[str]:
    """Hardware presets, in table order."""
    from inferlab.catalog.hardware import hardware_names

    return hardware_names()


def hardware_and_custom() -> list[str]:
    """Hardware presets, then ``custom`` (memory, bandwidth and compute given by hand)."""
    return [*hardware(), "custom"]


def gpus() -> list[str]:
    """Hardware presets with a GPU (the serving models need one)."""
    from inferlab.catalog.hardware import HARDWARE

    return [k for k, h in HARDWARE.items() if h.gpu is not None]


def discrete_gpus() -> list[str]:
    """GPUs with memory of their own (not a unified-memory SoC): the ones a KV transfer crosses a link between."""
    from inferlab.catalog.hardware import HARDWARE

    return [k for k, h in HARDWARE.items() if h.gpu is not None and not h.unified]


def hardware_labels() -> dict[str, str]:
    """Display name of each hardware preset (and of ``custom``)."""
    from inferlab.catalog.hardware import HARDWARE

    return {**{k: v.display_name for k, v in HARDWARE.items()}, "custom": "Custom GPU"}
