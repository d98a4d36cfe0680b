"""The ``paged`` widget: a block table filling and freeing as requests come and go, and the waste of each allocator.

The four allocators replay the same seeded trace to the end when the widget
starts (the comparison chart and the metrics); the block table then steps the
chosen allocator iteration by iteration, ``speed`` iterations per second.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Mapping
from typing import Any, ClassVar

from inferlab.explainers.paged.model import MAX_EVENTS, POLICIES, POLICY_NAMES, Setup, Simulation, compare, make_trace
from inferlab.formulas import Formula
from inferlab.inputs import InputError, Param, Params
from inferlab.ui import svg
from inferlab.ui.widget import Action, Animated, Chart, Metric, Preset, Table, View
from inferlab.units import percent_text

#: Requests one "burst" action adds.
BURST = 8
#: Most iterations one advance() runs (a long pause is not replayed).
MAX_STEPS_PER_ADVANCE = 400
#: Cells per row of the drawn block table.
COLUMNS = 32
#: Most cells drawn; larger pools draw several blocks per cell.
MAX_CELLS = 1024
_SHORT = {"paged": "Paged", "max": "Max", "pow2": "Pow2", "oracle": "Oracle"}
_USES = (("tokens", "token states", "ifw-c1"), ("reserved", "reserved for future tokens", "ifw-c3"),
         ("internal", "internal fragmentation", "ifw-c2"), ("external", "unallocated (external & others)", "ifw-c4"))

PARAMS = Params([
    Param("policy", "choice", "paged", "Allocator shown", choices=POLICIES, labels=POLICY_NAMES),
    Param("kv_slots", "int", 8192, "KV memory", unit="token slots", low=64, high=262144, suffixes=True),
    Param("block_size", "int", 16, "Block size", unit="tokens", low=1, high=512,
          source="vLLM's default, 16 (arXiv 2309.06180 section 7.2)"),
    Param("max_len", "int", 2048, "Maximum sequence length", unit="tokens", low=16, high=131072, suffixes=True,
          source="OPT's 2,048, the length Orca (Max) reserves in the vLLM paper (section 6.1)"),
    Param("prompt_mean", "float", 200.0, "Mean prompt length", unit="tokens", low=1, high=16384),
    Param("output_mean", "float", 300.0, "Mean output length", unit="tokens", low=1, high=16384),
    Param("n_requests", "int", 100, "Requests", low=1, high=1000),
    Param("arrival_rate", "float", 0.0, "Arrival rate", unit="requests per iteration", low=0, high=100,
          help="0 = all waiting at the start (a backlog)"),
    Param("n_samples", "int", 1, "Samples per request (parallel sampling)", low=1, high=16),
    Param("shared_prefix", "int", 0, "Shared system prompt", unit="tokens", low=0, high=65536),
    Param("preemption", "choice", "recompute", "When blocks run out", choices=("recompute", "swap"),
          labels={"recompute": "Recompute (drop, re-read later)", "swap": "Swap to CPU memory"}),
    Param("swap_blocks", "int", None, "CPU swap space", unit="blocks", low=0, high=1_000_000, optional=True,
          none_means="as many blocks as the GPU pool (the paper's bound)"),
    Param("seed", "int", 1, "Random seed", low=0, high=2**31 - 1),
    Param("speed", "float", 20.0, "Animation speed", unit="iterations per second", low=1, high=500),
    Param("warmup", "int", 200, "Iterations before the first frame", low=0, high=100000),
    Param("max_iterations", "int", 20000, "Iteration budget per run", low=100, high=100000,
          help=f"each run also stops after {MAX_EVENTS:,} token writes"),
])


def setup_of(values: dict[str, Any]) -> Setup:
    """Validated inputs -> the simulator's Setup; InputError for combinations that could never run."""
    n, max_len, block = values["n_samples"], values["max_len"], values["block_size"]
    need = n * (math.ceil(max_len / block) + 1) * block + values["shared_prefix"]
    if values["kv_slots"] < need:
        raise InputError("kv_slots", values["kv_slots"], f"at least {need:,} token slots, so that {n} "
                         f"sequence(s) of {max_len:,} tokens fit with the shared prefix")
    if values["shared_prefix"] > max_len - 2:
        raise InputError("shared_prefix", values["shared_prefix"], f"0 to {max_len - 2:,} tokens (below max_len)")
    return Setup(kv_slots=values["kv_slots"], block_size=block, max_len=max_len,
                 prompt_mean=values["prompt_mean"], output_mean=values["output_mean"],
                 n_requests=values["n_requests"], arrival_rate=values["arrival_rate"], n_samples=n,
                 shared_prefix=values["shared_prefix"], preemption=values["preemption"],
                 swap_blocks=values["swap_blocks"], seed=values["seed"], max_iterations=values["max_iterations"])


@functools.lru_cache(maxsize=16)
def _compare(setup: Setup) -> dict[str, dict[str, Any]]:
    return compare(setup)


class PagedWidget(Animated):
    """Where does KV memory go under contiguous reservations and under paging?"""

    name = "paged"
    title = "PagedAttention block table, simulated"
    summary = ("KV cache allocation for a stream of requests: contiguous reservations (Orca Max/Pow2/Oracle) "
               "against vLLM's paged blocks, with sharing, copy-on-write and preemption.")
    params = PARAMS
    controls = ("policy", "block_size", "kv_slots", "n_samples", "shared_prefix", "preemption", "speed")
    live = ("speed",)
    actions = (Action("burst", "Burst of requests", f"{BURST} more requests arrive at once"),)
    metrics = (
        Metric("tokens_share", "KV memory holding tokens", "percent"),
        Metric("reserved_share", "Reserved for future tokens", "percent"),
        Metric("internal_share", "Internal fragmentation", "percent"),
        Metric("external_share", "Unallocated (external & others)", "percent"),
        Metric("mean_batch", "Average batch (sequences)", "count"),
        Metric("speedup_vs_max", "Tokens per iteration vs Max", "times"),
        Metric("preemptions", "Preemptions", "integer"),
        Metric("sharing_saving", "Blocks saved by sharing (paged)", "percent"),
    )
    charts = (
        Chart("blocks", "The KV memory now, one cell per block of slots: filled left to right by token states, "
                        "reserved slots and internal fragmentation; dashed cells are shared by several sequences."),
        Chart("waste", "Where KV memory went over the whole run, for each allocator on the same requests "
                       "(the vLLM paper's Figure 2, reproduced by simulation)."),
    )
    presets = (
        Preset("Contiguous, max length", {"policy": "max"}),
        Preset("Parallel sampling, 4 samples", {"n_samples": 4, "kv_slots": 16384, "n_requests": 40}),
        Preset("Shared 512-token system prompt", {"shared_prefix": 512, "prompt_mean": 700}),
        Preset("Swap instead of recompute", {"preemption": "swap"}),
    )
    formulas: ClassVar[tuple[Formula, ...]] = (
        Formula("tokens_share", "KV memory holding tokens", "tokens_slots / (window_iterations * kv_slots)",
                "slots holding a token's K and V, summed over the iterations in which a request waited for memory",
                {"tokens_slots": "token states summed over those iterations", "window_iterations": "those iterations",
                 "kv_slots": "token slots of KV memory"}, fmt="percent"),
        Formula("sharing_saving", "Blocks saved by sharing", "1 - blocks_with_sharing / blocks_without_sharing",
                "the vLLM paper's measure (section 6.3): blocks saved by sharing / blocks without sharing",
                {"blocks_with_sharing": "physical blocks in use, summed over iterations",
                 "blocks_without_sharing": "the blocks the sequences' tables name, summed over iterations"},
                fmt="percent"),
        Formula("max_len_requests", "Requests a max-length reservation admits",
                "floor(kv_slots / (n_samples * max_len))", "Orca (Max) reserves the model's maximum length per sequence",
                {"kv_slots": "token slots of KV memory", "n_samples": "sequences per request",
                 "max_len": "maximum sequence length"}),
    )

    def start(self) -> None:
        self.setup = setup_of(self.values)
        self.results = _compare(self.setup)
        rng = random.Random(self.setup.seed)
        trace = make_trace(self.setup, rng, self.setup.n_requests)
        self.rng = rng  # continues the trace's stream for bursts
        self.sim = Simulation(self.setup, self.values["policy"], trace)
        self.time, self.carry = 0.0, 0.0
        for _ in range(self.values["warmup"]):
            if self.sim.finished or self.sim.exhausted:
                break
            self.sim.step()

    def clock(self) -> float:
        return self.time

    def advance(self, dt: float) -> None:
        self.time += dt
        self.carry += dt * self.values["speed"]
        steps = min(int(self.carry), MAX_STEPS_PER_ADVANCE)
        self.carry -= int(self.carry)
        for _ in range(steps):
            if self.sim.finished or self.sim.exhausted:
                break
            self.sim.step()

    def act(self, name: str) -> None:
        self.sim.add(make_trace(self.setup, self.rng, BURST, first_id=self.sim.next_id, at=self.sim.t))

    def control(self, changes: Mapping[str, Any]) -> None:
        """Only the speed is live; the simulation continues."""

    def view(self) -> View:
        sel = self.results[self.values["policy"]]
        paged, most = self.results["paged"], self.results["max"]
        result = {**sel, "comparison": self.results,
                  "speedup_vs_max": sel["tokens_per_iteration"] / most["tokens_per_iteration"]
                  if most["tokens_per_iteration"] else None,
                  "sharing_saving": paged["sharing_saving"], "blocks_with_sharing": paged["blocks_with_sharing"],
                  "blocks_without_sharing": paged["blocks_without_sharing"],
                  "max_len_requests": self.setup.kv_slots // (self.setup.n_samples * self.setup.max_len),
                  "live": self._live()}
        env = {**result, "kv_slots": self.setup.kv_slots, "n_samples": self.setup.n_samples,
               "max_len": self.setup.max_len}
        return View(
            result=result, env=env, status=self._status(sel), level="warn" if sel["truncated"] else "ok",
            levels={"tokens_share": "ok" if sel["tokens_share"] >= 0.8 else "warn"},
            charts={"blocks": self._blocks_chart(), "waste": waste_chart(self.results)},
            tables={"waste": Table(["policy", "tokens_share", "reserved_share", "internal_share", "external_share",
                                    "mean_batch", "tokens_per_iteration", "iterations", "preemptions"],
                                   [[p, r["tokens_share"], r["reserved_share"], r["internal_share"], r["external_share"],
                                     r["mean_batch"], r["tokens_per_iteration"], r["iterations"], r["preemptions"]]
                                    for p, r in self.results.items()])},
        )

    def _live(self) -> dict[str, Any]:
        sim = self.sim
        m = sim.memory()
        return {"iteration": sim.t, "running": len(sim.running), "sequences": len(sim.seqs()),
                "waiting": len(sim.waiting), "swapped": len(sim.swapped), "done": len(sim.done), **m,
                "preemptions": sim.stats["preemptions"]}

    def _status(self, sel: dict[str, Any]) -> str:
        live, r = self._live(), self.results
        name = POLICY_NAMES[self.values["policy"]]
        now = (f"{name}, iteration {live['iteration']:,}: {live['running']} requests running "
               f"({live['sequences']} sequences), {live['waiting']} waiting, {live['done']} done; "
               f"{percent_text(live['tokens'] / self.setup.kv_slots)} of KV memory holds tokens right now.")
        cut = " The run hit its iteration budget before every request finished." if sel["truncated"] else ""
        return (f"{now} Over the whole run ({sel['window']}) paged blocks kept "
                f"{percent_text(r['paged']['tokens_share'])} of KV memory holding tokens, max-length reservations "
                f"{percent_text(r['max']['tokens_share'])}; paging finished the {sel['requests']} requests in "
                f"{r['paged']['iterations']:,} iterations against {r['max']['iterations']:,}.{cut}")

    def _blocks_chart(self) -> str:
        sim, B = self.sim, self.setup.block_size
        n_blocks = math.ceil(self.setup.kv_slots / B)
        group = math.ceil(n_blocks / MAX_CELLS)  # blocks per drawn cell
        width = group * B  # slots per drawn cell
        counts = [[0, 0, 0] for _ in range(math.ceil(n_blocks / group))]
        shared: set[int] = set()
        if self.values["policy"] == "paged":
            pool = sim.pool
            for b in range(len(pool.ref)):
                if pool.ref[b]:
                    counts[b // group][0] += pool.filled[b]
                    counts[b // group][2] += B - pool.filled[b]
                    if pool.ref[b] > 1:
                        shared.add(b // group)
        else:
            for q in sim.seqs():
                for use, lo, hi in ((0, q.start, q.start + q.length), (1, q.start + q.length, q.start + q.target),
                                    (2, q.start + q.target, q.start + q.span)):
                    for c in range(lo // width, math.ceil(hi / width)):
                        counts[c][use] += max(0, min(hi, (c + 1) * width) - max(lo, c * width))
        cells = [[(t / width, "ifw-c1"), (rs / width, "ifw-c3"), (i / width, "ifw-c2")] for t, rs, i in counts]
        live = self._live()
        unit = f"{B} slots" if group == 1 else f"{group} blocks of {B} slots"
        desc = (f"{len(cells)} cells of {unit} at iteration {live['iteration']:,}: {live['tokens']:,} slots hold "
                f"tokens, {live['reserved']:,} are reserved, {live['internal']:,} are internal fragmentation and "
                f"{live['external']:,} are unallocated; {len(shared)} cells hold shared blocks.")
        return svg.cell_grid(cells, title=f"KV memory, {POLICY_NAMES[self.values['policy']]}", desc=desc,
                             legend=[(label, cls) for _, label, cls in _USES], columns=COLUMNS, outlined=sorted(shared))


def waste_chart(results: dict[str, dict[str, Any]]) -> str:
    """One stacked bar per allocator: shares of KV memory by use (percent)."""
    rows = [(_SHORT[p], [(label, 100 * r[f"{key}_share"], cls) for key, label, cls in _USES])
            for p, r in results.items()]
    desc = "; ".join(f"{_SHORT[p]}: {percent_text(r['tokens_share'])} token states, "
                     f"{percent_text(r['reserved_share'])} reserved, {percent_text(r['internal_share'])} internal, "
                     f"{percent_text(r['external_share'])} unallocated" for p, r in results.items())
    return svg.stacked_bars(rows, title="KV memory by use, per allocator (%)", desc=desc, total=100)
