"""The live widgets in headless Chromium, against the built site on localhost.

Checks the contract of issue 5: the static pre-render is in the HTML, no
Pyodide byte loads before a widget is needed, the widget goes live, a load
spike raises queue depth and it drains, more workers lower latency, the
calculator's numbers equal the CLI's, the URL restores a shared
configuration, no request leaves the
origin, no console error, and a failed Pyodide load leaves the static view
with its message.  Instant navigation is tested on the gallery site
(test_gallery.py), which is built with site_url set to the test server so
Material really swaps pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from buildtools import post_path

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
QUANT_PAGE = post_path("llama-cpp-optimization-parameters")
PIPELINE_PAGE = post_path("llm-orchestration-pipeline")
LIVE_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser(site_server: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """Console errors and requests of one page."""

    def __init__(self, page: object, origin: str) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.origin = origin
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("data:", "blob:")) and
                urlsplit(u).netloc != urlsplit(self.origin).netloc]

    def runtime(self) -> list[str]:
        return [u for u in self.requests if "/pyodide/" in u or u.split("?")[0].endswith(".whl")]


@pytest.fixture
def page(browser: object, site_server: str) -> Iterator[tuple[object, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    watch = Watch(pg, site_server)
    yield pg, watch
    context.close()
    assert watch.foreign() == [], "requests left the site's origin"


def no_errors(watch: Watch) -> None:
    assert watch.errors == [], watch.errors


def wait_state(pg: object, widget: str, state: str, timeout: float = LIVE_TIMEOUT_MS) -> None:
    pg.wait_for_function(f"() => document.querySelector('[data-widget={widget}]').dataset.state === '{state}'", timeout=timeout)


def metric(pg: object, name: str) -> object:
    raw = pg.locator(f'[data-metric="{name}"]').first.get_attribute("data-value")
    return json.loads(raw) if raw else None


def rate_for(load: float, workers: int) -> float:
    """An arrival rate that is *load* x the capacity of the pipeline post's widget with *workers* (per the core)."""
    from inferfolio.widgets.blocks import find_blocks
    from inferlab.inputs import parse_lines
    from inferlab.pipeline.widget import PipelineWidget, capacity_rps

    post = Path(__file__).resolve().parents[2] / "posts" / "llm-orchestration-pipeline.md"
    [block] = [b for b in find_blocks(post.read_text(encoding="utf-8").splitlines()) if b.name == "pipeline"]
    values = {name: value for _, name, value in parse_lines(block.body)} | {"workers": workers}
    return round(load * capacity_rps(PipelineWidget.parse(values)), 1)


def cli_memory(options: dict) -> dict:
    from inferlab.llamacpp.widget import QuantWidget

    values = QuantWidget.parse(options)
    args = [arg for p in QuantWidget.params if values[p.name] is not None for arg in (p.cli_flag(), p.text(values[p.name]))]
    out = subprocess.run([sys.executable, "-m", "inferlab", "memory", *args, "--json"], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def test_static_prerender_without_javascript(browser: object, site_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    for path, widget, metrics in ((QUANT_PAGE, "quant", ("file_bytes", "total_bytes", "decode_tokens_per_s")),
                                  ("", "pipeline", ("latency_p99", "queue_depth", "throughput_tokens", "cache_hit"))):
        pg.goto(site_server + path)
        root = pg.locator(f'[data-widget="{widget}"]')
        assert root.get_attribute("data-state") == "static"
        for name in metrics:
            text = pg.locator(f'[data-metric="{name}"]').first.text_content().strip()
            assert text and text != "—", name
        assert root.locator("svg").count() >= 1
        assert root.locator("[data-status]").first.text_content().strip()
    context.close()


def _shown_decode_speed(pg: object) -> tuple[str, ...]:
    """The memory and decode speed the reader sees in the quant widget (the visible panel's metrics)."""
    return tuple(pg.locator(f'[data-widget="quant"] [data-metric="{name}"]:visible').first.text_content().strip()
                 for name in ("total_bytes", "decode_tokens_per_s"))


def test_presets_switch_without_javascript(browser: object, site_server: str) -> None:
    """Each preset is a radio button whose panel CSS shows: true numbers for each, no script."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(site_server + QUANT_PAGE)
    root = pg.locator('[data-widget="quant"]')
    assert root.get_attribute("data-state") == "static"
    labels = root.locator(".ifw__presets label")
    assert labels.count() >= 3
    shown = [_shown_decode_speed(pg)]
    for index in range(1, labels.count()):
        labels.nth(index).click()
        assert root.locator(f'.ifw-preset__radio[value="{index}"]').is_checked()
        assert root.locator(".ifw__panel:visible").count() == 1
        assert root.locator(f'.ifw__panel[data-panel="{index}"]').is_visible()
        shown.append(_shown_decode_speed(pg))
    assert len(set(shown)) == len(shown), shown     # each scenario shows its own numbers
    labels.nth(0).click()
    assert _shown_decode_speed(pg) == shown[0]
    context.close()


def test_a_preset_loads_into_the_live_widget(page: tuple) -> None:
    pg, watch = page
    pg.goto(watch.origin + QUANT_PAGE)
    root = pg.locator('[data-widget="quant"]')
    root.scroll_into_view_if_needed()
    static_speed = metric(pg, "decode_tokens_per_s")
    label = root.locator("label", has_text="70B on two RTX 4090s")
    index = root.locator(f'#{label.get_attribute("for")}').get_attribute("value")
    prerendered = json.loads(root.locator(f'.ifw__panel[data-panel="{index}"] [data-metric="decode_tokens_per_s"]')
                             .get_attribute("data-value"))
    label.click()
    wait_state(pg, "quant", "live")
    pg.wait_for_function("() => document.querySelector('[data-widget=quant] select[name=model]').value === 'llama-3.1-70b'",
                         timeout=LIVE_TIMEOUT_MS)
    assert root.locator('[name="gpus"]').input_value() == "2"
    pg.wait_for_function(f"() => Number(document.querySelector('[data-widget=quant] [data-metric=decode_tokens_per_s]')"
                         f".dataset.value) < {static_speed} / 2", timeout=LIVE_TIMEOUT_MS)
    # the live model computes what the build pre-rendered for this preset
    assert metric(pg, "decode_tokens_per_s") == pytest.approx(prerendered, rel=1e-9)
    no_errors(watch)


def test_no_runtime_byte_before_the_widget_is_needed(page: tuple) -> None:
    pg, watch = page
    pg.goto(watch.origin + QUANT_PAGE)
    box = pg.locator('[data-widget="quant"]').bounding_box()
    assert box["y"] > 900, "the widget should start below the fold for this check"
    pg.wait_for_timeout(2500)
    assert watch.runtime() == []
    assert pg.locator('[data-widget="quant"]').get_attribute("data-state") == "static"
    no_errors(watch)


def test_pages_without_a_widget_load_only_the_bootstrap(page: tuple) -> None:
    pg, watch = page
    pg.goto(watch.origin + "resume/")
    pg.wait_for_timeout(1500)
    mine = [u.split("?")[0].rsplit("/", 1)[-1] for u in watch.requests if "/assets/widgets/" in u]
    assert sorted(mine) == ["boot.js", "widgets.css"]
    no_errors(watch)


def test_calculator_goes_live_and_equals_the_cli(page: tuple) -> None:
    pg, watch = page
    pg.goto(watch.origin + QUANT_PAGE)
    root = pg.locator('[data-widget="quant"]')
    root.scroll_into_view_if_needed()
    start = json.loads(root.get_attribute("data-options"))
    static = {name: metric(pg, name) for name in ("file_bytes", "total_bytes", "decode_tokens_per_s")}
    expected = cli_memory(start)
    assert static == {key: expected[key] for key in static}
    pg.select_option('[data-widget="quant"] select[name="quant"]', "Q5_K_M")
    pg.fill('[data-widget="quant"] input[name="ctx"]', "2048")
    wait_state(pg, "quant", "live")
    pg.wait_for_function("() => document.querySelector('[data-metric=file_bytes]').dataset.value !== '%s'"
                         % static["file_bytes"])
    pg.wait_for_timeout(500)
    expected = cli_memory({**start, "quant": "Q5_K_M", "ctx": 2048})
    assert metric(pg, "file_bytes") == expected["file_bytes"]
    assert metric(pg, "total_bytes") == expected["total_bytes"]
    assert metric(pg, "decode_tokens_per_s") == expected["decode_tokens_per_s"]
    assert "quant.quant=Q5_K_M" in pg.url and "quant.ctx=2048" in pg.url
    no_errors(watch)


def test_url_restores_a_shared_configuration(page: tuple) -> None:
    pg, watch = page
    pg.goto(watch.origin + QUANT_PAGE + "?quant.quant=Q6_K&quant.kv_type=q8_0")
    wait_state(pg, "quant", "live")
    assert pg.locator('[data-widget="quant"] select[name="quant"]').input_value() == "Q6_K"
    start = json.loads(pg.locator('[data-widget="quant"]').get_attribute("data-options"))
    pg.wait_for_timeout(300)
    expected = cli_memory({**start, "quant": "Q6_K", "kv_type": "q8_0"})
    assert metric(pg, "total_bytes") == expected["total_bytes"]
    no_errors(watch)


def test_load_spike_raises_queue_depth_then_it_drains(page: tuple) -> None:
    pg, watch = page
    pg.goto(watch.origin + PIPELINE_PAGE + f"?pipeline.workers=8&pipeline.spike_s=10&pipeline.arrival_rate={rate_for(0.6, 8)}")
    root = pg.locator('[data-widget="pipeline"]')
    root.scroll_into_view_if_needed()
    wait_state(pg, "pipeline", "live")
    pg.click('[data-widget="pipeline"] [data-action="spike"]')
    wait_state(pg, "pipeline", "live")
    pg.wait_for_function("() => Number(document.querySelector('[data-metric=queue_depth]').dataset.value) >= 15",
                         timeout=20_000)
    peak = metric(pg, "queue_depth")
    pg.wait_for_function("() => Number(document.querySelector('[data-metric=queue_depth]').dataset.value) <= 3",
                         timeout=90_000)
    assert peak >= 15
    no_errors(watch)


def test_more_workers_lower_latency(page: tuple) -> None:
    pg, watch = page
    pg.goto(watch.origin + PIPELINE_PAGE + f"?pipeline.workers=8&pipeline.arrival_rate={rate_for(1.5, 8)}")
    pg.locator('[data-widget="pipeline"]').scroll_into_view_if_needed()  # it pauses while off-screen
    wait_state(pg, "pipeline", "live")
    # Let a real backlog form, then let the latency window fill with requests that
    # waited behind it (otherwise p99 is mostly service time, with or without workers).
    pg.wait_for_function("() => Number(document.querySelector('[data-metric=queue_depth]').dataset.value) >= 60",
                         timeout=60_000)
    pg.wait_for_timeout(8_000)
    before = metric(pg, "latency_p99")
    assert metric(pg, "queue_depth") > 10
    pg.fill('[data-widget="pipeline"] input[name="workers"]', "96")
    pg.wait_for_function("() => Number(document.querySelector('[data-metric=queue_depth]').dataset.value) === 0",
                         timeout=90_000)
    # Requests taken off the queue just before it emptied still finish for a few
    # seconds; wait until the 5-second latency window holds only fresh ones.
    pg.wait_for_timeout(15_000)
    after = metric(pg, "latency_p99")
    assert after < before, (before, after)
    assert "pipeline.workers=96" in pg.url
    no_errors(watch)


def test_failed_runtime_load_keeps_the_static_view(page: tuple) -> None:
    pg, watch = page
    pg.route("**/pyodide/pyodide.asm.wasm", lambda route: route.abort())
    pg.goto(watch.origin + QUANT_PAGE)
    root = pg.locator('[data-widget="quant"]')
    root.scroll_into_view_if_needed()
    static = pg.locator('[data-metric="file_bytes"]').first.text_content()
    pg.select_option('[data-widget="quant"] select[name="quant"]', "Q8_0")
    wait_state(pg, "quant", "error")
    assert "unavailable" in root.locator("[data-mode]").text_content()
    assert pg.locator('[data-metric="file_bytes"]').first.text_content() == static
    assert root.locator("svg").count() >= 2


def worker_stats(pg: object) -> dict:
    """The worker's own account of its start-up ({started_from, start_ms, wasm_memory_bytes})."""
    return pg.evaluate("""async () => {
        const boot = document.querySelector('script[src*="assets/widgets/boot.js"]').src;
        const build = document.querySelector('[data-widget]').dataset.build;
        const mod = await import(new URL('widgets.js?v=' + encodeURIComponent(build), boot).href);
        return mod.stats();
    }""")


def go_live_by_touch(pg: object, origin: str) -> None:
    """Open the calculator, switch it to Q6_K, wait until live and its file size is the CLI's for Q6_K."""
    pg.goto(origin + QUANT_PAGE)
    root = pg.locator('[data-widget="quant"]')
    root.scroll_into_view_if_needed()
    start = json.loads(root.get_attribute("data-options"))
    assert start["quant"] != "Q6_K"
    pg.select_option('[data-widget="quant"] select[name="quant"]', "Q6_K")
    wait_state(pg, "quant", "live")
    expected = cli_memory({**start, "quant": "Q6_K"})["file_bytes"]
    pg.wait_for_function("() => document.querySelector('[data-metric=file_bytes]').dataset.value === '%s'" % expected)


def test_live_mode_restores_the_build_time_snapshot(page: tuple) -> None:
    pg, watch = page
    go_live_by_touch(pg, watch.origin)
    assert any("/pyodide/startup.bin.gz" in u for u in watch.requests)
    assert worker_stats(pg)["started_from"] == "snapshot"
    no_errors(watch)


def test_missing_snapshot_falls_back_to_starting_python(page: tuple) -> None:
    pg, watch = page
    pg.route("**/pyodide/startup.bin.gz*", lambda route: route.fulfill(status=404, body="gone"))
    go_live_by_touch(pg, watch.origin)
    assert worker_stats(pg)["started_from"] == "scratch"
    no_errors(watch)


def _flip_a_byte(route: object) -> None:
    response = route.fetch()
    body = bytearray(response.body())
    body[len(body) // 2] ^= 0x01
    route.fulfill(response=response, body=bytes(body))


def test_a_snapshot_with_one_flipped_byte_is_refused(page: tuple) -> None:
    pg, watch = page
    infos: list[str] = []
    pg.on("console", lambda m: infos.append(m.text) if m.type == "info" else None)
    pg.route("**/pyodide/startup.bin.gz*", _flip_a_byte)
    go_live_by_touch(pg, watch.origin)
    assert worker_stats(pg)["started_from"] == "scratch"
    assert any("without the snapshot" in text for text in infos), infos


def test_a_wheel_with_one_flipped_byte_does_not_run(page: tuple) -> None:
    pg, watch = page
    pg.route("**/inferlab-*.whl*", _flip_a_byte)
    pg.goto(watch.origin + QUANT_PAGE)
    pg.locator('[data-widget="quant"]').scroll_into_view_if_needed()
    static = pg.locator('[data-metric="file_bytes"]').first.text_content()
    pg.select_option('[data-widget="quant"] select[name="quant"]', "Q8_0")
    wait_state(pg, "quant", "error")
    assert pg.locator('[data-metric="file_bytes"]').first.text_content() == static
