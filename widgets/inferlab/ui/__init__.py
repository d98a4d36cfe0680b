"""The widget framework: one protocol, generated controls, frames, static HTML and the worker session.

* :mod:`.widget` -- what a widget declares (inputs, metrics, charts, actions,
  presets, formulas) and its two kinds, calculator and animated;
* :mod:`.registry` -- finds the widgets (discovery, no list to edit);
* :mod:`.frame` -- a widget's state as JSON-able data, the one thing the
  static page and the live widget are drawn from;
* :mod:`.render` -- the static HTML of a ``widget`` block, presets included;
* :mod:`.session` -- the fixed verbs the browser's worker calls;
* :mod:`.html`, :mod:`.svg` -- markup and charts.

Standard library only, so it runs unchanged under Pyodide.
"""

from inferlab.ui.registry import widget_class, widget_names
from inferlab.ui.render import parse_block, render_widget

__all__ = ["parse_block", "render_widget", "widget_class", "widget_names"]
