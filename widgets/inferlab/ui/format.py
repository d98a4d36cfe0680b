"""Number formatting for widget outputs: the text a reader sees next to each number.

Units are explicit: byte sizes in GiB/MiB (binary, 2**30 / 2**20 bytes, as
llama.cpp prints them), times in ms or s, rates per second.
"""

from __future__ import annotations

import math

GIB = 2**30
MIB = 2**20


def size_text(n_bytes: float) -> str:
    """Bytes -> ``"4.58 GiB"`` (>= 1 GiB), ``"512 MiB"`` or ``"12.0 KiB"``."""
    if n_bytes >= GIB:
        return f"{n_bytes / GIB:.2f} GiB"
    if n_bytes >= MIB:
        return f"{n_bytes / MIB:.0f} MiB"
    return f"{n_bytes / 1024:.1f} KiB"


def ms_text(ms: float | None) -> str:
    """Milliseconds -> ``"85 ms"``, ``"1.42 s"``; ``None``/NaN -> an em dash."""
    if ms is None or (isinstance(ms, float) and math.isnan(ms)):
        return "—"
    if ms >= 100_000:
        return f"{ms / 1000:.0f} s"
    if ms >= 10_000:
        return f"{ms / 1000:.1f} s"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 10:
        return f"{ms:.0f} ms"
    return f"{ms:.1f} ms"


def count_text(value: float) -> str:
    """A count or rate with thousands separators: ``1,234`` / ``12.5`` / ``0.25``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"


def rate_text(per_s: float, unit: str) -> str:
    """A rate: ``"1,234 tok/s"``."""
    return f"{count_text(per_s)} {unit}"


def percent_text(fraction: float | None) -> str:
    """A fraction 0..1 -> ``"37%"``."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "—"
    return f"{fraction * 100:.0f}%"
