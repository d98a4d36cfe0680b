"""The blog's Atom feed (RFC 4287), written at the end of the build.

``atom_feed(feed, entries)`` is a pure function from feed metadata and
entries to XML text; the plugin gathers the entries from the built posts.
"""

from __future__ import annotations

import datetime as _dt
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"


@dataclass(frozen=True)
class FeedEntry:
    title: str
    url: str                 # absolute URL of the post
    published: _dt.date
    summary: str
    content_html: str = ""   # the full rendered post, when available
    categories: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class FeedInfo:
    title: str
    site_url: str            # absolute, ending in "/"
    feed_url: str            # absolute URL of the feed itself
    author: str
    subtitle: str = ""


def _timestamp(day: _dt.date) -> str:
    return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.timezone.utc).isoformat()


def atom_feed(info: FeedInfo, entries: Sequence[FeedEntry]) -> str:
    """Atom XML for *entries* (newest first in the output)."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    ordered = sorted(entries, key=lambda e: e.published, reverse=True)
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(root, "title", info.title)
    if info.subtitle:
        sub(root, "subtitle", info.subtitle)
    sub(root, "id", info.site_url)
    sub(root, "link", href=info.site_url, rel="alternate", type="text/html")
    sub(root, "link", href=info.feed_url, rel="self", type="application/atom+xml")
    sub(root, "updated", _timestamp(ordered[0].published) if ordered else _timestamp(_dt.date(1970, 1, 1)))
    sub(sub(root, "author"), "name", info.author)
    for entry in ordered:
        item = sub(root, "entry")
        sub(item, "title", entry.title)
        sub(item, "id", entry.url)
        sub(item, "link", href=entry.url, rel="alternate", type="text/html")
        sub(item, "published", _timestamp(entry.published))
        sub(item, "updated", _timestamp(entry.published))
        sub(item, "summary", entry.summary)
        for category in entry.categories:
            sub(item, "category", term=category)
        if entry.content_html:
            # xml:base lets readers resolve the post's relative links and images.
            sub(item, "content", entry.content_html, type="html", **{f"{{{XML_NS}}}base": entry.url})
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
