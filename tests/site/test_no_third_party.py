"""The built site asks no other host for anything: no CDN, no font host, no API."""

from __future__ import annotations

from pathlib import Path

import pytest

from html_scan import css_urls, html_fetches, is_third_party


def test_scanner_finds_what_a_browser_fetches() -> None:
    html = (
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
        '<link rel="canonical" href="https://example.org/">'
        '<script src="https://cdn.jsdelivr.net/npm/mermaid.js"></script>'
        '<img srcset="a.png 1x, https://img.example/b.png 2x">'
        '<div style="background: url(\'//tracker.example/p.gif\')"></div>'
        '<style>@import "https://unpkg.com/x.css";</style>'
        '<a href="https://github.com/x">a link a reader clicks</a>'
    )
    third = [u for u in html_fetches(html) if is_third_party(u)]
    assert third == [
        "https://fonts.googleapis.com/css?family=Roboto",
        "https://cdn.jsdelivr.net/npm/mermaid.js",
        "https://img.example/b.png",
        "//tracker.example/p.gif",
        "https://unpkg.com/x.css",
    ]


def test_no_page_or_stylesheet_fetches_from_another_host(built_site: Path) -> None:
    offenders: list[str] = []
    pages = sorted(built_site.rglob("*.html"))
    sheets = sorted(built_site.rglob("*.css"))
    assert len(pages) > 10 and sheets
    for page in pages:
        for url in html_fetches(page.read_text(encoding="utf-8")):
            if is_third_party(url):
                offenders.append(f"{page.relative_to(built_site)}: {url}")
    for sheet in sheets:
        for url in css_urls(sheet.read_text(encoding="utf-8", errors="replace")):
            if is_third_party(url):
                offenders.append(f"{sheet.relative_to(built_site)}: {url}")
    assert offenders == []


@pytest.mark.parametrize("needle", ["fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "api.github.com"])
def test_no_cdn_host_named_in_html(built_site: Path, needle: str) -> None:
    hits = [str(p.relative_to(built_site)) for p in built_site.rglob("*.html") if needle in p.read_text(encoding="utf-8")]
    assert hits == []
