"""Accessibility repairs on Material's generated HTML that templates cannot reach cleanly.

Each function is a small, exact rewrite of markup that Material writes, with
the reason; ``tests/browser/test_accessibility.py`` runs axe on every page, so
a Material update that changes this markup shows up there.

* :func:`label_post_navigation` – a post's sidebar is a second
  ``<nav class="md-nav--primary">`` with no name and holds unnamed ``<nav>``
  sections ("Metadata"), and a post listing holds one unnamed
  ``<nav class="md-post__authors">`` (avatars) and ``<nav class="md-post__action">``
  ("Continue reading", one link) per post: axe ``landmark-unique``.  Sections
  get their titles as names; avatars and the single link become ``div``.
* :func:`focusable_tables` – Markdown tables become sideways-scrolling
  regions on phones; a keyboard user must be able to focus one to scroll it
  (axe ``scrollable-region-focusable``).  Each table gets a wrapper with
  ``tabindex="0"``, ``role="region"`` and a name from its header cells.
"""

from __future__ import annotations

import html
import itertools
import re

_POST_NAV = re.compile(r'(<div class="md-sidebar__inner md-post">\s*<nav class="md-nav md-nav--primary")>')
_AUTHORS_NAV = re.compile(r'<nav class="md-post__(authors md-typeset|action)">(.*?)</nav>', re.DOTALL)
_SECTION_NAV = re.compile(
    r'(<li class="md-nav__item md-nav__item--section">\s*<div class="md-post__title">\s*<span class="md-ellipsis">\s*'
    r'([^<]*?)\s*</span>\s*</div>\s*<nav class="md-nav")>'
)
_TABLE = re.compile(r"<table>(.*?)</table>", re.DOTALL)
_HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_WIDGET = re.compile(r"<section\b[^>]*\bdata-widget=")


def label_post_navigation(page_html: str) -> str:
    """Name the post sidebar's navigation and its sections; avatars and "continue reading" become ``div``."""
    page_html = _POST_NAV.sub(r'\1 aria-label="Post">', page_html)
    page_html = _SECTION_NAV.sub(r'\1 aria-label="\2">', page_html)
    return _AUTHORS_NAV.sub(r'<div class="md-post__\1">\2</div>', page_html)


def focusable_tables(content_html: str) -> str:
    """Wrap each Markdown table (``<table>`` without attributes) of page content in a focusable, named region."""
    if _WIDGET.search(content_html):
        # Widgets own their markup (inferlab.widgets.html): leave their tables alone.
        pieces = re.split(r"(<section\b[^>]*\bdata-widget=.*?</section>)", content_html, flags=re.DOTALL)
        return "".join(piece if piece.startswith("<section") else focusable_tables(piece) for piece in pieces)
    counter = itertools.count(1)

    def wrap(match: re.Match[str]) -> str:
        headers = [" ".join(_TAGS.sub("", cell).split()) for cell in _HEADER_CELL.findall(match.group(1))]
        name = f"Table {next(counter)}" + (": " + ", ".join(h for h in headers if h) if any(headers) else "")
        return (f'<div class="if-table" role="region" tabindex="0" aria-label="{html.escape(html.unescape(name))}">'
                f"{match.group(0)}</div>")

    return _TABLE.sub(wrap, content_html)
