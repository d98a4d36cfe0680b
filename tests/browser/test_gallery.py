"""Every registered widget, live in Chromium, on a gallery site built for the test (not the real site).

The gallery has one page per widget, generated from the registry, so a new
widget is covered without a test of its own.  It is built with ``site_url``
set to the test server's address, so Material's instant navigation really
swaps pages (it relies on sitemap.xml, whose URLs come from ``site_url``), and
the tests assert that no full reload happened.

Per widget: the pre-rendered numbers are there, touching a control takes it
live, a metric then changes, the console stays clean and no request leaves
the origin.  Across pages: leaving a page while its widget loads must not
break the widget of the next page (each instance has its own session id).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from buildtools import ROOT, run_mkdocs_build, serve_directory
from inferlab.ui import widget_class, widget_names

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
LIVE_TIMEOUT_MS = 60_000
#: Block options that keep animated widgets quick to pre-render.
FAST = {"pipeline": "warmup_s: 5"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_gallery(folder: Path, site_url: str) -> None:
    docs = folder / "docs"
    docs.mkdir(parents=True)
    names = widget_names()
    links = "\n".join(f"- [{widget_class(n).title}]({n}.md)" for n in names)
    (docs / "index.md").write_text(f"# Gallery\n\n{links}\n\n- [Second pipeline page](pipeline-2.md)\n", encoding="utf-8")
    for name in names:
        body = FAST.get(name, "")
        (docs / f"{name}.md").write_text(f"# {name}\n\n[Back to the gallery](index.md)\n\n```widget {name}\n{body}\n```\n",
                                         encoding="utf-8")
    (docs / "pipeline-2.md").write_text(
        f"# Another pipeline\n\n[Gallery](index.md)\n\n```widget pipeline\n{FAST['pipeline']}\nworkers: 40\n```\n",
        encoding="utf-8")
    (folder / "mkdocs.yml").write_text(f"""site_name: Widget gallery
site_url: {site_url}
theme:
  name: material
  font: false
  features: [navigation.instant]
plugins:
  - inferfolio/widgets:
      core_dir: {ROOT / 'widgets'}
      web_dir: {ROOT / 'widgets' / 'web'}
      pyodide_dir: {ROOT / 'node_modules' / 'pyodide'}
      cache_dir: {ROOT / '.cache' / 'inferlab-wheels'}
markdown_extensions:
  - inferfolio.widgets.markdown
""", encoding="utf-8")


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("gallery")
    port = _free_port()
    site_url = f"http://127.0.0.1:{port}/"
    _write_gallery(folder, site_url)
    result = run_mkdocs_build(folder / "site", folder / "mkdocs.yml")
    if result.returncode != 0:
        pytest.fail(f"the gallery did not build:\n{result.stderr[-4000:]}")
    server, url = serve_directory(folder / "site", port=port)
    assert url == site_url
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, gallery: str) -> Iterator[tuple[object, list[str], list[str]]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("request", lambda r: requests.append(r.url))
    yield pg, errors, requests
    context.close()
    host = urlsplit(gallery).netloc
    foreign = [u for u in requests if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != host]
    assert foreign == [], "requests left the site's origin"


def _state(pg: object, key: str) -> str:
    return pg.locator(f'[data-key="{key}"]').get_attribute("data-state")


def _metrics(pg: object, key: str) -> dict[str, str]:
    return pg.evaluate(f"""() => Object.fromEntries([...document.querySelectorAll(
        '[data-key="{key}"] [data-panel="0"] [data-metric]')].map(e => [e.dataset.metric, e.dataset.value]))""")


def _touch_first_control(pg: object, key: str) -> None:
    """Change the first control to another allowed value, as a reader would."""
    root = f'[data-key="{key}"]'
    control = pg.locator(f"{root} form [name]").first
    tag = control.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
    if tag.startswith("select"):
        options = control.evaluate("e => [...e.options].map(o => o.value)")
        current = control.input_value()
        control.select_option(next(v for v in options if v != current))
    elif tag.endswith("checkbox"):
        control.click()
    else:
        low = float(control.get_attribute("min") or 0)
        high = float(control.get_attribute("max") or low + 10)
        current = float(control.input_value() or low)
        target = low + (high - low) / 3 if abs(current - (low + (high - low) / 3)) > 1e-9 else low + (high - low) / 2
        step = control.get_attribute("step")
        if step and step != "any":
            target = low + round((target - low) / float(step)) * float(step)
        control.fill(str(int(target)) if float(target).is_integer() else str(target))


@pytest.mark.parametrize("name", widget_names())
def test_each_widget_goes_live_and_a_control_changes_a_metric(page: tuple, gallery: str, name: str) -> None:
    pg, errors, _ = page
    pg.goto(gallery)
    pg.click(f'a[href$="{name}/"]')
    pg.wait_for_url(f"**/{name}/")
    root = pg.locator(f'[data-key="{name}"]')
    assert _state(pg, name) == "static"
    static = _metrics(pg, name)
    assert static and all(v not in ("", None) or widget_class(name).kind == "animated" for v in static.values())
    _touch_first_control(pg, name)
    pg.wait_for_function(f"document.querySelector('[data-key=\"{name}\"]').dataset.state === 'live'",
                         timeout=LIVE_TIMEOUT_MS)
    pg.wait_for_function(
        """([key, before]) => [...document.querySelectorAll(`[data-key="${key}"] [data-panel="0"] [data-metric]`)]
              .some(e => e.dataset.value !== before[e.dataset.metric])""", arg=[name, static], timeout=20_000)
    assert root.locator("[data-tools]").is_visible()
    assert pg.evaluate("performance.getEntriesByType('navigation').length") == 1, "instant navigation reloaded the page"
    assert errors == [], errors


def test_leaving_a_page_while_its_widget_loads_does_not_break_the_next_one(page: tuple, gallery: str) -> None:
    pg, errors, _ = page
    pg.goto(gallery + "pipeline/")
    pg.locator('[data-key="pipeline"] form [name="workers"]').fill("20")  # starts loading
    pg.click('a[href$="/"]:has-text("Back to the gallery")')
    pg.click('a[href$="pipeline-2/"]')
    pg.wait_for_url("**/pipeline-2/")
    pg.locator('[data-key="pipeline"] form [name="workers"]').fill("44")
    pg.wait_for_function("document.querySelector('[data-key=pipeline]').dataset.state === 'live'", timeout=LIVE_TIMEOUT_MS)
    chart = "document.querySelector('[data-key=pipeline] [data-chart=timeline]').innerHTML"
    first = pg.evaluate(chart)
    pg.wait_for_function(f"{chart} !== {json.dumps(first)}", timeout=10_000)  # still ticking
    assert _state(pg, "pipeline") == "live"
    assert pg.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert errors == [], errors
