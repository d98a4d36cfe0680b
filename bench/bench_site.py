"""Site build benchmark: wall time of `mkdocs build --strict` and what it produced.

    python bench/bench_site.py [--runs N]

Prints the build time (best and median of N cold-process builds), the number
of HTML pages, and the size of the built site, the Pyodide runtime and the
start-up snapshot.  The first build after a change to the core also makes the
snapshot (a few seconds, in the background); later builds reuse it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from buildtools import run_mkdocs_build  # noqa: E402


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="number of builds (default 3)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs: {args.runs} is not allowed; expected an integer of at least 1")
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            site = Path(tmp) / f"site-{run}"
            start = time.perf_counter()
            result = run_mkdocs_build(site)
            times.append(time.perf_counter() - start)
            if result.returncode != 0:
                print(result.stderr[-4000:], file=sys.stderr)
                return 1
        pages = [p for p in site.rglob("*.html")]
        total = folder_bytes(site)
        runtime = sum(folder_bytes(d) for d in site.rglob("pyodide") if d.is_dir())
        snapshot = sum(p.stat().st_size for p in site.rglob("pyodide/startup.bin.gz"))
    print("site build (mkdocs build --strict, new process each run)")
    print(f"  build time          best {min(times):6.2f} s   median {statistics.median(times):6.2f} s   ({args.runs} runs)")
    print(f"  HTML pages          {len(pages):6d}")
    print(f"  site size           {total / 1e6:6.1f} MB   (of which Pyodide runtime {(runtime - snapshot) / 1e6:.1f} MB"
          f" and its start-up snapshot {snapshot / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
