"""Helpers for the built-site tests: what a browser would fetch from a page or stylesheet."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

#: (tag, attribute) pairs whose URL the browser fetches on its own.
FETCHED = {
    ("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"), ("source", "srcset"),
    ("iframe", "src"), ("embed", "src"), ("object", "data"), ("video", "src"), ("video", "poster"),
    ("audio", "src"), ("track", "src"), ("input", "src"), ("image", "href"), ("use", "href"),
}
#: <link rel=...> values that make the browser fetch ``href``.
FETCHING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "modulepreload", "prefetch", "manifest", "preconnect", "dns-prefetch", "mask-icon"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fetched: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for attr, value in values.items():
            if (tag, attr) in FETCHED or (attr == "xlink:href" and tag in ("image", "use")):
                self.fetched.extend(_srcset(value) if attr == "srcset" else [value])
        if tag == "link" and set(values.get("rel", "").lower().split()) & FETCHING_RELS:
            self.fetched.append(values.get("href", ""))
        if "style" in values:
            self.fetched.extend(css_urls(values["style"]))
        self.in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.fetched.extend(css_urls(data))

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False


def _srcset(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def css_urls(css: str) -> list[str]:
    """Every url(...) and @import target in a stylesheet."""
    return [a or b for a, b in CSS_URL.findall(css)]


def html_fetches(html: str) -> list[str]:
    """Every URL a browser would fetch while loading *html* (not links a reader clicks)."""
    collector = _Collector()
    collector.feed(html)
    return collector.fetched


def is_third_party(url: str, base: str = "https://site.invalid/page/") -> bool:
    """True if *url*, resolved against a same-origin *base*, points at another host."""
    if url.startswith(("data:", "#", "blob:")):
        return False
    resolved = urlsplit(urljoin(base, url))
    return resolved.netloc not in ("", urlsplit(base).netloc)
