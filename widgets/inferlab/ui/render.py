"""``render_widget``: a widget's complete static HTML from its options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inferlab.ui.options import validate_options


def render_widget(name: str, options: Mapping[str, Any], widget_id: str = "ifw-1") -> str:
    """Validate *options* for widget *name* and return its pre-rendered HTML.

    The core computes the starting state exactly as the live widget would,
    so the HTML carries true numbers, the SVG charts and the status line.
    Raises ``OptionError``/``ValueError`` for bad input.
    """
    values = validate_options(name, options)
    if name == "pipeline":
        from inferlab.ui.pipeline_view import render

        return render(values, widget_id)
    from inferlab.ui.quant_view import render

    return render(values, widget_id)
