"""Widget pages in headless Chromium: what a reader waits for and downloads.

    python bench/bench_widgets.py [--site DIR] [--json]

Builds the site (unless --site names a built one), serves it on 127.0.0.1 and
reports, for the calculator's page and the home page's pipeline:

* time until the static widget is visible (navigation start -> widget laid out);
* first interaction -> live, with a cold cache (new browser context) and a
  warm one (same context, page reloaded);
* bytes transferred before the widget is needed and after it went live, and
  what a page without a widget loads of the widget code;
* the worker's WebAssembly memory once live;
* frames per second of the page while the pipeline simulation runs (the
  worker does the work), with the longest frame.

Figures only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from buildtools import post_path, serve_directory, site_to_measure  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
QUANT_PAGE = post_path("llama-cpp-optimization-parameters")

# Records when the first widget is laid out and when it changes state (page clock, ms).
INIT_SCRIPT = """
window.__ifw = {visible: null, states: []};
const seen = () => {
  const el = document.querySelector('[data-widget]');
  if (el && el.getBoundingClientRect().height > 0 && window.__ifw.visible === null) window.__ifw.visible = performance.now();
  if (window.__ifw.visible === null) requestAnimationFrame(seen);
};
requestAnimationFrame(seen);
new MutationObserver((records) => {
  for (const r of records) if (r.attributeName === 'data-state') window.__ifw.states.push([r.target.dataset.state, performance.now()]);
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-state']});
"""


class Bytes:
    """Transferred bytes (headers + body as received) of every finished request."""

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        self.total = 0
        self.urls: list[tuple[str, int]] = []
        context.on("requestfinished", self._done)

    def _done(self, request) -> None:  # type: ignore[no-untyped-def]
        try:
            sizes = request.sizes()
        except Exception:  # noqa: BLE001 - a request torn down with its page
            return
        n = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.total += n
        self.urls.append((request.url, n))


def interaction_to_live(page) -> float:  # type: ignore[no-untyped-def]
    """Change the calculator's quant type; return ms until data-state is live.

    The widget must still be static when touched (nothing preloaded it), so
    the figure is the whole start-up a reader waits for.
    """
    page.locator('[data-widget="quant"]').scroll_into_view_if_needed()
    t0, state = page.evaluate("""() => { const root = document.querySelector('[data-widget=quant]');
        const state = root.dataset.state; const s = root.querySelector('select[name=quant]');
        const t = performance.now(); s.value = 'Q5_K_M'; s.dispatchEvent(new Event('change', {bubbles: true}));
        return [t, state]; }""")
    if state != "static":
        raise RuntimeError(f"the calculator was already {state!r} when touched; the measure would be too kind")
    page.wait_for_function("() => document.querySelector('[data-widget=quant]').dataset.state === 'live'", timeout=120_000)
    t1 = page.evaluate("() => window.__ifw.states.filter(s => s[0] === 'live').map(s => s[1])[0]")
    return t1 - t0


def worker_memory(page) -> int | None:  # type: ignore[no-untyped-def]
    return page.evaluate("""async () => {
        const el = document.querySelector('[data-widget]');
        const url = new URL('assets/widgets/widgets.js?v=' + encodeURIComponent(el.dataset.build || 'dev'),
                            document.querySelector('script[src*="boot.js"]').src.replace(/assets\\/widgets\\/boot\\.js.*$/, ''));
        const mod = await import(url.href);
        const s = await mod.stats();
        return s && s.wasm_memory_bytes;
    }""")


FPS_SCRIPT = """async (ms) => {
    const gaps = []; let last = performance.now(); const end = last + ms;
    await new Promise((resolve) => { const f = (t) => { gaps.push(t - last); last = t; if (t < end) requestAnimationFrame(f); else resolve(); }; requestAnimationFrame(f); });
    return {frames: gaps.length, seconds: ms / 1000, max_gap_ms: Math.max(...gaps),
            over_20ms: gaps.filter((g) => g > 20).length};
}"""


def measure(base: str) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        # A page without a widget: only the bootstrap and the stylesheet.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        counter = Bytes(context)
        page = context.new_page()
        page.goto(base + "resume/", wait_until="load")
        page.wait_for_timeout(1500)
        out["no_widget_page_widget_bytes"] = sum(n for u, n in counter.urls if "/assets/widgets/" in u)
        context.close()

        # Cold: a fresh context (empty cache).
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(INIT_SCRIPT)
        counter = Bytes(context)
        page = context.new_page()
        page.goto(base + QUANT_PAGE, wait_until="load")
        page.wait_for_timeout(2000)
        out["static_visible_ms"] = round(page.evaluate("() => window.__ifw.visible"), 1)
        out["first_contentful_paint_ms"] = round(page.evaluate(
            "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"), 1)
        out["bytes_before_live"] = counter.total
        out["runtime_bytes_before_live"] = sum(n for u, n in counter.urls if "/pyodide/" in u or ".whl" in u)
        out["interaction_to_live_cold_ms"] = round(interaction_to_live(page), 1)
        page.wait_for_timeout(1000)
        out["bytes_after_live"] = counter.total
        out["worker_wasm_memory_bytes"] = worker_memory(page)

        # Warm: same context (HTTP cache, compiled code cache), the page opened again
        # in a new tab (a reload would restore the scroll position, and the widget,
        # already in view, would go live before the touch).
        page.close()
        page = context.new_page()
        page.goto(base + QUANT_PAGE, wait_until="load")
        page.wait_for_timeout(1000)
        out["interaction_to_live_warm_ms"] = round(interaction_to_live(page), 1)
        context.close()

        # The home page's pipeline running live: frames of the page's own thread.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(base, wait_until="load")
        root = page.locator('[data-widget="pipeline"]')
        root.scroll_into_view_if_needed()
        page.locator('[data-widget="pipeline"] input[name="workers"]').press("ArrowRight")   # a reader's first touch starts live mode
        page.wait_for_function("() => document.querySelector('[data-widget=pipeline]').dataset.state === 'live'",
                               timeout=120_000)
        page.click('[data-widget="pipeline"] [data-action="spike"]')
        out["pipeline_fps"] = page.evaluate(FPS_SCRIPT, 5000)
        out["pipeline_worker_wasm_memory_bytes"] = worker_memory(page)
        context.close()
        browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, help="a built site to serve (default: build one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-widgets-") as tmp:
        site = site_to_measure(args.site, Path(tmp))
        if site is None:
            return 1
        server, base = serve_directory(site)
        try:
            figures = measure(base)
        finally:
            server.shutdown()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    fps = figures["pipeline_fps"]
    mib = 2**20
    rows = [
        ("static widget visible (navigation start -> laid out)", f"{figures['static_visible_ms']:.0f} ms"
         f" (first contentful paint {figures['first_contentful_paint_ms']:.0f} ms)"),
        ("first interaction -> live, cold cache", f"{figures['interaction_to_live_cold_ms']:.0f} ms"),
        ("first interaction -> live, warm cache", f"{figures['interaction_to_live_warm_ms']:.0f} ms"),
        ("bytes before the widget is needed", f"{figures['bytes_before_live'] / 1024:.0f} KiB"
         f" (runtime bytes: {figures['runtime_bytes_before_live']})"),
        ("bytes after it went live", f"{figures['bytes_after_live'] / mib:.1f} MiB"),
        ("widget code on a page without a widget", f"{figures['no_widget_page_widget_bytes'] / 1024:.1f} KiB"),
        ("worker WebAssembly memory (calculator / pipeline)",
         f"{(figures['worker_wasm_memory_bytes'] or 0) / mib:.0f} / {(figures['pipeline_worker_wasm_memory_bytes'] or 0) / mib:.0f} MiB"),
        ("page frames while the pipeline runs", f"{fps['frames'] / fps['seconds']:.0f} fps, longest frame "
         f"{fps['max_gap_ms']:.0f} ms, {fps['over_20ms']} frames over 20 ms"),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
