"""GB vs GiB formatting and the table renderer."""

from inferlab.units import GB, GiB, fmt_both, fmt_gb, fmt_gib, fmt_rate, render_pairs, render_table


def test_units():
    assert GB == 10**9 and GiB == 2**30
    assert fmt_gb(4_920_911_648) == "4.92 GB"
    assert fmt_gib(4_920_911_648) == "4.58 GiB"
    assert fmt_both(2**30) == "1.07 GB / 1.00 GiB"
    assert fmt_rate(None) == "-" and fmt_rate(130.4) == "130 tok/s" and fmt_rate(9.87) == "9.9 tok/s"


def test_table_aligned():
    text = render_table(["a", "bb"], [["x", 1], ["yyyy", 22]])
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert lines[2].endswith(" 1") and render_pairs([("k", 1), ("long", 2)]).startswith("k     1")
