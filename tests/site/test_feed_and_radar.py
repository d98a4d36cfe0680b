"""Pure functions of the portfolio plugin: the Atom feed, the radar SVG and the JSON-LD."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest

from inferfolio.portfolio.feed import ATOM_NS, FeedEntry, FeedInfo, atom_feed
from inferfolio.portfolio.radar import radar_svg
from inferfolio.portfolio.seo import person_jsonld

A = f"{{{ATOM_NS}}}"


def test_atom_feed_orders_entries_newest_first_with_absolute_links() -> None:
    info = FeedInfo("Blog", "https://example.org/", "https://example.org/feed.xml", "Ann")
    entries = [
        FeedEntry("Old", "https://example.org/blog/old/", dt.date(2025, 1, 2), "old <summary> & stuff"),
        FeedEntry("New", "https://example.org/blog/new/", dt.date(2026, 3, 4), "new", "<p>Hi</p>", ["llama.cpp"]),
    ]
    root = ET.fromstring(atom_feed(info, entries))
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}updated") == "2026-03-04T00:00:00+00:00"
    titles = [e.findtext(f"{A}title") for e in root.iter(f"{A}entry")]
    assert titles == ["New", "Old"]
    new = next(root.iter(f"{A}entry"))
    assert new.find(f"{A}link").get("href") == "https://example.org/blog/new/"
    assert new.find(f"{A}content").text == "<p>Hi</p>"
    assert new.find(f"{A}category").get("term") == "llama.cpp"
    assert root.findall(f"{A}entry")[1].findtext(f"{A}summary") == "old <summary> & stuff"


def test_radar_svg_is_accessible_and_scaled() -> None:
    axes = [{"skill": "A & B", "level": 100}, {"skill": "C", "level": 50}, {"skill": "D", "level": 0}]
    svg = radar_svg(axes)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.findtext(f"{ns}title") == "Skills radar"
    assert "A & B: 100 out of 100; C: 50 out of 100; D: 0 out of 100" in root.findtext(f"{ns}desc")
    area = next(p for p in root.iter(f"{ns}polygon") if p.get("class") == "if-radar__area")
    first = area.get("points").split()[0]
    assert first == "250.0,95.0"  # level 100 on the upward spoke reaches the full radius (105)
    assert ["".join(t.itertext()) for t in root.iter(f"{ns}text")] == ["A & B", "C", "D"]


def test_radar_wraps_long_labels_into_two_lines() -> None:
    axes = [{"skill": "Distributed Systems", "level": 80}, {"skill": "LLMOps", "level": 50}, {"skill": "Java / C++", "level": 0}]
    root = ET.fromstring(radar_svg(axes))
    ns = "{http://www.w3.org/2000/svg}"
    lines = [[span.text for span in text.iter(f"{ns}tspan")] for text in root.iter(f"{ns}text")]
    assert lines == [["Distributed", "Systems"], ["LLMOps"], ["Java / C++"]]


def test_radar_needs_three_axes() -> None:
    with pytest.raises(ValueError, match="radar: 2 axes is not allowed; expected at least 3"):
        radar_svg([{"skill": "a", "level": 1}, {"skill": "b", "level": 2}])


def test_person_jsonld_is_script_safe() -> None:
    resume = {
        "name": "Ann </script>",
        "headline": "h",
        "experience": [{"end": "present", "role": "Engineer", "company": "Acme"}],
        "links": [{"url": "https://github.com/ann"}],
        "radar": [{"skill": "Queues"}],
    }
    text = person_jsonld(resume, "https://example.org/")
    assert "</script>" not in text
    data = json.loads(text)
    assert data["@type"] == "Person" and data["name"] == "Ann </script>"
    assert data["worksFor"]["name"] == "Acme" and data["sameAs"] == ["https://github.com/ann"]
