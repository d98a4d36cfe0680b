"""Accessibility in a real browser: axe on every page, phones, dark mode, keyboard.

* axe-core (npm, pinned) finds no violation on any built page, in the light
  and dark palettes, at laptop and phone widths;
* no page is wider than the screen at 320-414 px;
* chart and radar text is at least 11 CSS px at phone widths; résumé stats
  never break inside a word;
* in the dark palette (and in print) chart lines are lines, not filled areas;
* a keyboard walk reaches every control of every widget, each with an
  accessible name and a visible focus indicator.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from axe import axe_violations, describe
from conftest import DESKTOP, PHONE_WIDTHS, site_pages, widget_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
LIVE_TIMEOUT_MS = 90_000
MIN_TEXT_PX = 11


def _context(chromium: object, viewport: dict[str, int], scheme: str = "light") -> object:
    # axe is injected as a script: the page's Content-Security-Policy would refuse it.
    return chromium.new_context(viewport=viewport, color_scheme=scheme, bypass_csp=True, reduced_motion="reduce")


def _open(page: object, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_function("document.body && document.querySelector('.md-main')")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_no_violation_on_any_page(chromium: object, built_site: Path, site_server: str,
                                            scheme: str, viewport: dict[str, int]) -> None:
    context = _context(chromium, viewport, scheme)
    page = context.new_page()
    failures = []
    try:
        pages = site_pages(built_site)
        assert len(pages) >= 10
        for rel in pages:
            _open(page, site_server + rel)
            expected = "slate" if scheme == "dark" else "default"
            assert page.evaluate("document.body.dataset.mdColorScheme") == expected
            violations = axe_violations(page)
            if violations:
                failures.append(f"/{rel}:\n{describe(violations)}")
    finally:
        context.close()
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("width", PHONE_WIDTHS)
def test_no_page_is_wider_than_a_phone(chromium: object, built_site: Path, site_server: str, width: int) -> None:
    context = _context(chromium, {"width": width, "height": 800})
    page = context.new_page()
    wide = []
    try:
        for rel in site_pages(built_site):
            _open(page, site_server + rel)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                culprit = page.evaluate(
                    """(w) => { const out = [];
                        for (const el of document.querySelectorAll('body *')) {
                          const r = el.getBoundingClientRect();
                          if (r.right > w + 0.5 && r.width > 0) out.push(el.tagName + '.' + el.className);
                        } return out.slice(-3); }""", width)
                wide.append(f"/{rel}: {scroll_width} px ({culprit})")
    finally:
        context.close()
    assert wide == []


_TEXT_SIZES = """() => [...document.querySelectorAll('svg.ifw-chart text, svg.if-radar text')]
    .filter(t => t.getBBox().width > 0 && getComputedStyle(t).display !== 'none')
    .map(t => { const m = t.getScreenCTM(); const scale = Math.hypot(m.a, m.b);
                return {text: t.textContent.trim().slice(0, 30), px: parseFloat(getComputedStyle(t).fontSize) * scale}; })"""


@pytest.mark.parametrize("width", [PHONE_WIDTHS[0], PHONE_WIDTHS[-1]])
def test_chart_text_is_readable_on_phones(chromium: object, built_site: Path, site_server: str, width: int) -> None:
    context = _context(chromium, {"width": width, "height": 800})
    page = context.new_page()
    try:
        measured = 0
        small = []
        for rel in widget_pages(built_site):
            _open(page, site_server + rel)
            sizes = page.evaluate(_TEXT_SIZES)
            measured += len(sizes)
            small += [f"/{rel}: {s['text']!r} at {s['px']:.1f} px" for s in sizes if s["px"] < MIN_TEXT_PX - 0.05]
    finally:
        context.close()
    assert measured > 30
    assert small == []


def test_stat_values_never_break_inside_a_word(chromium: object, site_server: str) -> None:
    context = _context(chromium, {"width": PHONE_WIDTHS[0], "height": 800})
    page = context.new_page()
    try:
        _open(page, site_server)
        lines = page.evaluate("""() => [...document.querySelectorAll('.if-stat__value')].map(el => {
            const range = document.createRange(); range.selectNodeContents(el);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return {text: el.textContent, lines: tops.size, words: el.textContent.trim().split(/\\s+/).length}; })""")
    finally:
        context.close()
    assert lines and all(item["lines"] <= item["words"] for item in lines), lines


_LINE_STYLES = """() => [...document.querySelectorAll('svg.ifw-chart .ifw-line, svg.ifw-chart .ifw-area')].map(el => {
    const s = getComputedStyle(el);
    return {cls: el.getAttribute('class'), fill: s.fill, stroke: s.stroke}; })"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("media", ["screen", "print"])
def test_chart_lines_are_not_filled(chromium: object, site_server: str, scheme: str, media: str) -> None:
    context = _context(chromium, DESKTOP, scheme)
    page = context.new_page()
    try:
        page.emulate_media(media=media, color_scheme=scheme)
        _open(page, site_server)
        styles = page.evaluate(_LINE_STYLES)
    finally:
        context.close()
    lines = [s for s in styles if "ifw-line" in s["cls"]]
    areas = [s for s in styles if "ifw-area" in s["cls"]]
    assert lines and areas
    assert all(s["fill"] == "none" and s["stroke"] != "none" for s in lines), lines
    assert all(s["stroke"] == "none" and s["fill"] != "none" for s in areas), areas


_CONTROLS = """(root) => [...root.querySelectorAll('input, select, button, textarea, summary, a[href], [tabindex]')]
    .filter(el => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0 && !el.closest('[hidden]'))
    .map(el => { // A radio group is one Tab stop (arrow keys move inside it).
                 const own = el.type === 'radio' ? `radio:${el.name}` : (el.id || el.name || el.outerHTML.slice(0, 60));
                 el.dataset.kbdWalk = el.dataset.kbdWalk || `${root.id}:${own}`;
                 return el.dataset.kbdWalk; })"""

_FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const labelled = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
        .map(id => document.getElementById(id)?.textContent || '').join(' ');
    const label = el.labels && el.labels.length ? [...el.labels].map(l => l.textContent).join(' ') : '';
    const own = ['BUTTON', 'A', 'SUMMARY'].includes(el.tagName) ? el.textContent : '';
    const name = (el.getAttribute('aria-label') || labelled || label || own || el.title || '').trim();
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1;
    return {key: el.dataset.kbdWalk || el.outerHTML.slice(0, 80), name, visible: outline || style.boxShadow !== 'none',
            inWidget: !!el.closest('[data-widget]')};
}"""


@pytest.fixture
def widget_page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport=DESKTOP, reduced_motion="reduce", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def test_keyboard_reaches_every_widget_control(widget_page: object, built_site: Path, site_server: str) -> None:
    pages = widget_pages(built_site)
    assert len(pages) >= 3
    problems = []
    for rel in pages:
        problems += _keyboard_walk(widget_page, site_server, rel)
    assert problems == [], "\n".join(problems)


def _keyboard_walk(page: object, site_server: str, rel: str) -> list[str]:
    """Problems of the keyboard walk through the widgets of one page (empty when all is well)."""
    _open(page, site_server + rel)
    # Controls are enabled once the widget script has armed them (live mode starts on the first touch).
    page.wait_for_function("() => [...document.querySelectorAll('[data-widget] .ifw__fields')].every(f => !f.disabled)",
                           timeout=LIVE_TIMEOUT_MS)
    expected = set()
    for handle in page.query_selector_all("[data-widget]"):
        expected.update(handle.evaluate(_CONTROLS))
    if not expected:
        return [f"/{rel}: no control found"]
    # Start from the widget's heading, then walk with Tab through the page.
    page.evaluate("""() => { const h = document.querySelector('[data-widget] h3, [data-widget] h2');
                             h.setAttribute('tabindex', '-1'); h.focus(); }""")
    reached: dict[str, dict] = {}
    for _ in range(len(expected) * 3 + 40):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused and focused["inWidget"]:
            reached[focused["key"]] = focused
        if expected <= set(reached):
            break
    problems = [f"/{rel}: Tab never reaches {key}" for key in sorted(expected - set(reached))]
    problems += [f"/{rel}: no accessible name: {key}" for key, f in reached.items() if not f["name"]]
    problems += [f"/{rel}: no visible focus: {key}" for key, f in reached.items() if not f["visible"]]
    return problems
