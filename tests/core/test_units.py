"""GB vs GiB formatting and the table renderer."""

import math

import pytest

from inferlab.units import (FORMATS, indefinite_article, GB, GiB, count_text, fmt_both, fmt_gb, fmt_gib, ms_text, percent_text, rate_text,
                            render_pairs, render_table, size_text)


def test_units():
    assert GB == 10**9 and GiB == 2**30
    assert fmt_gb(4_920_911_648) == "4.92 GB"
    assert fmt_gib(4_920_911_648) == "4.58 GiB"
    assert fmt_both(2**30) == "1.07 GB / 1.00 GiB"
    assert rate_text(None) == "—" and rate_text(130.4) == "130 tok/s" and rate_text(9.87) == "9.87 tok/s"
    assert rate_text(5.678, "req/s") == "5.68 req/s" and rate_text(1234.5) == "1,234 tok/s"


def test_table_aligned():
    text = render_table(["a", "bb"], [["x", 1], ["yyyy", 22]])
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert lines[2].endswith(" 1") and render_pairs([("k", 1), ("long", 2)]).startswith("k     1")


@pytest.mark.parametrize("n_bytes, text", [(2**30, "1.00 GiB"), (5 * 2**20, "5 MiB"), (2048, "2.0 KiB"), (64, "64 B"),
                                            (None, "—"), (math.nan, "—")])
def test_size_text_is_binary(n_bytes, text):
    assert size_text(n_bytes) == text


@pytest.mark.parametrize("ms, text", [(None, "—"), (3.25, "3.2 ms"), (85.4, "85 ms"), (1420, "1.42 s"), (12_340, "12.3 s"),
                                      (250_000, "250 s")])
def test_ms_text(ms, text):
    assert ms_text(ms) == text


def test_counts_and_percent():
    assert [count_text(x) for x in (0, 0.125, 1.104, 12.34, 1234.4)] == ["0", "0.125", "1.10", "12.3", "1,234"]
    assert percent_text(0.371) == "37%" and percent_text(0.004) == "0.4%" and percent_text(None) == "—"


def test_every_format_handles_none():
    for name, fmt in FORMATS.items():
        assert fmt(None) == "—", name


def test_indefinite_article() -> None:
    assert [indefinite_article(t) for t in ("8,192", "4,096", "11", "18,000", "1,800", "80", "800", "2")] == \
        ["an", "a", "an", "an", "a", "an", "an", "a"]
