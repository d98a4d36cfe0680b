"""HTML building blocks of every widget.

The markup is the contract with the browser driver (``widgets/web/widgets.js``)
and the site's checks: the root has ``data-widget``, ``data-key``,
``data-kind`` and ``data-state``; every control is a native, labelled input
whose ``name`` is its input; every number has ``data-metric`` (raw number in
``data-value``); charts sit in ``[data-chart]``, generated markup in
``[data-html]``, the status line in ``[data-status]``.  A frame
(:mod:`inferlab.ui.frame`) fills exactly these elements.

Every value that reaches the markup passes :func:`text` (element content) or
:func:`attr` (a double-quoted attribute) -- the only two escapers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from inferlab.inputs import Param


def text(value: Any) -> str:
    """Escape *value* for element content."""
    return escape(str(value), quote=False)


def attr(value: Any) -> str:
    """Escape *value* for a double-quoted attribute."""
    return escape(str(value), quote=True)


def json_attr(value: Any) -> str:
    """*value* as compact JSON, escaped for a double-quoted attribute."""
    return attr(json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False))


# -- controls -----------------------------------------------------------------------------------
def _field(param: Param, inner: str, extra_class: str = "") -> str:
    return (f'<div class="ifw-field{extra_class}" data-field="{attr(param.name)}">{inner}'
            f'<span class="ifw-field__error" data-error-for="{attr(param.name)}" role="alert" hidden></span></div>')


def control(widget_id: str, param: Param, value: Any, *, placeholder: str = "", high: float | None = None) -> str:
    """One labelled native control for *param* showing *value*.

    The control is a slider (``range``), a number field, a select or a
    switch, as the Param declares.  *high* lowers the upper end for this
    state (e.g. ``-ngl`` up to the model's layer count); an optional input
    with no value shows *placeholder*.
    """
    cid = f"{widget_id}-{param.name}"
    label = text(param.label)
    unit = f' <span class="ifw-unit">({text(param.unit)})</span>' if param.unit else ""
    hint = f'<span class="ifw-hint" id="{attr(cid)}-hint">{text(param.help)}</span>' if param.help else ""
    described = f' aria-describedby="{attr(cid)}-hint"' if param.help else ""
    kind = param.control_kind()
    if kind == "switch":
        checked = " checked" if value else ""
        inner = (f'<input type="checkbox" role="switch" id="{attr(cid)}" name="{attr(param.name)}"{checked}{described}>'
                 f'<label for="{attr(cid)}">{label}</label>{hint}')
        return _field(param, inner, " ifw-field--switch")
    if kind == "select":
        options = "".join(f'<option value="{attr(c)}"{" selected" if c == value else ""}>{text(shown)}</option>'
                          for c, shown in param.choice_labels().items())
        if param.optional:
            options = (f'<option value=""{" selected" if value is None else ""}>'
                       f'{text(param.none_means or "none")}</option>{options}')
        inner = (f'<label for="{attr(cid)}">{label}</label>'
                 f'<select id="{attr(cid)}" name="{attr(param.name)}"{described}>{options}</select>{hint}')
        return _field(param, inner)
    low = param.ui_low if param.ui_low is not None else param.low
    top = param.ui_high if param.ui_high is not None else param.high
    if high is not None:
        top = high if top is None else min(top, high)
    step = param.step if param.step is not None else (1 if param.kind == "int" else "any")
    bounds = "".join(f' {name}="{attr(_num(v))}"' for name, v in (("min", low), ("max", top)) if v is not None)
    bounds += f' step="{attr(step)}"'
    shown = param.text(value)
    if kind == "range":
        inner = (f'<label for="{attr(cid)}">{label}{unit}</label>'
                 f'<span class="ifw-range"><input type="range" id="{attr(cid)}" name="{attr(param.name)}"{bounds} '
                 f'value="{attr(shown)}"{described}>'
                 f'<output for="{attr(cid)}" data-out="{attr(param.name)}" aria-hidden="true">{text(shown)}</output>'
                 f'</span>{hint}')
        return _field(param, inner)
    holder = placeholder or (param.none_means if param.optional else "")
    holder_attr = f' placeholder="{attr(holder)}"' if holder and value is None else ""
    typed = ('type="text" inputmode="decimal" spellcheck="false"' if kind == "text" else
             f'type="number" inputmode="decimal"{bounds}')
    inner = (f'<label for="{attr(cid)}">{label}{unit}</label>'
             f'<input {typed} id="{attr(cid)}" name="{attr(param.name)}" '
             f'value="{attr(shown)}"{holder_attr}{described}>{hint}')
    return _field(param, inner)


def action_button(widget_id: str, name: str, label: str, hint: str) -> str:
    """A button that triggers an action of an animated widget."""
    hid = f"{widget_id}-{name}-hint"
    described = f' aria-describedby="{attr(hid)}"' if hint else ""
    hint_html = f'<span class="ifw-hint" id="{attr(hid)}">{text(hint)}</span>' if hint else ""
    return (f'<div class="ifw-field ifw-field--action"><button type="button" class="md-button" '
            f'data-action="{attr(name)}"{described}>{text(label)}</button>{hint_html}</div>')


def controls_form(title: str, fields: Iterable[str]) -> str:
    """The controls, disabled until the live model loads (the driver enables them)."""
    return (f'<form class="ifw__controls" aria-label="{attr(title)} settings">'
            f'<fieldset class="ifw__fields" disabled><legend class="ifw-sr">{text(title)} settings</legend>'
            f'{"".join(fields)}</fieldset></form>')


# -- results --------------------------------------------------------------------------------------
def metric(key: str, label: str, value: Any, shown: str, *, wide: bool = False, level: str | None = None) -> str:
    """One metric: a label and its formatted number; the raw number in ``data-value``."""
    raw = "" if value is None else json_attr(value)
    cls = "ifw-metric ifw-metric--wide" if wide else "ifw-metric"
    lvl = f' data-level="{attr(level)}"' if level else ""
    return (f'<div class="{cls}"><dt>{text(label)}</dt>'
            f'<dd data-metric="{attr(key)}" data-value="{raw}"{lvl}>{text(shown)}</dd></div>')


def metrics_list(items: Iterable[str], *, live: bool) -> str:
    """The ``<dl>`` of metrics; ``live`` makes it a polite live region."""
    aria = ' aria-live="polite"' if live else ""
    return f'<dl class="ifw__metrics" data-metrics{aria}>{"".join(items)}</dl>'


def status_line(shown: str, level: str) -> str:
    """The plain-words status line."""
    return f'<p class="ifw__status" data-status data-level="{attr(level)}">{text(shown)}</p>'


def chart(name: str, svg: str, caption: str = "") -> str:
    """A chart container (the SVG is swapped whole by the live view)."""
    cap = f'<figcaption class="ifw__caption">{text(caption)}</figcaption>' if caption else ""
    return f'<figure class="ifw__chart"><div data-chart="{attr(name)}">{svg}</div>{cap}</figure>'


def explain_body(steps: list[dict[str, Any]]) -> str:
    """The formulas of the "How this is computed" disclosure, values substituted."""
    if not steps:
        return '<p class="ifw__note">This widget shows results of a simulation; see the post for its method.</p>'
    items = []
    for s in steps:
        symbols = "".join(f'<li><code>{text(x["name"])}</code> = {text(x["value"])}: {text(x["meaning"])}</li>'
                          for x in s["symbols"])
        items.append(f'<li><p class="ifw-formula__label">{text(s["label"])}</p>'
                     f'<p><code>{text(s["expr"])}</code></p><p><code>{text(s["substituted"])}</code></p>'
                     f'<ul class="ifw-formula__symbols">{symbols}</ul>'
                     f'<p class="ifw-formula__source">Source: {text(s["source"])}</p></li>')
    return f'<ol class="ifw-formulas">{"".join(items)}</ol>'


def explain(body: str) -> str:
    """The "How this is computed" disclosure around *body*."""
    return (f'<details class="ifw__explain"><summary>How this is computed</summary>'
            f'<div data-html="explain">{body}</div></details>')


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def data_attrs(values: Mapping[str, str]) -> str:
    """`` name="value"`` pairs, escaped, sorted (extra attributes of a root element)."""
    return "".join(f' {k}="{attr(v)}"' for k, v in sorted(values.items()))
