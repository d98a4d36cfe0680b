"""Printing the résumé from Chromium gives a clean one- or two-page CV.

The page is printed in the dark palette on purpose: the print stylesheet must
still give black text on white, with no site navigation, and print the
target of every external link.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator

import pytest
from pypdf import PdfReader

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def resume_page(browser, site_server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    page = browser.new_page(color_scheme="dark")
    page.goto(site_server + "resume/")
    page.evaluate("() => localStorage.clear()")
    yield page
    page.close()


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


# -- every section a résumé can have (the JSON Resume sample, in a new site) --------------------------------

SECTIONS = ("Summary", "Experience", "Education", "Selected projects", "Publications", "Talks", "Awards", "Certificates",
            "Volunteering", "Skills", "Languages", "Interests", "References", "Open source")


@pytest.fixture(scope="module")
def complete_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a served new site whose résumé is the JSON Resume sample with every section and a photo."""
    from buildtools import run_mkdocs_build, serve_directory
    from sample_site import new_site

    folder = new_site(tmp_path_factory.mktemp("complete") / "site-src", complete=True)
    result = run_mkdocs_build(folder / "site", folder / "mkdocs.yml")
    assert result.returncode == 0, result.stderr[-4000:]
    server, url = serve_directory(folder / "site")
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def complete_resume_page(browser, complete_site: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    page = browser.new_page(color_scheme="dark")
    page.goto(complete_site + "resume/")
    yield page
    page.close()


@pytest.mark.parametrize(("path", "width", "scale"), [("", 320, 3), ("resume/", 1280, 1)])
def test_the_photo_comes_from_the_site_itself(browser, complete_site: str, path: str, width: int,  # type: ignore[no-untyped-def]
                                             scale: int) -> None:
    """No request leaves the site's origin, and the browser picks the photo size for its screen from srcset."""
    from urllib.parse import urlsplit

    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=scale)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(complete_site + path, wait_until="networkidle")
    photo = page.eval_on_selector(".if-photo", "img => [img.complete && img.naturalWidth, img.currentSrc]")
    context.close()
    origin = urlsplit(complete_site).netloc
    assert [url for url in requested if urlsplit(url).scheme != "data" and urlsplit(url).netloc != origin] == []
    photos = [url for url in requested if "/assets/images/photo-" in url]
    # naturalWidth is in CSS pixels (the file's width over its srcset density): the file name has its real width.
    assert photos == [photo[1]] and photo[1].endswith(f"-{128 * scale}.jpg") and photo[0] == 128, (photos, photo)


def test_every_section_is_on_the_page_with_links_named(complete_resume_page) -> None:  # type: ignore[no-untyped-def]
    page = complete_resume_page
    headings = page.eval_on_selector_all(".if-resume h2", "els => els.map(e => e.textContent.trim())")
    assert tuple(headings) == SECTIONS
    # Links read as their name ("Slides", "GitHub", a title), never as a bare address; the site's own address is the exception.
    bare = page.eval_on_selector_all(".if-resume a:not(.if-url)",
                                     "els => els.filter(a => /^(https?:|mailto:|www\\.)/.test(a.textContent.trim())).map(a => a.outerHTML)")
    assert bare == []
    photo = page.eval_on_selector(".if-resume .if-photo", "img => [img.complete && img.naturalWidth, img.currentSrc, img.alt]")
    assert photo[0] >= 128 and "/assets/images/photo-" in photo[1] and photo[2] == "Photo of Rosa Vega"


def test_every_section_prints_cleanly(complete_resume_page) -> None:  # type: ignore[no-untyped-def]
    page = complete_resume_page
    page.emulate_media(media="print", color_scheme="dark")
    layout = page.evaluate(
        """() => ({
            entries: [...document.querySelectorAll('.if-resume__entry, .if-resume__job, .if-resume__project')]
                .map(e => getComputedStyle(e).breakInside),
            headings: [...document.querySelectorAll('.if-resume h2')].map(h => getComputedStyle(h).breakAfter),
            photo: getComputedStyle(document.querySelector('.if-resume .if-photo')).width,
            background: getComputedStyle(document.body).backgroundColor,
            text: getComputedStyle(document.querySelector('.if-resume h3')).color,
        })"""
    )
    assert len(layout["entries"]) == 14 and set(layout["entries"]) == {"avoid"}
    assert set(layout["headings"]) == {"avoid"}
    assert round(float(layout["photo"].removesuffix("px"))) == 94  # 25 mm
    assert layout["background"] == "rgb(255, 255, 255)" and layout["text"] == "rgb(17, 17, 17)"
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 4
    text = unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in reader.pages)).replace("\n", " ")
    for heading in SECTIONS:
        assert heading in text, heading
    assert "Slides (https://conf.example.com/2023/slides/compaction.pdf)" in text.replace(" )", ")")
    assert "Rosa Vega, Lee Chen, Priya Natarajan" in text
    assert any(p.images for p in reader.pages)  # the photo
    for chrome in ("Skip to content", "Initializing search", "Copyright", "Print this page"):
        assert chrome not in text


@pytest.mark.parametrize(("scheme", "width"), [("light", 320), ("dark", 1280)])
def test_every_section_is_accessible_and_fits_a_phone(browser, complete_site: str, scheme: str,  # type: ignore[no-untyped-def]
                                                     width: int) -> None:
    """axe (WCAG A/AA) on the home and résumé pages of the sample with every section, photo included."""
    from axe import axe_violations, describe

    # axe is injected as a script: the page's Content-Security-Policy would refuse it.
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme, bypass_csp=True,
                                  reduced_motion="reduce")
    page = context.new_page()
    failures = []
    for path in ("", "resume/"):
        page.goto(complete_site + path, wait_until="load")
        violations = axe_violations(page)
        if violations:
            failures.append(f"/{path}:\n{describe(violations)}")
        if page.evaluate("document.documentElement.scrollWidth") > width:
            failures.append(f"/{path}: wider than {width} px")
    context.close()
    assert failures == [], "\n".join(failures)
