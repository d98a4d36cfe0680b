"""inferlab.ui.svg: charts are well-formed SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from inferlab.ui import svg


@pytest.mark.parametrize(("low", "high"), [(0, 1), (0, 7.3), (0, 1234), (0.5, 0.51), (0, 1e-9)])
def test_nice_ticks_cover_the_range(low: float, high: float) -> None:
    ticks = svg.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert ticks == sorted(ticks) and len(ticks) <= 12


def _parse(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag.endswith("svg") and root.get("role") == "img"
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    return root


def test_time_chart_is_well_formed_and_handles_empty_series() -> None:
    series = svg.Series("p99 <latency>", [(0.0, 1.0), (1.0, 2.0), (2.0, None)], "ifw-c2")
    _parse(svg.time_chart([("Latency (s)", [series]), ("Queue", [svg.Series("q", [], area=True)])],
                          title="t & d", desc="x < y", x0=0, x1=2))


def test_bar_and_stacked_charts_are_well_formed() -> None:
    _parse(svg.bar_chart([svg.Bar("Q4_K_M", 4.58, "4.58 GiB", highlight=True), svg.Bar("Q8_0", 7.95, "7.95 GiB")],
                         title="sizes", desc="d", value_label="GiB"))
    _parse(svg.stacked_bars([("VRAM", [("weights", 4.0, "ifw-c1"), ("KV cache", 1.0, "ifw-c2")])],
                            title="memory", desc="d", total=24.0, limits=[24.0]))
