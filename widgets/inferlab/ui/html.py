"""HTML building blocks shared by the widget views.

The markup is the contract with the browser modules and the site's checks:
the root has ``data-widget`` and ``data-state``; every control is a native,
labelled input whose ``name`` is its option; every number has
``data-metric`` (with the raw number in ``data-value``); charts sit in
``[data-chart]``, the status line in ``[data-status]``.  A *frame* (the dict
that :mod:`inferlab.ui.session` returns) fills exactly these elements,
so the static page and the live widget show the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from inferlab.ui.options import Option


def attr(value: Any) -> str:
    """Escape *value* for a double-quoted attribute."""
    return escape(str(value), quote=True)


def root(widget: str, widget_id: str, title: str, options: Mapping[str, Any], body: Iterable[str],
         live_hint: str) -> str:
    """The widget's root ``<section>`` with its header, body and runtime notes."""
    opts = attr(json.dumps(dict(options), sort_keys=True, separators=(",", ":")))
    return "".join([
        f'<section class="ifw ifw--{widget}" id="{widget_id}" data-widget="{widget}" data-state="static" '
        f'data-options="{opts}" aria-labelledby="{widget_id}-title">',
        '<header class="ifw__head">',
        f'<h3 class="ifw__title" id="{widget_id}-title">{escape(title)}</h3>',
        f'<p class="ifw__mode" data-mode aria-live="polite">Static preview: computed when this page was built. '
        f'{escape(live_hint)}</p>',
        '<div class="ifw__progress" data-progress hidden><progress max="100" value="0" '
        f'aria-label="Loading the live model"></progress></div>',
        "</header>",
        *body,
        '<noscript><p class="ifw__note">Turn on JavaScript to change the settings; '
        "the numbers above are the model's true results for the starting settings.</p></noscript>",
        "</section>",
    ])


def _field(widget_id: str, option: Option, inner: str, *, extra_class: str = "") -> str:
    return (f'<div class="ifw-field{extra_class}" data-field="{option.name}">{inner}'
            f'<span class="ifw-field__error" data-error-for="{option.name}" role="alert" hidden></span></div>')


def control(widget_id: str, option: Option, value: Any, *, widget: str = "range",
            labels: Mapping[str, str] | None = None, hint: str = "") -> str:
    """One labelled native control for *option* with its starting *value*.

    *widget* picks the input: ``range`` (slider with a live value),
    ``number``, ``select`` or ``switch`` (checkbox).  *labels* gives display
    names for choice values.
    """
    cid = f"{widget_id}-{option.name}"
    label = escape(option.label)
    unit = f' <span class="ifw-unit">({escape(option.unit)})</span>' if option.unit else ""
    hint_html = f'<span class="ifw-hint" id="{cid}-hint">{escape(hint)}</span>' if hint else ""
    described = f' aria-describedby="{cid}-hint"' if hint else ""
    if option.kind == "bool" or widget == "switch":
        checked = " checked" if value else ""
        inner = (f'<input type="checkbox" role="switch" id="{cid}" name="{option.name}"{checked}{described}>'
                 f'<label for="{cid}">{label}</label>{hint_html}')
        return _field(widget_id, option, inner, extra_class=" ifw-field--switch")
    if option.kind == "choice" or widget == "select":
        labels = labels or {}
        opts = "".join(
            f'<option value="{attr(c)}"{" selected" if c == value else ""}>{escape(labels.get(c, c))}</option>'
            for c in option.choice_list()
        )
        inner = f'<label for="{cid}">{label}</label><select id="{cid}" name="{option.name}"{described}>{opts}</select>{hint_html}'
        return _field(widget_id, option, inner)
    step = option.step if option.step is not None else (1 if option.kind == "int" else "any")
    bounds = f'min="{option.low:g}" max="{option.high:g}" step="{step}"'
    if widget == "range":
        inner = (f'<label for="{cid}">{label}{unit}</label>'
                 f'<span class="ifw-range"><input type="range" id="{cid}" name="{option.name}" {bounds} '
                 f'value="{value:g}"{described}>'
                 f'<output for="{cid}" data-out="{option.name}" aria-hidden="true">{value:g}</output></span>{hint_html}')
        return _field(widget_id, option, inner)
    inner = (f'<label for="{cid}">{label}{unit}</label>'
             f'<input type="number" inputmode="decimal" id="{cid}" name="{option.name}" {bounds} value="{value:g}"{described}>'
             f'{hint_html}')
    return _field(widget_id, option, inner)


def metric(key: str, label: str, value: Any, text: str, *, wide: bool = False) -> str:
    """One metric: a label and its formatted number; the raw number in ``data-value``."""
    raw = "" if value is None else attr(json.dumps(value))
    cls = "ifw-metric ifw-metric--wide" if wide else "ifw-metric"
    return (f'<div class="{cls}"><dt>{escape(label)}</dt>'
            f'<dd data-metric="{key}" data-value="{raw}">{escape(text)}</dd></div>')


def metrics_list(items: Iterable[str], *, live: bool) -> str:
    """The ``<dl>`` of metrics; ``live`` makes it a polite live region."""
    aria = ' aria-live="polite"' if live else ""
    return f'<dl class="ifw__metrics" data-metrics{aria}>{"".join(items)}</dl>'


def status_line(text: str, level: str) -> str:
    """The plain-words status line."""
    return f'<p class="ifw__status" data-status data-level="{attr(level)}">{escape(text)}</p>'


def chart(name: str, svg: str, caption: str = "") -> str:
    """A chart container (the SVG is swapped whole by the live view)."""
    cap = f'<figcaption class="ifw__caption">{escape(caption)}</figcaption>' if caption else ""
    return f'<figure class="ifw__chart"><div data-chart="{name}">{svg}</div>{cap}</figure>'
