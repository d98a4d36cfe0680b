"""Discrete-event simulator of an LLM orchestration and pub/sub pipeline.

Requests pass an API gateway, a pub/sub queue with SQS semantics, a pool of
orchestrator workers, a Redis response cache, llama.cpp servers (parallel
slots, continuous batching) and a database.  Standard library only; the same
code runs in CPython and in Pyodide.

* :class:`Simulation` -- the steppable model (``advance(dt)``, ``set_controls``,
  ``fire_spike``, ``summary``) the live widget drives;
* :func:`sweep` -- one metric against one control in a single call;
* :data:`PARAMS` / :data:`RUN_PARAMS` -- the declaration of every input
  (:class:`inferlab.inputs.Param`), from which flags and controls are made;
* :mod:`~inferlab.pipeline.theory` -- Erlang C and Pollaczek-Khinchine, to
  check the simulator against.
"""

from inferlab.pipeline.config import CONTROL_FIELDS, PARAMS, RUN_PARAMS, Config, make_config
from inferlab.pipeline.simulation import Simulation
from inferlab.pipeline.sweep import sweep
from inferlab.pipeline.theory import md1_mean_wait, mg1_mean_wait, mmc_mean_wait

__all__ = [
    "CONTROL_FIELDS",
    "Config",
    "PARAMS",
    "RUN_PARAMS",
    "Simulation",
    "make_config",
    "md1_mean_wait",
    "mg1_mean_wait",
    "mmc_mean_wait",
    "sweep",
]
