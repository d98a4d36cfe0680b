"""The ``ann`` widget: exact against approximate nearest-neighbor search on generated vectors.

Every number comes from :mod:`.experiment`: an HNSW index built in pure
Python over seeded, clustered vectors, queried with held-out vectors, and
scored against brute force over the same vectors.  Its CLI subcommand is
``python -m inferlab ann``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from inferlab.explainers.ann import experiment as ex
from inferlab.explainers.ann.hnsw import SELECTIONS
from inferlab.explainers.ann.vectors import METRICS
from inferlab.formulas import Formula
from inferlab.inputs import InputError, Param, Params
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Metric, Preset, Table, View, Widget
from inferlab.units import count_text, integer_text, size_text

PARAMS = Params([
    Param("n", "int", 2000, "Vectors stored", unit="vectors", low=100, high=5000, step=100, suffixes=True,
          help="generated from a Gaussian mixture (clusters of unequal size)"),
    Param("dim", "int", 32, "Dimensions", low=2, high=256),
    Param("m", "int", 16, "M (links per new vector)", low=2, high=64, flag="--m",
          help="layer 0 allows M0 = 2M links", source="hnswlib's default M = 16; FAISS's IndexHNSWFlat takes M"),
    Param("ef_construction", "int", 40, "ef_construction", low=1, high=500,
          source="FAISS's default efConstruction = 40 (faiss/impl/HNSW.h)"),
    Param("ef_search", "int", 16, "ef_search (beam width)", low=1, high=5000,
          help="values below k search with k", source="FAISS's default efSearch = 16 (faiss/impl/HNSW.h)"),
    Param("k", "int", 10, "k (neighbors wanted)", low=1, high=ex.K_MAX),
    Param("metric", "choice", "l2", "Metric", choices=METRICS,
          labels={"l2": "Euclidean (L2)", "cosine": "Cosine (unit vectors)"}),
    Param("selection", "choice", "heuristic", "Neighbor selection", choices=SELECTIONS,
          labels={"heuristic": "Heuristic (the paper's Algorithm 4)", "simple": "Simple: M nearest (Algorithm 3)"}),
    Param("seed", "int", 1, "Random seed", low=0, high=2**31 - 1),
])


def check_size(values: dict[str, Any]) -> None:
    """InputError on ``n`` when ``n × dim`` or ``n × dim × M`` passes its cap (:mod:`.experiment`)."""
    n, dim, m = values["n"], values["dim"], values["m"]
    if n * dim > ex.COORDS_CAP:
        raise InputError("n", n, f"at most {ex.COORDS_CAP // dim:,} vectors with {dim} dimensions "
                                 f"(n × dim up to {ex.COORDS_CAP:,}, so exact search stays quick in a browser)")
    if n * dim * m > ex.SIZE_CAP:
        most = ex.SIZE_CAP // (dim * m)
        raise InputError("n", n, f"at most {most:,} vectors with {dim} dimensions and M = {m} "
                                 f"(n × dim × M up to {ex.SIZE_CAP:,}, so the build stays quick in a browser)")


def report(values: dict[str, Any]) -> tuple[dict[str, Any], ex.Experiment, list[tuple[int, float, float]], bool]:
    """The result for validated *values*, with the experiment and the ef sweep behind it."""
    check_size(values)
    run = ex.experiment(values["n"], values["dim"], values["m"], values["ef_construction"], values["seed"],
                        values["metric"], values["selection"])
    index = run.index
    k = min(values["k"], run.indexed)
    ef = max(values["ef_search"], k)
    points, sweep_cut = run.sweep(k, values["ef_search"])
    upper = ex.upper_layers_per_vector(index)
    per_query = run.distances_per_query(ef, k)
    result = {
        "n": values["n"], "dim": values["dim"], "m": index.m, "m0": index.m0, "ml": index.ml,
        "ef_construction": values["ef_construction"], "ef_search": values["ef_search"], "ef": ef, "k": k,
        "metric": values["metric"], "selection": values["selection"], "queries": len(run.queries),
        "indexed": run.indexed, "truncated": run.truncated, "sweep_truncated": sweep_cut,
        "hits": run.hits(ef, k), "recall": run.recall(ef, k),
        "distances_per_query": per_query, "exact_distances_per_query": run.indexed,
        "speedup": run.indexed / per_query,
        "upper_layers_per_vector": upper, "expected_upper_layers": ex.expected_upper_layers(index.m),
        "vector_bytes": values["dim"] * ex.FLOAT_BYTES,
        "memory_per_vector_bytes": ex.memory_per_vector(values["dim"], index.m, index.m0, upper),
        "links_per_vector": index.link_count() / run.indexed,
        "links_used_bytes_per_vector": ex.LINK_BYTES * index.link_count() / run.indexed,
        "faiss_rule_bytes": ex.faiss_rule_of_thumb(values["dim"], index.m),
        "build_distances": run.build_distances, "build_distances_per_vector": run.build_distances / run.indexed,
        "layer_sizes": index.layer_sizes(), "unreachable": index.unreachable(),
    }
    return result, run, points, sweep_cut


class AnnWidget(Widget):
    """How many true nearest neighbors does HNSW find, for how many distance computations?"""

    name = "ann"
    title = "Exact vs approximate nearest-neighbor search (HNSW)"
    summary = "Recall@k and distance computations of an HNSW index against brute force on generated vectors."
    params = PARAMS
    metrics = (
        Metric("recall", "Recall@k", "count"),
        Metric("distances_per_query", "Distances per query, HNSW", "count"),
        Metric("exact_distances_per_query", "Distances per query, exact", "integer"),
        Metric("speedup", "Exact ÷ HNSW distances", "times"),
        Metric("memory_per_vector_bytes", "Memory per vector", "bytes"),
        Metric("build_distances", "Build: distance computations", "integer"),
        Metric("indexed", "Vectors indexed", "integer"),
        Metric("unreachable", "Unreachable on layer 0", "integer"),
    )
    charts = (
        Chart("pareto", "Recall@k against distance computations per query, one point per ef_search "
                        "(x on a log scale); ringed: the selected ef_search; dashed: brute force."),
        Chart("layers", "Vectors on each layer of the built graph against the expectation n·M^-l."),
    )
    presets = (
        Preset("Simple neighbor selection", {"selection": "simple"}),
        Preset("Sparse graph (M = 4)", {"m": 4}),
        Preset("Cosine, 64 dimensions", {"metric": "cosine", "dim": 64}),
    )
    formulas: ClassVar[tuple[Formula, ...]] = (
        Formula("recall", "Recall@k", "hits / (queries * k)",
                "recall@k: the share of the exact k nearest neighbors that the index returns",
                {"hits": "true neighbors found, summed over the queries (brute force gives the truth)",
                 "queries": "held-out query vectors", "k": "neighbors asked for"}, fmt="count"),
        Formula("speedup", "Exact ÷ HNSW distances", "exact_distances_per_query / distances_per_query",
                "brute force computes one distance per stored vector",
                {"exact_distances_per_query": "stored vectors (brute force's cost per query)",
                 "distances_per_query": "distances HNSW computed per query, averaged"}, fmt="times"),
        Formula("memory_per_vector_bytes", "Memory per vector", "dim * 4 + 4 * (m0 + m * upper_layers_per_vector)",
                "float32 coordinates, plus 4-byte link slots: M0 = 2M on layer 0 and M on each upper layer "
                "(FAISS's HNSW layout; its 12 bytes of per-vector bookkeeping are left out)",
                {"dim": "dimensions", "m0": "link slots on layer 0 (2M)", "m": "link slots per upper layer (M)",
                 "upper_layers_per_vector": "layers above 0 per vector, averaged over the built graph"}, fmt="bytes"),
        Formula("faiss_rule_bytes", "FAISS's rule of thumb", "dim * 4 + m * 2 * 4",
                "FAISS wiki, Guidelines to choose an index: (d * 4 + M * 2 * 4) bytes per vector",
                {"dim": "dimensions (d)", "m": "M"}, fmt="bytes"),
        Formula("expected_upper_layers", "Upper layers per vector, expected", "1 / (m - 1)",
                "levels drawn as floor(-ln U · mL) with mL = 1/ln M: P(level ≥ l) = M^-l, summed over l ≥ 1",
                {"m": "M"}, fmt="count"),
    )
    fidelity = staticmethod(lambda: fidelity_line())

    def view(self) -> View:
        result, run, points, sweep_cut = report(self.values)
        level = "warn" if result["truncated"] or result["recall"] < 0.9 or result["unreachable"] else "ok"
        return View(
            result=result, status=status(result), level=level,
            levels={"recall": "ok" if result["recall"] >= 0.9 else "warn",
                    "indexed": "warn" if result["truncated"] else "ok",
                    "unreachable": "warn" if result["unreachable"] else "ok"},
            charts={"pareto": pareto_chart(result, points, sweep_cut), "layers": layers_chart(result)},
            tables={"pareto": Table(["ef_search", "distances_per_query", "recall", "speedup"],
                                    [[ef, d, r, result["indexed"] / d] for ef, d, r in points]),
                    "layers": Table(["layer", "vectors", "expected"],
                                    [[layer, size, _expected(result, layer)]
                                     for layer, size in enumerate(result["layer_sizes"])])},
        )


def _expected(result: dict[str, Any], layer: int) -> float:
    """Vectors expected on *layer*: ``n · M^-layer``."""
    return result["indexed"] * result["m"] ** -layer


def status(r: dict[str, Any]) -> str:
    """One plain paragraph: what the numbers say."""
    ef_note = f"ef_search {r['ef_search']} (searched with {r['ef']}, as k is larger)" if r["ef"] != r["ef_search"] \
        else f"ef_search {r['ef']}"
    text = (f"With M = {r['m']} and {ef_note}, recall@{r['k']} is {r['recall']:.3f}: HNSW returned "
            f"{integer_text(r['hits'])} of the {integer_text(r['queries'] * r['k'])} exact nearest neighbors of "
            f"{r['queries']} queries, computing {count_text(r['distances_per_query'])} distances per query where brute "
            f"force computes {integer_text(r['exact_distances_per_query'])} ({_saving(r['speedup'])}). "
            f"Each vector costs {size_text(r['memory_per_vector_bytes'])}: {r['vector_bytes']} bytes of float32 "
            f"and {size_text(r['memory_per_vector_bytes'] - r['vector_bytes'])} of link slots "
            f"(FAISS's rule of thumb says {size_text(r['faiss_rule_bytes'])}). "
            f"Building took {integer_text(r['build_distances'])} distance computations "
            f"({count_text(r['build_distances_per_vector'])} per vector).")
    if r["truncated"]:
        budget = ex.distance_budget(ex.BUILD_BUDGET, r["dim"])
        text += (f" The build budget ({integer_text(budget)} distance computations at {r['dim']} dimensions) ran out after "
                 f"{integer_text(r['indexed'])} of {integer_text(r['n'])} vectors: every number covers those only.")
    if r["unreachable"]:
        text += (f" {integer_text(r['unreachable'])} vectors cannot be reached from the entry point on layer 0, "
                 f"so no search finds them.")
    return text


def _saving(speedup: float) -> str:
    if speedup >= 1:
        return f"{count_text(speedup)}× fewer"
    return ("more than brute force: a beam this wide walks the whole graph, and the descent through the "
            "upper layers adds its own")


def pareto_chart(r: dict[str, Any], points: list[tuple[int, float, float]], sweep_cut: bool) -> str:
    """Recall@k against distance computations per query, one point per beam width."""
    series = [svg.Series(f"HNSW, M = {r['m']}", [(d, rec) for _, d, rec in points])]
    notes = [(d, rec, f"ef {ef}") for ef, d, rec in points]
    low = min([rec for _, _, rec in points] + [0.9])
    desc = "; ".join(f"ef {ef}: {count_text(d)} distances per query, recall {rec:.3f}"
                     for ef, d, rec in points)
    desc += f"; brute force: {integer_text(r['indexed'])} distances, recall 1."
    if sweep_cut:
        desc += " Wider beams were skipped (sweep budget)."
    return svg.xy_chart(series, title=f"Recall@{r['k']} against distance computations per query", desc=desc,
                        x_label="distance computations per query (log scale)", y_label=f"recall@{r['k']}",
                        log_x=True, y_min=max(0.0, low - 0.05), y_max=1.0, notes=notes,
                        highlight=(r["distances_per_query"], r["recall"]),
                        rules=[(r["indexed"], f"brute force: {integer_text(r['indexed'])}")])


def layers_chart(r: dict[str, Any]) -> str:
    """Vectors per layer, with the count ``mL = 1/ln M`` predicts."""
    bars = [svg.Bar(f"layer {layer}", size, f"{size:,} (expected {_expected(r, layer):,.1f})",
                    cls="ifw-c1" if layer == 0 else "ifw-c2")
            for layer, size in enumerate(r["layer_sizes"])]
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title=f"Vectors per layer (M = {r['m']}, mL = 1/ln M = {r['ml']:.3f})", desc=desc,
                         value_label="vectors on the layer (every vector is on layer 0)")


def fidelity_line() -> str:
    """Recall at the defaults and with ef_search ≥ n, both against brute force (the checks the tests run)."""
    values = PARAMS.defaults()
    result = report(values)[0]
    full = report({**values, "ef_search": values["n"]})[0]
    return (f"recall is measured against exact brute-force search over the same {values['n']:,} vectors and "
            f"{result['queries']} held-out queries: recall@{result['k']} {result['recall']:.3f} at the defaults, "
            f"{full['recall']:.3f} with ef_search ≥ n; timings come from make bench, never from here.")
