"""Small SVG charts drawn as text, the same for the static and the live view.

Colours are not set here: every mark carries a class (``ifw-c1`` ... ``ifw-c4``,
``ifw-axis``, ``ifw-grid``) that the site's CSS maps to Material's palette
variables, so a chart follows the light/dark scheme.  Each chart is an
``<svg role="img">`` with a ``<title>`` and a ``<desc>`` summarising the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Series:
    """One line: ``points`` are ``(x, y)``; ``cls`` picks its colour class."""

    label: str
    points: Sequence[tuple[float, float]]
    cls: str = "ifw-c1"
    area: bool = False


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart."""

    label: str
    value: float
    text: str
    cls: str = "ifw-c1"
    highlight: bool = False
    note: str = ""


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering ``low..high`` (about *count* of them)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt_tick(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def line_panel(series: Sequence[Series], *, x0: float, x1: float, top: float, height: float, left: float,
               width: float, y_label: str, y_min: float = 0.0, y_floor: float = 1.0) -> list[str]:
    """SVG elements of one line-chart panel (grid, y ticks, lines) as strings.

    The y axis spans at least ``y_min .. y_min + y_floor`` (so an all-zero
    series still gets round ticks).
    """
    ys = [y for s in series for _, y in s.points if y is not None and math.isfinite(y)]
    y_max = max(ys) if ys else y_floor
    ticks = nice_ticks(y_min, max(y_max, y_min + y_floor))
    y_top = ticks[-1]
    span_x = (x1 - x0) or 1.0
    span_y = (y_top - y_min) or 1.0

    def px(x: float) -> float:
        return left + (x - x0) / span_x * width

    def py(y: float) -> float:
        return top + height - (y - y_min) / span_y * height

    out = [f'<text class="ifw-axis" x="{left:.0f}" y="{top - 6:.0f}">{escape(y_label)}</text>']
    for tick in ticks:
        y = py(tick)
        out.append(f'<line class="ifw-grid" x1="{left:.0f}" x2="{left + width:.0f}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="ifw-axis" x="{left - 6:.0f}" y="{y + 4:.1f}" text-anchor="end">{_fmt_tick(tick)}</text>')
    for s in series:
        pts = [(px(x), py(y)) for x, y in s.points if y is not None and math.isfinite(y)]
        if not pts:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        if s.area:
            base = py(y_min)
            out.append(f'<polygon class="{s.cls} ifw-area" points="{pts[0][0]:.1f},{base:.1f} {path} {pts[-1][0]:.1f},{base:.1f}"/>')
        out.append(f'<polyline class="{s.cls} ifw-line" points="{path}"/>')
    return out


def time_chart(panels: Sequence[tuple[str, Sequence[Series]]], *, title: str, desc: str, x0: float, x1: float,
               width: int = 720, panel_height: int = 80) -> str:
    """Stacked line panels sharing a time axis (seconds); returns ``<svg>`` text.

    *panels* is a list of ``(y label, series)``.  A legend lists every series.
    """
    left, right, gap = 52, 12, 34
    inner_w = width - left - right
    height = 44 + len(panels) * (panel_height + gap) + 4
    parts = [
        f'<svg class="ifw-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    ]
    top = 44
    for y_label, series in panels:
        parts.extend(line_panel(series, x0=x0, x1=x1, top=top, height=panel_height, left=left, width=inner_w,
                                y_label=y_label))
        top += panel_height + gap
    # time axis under the last panel
    axis_y = top - gap + 16
    for tick in nice_ticks(x0, x1, 5):
        if x0 <= tick <= x1:
            x = left + (tick - x0) / ((x1 - x0) or 1.0) * inner_w
            parts.append(f'<text class="ifw-axis" x="{x:.1f}" y="{axis_y:.0f}" text-anchor="middle">{_fmt_tick(tick)} s</text>')
    # legend
    x = left
    for _, series in panels:
        for s in series:
            parts.append(f'<rect class="{s.cls} ifw-key" x="{x}" y="6" width="10" height="10" rx="2"/>')
            parts.append(f'<text class="ifw-axis" x="{x + 14}" y="15">{escape(s.label)}</text>')
            x += 22 + 7 * len(s.label)
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bars: Sequence[Bar], *, title: str, desc: str, value_label: str, width: int = 720,
              row_height: int = 22) -> str:
    """Horizontal bars with a label column and a value text; returns ``<svg>`` text."""
    label_w, text_w, pad = 92, 190, 8
    inner_w = width - label_w - text_w - 2 * pad
    top = 22
    height = top + len(bars) * row_height + 8
    v_max = max((b.value for b in bars), default=1.0) or 1.0
    parts = [
        f'<svg class="ifw-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>',
        f'<text class="ifw-axis" x="{label_w + pad}" y="14">{escape(value_label)}</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_height
        w = max(1.0, bar.value / v_max * inner_w)
        hl = " ifw-hl" if bar.highlight else ""
        parts.append(f'<text class="ifw-label{hl}" x="{label_w}" y="{y + row_height * 0.68:.1f}" text-anchor="end">{escape(bar.label)}</text>')
        parts.append(f'<rect class="{bar.cls}{hl}" x="{label_w + pad}" y="{y + 3}" width="{w:.1f}" height="{row_height - 6}" rx="2"/>')
        parts.append(f'<text class="ifw-label{hl}" x="{label_w + pad + w + 6:.1f}" y="{y + row_height * 0.68:.1f}">{escape(bar.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(rows: Sequence[tuple[str, Sequence[tuple[str, float, str]]]], *, title: str, desc: str,
                 total: float, width: int = 720, limits: Sequence[float | None] = ()) -> str:
    """One horizontal stacked bar per row: ``(row label, [(segment label, value, cls)])``.

    Bars share the scale *total*; ``limits[i]`` (same unit) draws a capacity
    marker on row *i*.  Returns ``<svg>`` text.
    """
    label_w, pad, row_h = 56, 8, 30
    inner_w = width - label_w - 2 * pad
    height = len(rows) * row_h + 26
    scale = inner_w / (total or 1.0)
    parts = [
        f'<svg class="ifw-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    ]
    legend: dict[str, str] = {}
    for i, (label, segments) in enumerate(rows):
        y = 4 + i * row_h
        parts.append(f'<text class="ifw-label" x="{label_w}" y="{y + 16}" text-anchor="end">{escape(label)}</text>')
        x: float = label_w + pad
        for seg_label, value, cls in segments:
            w = value * scale
            if w > 0:
                parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}"/>')
            legend.setdefault(seg_label, cls)
            x += w
        limit = limits[i] if i < len(limits) else None
        if limit is not None:
            lx = label_w + pad + min(limit * scale, inner_w)
            parts.append(f'<line class="ifw-limit" x1="{lx:.1f}" x2="{lx:.1f}" y1="{y}" y2="{y + row_h - 2}"/>')
    x = label_w + pad
    y = len(rows) * row_h + 14
    for seg_label, cls in legend.items():
        parts.append(f'<rect class="{cls} ifw-key" x="{x}" y="{y - 9}" width="10" height="10" rx="2"/>')
        parts.append(f'<text class="ifw-axis" x="{x + 14}" y="{y}">{escape(seg_label)}</text>')
        x += 26 + 7 * len(seg_label)
    parts.append('<text class="ifw-axis" x="{0}" y="{1}" text-anchor="end">│ = capacity</text>'.format(width - pad, y) if limits else "")
    parts.append("</svg>")
    return "".join(parts)


def bar_grid(rows: Sequence[str], columns: Sequence[tuple[str, Sequence[float | None]]], *, title: str, desc: str,
             highlight: int | None = None, width: int = 720, row_height: int = 18) -> str:
    """A grid of small horizontal bars: one row per item, one column per stage; returns ``<svg>`` text.

    ``columns`` is ``[(column title, [value per row])]`` with values in 0..1
    (a share, drawn as a bar of the column's width); None marks an item the
    stage removed (drawn as a dot).  ``highlight`` is the index of a row to
    emphasise (e.g. the chosen token).
    """
    label_w, pad, top = 96, 6, 30
    n = max(1, len(columns))
    col_w = (width - label_w - pad) / n
    height = top + len(rows) * row_height + 6
    parts = [
        f'<svg class="ifw-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    ]
    for j, (name, _) in enumerate(columns):
        x = label_w + pad + j * col_w
        parts.append(f'<text class="ifw-axis" x="{x + 2:.1f}" y="14">{escape(name)}</text>')
        parts.append(f'<line class="ifw-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 8}" y2="{height - 4}"/>')
    for i, label in enumerate(rows):
        y = top + i * row_height
        hl = " ifw-hl" if highlight == i else ""
        parts.append(f'<text class="ifw-label{hl}" x="{label_w}" y="{y + row_height * 0.7:.1f}" '
                     f'text-anchor="end">{escape(label)}</text>')
        for j, (_, values) in enumerate(columns):
            x = label_w + pad + j * col_w
            value = values[i] if i < len(values) else None
            if value is None or not math.isfinite(value):
                parts.append(f'<circle class="ifw-axis" cx="{x + 4:.1f}" cy="{y + row_height / 2:.1f}" r="1.5"/>')
                continue
            w = max(1.0, min(1.0, value) * (col_w - 8))
            parts.append(f'<rect class="ifw-c1{hl}" x="{x + 2:.1f}" y="{y + 3}" width="{w:.1f}" '
                         f'height="{row_height - 6}" rx="1"/>')
    parts.append("</svg>")
    return "".join(parts)


def cell_grid(cells: Sequence[Sequence[tuple[float, str]]], *, title: str, desc: str,
              legend: Sequence[tuple[str, str]], columns: int = 32, outlined: Sequence[int] = (),
              width: int = 720) -> str:
    """A grid of equal cells (e.g. KV blocks), each filled left to right by ``(fraction, cls)`` segments.

    Empty space stays an outlined cell; ``outlined`` cells (indices) get a
    heavy border (e.g. shared blocks).  Marks of one class are drawn as one
    path, so a grid of a few hundred cells stays small.  Returns ``<svg>`` text.
    """
    columns = max(1, columns)
    rows = max(1, math.ceil(len(cells) / columns))
    gap, top = 2, 24
    cell_w = (width - 2 - gap * (columns - 1)) / columns
    cell_h = min(18.0, max(8.0, cell_w * 0.8))
    height = top + rows * (cell_h + gap) + 4
    paths: dict[str, list[str]] = {}
    grid: list[str] = []
    heavy: list[str] = []
    marked = set(outlined)
    for i, segments in enumerate(cells):
        x, y = 1 + (i % columns) * (cell_w + gap), top + (i // columns) * (cell_h + gap)
        box = f"M{x:.1f},{y:.1f}h{cell_w:.1f}v{cell_h:.1f}h{-cell_w:.1f}z"
        (heavy if i in marked else grid).append(box)
        offset = 0.0
        for fraction, cls in segments:
            w = max(0.0, min(1.0 - offset, fraction)) * cell_w
            if w > 0.05:
                paths.setdefault(cls, []).append(f"M{x + offset * cell_w:.1f},{y:.1f}h{w:.1f}v{cell_h:.1f}h{-w:.1f}z")
            offset += max(0.0, fraction)
    parts = [f'<svg class="ifw-chart" viewBox="0 0 {width} {height:.0f}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>']
    x = 1
    for label, cls in legend:
        parts.append(f'<rect class="{cls} ifw-key" x="{x}" y="6" width="10" height="10" rx="2"/>')
        parts.append(f'<text class="ifw-axis" x="{x + 14}" y="15">{escape(label)}</text>')
        x += 24 + 7 * len(label)
    for cls, marks in paths.items():
        parts.append(f'<path class="{cls}" stroke-width="0" d="{"".join(marks)}"/>')
    if grid:
        parts.append(f'<path class="ifw-grid" fill="none" d="{"".join(grid)}"/>')
    if heavy:
        parts.append(f'<path class="ifw-limit" fill="none" d="{"".join(heavy)}"/>')
    parts.append("</svg>")
    return "".join(parts)
