"""The whole site under its Content-Security-Policy, and what a reader downloads.

The site is served as Netlify / Cloudflare Pages would serve it: gzip, and the
``_headers`` file the build writes, so the policy arrives both as a header
(which also governs the widget's Web Worker) and as the pages' meta tag.

* every page loads, and every widget goes live (Pyodide in its worker), with
  no ``securitypolicyviolation`` event and no CSP error on the console;
* a page without a widget transfers at most 200 KB (compressed, fonts
  included) before any interaction, and none of it is Pyodide.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from buildtools import serve_directory
from conftest import DESKTOP, site_pages, widget_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE_TIMEOUT_MS = 90_000
PAGE_BUDGET_BYTES = 200_000
RUNTIME_MARKERS = ("/pyodide/", ".whl", "snapshot", "worker.js")

_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));
"""


@pytest.fixture(scope="module")
def host(built_site: Path) -> Iterator[str]:
    server, url = serve_directory(built_site, host_headers=True)
    yield url
    server.shutdown()
    server.server_close()


def test_header_and_meta_policy_match(built_site: Path, host: str) -> None:
    import urllib.request

    with urllib.request.urlopen(host) as response:
        header = response.headers["Content-Security-Policy"]
    assert header and "script-src 'self' 'wasm-unsafe-eval'" in header
    meta = (built_site / "index.html").read_text(encoding="utf-8")
    assert header.removesuffix("; frame-ancestors 'self'") in meta


def test_whole_site_runs_under_the_policy(chromium: object, built_site: Path, host: str) -> None:
    context = chromium.new_context(viewport=DESKTOP)
    context.add_init_script(_RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    worker_errors: list[str] = []
    page.on("worker", lambda w: w.on("console", lambda m: worker_errors.append(m.text) if m.type == "error" else None))
    problems = []
    live = 0
    with_widgets = set(widget_pages(built_site))
    try:
        for rel in site_pages(built_site):
            console.clear()
            page.goto(host + rel)
            page.wait_for_load_state("load")
            if rel in with_widgets:
                # Live mode starts on a reader's first touch of a control: touch every widget.
                page.wait_for_function("() => [...document.querySelectorAll('[data-widget] .ifw__fields')].every(f => !f.disabled)")
                for widget in page.query_selector_all("[data-widget]"):
                    widget.query_selector("form select, form input").focus()
                    page.keyboard.press("Shift")
                page.wait_for_function(
                    "() => [...document.querySelectorAll('[data-widget]')].every(w => ['live', 'error'].includes(w.dataset.state))",
                    timeout=LIVE_TIMEOUT_MS)
                states = page.evaluate("() => [...document.querySelectorAll('[data-widget]')].map(w => w.dataset.state)")
                if set(states) != {"live"}:
                    problems.append(f"/{rel}: widgets {states} (not live under the policy)")
                live += states.count("live")
            else:
                page.wait_for_timeout(300)
            violations = page.evaluate("() => window.__cspViolations")
            csp_console = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
            if violations or csp_console:
                problems.append(f"/{rel}: {violations} {csp_console}")
    finally:
        context.close()
    assert live >= 3, "every widget page went live"
    assert problems == [] and [m for m in worker_errors if "Content Security Policy" in m] == [], (problems, worker_errors)


def test_pages_without_a_widget_stay_small_and_load_no_runtime(chromium: object, built_site: Path, host: str) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    responses: list[object] = []
    page.on("requestfinished", lambda r: responses.append(r))
    over = []
    runtime = []
    weights = {}
    compressed = 0
    with_widgets = set(widget_pages(built_site))
    try:
        for rel in site_pages(built_site):
            if rel in with_widgets or rel.endswith("404.html"):
                continue
            responses.clear()
            page.goto(host + rel)
            page.wait_for_load_state("networkidle")
            total = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in responses)
            weights[rel] = total
            compressed += sum((r.response().headers.get("content-encoding") == "gzip") for r in responses if r.response())
            if total > PAGE_BUDGET_BYTES:
                over.append(f"/{rel}: {total} bytes")
            runtime += [f"/{rel}: {r.url}" for r in responses if any(m in r.url for m in RUNTIME_MARKERS)]
    finally:
        context.close()
    assert len(weights) >= 8
    assert over == [] and runtime == [], (over, runtime)
    # The budget means transferred bytes: the server compresses as a static host does.
    assert compressed >= len(weights) * 5, compressed
