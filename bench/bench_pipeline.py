"""Benchmark of the pipeline simulator: simulated requests per second of wall time.

Run with ``python bench/bench_pipeline.py [--json] [--quick] [--repeat N]``
(CPython, the inferlab core installed), or as a plain script inside Pyodide
with the inferlab wheel installed (then the whole-process part is skipped).

The headline figure is the speed floor of the simulator: the M/M/4 queue at
load 0.8 with 240,000 customers, run as ``python -m inferlab simulate --ideal
...`` and, written in SimPy 4 (``bench/simpy_mmc.py``), as a second program.
Both are timed as whole processes (interpreter start, imports, the run and
the report), alternating, so that background load on a shared machine hits
both alike, after an untimed run of each has cached its bytecode.  Each
process is timed by wall clock and by its own CPU seconds (user + system,
from ``resource.getrusage(RUSAGE_CHILDREN)``), which other processes on the
machine move much less; the ratios are of the best of ``--repeat`` runs.

Figures (``--json`` keys):

* ``mmc_process_{inferlab,simpy}_{wall,cpu}_s`` -- the two programs, best of N
* ``ratio_vs_simpy_cpu`` / ``ratio_vs_simpy_wall`` -- SimPy time / inferlab time (floor 3x)
* ``ideal_mmc_rps`` / ``simpy_mmc_rps`` -- the same queue in this process, requests per wall second
* ``full_600s_wall_s`` -- 10 simulated minutes of the full pipeline at 200 req/s (and ``full_rps``)
* ``sweep16_wall_s`` -- a 16-point worker sweep (60 s + 10 s warm-up per point)
* ``advance_250ms_ms`` -- one ``advance(0.25)`` of the full pipeline at 200 req/s
* ``advance_100ms_no_cache_ms`` -- one ``advance(0.1)`` with the cache off and a full history
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from inferlab.pipeline import Simulation, sweep

HERE = Path(__file__).resolve().parent
#: The M/M/4 queue at rho = 32 / (4 x 10) = 0.8.
MMC = {"arrival_rate": 32.0, "service_ms": 100.0, "workers": 4}
#: 240,000 customers on average: 7,500 s at 32 per second.
MMC_CUSTOMERS = 240_000
#: The default pipeline scaled to carry 200 req/s: 32 llama.cpp servers x 32 slots, 1024 workers.
FULL_200 = {"arrival_rate": 200.0, "workers": 1024, "replicas": 32, "slots": 32}


def mmc_commands(customers: int) -> tuple[list[str], list[str]]:
    """The two programs timed side by side: the inferlab CLI and the SimPy script, on the same queue."""
    duration = customers / MMC["arrival_rate"]
    inferlab = [sys.executable, "-m", "inferlab", "simulate", "--ideal", "--service-dist", "exp",
                "--service-ms", str(MMC["service_ms"]), "--workers", str(MMC["workers"]),
                "--arrival-rate", str(MMC["arrival_rate"]), "--duration", str(duration), "--seed", "1", "--json"]
    simpy = [sys.executable, str(HERE / "simpy_mmc.py"), str(MMC["arrival_rate"]), str(MMC["service_ms"]),
             str(MMC["workers"]), str(duration), "1"]
    return inferlab, simpy


#: The children may cache their bytecode, as any installed package has it (``make`` sets
#: PYTHONDONTWRITEBYTECODE, which would make every run of inferlab compile its sources again
#: while SimPy's site-packages came compiled by pip).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def time_process(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, its standard output) of one run of *command*."""
    t0 = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=CHILD_ENV)
    out, err = child.communicate()
    wall = time.perf_counter() - t0
    # communicate() has reaped the child; its rusage is in the children's total.
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}):\n{err}")
    return wall, _child_cpu_delta(), out


_cpu_seen = [0.0]


def _child_cpu_delta() -> float:
    """CPU seconds (user + system) of the children reaped since the previous call."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime
    delta = total - _cpu_seen[0]
    _cpu_seen[0] = total
    return delta


def mmc_processes(repeat: int, customers: int) -> dict[str, object]:
    """The floor: inferlab and SimPy programs on the same M/M/4 queue, alternating, best of *repeat*."""
    inferlab, simpy = mmc_commands(customers)
    for command in mmc_commands(1000):  # untimed: writes the bytecode caches
        time_process(command)
    _child_cpu_delta()
    best = {"inferlab_wall": float("inf"), "inferlab_cpu": float("inf"),
            "simpy_wall": float("inf"), "simpy_cpu": float("inf")}
    served = {}
    for _ in range(repeat):
        for name, command in (("inferlab", inferlab), ("simpy", simpy)):
            wall, cpu, out = time_process(command)
            best[f"{name}_wall"] = min(best[f"{name}_wall"], wall)
            best[f"{name}_cpu"] = min(best[f"{name}_cpu"], cpu)
            served[name] = json.loads(out)["completed"] if name == "inferlab" else int(out)
    return {
        "mmc_process_customers": customers,
        "mmc_process_inferlab_served": served["inferlab"],
        "mmc_process_simpy_served": served["simpy"],
        **{f"mmc_process_{k}_s": v for k, v in best.items()},
        "ratio_vs_simpy_cpu": best["simpy_cpu"] / best["inferlab_cpu"],
        "ratio_vs_simpy_wall": best["simpy_wall"] / best["inferlab_wall"],
        "mmc_process_command": " ".join(Path(a).name if a == sys.executable else a for a in inferlab),
    }


def best_of(repeat: int, fn):
    """(best wall seconds, last result) of *repeat* calls of *fn*.

    Each call starts with the garbage of the previous ones collected (outside
    the timing), so the repetitions are independent, as in a fresh process.
    """
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def ideal_mmc(customers: int) -> int:
    duration = customers / MMC["arrival_rate"]
    sim = Simulation({"ideal": True, "service_dist": "exp", "run_event_budget": 10**9, **MMC}, seed=1)
    return sim.run(duration)["completed"]


def simpy_mmc(customers: int) -> int | None:
    try:
        sys.path.insert(0, str(HERE))
        from simpy_mmc import served
    except ImportError:
        return None
    finally:
        sys.path.remove(str(HERE))
    return served(MMC["arrival_rate"], MMC["service_ms"], MMC["workers"], customers / MMC["arrival_rate"])


def full_run() -> int:
    sim = Simulation(FULL_200, seed=1)
    summary = sim.run(600.0)
    assert not summary["truncated"], "the benchmark run must not be truncated"
    return summary["completed"]


def worker_sweep() -> list:
    return sweep({}, "workers", range(4, 68, 4), duration_s=60.0, warmup_s=10.0, seed=1)


def advance_cost(config: dict, warm_calls: int, dt: float, calls: int = 40) -> float:
    """Seconds per ``advance(dt)`` after *warm_calls* such calls (a long history)."""
    sim = Simulation(config, seed=1)
    for _ in range(warm_calls):
        sim.advance(dt)
    t0 = time.perf_counter()
    for _ in range(calls):
        sim.advance(dt)
    return (time.perf_counter() - t0) / calls


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    repeat = 1 if quick else 5
    for i, arg in enumerate(argv):
        if arg == "--repeat" and i + 1 < len(argv):
            repeat = int(argv[i + 1])
    customers = 64_000 if quick else MMC_CUSTOMERS
    figures: dict[str, object] = {"python": sys.version.split()[0], "platform": sys.platform, "repeat": repeat}
    whole_process = sys.platform != "emscripten" and simpy_mmc(1) is not None
    if whole_process:
        figures.update(mmc_processes(repeat, customers))

    # In this process too, inferlab and SimPy alternating.
    ours, theirs = float("inf"), float("inf")
    n_ours = n_theirs = None
    for _ in range(repeat):
        wall, n_ours = best_of(1, lambda: ideal_mmc(customers))
        ours = min(ours, wall)
        wall, n_theirs = best_of(1, lambda: simpy_mmc(customers))
        theirs = min(theirs, wall)
    figures["ideal_mmc_requests"] = n_ours
    figures["ideal_mmc_rps"] = n_ours / ours
    figures["simpy_mmc_rps"] = (n_theirs / theirs) if n_theirs is not None else None
    figures["ratio_vs_simpy_in_process"] = (figures["ideal_mmc_rps"] / figures["simpy_mmc_rps"]
                                            if figures["simpy_mmc_rps"] else None)
    wall, n = best_of(repeat, full_run)
    figures["full_600s_wall_s"] = wall
    figures["full_requests"] = n
    figures["full_rps"] = n / wall
    wall, _ = best_of(repeat, worker_sweep)
    figures["sweep16_wall_s"] = wall
    figures["advance_250ms_ms"] = min(advance_cost(FULL_200, 120, 0.25) for _ in range(repeat)) * 1000.0
    no_cache = {"arrival_rate": 20.0, "workers": 32, "cache_enabled": False}
    figures["advance_100ms_no_cache_ms"] = min(advance_cost(no_cache, 2400, 0.1) for _ in range(repeat)) * 1000.0

    if "--json" in argv:
        print(json.dumps(figures, indent=2, sort_keys=True))
        return 0
    print(f"python {figures['python']} on {figures['platform']} (best of {repeat})")
    if whole_process:
        print(f"M/M/4 at rho 0.8, {customers:,} customers, whole processes, side by side:")
        print(f"  {figures['mmc_process_command']}")
        print(f"  inferlab simulate --ideal     : {figures['mmc_process_inferlab_wall_s']:>8.3f} s wall "
              f"{figures['mmc_process_inferlab_cpu_s']:>8.3f} s CPU")
        print(f"  SimPy 4 (bench/simpy_mmc.py)  : {figures['mmc_process_simpy_wall_s']:>8.3f} s wall "
              f"{figures['mmc_process_simpy_cpu_s']:>8.3f} s CPU")
        print(f"  inferlab / SimPy speed        : {figures['ratio_vs_simpy_wall']:>8.2f} x wall "
              f"{figures['ratio_vs_simpy_cpu']:>8.2f} x CPU   (floor 3x)")
    else:
        print("M/M/4 whole processes            :      n/a (no subprocesses here, or SimPy not importable)")
    simpy_rps = figures["simpy_mmc_rps"]
    print(f"same queue in this process, inferlab : {figures['ideal_mmc_rps']:>12,.0f} simulated requests/s")
    if simpy_rps:
        print(f"same queue in this process, SimPy    : {simpy_rps:>12,.0f} simulated requests/s "
              f"({figures['ratio_vs_simpy_in_process']:.2f} x)")
    print(f"full pipeline, 200 req/s             : {figures['full_rps']:>12,.0f} simulated requests/s")
    print(f"full pipeline, 10 min @ 200 rps      : {figures['full_600s_wall_s']:>12.3f} s wall   (floor 1 s, CPython)")
    print(f"16-point worker sweep                : {figures['sweep16_wall_s']:>12.3f} s wall   (floor 2 s, Pyodide)")
    print(f"advance(0.25) @ 200 req/s            : {figures['advance_250ms_ms']:>12.3f} ms")
    print(f"advance(0.1), cache off, full history: {figures['advance_100ms_no_cache_ms']:>12.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
