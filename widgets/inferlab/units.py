"""Units and the text of every number a reader sees (widgets, CLI, prose).

Two byte families, always labelled: **GB = 10^9 bytes** (disk sizes,
bandwidth in GB/s, what Hugging Face shows) and **GiB = 2^30 bytes** (what
llama.cpp and GPU tools print for memory).  Times are ms or s, rates are per
second.  One formatter per kind of quantity, so the widget, the CLI and the
prose print the same number the same way.

:data:`FORMATS` names the formatters a widget metric or a prose number can
ask for (``Metric(fmt="bytes")``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

GB = 10**9
GiB = 2**30
MiB = 2**20
KiB = 2**10

DASH = "—"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def size_text(n_bytes: float | None) -> str:
    """Bytes -> ``"4.58 GiB"`` (>= 1 GiB), ``"512 MiB"``, ``"12.0 KiB"`` or ``"64 B"``."""
    if _missing(n_bytes):
        return DASH
    assert n_bytes is not None
    if abs(n_bytes) >= GiB:
        return f"{n_bytes / GiB:.2f} GiB"
    if abs(n_bytes) >= MiB:
        return f"{n_bytes / MiB:.0f} MiB"
    if abs(n_bytes) >= KiB:
        return f"{n_bytes / KiB:.1f} KiB"
    return f"{n_bytes:.0f} B"


def fmt_gb(nbytes: float, digits: int = 2) -> str:
    """``'4.92 GB'`` (decimal gigabytes)."""
    return f"{nbytes / GB:.{digits}f} GB"


def fmt_gib(nbytes: float, digits: int = 2) -> str:
    """``'4.58 GiB'`` (binary gibibytes)."""
    return f"{nbytes / GiB:.{digits}f} GiB"


def fmt_both(nbytes: float, digits: int = 2) -> str:
    """``'4.92 GB / 4.58 GiB'``."""
    return f"{fmt_gb(nbytes, digits)} / {fmt_gib(nbytes, digits)}"


def ms_text(ms: float | None) -> str:
    """Milliseconds -> ``"85 ms"``, ``"1.42 s"``; ``None``/NaN -> an em dash."""
    if _missing(ms):
        return DASH
    assert ms is not None
    if ms >= 100_000:
        return f"{ms / 1000:,.0f} s"
    if ms >= 10_000:
        return f"{ms / 1000:.1f} s"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 10:
        return f"{ms:.0f} ms"
    return f"{ms:.1f} ms"


def seconds_text(s: float | None) -> str:
    """Seconds -> the same text as :func:`ms_text` (``"0.42 s"`` is ``"420 ms"``)."""
    return DASH if _missing(s) else ms_text(s * 1000.0)  # type: ignore[operator]


def count_text(value: float | None) -> str:
    """A count or rate with three significant figures and thousands separators.

    ``1,234`` / ``123`` / ``12.3`` / ``1.23`` / ``0.123``; None/NaN -> an em dash.
    """
    if _missing(value):
        return DASH
    assert value is not None
    if value == 0:
        return "0"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def rate_text(per_s: float | None, unit: str = "tok/s") -> str:
    """A rate: ``"1,234 tok/s"``, ``"5.68 tok/s"``."""
    return DASH if _missing(per_s) else f"{count_text(per_s)} {unit}"


def percent_text(fraction: float | None) -> str:
    """A fraction 0..1 -> ``"37%"`` (``"0.4%"`` below 1%)."""
    if _missing(fraction):
        return DASH
    assert fraction is not None
    pct = fraction * 100
    return f"{pct:.1f}%" if 0 < abs(pct) < 1 else f"{pct:.0f}%"


def tokens_text(n: float | None) -> str:
    """A token count: ``"8,192 tokens"``."""
    return DASH if _missing(n) else f"{n:,.0f} tokens"


def integer_text(n: float | None) -> str:
    """A whole number with separators: ``"1,024"``."""
    return DASH if _missing(n) else f"{n:,.0f}"


def signed_text(x: float | None) -> str:
    """A signed difference: ``"+0.196"``."""
    return DASH if _missing(x) else f"{x:+.3f}"


def yes_no_text(flag: Any) -> str:
    """True/False -> ``"yes"``/``"no"``."""
    return DASH if flag is None else ("yes" if flag else "no")


def times_text(x: float | None) -> str:
    """A ratio: ``"2.41×"``."""
    return DASH if _missing(x) else f"{count_text(x)}×"


def indefinite_article(number_text: str) -> str:
    """``"a"`` or ``"an"`` before a number as it is read aloud: an 8,192-token, an 11-layer, a 4,096-token."""
    lead = number_text.lstrip().split(",")[0].split(".")[0]
    return "an" if lead.startswith("8") or lead in ("11", "18") else "a"


#: Formatter names a metric or a prose number may ask for.
FORMATS: dict[str, Callable[[Any], str]] = {
    "bytes": size_text,
    "ms": ms_text,
    "seconds": seconds_text,
    "count": count_text,
    "integer": integer_text,
    "tokens": tokens_text,
    "tok/s": lambda v: rate_text(v, "tok/s"),
    "req/s": lambda v: rate_text(v, "req/s"),
    "percent": percent_text,
    "signed": signed_text,
    "yes/no": yes_no_text,
    "times": times_text,
    "text": lambda v: DASH if v is None else str(v),
}


def render_table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """Aligned plain-text table.  *align* has one char per column, ``l`` or ``r``
    (default: first column left, others right)."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    n = len(headers)
    align = align or ("l" + "r" * (n - 1))
    widths = [max(len(r[i]) for r in cells) for i in range(n)]

    def line(r: list[str]) -> str:
        parts = [r[i].ljust(widths[i]) if align[i] == "l" else r[i].rjust(widths[i]) for i in range(n)]
        return "  ".join(parts).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def render_pairs(pairs: list[tuple[str, object]]) -> str:
    """Aligned ``key  value`` lines."""
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in pairs)
