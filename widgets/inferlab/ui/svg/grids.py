"""Grids of cells: a bar per cell (bar_grid) and a block table of filled cells (cell_grid)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from .common import svg_open


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
        svg_open(width, height, title, desc)
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
    parts = [svg_open(width, height, title, desc)]
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
