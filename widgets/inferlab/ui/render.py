"""A widget's complete static HTML, generated from its declaration.

The core computes every state the page offers -- the starting settings and
each preset -- exactly as the live widget would, so the page carries true
numbers, charts and status lines for a reader without JavaScript.  Presets
are a radio group that needs no script: CSS shows the panel of the checked
one (``.ifw:has(...)``); with JavaScript the driver loads the chosen preset
into the live widget instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from inferlab.inputs import InputError, Param, parse_lines
from inferlab.ui import html
from inferlab.ui.frame import explain, make_frame
from inferlab.ui.registry import widget_class
from inferlab.ui.widget import Preset, View, Widget

#: Block lines that are not inputs: ``preset: Label | name=value, name=value`` (repeatable), ``presets: off``,
#: ``title: ...`` (the widget's heading on this page: several widgets of one kind need names of their own).
PRESET_KEY = "preset"
PRESETS_OFF_KEY = "presets"
TITLE_KEY = "title"
#: Longest title a block may set.
MAX_TITLE = 120
#: Most presets one block may offer (each one is a full pre-render).
MAX_PRESETS = 6


@dataclass(frozen=True)
class Block:
    """A widget block, parsed: the widget class, its starting values and its presets."""

    cls: type[Widget]
    values: dict[str, Any]
    presets: tuple[Preset, ...]
    title: str | None = None


def parse_block(name: str, body: str | Iterable[tuple[int | None, str, Any]], line: int | None = None) -> Block:
    """Parse a block body (``name: value`` lines, or triples) for widget *name*; InputError with the line."""
    cls = widget_class(name, line)
    triples = parse_lines(body) if isinstance(body, str) else list(body)
    inputs = [t for t in triples if t[1] not in (PRESET_KEY, PRESETS_OFF_KEY, TITLE_KEY)]
    values = cls.parse(inputs)
    presets: list[Preset] = []
    use_declared = True
    title = None
    for n, key, raw in triples:
        if key == TITLE_KEY:
            if title is not None or not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_TITLE:
                raise InputError(TITLE_KEY, raw, f"one title of 1 to {MAX_TITLE} characters", line=n)
            title = raw.strip()
        elif key == PRESETS_OFF_KEY:
            if str(raw).strip().lower() != "off":
                raise InputError(PRESETS_OFF_KEY, raw, "off (hide the widget's own presets)", line=n)
            use_declared = False
        elif key == PRESET_KEY:
            presets.append(parse_preset(cls, str(raw), values, n))
    if use_declared and not presets:
        presets = [Preset(p.label, cls.params.parse(p.values, base=values)) for p in cls.presets]
    if len(presets) > MAX_PRESETS:
        raise InputError(PRESET_KEY, len(presets), f"at most {MAX_PRESETS} presets per widget", line=line)
    return Block(cls, values, tuple(presets), title)


def parse_preset(cls: type[Widget], text: str, base: Mapping[str, Any], line: int | None = None) -> Preset:
    """``Label | name=value, name=value`` -> a Preset whose values are parsed over *base*."""
    label, sep, assignments = text.partition("|")
    label = label.strip()
    if not sep or not label:
        raise InputError(PRESET_KEY, text, "'Label | name=value, name=value'", line=line)
    pairs = []
    for part in assignments.split(","):
        name, eq, value = part.partition("=")
        if not eq or not name.strip():
            raise InputError(PRESET_KEY, part.strip(), "name=value pairs separated by commas", line=line)
        pairs.append((line, name.strip(), value.strip()))
    return Preset(label, cls.params.parse(pairs, base=base))


def render_widget(name: str, body: str | Mapping[str, Any] | Iterable[tuple[int | None, str, Any]], *,
                  widget_id: str = "ifw-1", key: str | None = None, attrs: Mapping[str, str] | None = None) -> str:
    """The static HTML of widget *name* for a block *body*; InputError for bad input."""
    if isinstance(body, Mapping):
        body = [(None, k, v) for k, v in body.items()]
    return render_block(parse_block(name, body), widget_id=widget_id, key=key or name, attrs=attrs or {})


def render_block(block: Block, *, widget_id: str, key: str, attrs: Mapping[str, str]) -> str:
    """The static HTML of a parsed block."""
    cls = block.cls
    title = block.title or _numbered(cls.title, key)
    states = [("Starting settings", block.values), *((p.label, dict(p.values)) for p in block.presets)]
    widgets = [cls(values) for _, values in states]
    views = [w.view() for w in widgets]
    first, first_view = widgets[0], views[0]
    parts = [
        f'<section class="ifw ifw--{html.attr(cls.name)}" id="{html.attr(widget_id)}" data-widget="{html.attr(cls.name)}" '
        f'data-key="{html.attr(key)}" data-kind="{cls.kind}" data-state="static" data-search-exclude '
        f'data-options="{html.json_attr(block.values)}" '
        f'data-presets="{html.json_attr([{"label": label, "values": values} for label, values in states[1:]])}"'
        f'{html.data_attrs(attrs)} aria-labelledby="{html.attr(widget_id)}-title">',
        '<header class="ifw__head">',
        f'<h3 class="ifw__title" id="{html.attr(widget_id)}-title">{html.text(title)}</h3>',
        '<p class="ifw__mode" data-mode aria-live="polite">Computed when this page was built.</p>',
        '<div class="ifw__progress" data-progress hidden><progress max="100" value="0" '
        'aria-label="Loading the live model"></progress></div>',
        "</header>",
        _presets(widget_id, [label for label, _ in states]) if len(states) > 1 else "",
        _controls(first, first_view, widget_id, title),
        *(_panel(w, v, widget_id, i, label, block.values) for i, ((label, _), w, v) in enumerate(zip(states, widgets, views))),
        _fidelity(cls),
        '<div class="ifw__tools" data-tools hidden>'
        '<button type="button" class="md-button" data-tool="json">Download JSON</button>'
        '<button type="button" class="md-button" data-tool="csv">Download CSV</button>'
        '<button type="button" class="md-button" data-tool="link">Copy link</button>'
        '<button type="button" class="md-button" data-tool="scenario">Use these settings on other pages</button>'
        '<span class="ifw__note" data-tool-note aria-live="polite"></span></div>',
        '<noscript><p class="ifw__note">The controls need JavaScript. The numbers above are the model\'s '
        "results for the settings shown, computed when this page was built.</p></noscript>",
        "</section>",
    ]
    return "".join(parts)


def _presets(widget_id: str, labels: list[str]) -> str:
    name = f"{widget_id}-preset"
    radios = "".join(
        f'<input type="radio" class="ifw-preset__radio" name="{html.attr(name)}" id="{html.attr(name)}-{i}" '
        f'value="{i}"{" checked" if i == 0 else ""}><label for="{html.attr(name)}-{i}">{html.text(label)}</label>'
        for i, label in enumerate(labels))
    return f'<fieldset class="ifw__presets"><legend>What to try</legend>{radios}</fieldset>'


def _numbered(title: str, key: str) -> str:
    """The second and later widgets of a kind on a page (key ``name-N``) get a number, so each has its own name."""
    head, _, number = key.rpartition("-")
    return f"{title} ({number})" if head and number.isdigit() else title


def _controls(widget: Widget, view: View, widget_id: str, title: str) -> str:
    cls = type(widget)
    grouped = {name: group for group in cls.groups for name in group.inputs}
    fields: list[str] = []
    done_groups: set[str] = set()
    for name in cls.control_names():
        group = grouped.get(name)
        if group is not None:
            if group.name in done_groups:
                continue
            done_groups.add(group.name)
            inner = "".join(_control(widget, view, widget_id, cls.params[n]) for n in group.inputs)
            shown = view.show.get(group.name, True)
            fields.append(f'<fieldset class="ifw-group" data-show="{html.attr(group.name)}"{"" if shown else " hidden"}>'
                          f'<legend>{html.text(group.legend)}</legend>{inner}</fieldset>')
            continue
        fields.append(_control(widget, view, widget_id, cls.params[name]))
    for action in cls.actions:
        hint = action.hint.format(**widget.values) if action.hint else ""
        fields.append(html.action_button(widget_id, action.name, action.label, hint))
    return html.controls_form(title, fields)


def _control(widget: Widget, view: View, widget_id: str, param: Param) -> str:
    extra = view.controls.get(param.name, {})
    return html.control(widget_id, param, widget.values[param.name], placeholder=str(extra.get("placeholder", "")),
                        high=extra.get("max"))


def _panel(widget: Widget, view: View, widget_id: str, index: int, label: str, base: Mapping[str, Any]) -> str:
    cls = type(widget)
    frame = make_frame(widget, view)
    metrics = [html.metric(m.key, m.label, frame["metrics"][m.key]["value"], frame["metrics"][m.key]["text"],
                           wide=m.wide, level=frame["metrics"][m.key].get("level")) for m in cls.metrics]
    charts = [html.chart(c.name, view.charts.get(c.name, ""), c.caption) for c in cls.charts]
    changed = {k: v for k, v in widget.values.items() if base.get(k) != v}
    settings = ""
    if index:
        listed = "; ".join(f"{cls.params[k].label}: {_shown(cls.params[k], v)}" for k, v in changed.items())
        settings = f'<p class="ifw__settings">Settings of “{html.text(label)}”: {html.text(listed or "as above")}.</p>'
    return "".join([
        f'<div class="ifw__panel" data-panel="{index}">',
        settings,
        widget.extra_html(view, widget_id),
        html.metrics_list(metrics, live=cls.kind == "calculator"),
        html.status_line(view.status, view.level),
        *charts,
        html.explain(frame["html"]["explain"]) if cls.formulas else "",
        '<p class="ifw-sr" data-announce aria-live="polite"></p>' if cls.kind == "animated" else "",
        "</div>",
    ])


def _shown(param: Param, value: Any) -> str:
    if param.kind == "choice":
        return param.choice_labels().get(value, str(value))
    if param.kind == "bool":
        return "on" if value else "off"
    return f"{param.text(value)}{(' ' + param.unit) if param.unit and value is not None else ''}"


def _fidelity(cls: type[Widget]) -> str:
    if cls.fidelity is None:
        return ""
    return f'<p class="ifw__fidelity" data-fidelity>How right it is: {html.text(fidelity_text(cls))}</p>'


_FIDELITY: dict[str, str] = {}


def fidelity_text(cls: type[Widget]) -> str:
    """The widget's fidelity line, computed once per process from the checks the tests run."""
    if cls.name not in _FIDELITY:
        assert cls.fidelity is not None
        _FIDELITY[cls.name] = cls.fidelity()
    return _FIDELITY[cls.name]


def render_static(name: str, values: Mapping[str, Any], *, title: str, link: str) -> str:
    """A widget as a plain figure for a feed reader or an e-mail: its numbers, status and charts, no controls.

    *values* are the widget's inputs as the page started it (the root's
    ``data-options``); *link* points at the live widget on the site.
    """
    cls = widget_class(name)
    widget = cls(cls.params.parse(values))
    view = widget.view()
    frame = make_frame(widget, view)
    rows = "".join(f"<tr><th scope=\"row\">{html.text(m.label)}</th><td>{html.text(frame['metrics'][m.key]['text'])}</td></tr>"
                   for m in cls.metrics)
    charts = "".join(f"<figure>{view.charts[c.name]}<figcaption>{html.text(c.caption)}</figcaption></figure>"
                     for c in cls.charts if view.charts.get(c.name))
    return (f'<figure class="ifw-static"><figcaption><strong>{html.text(title)}</strong> (computed when the page was '
            f'built; <a href="{html.attr(link)}">run it live on the site</a>)</figcaption>'
            f"<table><tbody>{rows}</tbody></table><p>{html.text(view.status)}</p>{charts}</figure>")


__all__ = ["Block", "parse_block", "parse_preset", "render_block", "render_static", "render_widget", "explain"]
