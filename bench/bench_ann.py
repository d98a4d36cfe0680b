"""Benchmark of the ann explainer: HNSW build and query times, in CPython or in Pyodide.

Run with ``python bench/bench_ann.py [--json] [--repeat N]`` (CPython, inferlab
installed), or inside Pyodide with ``node tests/pyodide/run.mjs script
bench/bench_ann.py``; ``make bench`` runs both.  Only the standard library
and inferlab.

Figures (best of ``--repeat`` runs, wall-clock ``time.perf_counter``):

* ``build_s``            -- a cold build at the widget's defaults (2,000 × 32, M 16, ef_construction 40)
* ``build_cpu_s``        -- the same build's process CPU time (closer to an idle machine's wall time)
* ``build_distances``    -- the distance computations that build made, and ``build_us_per_distance``
* ``exact_ms_per_query`` -- brute force over the 2,000 vectors, per query
* ``query_ms_ef16`` / ``query_ms_ef64`` -- one HNSW query at that beam width
* ``first_view_s``       -- the widget's first view at the defaults, cold: build, ground truth, the ef sweep
* ``ef_change_ms``       -- the next view after ef_search changes (the index is cached, not rebuilt)
* ``budget_build_s``     -- the widget's first view when the build runs into its distance budget
  (n 5,000, ef_construction 200): the bound on how long a reader's page can be busy building
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time

from inferlab.explainers.ann import experiment as ex
from inferlab.explainers.ann.widget import PARAMS, AnnWidget

DEFAULTS = PARAMS.defaults()
#: Inputs that run the build into its distance budget.
AT_BUDGET = {**DEFAULTS, "n": 5000, "ef_construction": 200}


def timed(fn):
    """(wall seconds, result) of one call of *fn*, after a garbage collection."""
    gc.collect()
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def best(repeat: int, fn):
    """(best wall seconds, last result) over *repeat* cold calls (the index cache emptied before each)."""
    best_s, result = float("inf"), None
    for _ in range(repeat):
        ex.clear_cache()
        wall, result = timed(fn)
        best_s = min(best_s, wall)
    return best_s, result


def build_defaults() -> ex.Experiment:
    v = DEFAULTS
    return ex.experiment(v["n"], v["dim"], v["m"], v["ef_construction"], v["seed"], v["metric"], v["selection"])


def per_query_ms(run: ex.Experiment, ef: int) -> float:
    """Milliseconds per HNSW query at beam width *ef* (every query, searched afresh)."""
    t0 = time.perf_counter()
    for q in run.queries:
        run.index.search(q, DEFAULTS["k"], ef)
    return (time.perf_counter() - t0) / len(run.queries) * 1000.0


def load_average() -> float | None:
    """The host's 1-minute load average (None inside Pyodide, whose figure is not the host's)."""
    if sys.platform == "emscripten":
        return None
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def main(argv: list[str]) -> int:
    repeat = 3
    for i, arg in enumerate(argv):
        if arg == "--repeat" and i + 1 < len(argv):
            repeat = max(1, int(argv[i + 1]))
    figures: dict[str, object] = {"python": sys.version.split()[0], "platform": sys.platform, "repeat": repeat,
                                  "load_average_1min": load_average()}

    build_s, run = best(repeat, build_defaults)
    figures["build_s"] = build_s
    figures["build_cpu_s"] = None  # inside Pyodide process_time() follows the wall clock, not the CPU
    if sys.platform != "emscripten":
        ex.clear_cache()
        cpu0 = time.process_time()
        build_defaults()
        figures["build_cpu_s"] = time.process_time() - cpu0  # CPU time: less sensitive to a busy host
    figures["build_distances"] = run.build_distances
    figures["build_us_per_distance"] = build_s / run.build_distances * 1e6
    wall, _ = timed(run.exact)
    figures["exact_ms_per_query"] = wall / len(run.queries) * 1000.0
    figures["query_ms_ef16"] = min(per_query_ms(run, 16) for _ in range(repeat))
    figures["query_ms_ef64"] = min(per_query_ms(run, 64) for _ in range(repeat))
    figures["query_distances_ef16"] = run.distances_per_query(16, DEFAULTS["k"])

    first_s, view = best(repeat, lambda: AnnWidget(dict(DEFAULTS)).view())
    figures["first_view_s"] = first_s
    figures["recall_at_defaults"] = view.result["recall"]
    widget = AnnWidget(dict(DEFAULTS))
    widget.view()
    changes = []
    for ef in (24, 48, 96):
        widget.update({**DEFAULTS, "ef_search": ef})
        wall, _ = timed(widget.view)
        changes.append(wall)
    figures["ef_change_ms"] = min(changes) * 1000.0

    budget_s, result = best(1, lambda: AnnWidget(dict(AT_BUDGET)).view().result)
    figures["budget_build_s"] = budget_s
    figures["budget_indexed"] = result["indexed"]
    figures["budget_build_distances"] = result["build_distances"]
    ex.clear_cache()

    if "--json" in argv:
        print(json.dumps(figures, indent=2, sort_keys=True))
        return 0
    load = figures["load_average_1min"]
    print(f"python {figures['python']} on {figures['platform']} (best of {repeat}; "
          f"{'' if load is None else f'load average {load:.1f}; '}"
          f"defaults n {DEFAULTS['n']:,}, dim {DEFAULTS['dim']}, M {DEFAULTS['m']}, "
          f"ef_construction {DEFAULTS['ef_construction']})")
    print(f"HNSW build, cold                  : {build_s:>9.3f} s   ({run.build_distances:,} distances, "
          f"{figures['build_us_per_distance']:.2f} us each)")
    if figures["build_cpu_s"] is not None:
        print(f"HNSW build, process CPU time      : {figures['build_cpu_s']:>9.3f} s")
    print(f"brute force, per query            : {figures['exact_ms_per_query']:>9.3f} ms  ({DEFAULTS['n']:,} distances)")
    print(f"HNSW query, ef 16                 : {figures['query_ms_ef16']:>9.3f} ms  "
          f"({figures['query_distances_ef16']:.0f} distances, recall@10 {figures['recall_at_defaults']:.3f})")
    print(f"HNSW query, ef 64                 : {figures['query_ms_ef64']:>9.3f} ms")
    print(f"widget first view, cold           : {first_s:>9.3f} s")
    print(f"widget view after an ef change    : {figures['ef_change_ms']:>9.3f} ms")
    print(f"first view at the build budget    : {budget_s:>9.3f} s   ({figures['budget_indexed']:,} vectors, "
          f"{figures['budget_build_distances']:,} distances)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
