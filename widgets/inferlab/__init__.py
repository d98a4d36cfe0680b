"""inferlab: pure-Python models of LLM inference systems.

The same code runs at site build time (pre-rendering widgets), on the command
line (``python -m inferlab``) and in the browser under Pyodide.  Standard
library only.

The public surface, re-exported here:

* the llama.cpp quantization / memory / speed calculator
  (:mod:`inferlab.llamacpp.calculator`): ``quant_report``, ``memory_report``,
  ``speed_report``, ``speed_model``, ``kv_cache_report``, ``compare_quants``,
  ``batched_decode_tokens_per_s``, ``list_models``, ``list_quants``, ``list_hardware``;
* the pipeline simulator (:mod:`inferlab.pipeline`): ``Simulation``,
  ``sweep``, ``Config``, ``make_config``, ``CONTROL_FIELDS`` and the queueing
  formulas ``mmc_mean_wait``, ``md1_mean_wait``, ``mg1_mean_wait``.

Names are imported on first use (PEP 562), so ``import inferlab`` stays cheap
for the browser worker, which only needs :mod:`inferlab.ui`.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "CONTROL_FIELDS": "inferlab.pipeline",
    "Config": "inferlab.pipeline",
    "Simulation": "inferlab.pipeline",
    "batched_decode_tokens_per_s": "inferlab.llamacpp.calculator",
    "compare_quants": "inferlab.llamacpp.calculator",
    "kv_cache_report": "inferlab.llamacpp.calculator",
    "list_hardware": "inferlab.llamacpp.calculator",
    "list_models": "inferlab.llamacpp.calculator",
    "list_quants": "inferlab.llamacpp.calculator",
    "make_config": "inferlab.pipeline",
    "md1_mean_wait": "inferlab.pipeline",
    "memory_report": "inferlab.llamacpp.calculator",
    "mg1_mean_wait": "inferlab.pipeline",
    "mmc_mean_wait": "inferlab.pipeline",
    "quant_report": "inferlab.llamacpp.calculator",
    "speed_model": "inferlab.llamacpp.calculator",
    "speed_report": "inferlab.llamacpp.calculator",
    "sweep": "inferlab.pipeline",
}

__all__ = sorted(["__version__", *_EXPORTS])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'inferlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
