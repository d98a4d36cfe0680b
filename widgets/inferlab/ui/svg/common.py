"""What every chart shares: the data classes, round ticks and the opening tag (``<svg role="img">`` with a title and a description)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


def svg_open(width: float, height: float, title: str, desc: str) -> str:
    """The opening tag of a chart *width* x *height* units, with its accessible *title* and *desc*."""
    return (f'<svg class="ifw-chart" viewBox="0 0 {width} {height:.0f}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title><desc>{escape(desc)}</desc>')


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
