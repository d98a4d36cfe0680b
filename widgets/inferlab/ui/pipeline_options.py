"""Options of the ``pipeline`` widget (the orchestration pipeline simulator).

The controls map onto :class:`inferlab.pipeline.Simulation` config fields and
``set_controls`` keywords (see :func:`sim_config`).
"""

from __future__ import annotations

from typing import Any

from inferlab.ui.options import Option, Schema, register
from inferlab.ui.quant_options import _hardware, _quants


def _models() -> list[str]:
    from inferlab.llamacpp.calculator import list_models

    return [m["name"] for m in list_models()]


SCHEMA = register(Schema("pipeline", (
    Option("workers", "int", 32, "Workers", low=1, high=256, step=1, unit="orchestrator processes"),
    Option("arrival_rate", "float", 20.0, "Arrival rate", low=0.5, high=200.0, step=0.5, unit="requests/s"),
    Option("cache", "bool", True, "Cache (Redis response cache)"),
    Option("model", "choice", "llama-3-8b", "Model", choices=_models),
    Option("quant", "choice", "Q4_K_M", "Quantization", choices=_quants),
    Option("hardware", "choice", "rtx-4090", "Hardware", choices=_hardware),
    Option("replicas", "int", 4, "llama.cpp servers", low=1, high=64, step=1),
    Option("slots", "int", 16, "Slots per server (-np)", low=1, high=256, step=1),
    Option("spike", "float", 3.0, "Load spike size", low=1.5, high=20.0, step=0.5, unit="× arrival rate"),
    Option("spike_s", "float", 10.0, "Load spike length", low=1.0, high=120.0, step=1.0, unit="s"),
    Option("warmup_s", "float", 60.0, "Pre-rendered run length", low=5.0, high=600.0, step=1.0, unit="s"),
    Option("seed", "int", 1, "Random seed", low=0, high=2**31 - 1, step=1),
)))

#: Options a reader changes while the simulation runs (the rest are fixed by the page).
LIVE_CONTROLS = ("workers", "arrival_rate", "cache", "model", "quant", "hardware")


def sim_config(values: dict[str, Any]) -> dict[str, Any]:
    """Validated widget options -> the simulator's config mapping."""
    return {
        "workers": values["workers"], "arrival_rate": values["arrival_rate"], "cache_enabled": values["cache"],
        "model": values["model"], "quant": values["quant"], "hardware": values["hardware"],
        "replicas": values["replicas"], "slots": values["slots"],
        "spike_multiplier": values["spike"], "spike_duration_s": values["spike_s"],
    }


def sim_controls(values: dict[str, Any]) -> dict[str, Any]:
    """The live controls among *values* -> ``Simulation.set_controls`` keywords."""
    mapping = {"workers": "workers", "arrival_rate": "arrival_rate", "cache": "cache_enabled",
               "model": "model", "quant": "quant", "hardware": "hardware"}
    return {mapping[k]: v for k, v in values.items() if k in mapping}
