"""The widget-facing layer of the core: option schemas, static views, live sessions.

* :mod:`.options` — each widget's options: parsing a ``widget`` block,
  validating values from Markdown, controls or the URL;
* :mod:`.pipeline_view`, :mod:`.quant_view` — a widget's HTML and its
  *frame* (numbers, formatted text, SVG charts, status) from the core's
  results;
* :mod:`.session` — the functions the browser's worker calls (JSON in, JSON out);
* :mod:`.svg`, :mod:`.format`, :mod:`.html` — drawing and formatting helpers.

Standard library only, so it runs unchanged under Pyodide.
"""

from inferlab.ui.options import OptionError, describe, parse_block, validate_options, widget_names
from inferlab.ui.render import render_widget

__all__ = ["OptionError", "describe", "parse_block", "render_widget", "validate_options", "widget_names"]
