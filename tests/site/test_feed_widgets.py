"""Widgets in the feed and in the reading time: a static figure with a link, not inert controls."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from inferfolio.portfolio.widget_sections import static_widgets, without_widgets
from inferlab.ui import render_widget

PAGE = (f"<p>Before.</p>{render_widget('quant', 'ctx: 8192', widget_id='ifw-quant', key='quant')}"
        "<section><p>An ordinary section.</p></section><p>After.</p>")


def test_without_widgets_keeps_the_prose_and_other_sections() -> None:
    text = without_widgets(PAGE)
    assert "data-widget" not in text and "<p>Before.</p>" in text and "An ordinary section." in text


def test_a_widget_becomes_a_static_figure_with_a_link_in_the_feed() -> None:
    text = static_widgets(PAGE, "https://example.org/post/")
    assert "<form" not in text and "<select" not in text and "data-widget" not in text
    assert 'href="https://example.org/post/#ifw-quant"' in text and "<svg" in text
    assert "8,192-token" in text  # the figure is computed for the block's own settings
    assert "An ordinary section." in text


def test_the_built_feed_carries_figures_not_controls(built_site: Path) -> None:
    feed = (built_site / "feed.xml").read_text(encoding="utf-8")
    ET.fromstring(feed)
    contents = re.findall(r"<content[^>]*>(.*?)</content>", feed, re.S)
    assert contents and not any("&lt;form" in c or "&lt;select" in c for c in contents)
    assert any("run it live on the site" in c for c in contents)


def test_reading_time_counts_prose_not_widget_markup(built_site: Path) -> None:
    from buildtools import post_path

    page = (built_site / post_path("llm-orchestration-pipeline") / "index.html").read_text(encoding="utf-8")
    minutes = int(re.search(r"(\d+) min read", page).group(1))
    source = Path(__file__).resolve().parents[2] / "posts" / "llm-orchestration-pipeline.md"
    prose_words = len(re.sub(r"```widget.*?```", " ", source.read_text(encoding="utf-8"), flags=re.S).split())
    assert minutes <= prose_words / 265 + 3  # Material counts 265 words a minute, plus a little per image
