"""Printing the résumé from Chromium gives a clean one- or two-page CV.

The page is printed in the dark palette on purpose: the print stylesheet must
still give black text on white, with no site navigation, and print the
target of every external link.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def resume_page(site_server: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(color_scheme="dark")
        page.goto(site_server + "resume/")
        page.evaluate("() => localStorage.clear()")
        yield page
        browser.close()


def test_print_view_hides_chrome_and_is_light(resume_page) -> None:  # type: ignore[no-untyped-def]
    page = resume_page
    page.emulate_media(media="print", color_scheme="dark")
    hidden = page.evaluate(
        """() => ['.md-header', '.md-tabs', '.md-sidebar--primary', '.md-footer', '.if-resume__print-hint']
            .map(sel => document.querySelector(sel))
            .filter(el => el && getComputedStyle(el).display !== 'none')
            .map(el => el.className)"""
    )
    assert hidden == []
    colours = page.evaluate(
        "() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('.if-resume h1')).color]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(17, 17, 17)"]


def test_printed_pdf_is_one_or_two_pages_with_links_shown(resume_page) -> None:  # type: ignore[no-untyped-def]
    # The résumé carries no external link until the owner confirms one (README: "To confirm with the
    # owner"), so add one to check that printing shows link targets after their text.
    resume_page.evaluate("""() => document.querySelector('.if-resume__contact').insertAdjacentHTML(
        'beforeend', '<a href="https://example.org/cv">CV</a>')""")
    pdf = resume_page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Harshit Joshi" in text
    assert "(https://example.org/cv)" in text.replace("\n", "")
    assert "hpj1992.poke.site" in text  # the site's own address, always printed
    for chrome in ("Skip to content", "Initializing search", "Copyright"):  # header, search, footer
        assert chrome not in text
