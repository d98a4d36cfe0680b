"""`make bench`: run every benchmark and print its figures.

Benchmarks report numbers; they never pass or fail on a timing.  Each part
runs in its own process so one slow or broken part does not hide the others;
the exit code is non-zero if any part failed to run.

    python bench/run.py [--only site,pipeline,pyodide,widgets,weight,ann,ann-pyodide]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
NODE = shutil.which("node") or "node"

PARTS = {
    "site": ("Site build", [PY, "bench/bench_site.py"]),
    "pipeline": ("Pipeline simulator in CPython (with SimPy for comparison)", [PY, "bench/bench_pipeline.py"]),
    "pyodide": ("Pipeline simulator in Pyodide under Node", [NODE, "tests/pyodide/run.mjs", "script", "bench/bench_pipeline.py"]),
    "widgets": ("Widget pages in headless Chromium", [PY, "bench/bench_widgets.py"]),
    "weight": ("Bytes per page before interaction (gzip, phone width)", [PY, "bench/bench_page_weight.py"]),
    "ann": ("ann explainer (HNSW) in CPython", [PY, "bench/bench_ann.py"]),
    "ann-pyodide": ("ann explainer (HNSW) in Pyodide under Node", [NODE, "tests/pyodide/run.mjs", "script", "bench/bench_ann.py"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks and print their figures.")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated subset of: {', '.join(PARTS)}")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in PARTS]
    if unknown:
        parser.error(f"--only: {', '.join(unknown)} not allowed; expected names from: {', '.join(PARTS)}")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHON=PY)
    failed = []
    for name in chosen:
        title, command = PARTS[name]
        print(f"\n== {title} ==", flush=True)
        if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
