"""Small SVG charts drawn as text, the same for the static and the live view.

Colours are not set here: every mark carries a class (``ifw-c1`` ... ``ifw-c4``,
``ifw-axis``, ``ifw-grid``) that the site's CSS maps to Material's palette
variables, so a chart follows the light/dark scheme.  Each chart is an
``<svg role="img">`` with a ``<title>`` and a ``<desc>`` summarising the data.
"""

from .charts import bar_chart, line_panel, stacked_bars, time_chart, xy_chart
from .common import Bar, Series, nice_ticks, svg_open
from .grids import bar_grid, cell_grid
from .special import Point, Span, Swing, gantt_chart, roofline_chart, tornado_chart

__all__ = ["Bar", "Point", "Series", "Span", "Swing", "bar_chart", "bar_grid", "cell_grid", "gantt_chart",
           "line_panel", "nice_ticks", "roofline_chart", "stacked_bars", "svg_open", "time_chart", "tornado_chart",
           "xy_chart"]
