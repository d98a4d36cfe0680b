"""Search entries for the pages drawn from the résumé (home and résumé).

The search plugin indexes each page's Markdown, but the home and résumé pages
are rendered by templates from ``docs/resume.yml``, so their text (roles,
companies, projects, skills) was not searchable.  :func:`sections` cuts a
built page at its headings with an ``id`` (as the search plugin cuts
Markdown) and :func:`merge_into_index` replaces those pages' entries in
``search/search_index.json`` with one entry per section.

Widgets carry Material's ``data-search-exclude`` on their root (the core's
markup, :mod:`inferlab.ui.render`): a widget's pre-rendered controls, option
lists and figures are not prose to search, and they made the index (fetched by
every page at load) several times larger.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from .widget_sections import replace_sections

_HEADING = re.compile(r"<h([1-3])\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_SKIPPED = re.compile(r"<(script|style|svg|template)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_ARTICLE = re.compile(r'<article class="md-content__inner[^"]*"[^>]*>(.*)</article>', re.DOTALL)


def _without_excluded(page_html: str) -> str:
    """*page_html* without the ``<section data-search-exclude>`` elements (nested sections balanced)."""
    return replace_sections(page_html, "data-search-exclude", lambda attrs, section: "")


def _text(fragment: str) -> str:
    plain = html.unescape(_TAGS.sub(" ", _SKIPPED.sub(" ", fragment)))
    return " ".join(plain.split())


def sections(page_html: str, url: str, page_title: str) -> list[dict[str, str]]:
    """Search entries (``location``, ``title``, ``text``) of the page at *url*, one per heading with an id."""
    match = _ARTICLE.search(page_html)
    body = _without_excluded(match.group(1) if match else page_html)
    entries = []
    headings = list(_HEADING.finditer(body))
    intro = body[: headings[0].start()] if headings else body
    starts = [(url, page_title, intro)]
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(body)
        starts.append((f"{url}#{heading.group(2)}", _text(heading.group(3)), body[heading.end():end]))
    for location, title, fragment in starts:
        text = _text(fragment)
        if title or text:
            entries.append({"location": location, "title": html.escape(title, quote=False),
                            "text": html.escape(text, quote=False)})
    return entries


def merge_into_index(index_path: Path, pages: dict[str, list[dict[str, str]]]) -> None:
    """Replace the entries of each page URL in *pages* (``""`` is the home page) by the given entries."""
    if not pages or not index_path.is_file():
        return
    index = json.loads(index_path.read_text(encoding="utf-8"))

    def page_of(location: str) -> str:
        return location.split("#", 1)[0]

    kept = [doc for doc in index["docs"] if page_of(doc["location"]) not in pages]
    index["docs"] = kept + [entry for entries in pages.values() for entry in entries]
    index_path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
