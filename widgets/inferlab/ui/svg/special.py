"""The explainers' special charts: a roofline on log axes, a timeline (gantt) and a tornado of sensitivities."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .common import _fmt_tick, nice_ticks, svg_open


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
        svg_open(width, height, title, desc),
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
        svg_open(width, height, title, desc)
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
        svg_open(width, height, title, desc),
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
