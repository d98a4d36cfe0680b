"""Charts on axes: lines over time, bars, stacked bars, x-y scatter and lines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from .common import Bar, Series, _fmt_tick, nice_ticks, svg_open


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
        svg_open(width, height, title, desc)
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
        svg_open(width, height, title, desc),
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
        svg_open(width, height, title, desc)
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
        svg_open(width, height, title, desc),
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
