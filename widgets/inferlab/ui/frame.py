"""A frame: everything a widget shows for one state, as JSON-able data.

The static page and the live widget are drawn from the same frame, so they
cannot disagree.  Keys (all optional but ``options`` and ``metrics``)::

    options   the validated inputs
    metrics   {key: {value, text[, level]}}     -> [data-metric=key]
    status    {text, level}                     -> [data-status]
    charts    {name: svg}                       -> [data-chart=name]
    html      {name: markup}                    -> [data-html=name] (generated here, escaped)
    binds     {key: {text?, attrs?, vars?}}     -> [data-bind=key]
    controls  {input: {min?, max?, placeholder?, value?}}
    show      {group: bool}                     -> [data-show=group]
    errors    {input: message}                  -> [data-error-for=input]
    announce  text for screen readers           -> [data-announce]

``result`` (the numbers behind the metrics, the CLI's ``--json``) and
``tables`` (chart data) travel with the frame for the downloads.
"""

from __future__ import annotations

import math
from typing import Any

from inferlab.inputs import InputError
from inferlab.units import FORMATS
from inferlab.ui import html
from inferlab.ui.widget import View, Widget


def metric_values(widget: Widget, view: View) -> dict[str, dict[str, Any]]:
    """``{key: {value, text[, level]}}`` for each declared metric, from ``view.result``."""
    out: dict[str, dict[str, Any]] = {}
    for m in widget.metrics:
        value = _finite(view.result.get(m.key))
        entry: dict[str, Any] = {"value": value, "text": FORMATS[m.fmt](value)}
        if m.key in view.levels:
            entry["level"] = view.levels[m.key]
        out[m.key] = entry
    return out


def explain(widget: Widget, view: View) -> list[dict[str, Any]]:
    """The widget's formulas with the current values substituted (see :mod:`inferlab.formulas`)."""
    env = view.env if view.env is not None else view.result
    shown = []
    for formula in widget.formulas:
        try:
            shown.append(formula.show(env))
        except (InputError, KeyError, ZeroDivisionError, OverflowError):
            continue  # a formula that does not apply to this state (e.g. no GPU) is left out
    return shown


def make_frame(widget: Widget, view: View, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The frame of *widget* in *view*; *errors* are per-input messages."""
    frame: dict[str, Any] = {
        "widget": widget.name,
        "options": dict(widget.values),
        "metrics": metric_values(widget, view),
        "status": {"text": view.status, "level": view.level},
        "charts": dict(view.charts),
        "html": {"explain": html.explain_body(explain(widget, view))},
        "binds": view.binds,
        "controls": view.controls,
        "show": view.show,
        "errors": dict(errors or {}),
        "result": _json_safe(view.result),
        "tables": {name: {"columns": t.columns, "rows": _json_safe(t.rows)} for name, t in view.tables.items()},
    }
    if view.announce is not None:
        frame["announce"] = view.announce
    return frame


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json_safe(value: Any) -> Any:
    """*value* with NaN/inf replaced by None, tuples as lists (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def csv_text(table: dict[str, Any]) -> str:
    """A chart's data table as CSV (RFC 4180 quoting)."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table["columns"])
    writer.writerows(["" if c is None else c for c in row] for row in table["rows"])
    return buf.getvalue()
