"""Bytes a reader transfers per page, before any interaction (compressed, as a static host serves them).

Builds the site (or takes ``--site DIR``), serves it with gzip
(``tests/buildtools.serve_directory``), loads every page in headless Chromium
at a phone width until the network is idle, and prints the transferred bytes
(bodies and headers) and how many of them are the widget runtime (Pyodide, the
wheel, the snapshot).  The budget test (``tests/browser/test_policy_and_weight.py``)
holds pages without a widget to 200 KB; this prints the figures.

    python bench/bench_page_weight.py [--site DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from buildtools import serve_directory, site_to_measure  # noqa: E402

RUNTIME_MARKERS = ("/pyodide/", ".whl", "startup.bin", "worker.js")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def measure(site: Path, base: str) -> dict[str, dict[str, int]]:
    from playwright.sync_api import sync_playwright

    pages = sorted(p.relative_to(site).as_posix().removesuffix("index.html") for p in site.rglob("*.html")
                   if p.name != "404.html")
    figures = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        finished: list[object] = []
        page.on("requestfinished", lambda r: finished.append(r))
        for rel in pages:
            finished.clear()
            page.goto(base + rel)
            page.wait_for_load_state("networkidle")
            sizes = [(r.url, r.sizes()) for r in finished]
            total = sum(s["responseBodySize"] + s["responseHeadersSize"] for _, s in sizes)
            runtime = sum(s["responseBodySize"] for url, s in sizes if any(m in url for m in RUNTIME_MARKERS))
            html = (site / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)).read_text(encoding="utf-8")
            figures["/" + rel] = {"bytes": total, "requests": len(sizes), "runtime_bytes": runtime,
                                  "widget": int("data-widget=" in html)}
        browser.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site folder (default: build one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-weight-") as tmp:
        site = site_to_measure(args.site, Path(tmp))
        if site is None:
            return 1
        server, base = serve_directory(site)
        try:
            figures = measure(site, base)
        finally:
            server.shutdown()
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    print(f"{'page':<58} {'KiB':>6} {'requests':>8}  runtime")
    for rel, f in figures.items():
        flag = " (widget)" if f["widget"] else ""
        print(f"{rel[:58]:<58} {f['bytes'] / 1024:>6.1f} {f['requests']:>8}  {f['runtime_bytes']}{flag}")
    plain = [f["bytes"] for f in figures.values() if not f["widget"]]
    print(f"pages without a widget: largest {max(plain) / 1024:.1f} KiB, budget 195.3 KiB (200 KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
