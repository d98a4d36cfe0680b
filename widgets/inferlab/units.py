"""Byte units and aligned text tables.

Two families, always labelled: **GB = 10^9 bytes** (disk sizes, bandwidth in
GB/s, what Hugging Face shows) and **GiB = 2^30 bytes** (what llama.cpp and
GPU tools print for memory).
"""

GB = 10**9
GiB = 2**30
MiB = 2**20


def to_gb(nbytes: float) -> float:
    """Bytes -> GB (10^9 bytes)."""
    return nbytes / GB


def to_gib(nbytes: float) -> float:
    """Bytes -> GiB (2^30 bytes)."""
    return nbytes / GiB


def gib_to_bytes(gib: float) -> int:
    """GiB (2^30 bytes) -> bytes, rounded down."""
    return int(gib * GiB)


def fmt_gb(nbytes: float, digits: int = 2) -> str:
    """``'4.92 GB'`` (decimal gigabytes)."""
    return f"{nbytes / GB:.{digits}f} GB"


def fmt_gib(nbytes: float, digits: int = 2) -> str:
    """``'4.58 GiB'`` (binary gibibytes)."""
    return f"{nbytes / GiB:.{digits}f} GiB"


def fmt_both(nbytes: float, digits: int = 2) -> str:
    """``'4.92 GB / 4.58 GiB'``."""
    return f"{fmt_gb(nbytes, digits)} / {fmt_gib(nbytes, digits)}"


def fmt_rate(tokens_per_s: float | None) -> str:
    """Tokens per second with sensible precision; ``'-'`` for None."""
    if tokens_per_s is None:
        return "-"
    if tokens_per_s >= 100:
        return f"{tokens_per_s:.0f} tok/s"
    return f"{tokens_per_s:.1f} tok/s"


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
