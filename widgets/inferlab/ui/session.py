"""What the browser's worker calls: one entry point, fixed verbs, JSON in and out.

``handle(verb, payload_json) -> str``.  Every verb takes the widget
instance's ``id`` (unique per page view: the driver adds a serial number to
the element id, so a page swap never reaches another page's widget)::

    start    {id, widget, start, values}  -> frame   (start: the block's options, values: URL/controls)
    update   {id, values}                 -> frame   (controls changed)
    advance  {id, dt}                     -> frame   (animated: dt seconds of wall time passed)
    action   {id, name}                   -> frame   (animated: a button)
    export   {id}                         -> {json, csv: {chart: text}}
    stop     {id}                         -> {}
    describe {widget}                     -> the inputs, metrics and actions of a widget

The worker passes user input only as this JSON argument, never as Python
source.  Values from controls or the URL are checked one by one: a bad value
is reported in ``frame["errors"][input]`` (shown next to its control) and the
last good value is kept, so one typo never blanks a widget.  A payload that
is not what a verb takes raises :class:`~inferlab.inputs.InputError`, the only
exception that leaves this module.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

from inferlab.inputs import InputError
from inferlab.ui.frame import csv_text, make_frame
from inferlab.ui.registry import widget_class
from inferlab.ui.widget import Animated, Widget

#: Most widget instances kept at once (the oldest is dropped; its driver restarts it if it comes back).
MAX_SESSIONS = 16
#: Longest payload accepted, characters (inputs are checked one by one after this: a 100 KB value gets its own message).
MAX_PAYLOAD = 1_000_000
#: Most brackets a payload may hold (control values are flat; deep nesting would exhaust the WebAssembly stack).
MAX_BRACKETS = 1_000
#: Longest id accepted.
MAX_ID = 200
#: Seconds of model time a chart may go without a redraw while an animated widget runs.
CHART_EVERY_S = 0.5

_SESSIONS: OrderedDict[str, _Instance] = OrderedDict()


class _Instance:
    """One widget on one page view: the widget and its last good values."""

    def __init__(self, widget: Widget) -> None:
        self.widget = widget
        self.chart_clock = -math.inf
        self.last_frame: dict[str, Any] = {}

    def frame(self, errors: dict[str, str] | None = None, *, charts: bool = True) -> dict[str, Any]:
        frame = make_frame(self.widget, self.widget.view(), errors)
        if not charts:
            frame.pop("charts")
        self.last_frame = frame
        return frame

    def apply(self, given: Any) -> dict[str, str]:
        """Apply control/URL values one by one; keep the last good state; return the errors by input."""
        widget = self.widget
        values, bad = widget.params.parse_each(_object("values", given), widget.values)
        errors = {name: err.short() for name, err in bad.items()}
        before = dict(widget.values)
        try:
            widget.update(values)
            widget.view()
        except InputError as err:
            field = err.field if err.field in widget.params else _first_change(before, values)
            errors[field] = err.short() if field == err.field else str(err)
            widget.update(before)
        return errors


def _first_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    return next((k for k in after if before.get(k) != after[k]), next(iter(after), "widget"))


def _object(field: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(field, value, "an object of name: value")
    return value


def _text(field: str, value: Any, limit: int = MAX_ID) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise InputError(field, value, f"text of 1 to {limit} characters")
    return value


def _instance(payload: dict[str, Any]) -> _Instance:
    wid = _text("id", payload.get("id"))
    if wid not in _SESSIONS:
        raise InputError("id", wid, "the id of a started widget", reason="has no running widget")
    _SESSIONS.move_to_end(wid)
    return _SESSIONS[wid]


def start(payload: dict[str, Any]) -> dict[str, Any]:
    """A fresh instance of the block's widget (same values as the page), with URL/control values applied."""
    wid = _text("id", payload.get("id"))
    cls = widget_class(payload.get("widget"))
    starting = cls.params.parse(_object("start", payload.get("start")))
    instance = _Instance(cls(starting))
    errors = instance.apply(payload.get("values"))
    _SESSIONS.pop(wid, None)
    _SESSIONS[wid] = instance
    while len(_SESSIONS) > MAX_SESSIONS:
        _SESSIONS.popitem(last=False)
    return instance.frame(errors)


def update(payload: dict[str, Any]) -> dict[str, Any]:
    """Apply changed controls; the frame with per-input errors."""
    instance = _instance(payload)
    errors = instance.apply(payload.get("values"))
    return instance.frame(errors)


def advance(payload: dict[str, Any]) -> dict[str, Any]:
    """Run an animated widget on by ``dt`` seconds; charts are redrawn at most every CHART_EVERY_S of model time."""
    instance = _instance(payload)
    widget = _animated(instance)
    dt = payload.get("dt")
    if isinstance(dt, bool) or not isinstance(dt, (int, float)) or not math.isfinite(dt) or dt < 0:
        raise InputError("dt", dt, "a number of seconds, 0 or more")
    widget.advance(float(dt))
    now = widget.clock()
    redraw = now - instance.chart_clock >= CHART_EVERY_S
    if redraw:
        instance.chart_clock = now
    return instance.frame(charts=redraw)


def action(payload: dict[str, Any]) -> dict[str, Any]:
    """Perform a named action of an animated widget; the frame."""
    instance = _instance(payload)
    widget = _animated(instance)
    widget.act(widget.check_action(payload.get("name")))
    return instance.frame()


def export(payload: dict[str, Any]) -> dict[str, Any]:
    """The current frame's numbers as JSON text and its chart data as CSV texts (for the downloads)."""
    instance = _instance(payload)
    frame = instance.last_frame or instance.frame()
    data = {"widget": frame["widget"], "options": frame["options"], "result": frame["result"],
            "metrics": {k: m["value"] for k, m in frame["metrics"].items()}, "status": frame["status"]["text"]}
    return {"json": json.dumps(data, indent=2, allow_nan=False),
            "csv": {name: csv_text(table) for name, table in frame["tables"].items()}}


def stop(payload: dict[str, Any]) -> dict[str, Any]:
    """Forget an instance (unknown ids are fine: it may have been dropped already)."""
    _SESSIONS.pop(_text("id", payload.get("id")), None)
    return {}


def describe(payload: dict[str, Any]) -> dict[str, Any]:
    """A widget's declaration as data: inputs, metrics, actions."""
    cls = widget_class(payload.get("widget"))
    return {
        "widget": cls.name, "title": cls.title, "kind": cls.kind,
        "inputs": [{"name": p.name, "kind": p.kind, "default": p.default, "label": p.label, "unit": p.unit,
                    "allowed": p.allowed()} for p in cls.params],
        "metrics": [{"key": m.key, "label": m.label} for m in cls.metrics],
        "actions": [{"name": a.name, "label": a.label} for a in cls.actions],
    }


def _animated(instance: _Instance) -> Animated:
    if not isinstance(instance.widget, Animated):
        raise InputError("id", instance.widget.name, "an animated widget", reason="does not run")
    return instance.widget


VERBS = {"start": start, "update": update, "advance": advance, "action": action, "export": export, "stop": stop,
         "describe": describe}


def handle(verb: str, payload_json: str) -> str:
    """Call *verb* with the JSON object *payload_json*; return its JSON result."""
    if verb not in VERBS:
        raise InputError("verb", verb, ", ".join(VERBS))
    if not isinstance(payload_json, str) or len(payload_json) > MAX_PAYLOAD:
        raise InputError("payload", payload_json, f"a JSON object of at most {MAX_PAYLOAD:,} characters")
    if payload_json.count("[") + payload_json.count("{") > MAX_BRACKETS:
        raise InputError("payload", payload_json, f"a JSON object with at most {MAX_BRACKETS:,} brackets")
    try:
        payload = json.loads(payload_json)
    except (ValueError, RecursionError):
        raise InputError("payload", payload_json, "a JSON object") from None
    if not isinstance(payload, dict):
        raise InputError("payload", payload, "a JSON object")
    return json.dumps(VERBS[verb](payload), separators=(",", ":"), allow_nan=False)
