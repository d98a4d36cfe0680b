"""The ``phases`` explainer: prefill and decode from FLOPs and bytes.

* :mod:`.model` -- the roofline, step work, aggregated spans and the request scheduler
  over the llama.cpp speed model;
* :mod:`.report` -- the inputs and every number (``python -m inferlab phases --json``);
* :mod:`.widget` -- the widget: metrics, formulas, charts.
"""

from .model import Request, Roof, Schedule, Work, interference, main_roof, published_points, roofs, run, span, step
from .report import PARAMS, compute, report
from .widget import PhasesWidget

__all__ = ["PARAMS", "PhasesWidget", "Request", "Roof", "Schedule", "Work", "compute", "interference", "main_roof",
           "published_points", "report", "roofs", "run", "span", "step"]
