"""Shared browser fixtures: one headless Chromium per test module, and the lists of built pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
#: Viewports: a laptop and the narrowest and widest common phones.
DESKTOP = {"width": 1280, "height": 900}
PHONE_WIDTHS = (320, 360, 390, 414)


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    # Module scope: Playwright's sync API allows one running instance at a time, and other
    # test modules start their own.
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def site_pages(site: Path) -> list[str]:
    """Every built page as a path under the site root ('' is the home page), 404 included."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        pages.append(rel.removesuffix("index.html"))
    return pages


def widget_pages(site: Path) -> list[str]:
    """The built pages that hold at least one widget."""
    return [rel for rel in site_pages(site)
            if "data-widget=" in (site / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)).read_text(encoding="utf-8")]
