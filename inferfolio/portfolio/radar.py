"""The skills radar: an accessible inline SVG computed at build time.

``radar_svg(axes)`` draws one spoke per skill, grid rings at 25/50/75/100 %
and the filled level polygon.  The SVG carries ``role="img"``, a ``<title>``
and a ``<desc>`` listing every level; the home page also renders the same data
as a visually hidden table for screen readers (see ``overrides/home.html``).
Colours come from CSS classes styled with Material's palette variables, so the
chart follows the light/dark toggle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

#: Geometry in SVG user units; the viewBox leaves room for labels on every side.  It is
#: compact so that, on a 320 px phone, labels (21 units there, site.css) stay above 11 CSS px.
WIDTH, HEIGHT = 500, 400
CX, CY = WIDTH / 2, HEIGHT / 2
RADIUS = 105
LABEL_GAP = 12
RINGS = (25, 50, 75, 100)
#: Labels wrap at spaces into lines of about this many characters (two lines at most).
LABEL_LINE_CHARS = 12


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    """Cartesian point of spoke *index* of *count* at *fraction* of the radius (spoke 0 points up)."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return CX + RADIUS * fraction * math.cos(angle), CY + RADIUS * fraction * math.sin(angle)


def _points(values: Sequence[float]) -> str:
    count = len(values)
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in (_point(i, count, v) for i, v in enumerate(values)))


def _anchor(x: float) -> str:
    if abs(x - CX) < 1:
        return "middle"
    return "start" if x > CX else "end"


def _label_lines(text: str) -> list[str]:
    """*text* in at most two lines, broken at a space near the middle when it is long."""
    if len(text) <= LABEL_LINE_CHARS or " " not in text:
        return [text]
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return [text[:cut].strip(), text[cut + 1:].strip()]


def radar_svg(axes: Sequence[dict[str, Any]], title: str = "Skills radar") -> str:
    """Inline SVG for *axes* (``[{"skill": str, "level": 0..100}, ...]``, at least 3)."""
    if len(axes) < 3:
        raise ValueError(f"radar: {len(axes)} axes is not allowed; expected at least 3")
    count = len(axes)
    description = "; ".join(f"{a['skill']}: {a['level']} out of 100" for a in axes)
    parts = [
        f'<svg class="if-radar" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="radar-title radar-desc"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="radar-title">{escape(title)}</title>',
        f'<desc id="radar-desc">Self-assessed level per skill area: {escape(description)}.</desc>',
    ]
    for ring in RINGS:
        parts.append(f'<polygon class="if-radar__ring" points="{_points([ring / 100] * count)}"/>')
    for i in range(count):
        x, y = _point(i, count, 1)
        parts.append(f'<line class="if-radar__spoke" x1="{CX}" y1="{CY}" x2="{x:.1f}" y2="{y:.1f}"/>')
    parts.append(f'<polygon class="if-radar__area" points="{_points([a["level"] / 100 for a in axes])}"/>')
    for i, axis in enumerate(axes):
        x, y = _point(i, count, axis["level"] / 100)
        parts.append(f'<circle class="if-radar__dot" cx="{x:.1f}" cy="{y:.1f}" r="4"/>')
    for i, axis in enumerate(axes):
        x, y = _point(i, count, (RADIUS + LABEL_GAP) / RADIUS)
        lines = _label_lines(axis["skill"])
        # First line's offset (em): centred on the spoke at the sides, above the top, below the bottom.
        if abs(y - CY) < RADIUS * 0.5:
            first = 0.35 - 0.55 * (len(lines) - 1)
        else:
            first = 1.0 if y > CY else -1.1 * (len(lines) - 1)
        spans = "".join(
            f'<tspan x="{x:.1f}" dy="{(first if n == 0 else 1.1):.2f}em">{escape(line)}</tspan>' for n, line in enumerate(lines)
        )
        parts.append(f'<text class="if-radar__label" x="{x:.1f}" y="{y:.1f}" text-anchor="{_anchor(x)}">{spans}</text>')
    parts.append("</svg>")
    return "".join(parts)
