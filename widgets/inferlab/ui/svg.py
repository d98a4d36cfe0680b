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
                 total: float, width: int = 720, limits: Sequence[float | None] = (),
                 limit_label: str = "capacity") -> str:
    """One horizontal stacked bar per row: ``(row label, [(segment label, value, cls)])``.

    Bars share the scale *total*; ``limits[i]`` (same unit) draws a marker
    on row *i*, named *limit_label* in the legend.  Returns ``<svg>`` text.
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
    parts.append('<text class="ifw-axis" x="{0}" y="{1}" text-anchor="end">│ = {2}</text>'.format(width - pad, y, escape(limit_label))
                 if limits else "")
    parts.append("</svg>")
    return "".join(parts)


def xy_chart(series: Sequence[Series], *, title: str, desc: str, x_label: str, y_label: str, log_x: bool = False,
             y_min: float | None = None, y_max: float | None = None, notes: Sequence[tuple[float, float, str]] = (),
             highlight: tuple[float, float] | None = None, rules: Sequence[tuple[float, str]] = (),
             width: int = 720, height: int = 300) -> str:
    """Lines with a marker at every point on labelled x and y axes; returns ``<svg>`` text.

    ``log_x`` spaces x by its logarithm (every x must be positive).  ``notes``
    are ``(x, y, text)`` labels set beside points, ``highlight`` rings one
    point, ``rules`` are ``(x, text)`` dashed vertical reference lines.  A
    legend lists the series.
    """
    left, right, top, bottom = 52, 16, 30, 46
    inner_w, inner_h = width - left - right, height - top - bottom
    pts = [(x, y) for s in series for x, y in s.points if math.isfinite(x) and math.isfinite(y)]
    xs = [x for x, _ in pts] + [x for x, _ in rules]
    if log_x:
        xs = [x for x in xs if x > 0]
    x_lo, x_hi = (min(xs), max(xs)) if xs else (1.0, 10.0)
    ys = [y for _, y in pts]
    y_lo = y_min if y_min is not None else (min(ys) if ys else 0.0)
    y_hi = y_max if y_max is not None else (max(ys) if ys else 1.0)
    if y_hi <= y_lo:
        y_hi = y_lo + 1.0

    if log_x:
        steps = [m * 10 ** e for e in range(math.floor(math.log10(x_lo)), math.ceil(math.log10(x_hi)) + 1)
                 for m in (1, 2, 5)]
        x_lo = max(t for t in steps if t <= x_lo)
        x_hi = min((t for t in steps if t >= x_hi), default=steps[-1])
        x_hi = max(x_hi, x_lo * 2)
        span = math.log10(x_hi) - math.log10(x_lo)

        def px(x: float) -> float:
            return left + (math.log10(x) - math.log10(x_lo)) / span * inner_w

        x_ticks = [t for t in steps if x_lo <= t <= x_hi]
    else:
        x_ticks = nice_ticks(x_lo, x_hi, 5)
        x_lo, x_hi = x_ticks[0], x_ticks[-1]

        def px(x: float) -> float:
            return left + (x - x_lo) / ((x_hi - x_lo) or 1.0) * inner_w

    def py(y: float) -> float:
        return top + inner_h - (y - y_lo) / (y_hi - y_lo) * inner_h

    parts = [
        f'<svg class="ifw-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>',
        f'<text class="ifw-axis" x="{left}" y="{top - 10}">{escape(y_label)}</text>',
        f'<text class="ifw-axis" x="{left + inner_w / 2:.0f}" y="{height - 6}" text-anchor="middle">{escape(x_label)}</text>',
    ]
    for tick in nice_ticks(y_lo, y_hi, 4):
        if y_lo - 1e-12 <= tick <= y_hi + 1e-12:
            y = py(tick)
            parts.append(f'<line class="ifw-grid" x1="{left}" x2="{left + inner_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
            parts.append(f'<text class="ifw-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for tick in x_ticks:
        x = px(tick)
        parts.append(f'<line class="ifw-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + inner_h}"/>')
        parts.append(f'<text class="ifw-axis" x="{x:.1f}" y="{top + inner_h + 16}" text-anchor="middle">{_fmt_tick(tick)}</text>')
    for x_rule, text in rules:
        if x_lo <= x_rule <= x_hi:
            x = px(x_rule)
            parts.append(f'<line class="ifw-limit" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + inner_h}"/>')
            parts.append(f'<text class="ifw-label" x="{x - 4:.1f}" y="{top + inner_h - 6}" text-anchor="end">{escape(text)}</text>')
    for s in series:
        shown = [(px(x), py(y)) for x, y in s.points if math.isfinite(x) and math.isfinite(y) and (x > 0 or not log_x)]
        if len(shown) > 1:
            parts.append(f'<polyline class="{s.cls} ifw-line" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in shown)}"/>')
        parts.extend(f'<circle class="{s.cls}" cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in shown)
    placed: list[tuple[float, float, float, float]] = []
    for x_note, y_note, text in notes:  # a note that would overlap one already set is left out
        if (x_note <= 0 and log_x) or not math.isfinite(y_note):
            continue
        box = (px(x_note) + 5, py(y_note) + 3, px(x_note) + 5 + 7 * len(text), py(y_note) + 17)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        parts.append(f'<text class="ifw-axis" x="{box[0]:.1f}" y="{box[3] - 3:.1f}">{escape(text)}</text>')
    if highlight is not None and (highlight[0] > 0 or not log_x):
        parts.append(f'<circle class="ifw-limit" fill="none" cx="{px(highlight[0]):.1f}" cy="{py(highlight[1]):.1f}" r="7"/>')
    x = left + inner_w
    for s in reversed(series):
        x -= 26 + 7 * len(s.label)
        parts.append(f'<rect class="{s.cls} ifw-key" x="{x}" y="{top - 20}" width="10" height="10" rx="2"/>')
        parts.append(f'<text class="ifw-axis" x="{x + 16}" y="{top - 11}">{escape(s.label)}</text>')
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


@dataclass(frozen=True)
class Point:
    """One mark of a scatter on log axes: ``text`` is its tooltip; ``labeled`` writes ``label`` beside it."""

    label: str
    x: float
    y: float
    cls: str = "ifw-c1"
    text: str = ""
    labeled: bool = False
    size: float = 4.0


def _powers(low: float, high: float) -> list[float]:
    """Powers of ten from below *low* to above *high* (both > 0)."""
    lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
    if hi <= lo:
        hi = lo + 1
    return [10.0 ** e for e in range(lo, hi + 1)]


def _power_text(value: float) -> str:
    return f"{value:g}" if 1e-3 <= value < 1e5 else f"1e{round(math.log10(value))}"


def roofline_chart(peak: float, bandwidth: float, points: Sequence[Point], *, title: str, desc: str,
                   roof_label: str, x_label: str = "arithmetic intensity (FLOPs per byte moved)",
                   y_label: str = "TFLOP/s", y_unit: float = 1e12, width: int = 720, height: int = 320) -> str:
    """A roofline on log-log axes: ``min(peak, x * bandwidth)`` with the ridge marked, and *points*.

    *peak* is FLOP/s, *bandwidth* bytes/s, a point's ``x`` FLOPs/byte and
    ``y`` FLOP/s; the y axis is printed in units of *y_unit*.  Returns ``<svg>`` text.
    """
    left, right, top, bottom = 52, 30, 30, 40
    inner_w, inner_h = width - left - right, height - top - bottom
    ridge = peak / bandwidth
    finite = [p for p in points if p.x > 0 and p.y > 0 and math.isfinite(p.x) and math.isfinite(p.y)]
    xs = [p.x for p in finite] + [ridge]
    ys = [p.y for p in finite] + [peak, min(xs) * bandwidth]
    x_ticks, y_ticks = _powers(min(xs) / 1.5, max(xs) * 1.5), _powers(min(ys) / 1.5, max(ys) * 1.5)
    lx0, lx1 = math.log10(x_ticks[0]), math.log10(x_ticks[-1])
    ly0, ly1 = math.log10(y_ticks[0]), math.log10(y_ticks[-1])

    def px(x: float) -> float:
        return left + (math.log10(x) - lx0) / (lx1 - lx0) * inner_w

    def py(y: float) -> float:
        return top + inner_h - (math.log10(y) - ly0) / (ly1 - ly0) * inner_h

    parts = [
        f'<svg class="ifw-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>',
        f'<text class="ifw-axis" x="{left}" y="{top - 12}">{escape(y_label)}</text>',
        f'<text class="ifw-axis" x="{left + inner_w}" y="{height - 6}" text-anchor="end">{escape(x_label)}</text>',
    ]
    for t in x_ticks:
        x = px(t)
        parts.append(f'<line class="ifw-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + inner_h}"/>')
        parts.append(f'<text class="ifw-axis" x="{x:.1f}" y="{top + inner_h + 16}" text-anchor="middle">'
                     f'{_power_text(t)}</text>')
    for t in y_ticks:
        y = py(t)
        parts.append(f'<line class="ifw-grid" x1="{left}" x2="{left + inner_w}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="ifw-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{_power_text(t / y_unit)}</text>')
    x_lo, x_hi = x_ticks[0], x_ticks[-1]
    roof = [(x_lo, min(peak, x_lo * bandwidth))] + ([(ridge, peak)] if x_lo < ridge < x_hi else []) + \
           [(x_hi, min(peak, x_hi * bandwidth))]
    path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in roof)
    parts.append(f'<polyline class="ifw-c3 ifw-line" points="{path}"/>')
    if x_lo < ridge < x_hi:
        rx = px(ridge)
        parts.append(f'<line class="ifw-limit" x1="{rx:.1f}" x2="{rx:.1f}" y1="{py(peak):.1f}" '
                     f'y2="{top + inner_h}"/>')
    parts.append(f'<text class="ifw-label" x="{left + 8}" y="{top + 12}">{escape(roof_label)}</text>')
    for p in finite:
        x, y = px(p.x), py(p.y)
        tip = f"<title>{escape(p.text or p.label)}</title>"
        parts.append(f'<circle class="{p.cls}" cx="{x:.1f}" cy="{y:.1f}" r="{p.size:g}">{tip}</circle>')
        if p.labeled:
            anchor = "end" if x > left + inner_w * 0.75 else "start"
            dx = -8 if anchor == "end" else 8
            parts.append(f'<text class="ifw-label ifw-hl" x="{x + dx:.1f}" y="{y + 4:.1f}" '
                         f'text-anchor="{anchor}">{escape(p.label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Span:
    """A bar of a timeline row from ``start`` to ``end`` (seconds); ``steps`` > 1 draws step boundaries."""

    start: float
    end: float
    cls: str
    label: str
    steps: int = 1


def _time_tick(value: float, span: float) -> str:
    return f"{value * 1000:g} ms" if span < 2 else f"{value:g} s"


def gantt_chart(rows: Sequence[tuple[str, Sequence[Span]]], *, title: str, desc: str, end: float,
                legend: Sequence[tuple[str, str]], width: int = 720, row_height: int = 24) -> str:
    """Timeline rows of bars on a shared time axis from 0 to *end* seconds; returns ``<svg>`` text.

    Each row is ``(label, spans)``; a span of several steps shows its step
    boundaries when they are at least 4 px apart.  *legend* is
    ``[(label, cls)]``.
    """
    label_w, pad, top = 118, 8, 26
    inner_w = width - label_w - 2 * pad
    height = top + len(rows) * row_height + 26
    scale = inner_w / (end or 1.0)
    parts = [
        f'<svg class="ifw-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    ]
    x = label_w + pad
    for text, cls in legend:
        parts.append(f'<rect class="{cls}" x="{x}" y="6" width="10" height="10" rx="2"/>')
        parts.append(f'<text class="ifw-axis" x="{x + 15}" y="15">{escape(text)}</text>')
        x += 28 + 7 * len(text)
    axis_y = top + len(rows) * row_height + 16
    for tick in nice_ticks(0.0, end, 5):
        if 0 <= tick <= end:
            tx = label_w + pad + tick * scale
            parts.append(f'<line class="ifw-grid" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{axis_y - 12}"/>')
            anchor = "end" if tx > width - pad - 24 else "middle"  # keep the last label inside the box
            parts.append(f'<text class="ifw-axis" x="{tx:.1f}" y="{axis_y:.0f}" text-anchor="{anchor}">'
                         f'{_time_tick(tick, end)}</text>')
    for i, (label, spans) in enumerate(rows):
        y = top + i * row_height
        parts.append(f'<text class="ifw-label" x="{label_w}" y="{y + row_height * 0.66:.1f}" '
                     f'text-anchor="end">{escape(label)}</text>')
        for s in spans:
            x0, w = label_w + pad + s.start * scale, max(0.8, (s.end - s.start) * scale)
            n = s.steps if 1 < s.steps <= 400 and w / s.steps >= 4 else 1
            parts.append(f'<g><title>{escape(s.label)}</title>')
            for k in range(n):  # one bar per step, 1 px apart, when the steps are wide enough to see
                parts.append(f'<rect class="{s.cls}" x="{x0 + w * k / n:.1f}" y="{y + 4}" '
                             f'width="{w / n - (1 if n > 1 else 0):.1f}" height="{row_height - 8}"/>')
            parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Swing:
    """One row of a tornado chart: the answer with an input moved down (``low``) and up (``high``).

    None marks a move with no answer (drawn as a note, ``missing``).
    """

    label: str
    low: float | None
    high: float | None


def tornado_chart(rows: Sequence[Swing], *, base: float, title: str, desc: str, value_label: str,
                  low_label: str = "input down", high_label: str = "input up", missing: str = "none",
                  width: int = 720, row_height: int = 24) -> str:
    """Bars from *base* to each row's low (``ifw-c3``) and high (``ifw-c1``) answers, widest swing first;
    returns ``<svg>`` text.  A dashed line marks *base*; a move with no answer is drawn as a rule to the right
    edge (the answer is off the scale) labelled *missing*."""
    label_w, pad, top = 120, 10, 34
    def swing(r: Swing) -> float:
        return max(math.inf if v is None else abs(v - base) for v in (r.low, r.high))

    rows = sorted(rows, key=lambda r: -swing(r))
    values = [v for r in rows for v in (r.low, r.high) if v is not None and math.isfinite(v)] + [base]
    lo, hi = min(values), max(values)
    span = (hi - lo) or max(1.0, abs(base))
    lo, hi = lo - 0.25 * span, hi + 0.25 * span
    inner_w = width - label_w - 2 * pad
    height = top + len(rows) * row_height + 8

    def px(v: float) -> float:
        return label_w + pad + (v - lo) / (hi - lo) * inner_w

    parts = [
        f'<svg class="ifw-chart" viewBox="0 0 {width} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>',
        f'<text class="ifw-axis" x="{label_w + pad}" y="12">{escape(value_label)}</text>',
    ]
    x = width - pad
    for text, cls in ((high_label, "ifw-c1"), (low_label, "ifw-c3")):
        x -= 20 + 7 * len(text)
        parts.append(f'<rect class="{cls} ifw-key" x="{x}" y="3" width="10" height="10" rx="2"/>')
        parts.append(f'<text class="ifw-axis" x="{x + 14}" y="12">{escape(text)}</text>')
    bx = px(base)
    parts.append(f'<line class="ifw-limit" x1="{bx:.1f}" x2="{bx:.1f}" y1="{top - 12}" y2="{height - 4}"/>')
    parts.append(f'<text class="ifw-axis" x="{bx:.1f}" y="{top - 14}" text-anchor="middle">{_fmt_tick(base)}</text>')
    for i, row in enumerate(rows):
        y = top + i * row_height
        parts.append(f'<text class="ifw-label" x="{label_w}" y="{y + row_height * 0.66:.1f}" '
                     f'text-anchor="end">{escape(row.label)}</text>')
        for value, cls in ((row.low, "ifw-c3"), (row.high, "ifw-c1")):
            if value is None or not math.isfinite(value):  # no answer: off the scale upward, a rule to the edge
                edge = width - pad - 7 * len(missing) - 6
                parts.append(f'<line class="ifw-limit" x1="{bx:.1f}" x2="{edge:.1f}" y1="{y + row_height / 2:.1f}" '
                             f'y2="{y + row_height / 2:.1f}"/>')
                parts.append(f'<text class="ifw-axis" x="{width - pad}" y="{y + row_height * 0.66:.1f}" '
                             f'text-anchor="end">{escape(missing)}</text>')
                continue
            x0, x1 = sorted((bx, px(value)))
            parts.append(f'<rect class="{cls}" x="{x0:.1f}" y="{y + 4}" width="{max(1.0, x1 - x0):.1f}" '
                         f'height="{row_height - 8}" rx="2"/>')
            if value != base:
                tx = px(value) + (5 if value > base else -5)
                anchor = "start" if value > base else "end"
                parts.append(f'<text class="ifw-label" x="{tx:.1f}" y="{y + row_height * 0.66:.1f}" '
                             f'text-anchor="{anchor}">{_fmt_tick(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)
