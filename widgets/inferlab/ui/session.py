"""What the browser's worker calls: one entry point, JSON text in and out.

``handle(fn, payload_json) -> str`` dispatches to the functions below.  The
worker passes user input only as this JSON argument (never as Python
source).  Values from controls or the URL are validated one by one: a bad
value is reported in ``frame["errors"][option]`` (shown next to its control)
and the last good value is kept, so one typo never blanks the widget.
"""

from __future__ import annotations

import json
from typing import Any

from inferlab.ui import quant_view
from inferlab.ui.options import OptionError, schema_for, validate_options
from inferlab.ui.pipeline_view import PipelineSession

_PIPELINES: dict[str, PipelineSession] = {}
_QUANT_LAST: dict[str, dict[str, Any]] = {}
#: Most pipelines kept at once (a page swap may leave old ones behind).
MAX_SESSIONS = 8


def _merge(widget: str, base: dict[str, Any], given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Apply each of *given* over *base*; return the values and the per-option errors."""
    schema = schema_for(widget)
    values = dict(base)
    errors: dict[str, str] = {}
    for name, raw in given.items():
        if name not in schema.names():
            continue  # a stale or foreign URL parameter: ignore it
        try:
            values[name] = schema.get(name).coerce(raw, widget)
        except OptionError as err:
            errors[name] = str(err).split(": ", 1)[-1]
    return values, errors


def _field_of(err: ValueError, values: dict[str, Any]) -> str:
    field = str(err).split(":", 1)[0].strip()
    return field if field in values else "model"


def quant_update(payload: dict[str, Any]) -> dict[str, Any]:
    """``{id, start, values}`` -> the calculator frame for those settings."""
    wid = str(payload.get("id", "quant"))
    base = _QUANT_LAST.get(wid) or validate_options("quant", payload.get("start") or {})
    values, errors = _merge("quant", base, payload.get("values") or {})
    try:
        frame = quant_view.frame(values)
    except ValueError as err:
        errors[_field_of(err, values)] = str(err)
        frame = quant_view.frame(base)
    _QUANT_LAST[wid] = frame["options"]
    frame["errors"] = errors
    return frame


def pipeline_start(payload: dict[str, Any]) -> dict[str, Any]:
    """``{id, start, values}`` -> a fresh session (same seed and warm-up as the page) and its frame."""
    wid = str(payload.get("id", "pipeline"))
    start = validate_options("pipeline", payload.get("start") or {})
    values, errors = _merge("pipeline", start, payload.get("values") or {})
    session = PipelineSession(start)
    changes = {k: v for k, v in values.items() if v != start[k]}
    errors.update(_control(session, changes))
    _PIPELINES.pop(wid, None)
    _PIPELINES[wid] = session
    while len(_PIPELINES) > MAX_SESSIONS:
        _PIPELINES.pop(next(iter(_PIPELINES)))
    frame = session.frame()
    frame["errors"] = errors
    return frame


def _control(session: PipelineSession, changes: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for name, value in changes.items():
        try:
            session.control({name: value})
        except ValueError as err:
            errors[name] = str(err)
    return errors


def _session(payload: dict[str, Any]) -> PipelineSession:
    wid = str(payload.get("id", "pipeline"))
    if wid not in _PIPELINES:
        raise ValueError(f"id: {wid!r} has no running pipeline; call pipeline_start first")
    return _PIPELINES[wid]


def pipeline_advance(payload: dict[str, Any]) -> dict[str, Any]:
    """``{id, dt}`` -> the frame after *dt* more simulated seconds."""
    return _session(payload).advance(payload.get("dt", 0.0))


def pipeline_control(payload: dict[str, Any]) -> dict[str, Any]:
    """``{id, values}`` -> apply the changed controls; the frame, with per-option errors."""
    session = _session(payload)
    values, errors = _merge("pipeline", session.values, payload.get("values") or {})
    errors.update(_control(session, {k: v for k, v in values.items() if v != session.values[k]}))
    frame = session.frame()
    frame["errors"] = errors
    return frame


def pipeline_spike(payload: dict[str, Any]) -> dict[str, Any]:
    """``{id}`` -> fire the load spike; the frame."""
    session = _session(payload)
    session.spike()
    return session.frame()


def pipeline_stop(payload: dict[str, Any]) -> dict[str, Any]:
    """``{id}`` -> forget that pipeline."""
    _PIPELINES.pop(str(payload.get("id", "pipeline")), None)
    return {}


def describe(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """``{widget}`` -> the widget's option descriptions."""
    from inferlab.ui.options import describe as _describe

    return _describe(str(payload.get("widget", "")))


HANDLERS = {
    "quant_update": quant_update, "pipeline_start": pipeline_start, "pipeline_advance": pipeline_advance,
    "pipeline_control": pipeline_control, "pipeline_spike": pipeline_spike, "pipeline_stop": pipeline_stop,
    "describe": describe,
}


def handle(fn: str, payload_json: str) -> str:
    """Call handler *fn* with the JSON object *payload_json*; return its JSON result."""
    if fn not in HANDLERS:
        raise ValueError(f"fn: {fn!r}; allowed: {', '.join(sorted(HANDLERS))}")
    payload = json.loads(payload_json)
    if not isinstance(payload, dict):
        raise ValueError("payload: expected a JSON object")
    return json.dumps(HANDLERS[fn](payload), separators=(",", ":"), allow_nan=False)
