"""The ann explainer: HNSW checked against brute force and against the paper's invariants.

Small builds (a few hundred vectors) check the structure; the default build
(2,000 × 32, shared through the module's own cache) checks recall.  These
tests also run inside Pyodide (tests/pyodide), so they build little.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque

import pytest

from inferlab.cli import main
from inferlab.explainers.ann import experiment as ex
from inferlab.explainers.ann.hnsw import HNSW
from inferlab.explainers.ann.vectors import cluster_count, cosine_distance, dataset, unit
from inferlab.explainers.ann.widget import PARAMS, AnnWidget, report
from inferlab.inputs import InputError

DEFAULTS = PARAMS.defaults()


def small_index(n: int = 400, dim: int = 8, m: int = 6, ef_construction: int = 24, seed: int = 3,
                **kw: object) -> tuple[HNSW, list, list]:
    data, queries = dataset(n, dim, 20, seed, "l2")
    index = HNSW(m, ef_construction, seed=seed, **kw)  # type: ignore[arg-type]
    index.build(data)
    return index, data, queries


@pytest.fixture(scope="module")
def default_run() -> ex.Experiment:
    v = DEFAULTS
    return ex.experiment(v["n"], v["dim"], v["m"], v["ef_construction"], v["seed"], v["metric"], v["selection"])


# -- the data -----------------------------------------------------------------------------------
def test_the_data_is_the_same_for_a_seed_and_differs_between_seeds() -> None:
    a, qa = dataset(300, 8, 10, 7, "l2")
    b, qb = dataset(300, 8, 10, 7, "l2")
    c, _ = dataset(300, 8, 10, 8, "l2")
    assert a == b and qa == qb
    assert a != c
    assert not set(qa) & set(a), "queries are held out"


def test_the_data_is_clustered_not_uniform() -> None:
    # Nearest-neighbor distances are much shorter than distances between random pairs.
    data, _ = dataset(600, 16, 0, 1, "l2")
    nn = sorted(min(math.dist(p, q) for q in data if q is not p) for p in data[:60])
    pairs = sorted(math.dist(data[i], data[i + 300]) for i in range(60))
    assert nn[30] < 0.5 * pairs[30]
    assert cluster_count(600) >= 4


def test_cosine_vectors_are_unit_length_and_euclidean_order_is_cosine_order() -> None:
    data, queries = dataset(200, 12, 5, 2, "cosine")
    assert all(math.isclose(math.hypot(*v), 1.0, rel_tol=1e-12) for v in data)
    q = queries[0]
    by_dist = sorted(range(len(data)), key=lambda i: math.dist(q, data[i]))
    by_cos = sorted(range(len(data)), key=lambda i: 1.0 - sum(a * b for a, b in zip(q, data[i])))
    assert by_dist == by_cos
    one = data[0]
    assert math.isclose(cosine_distance(math.dist(q, one)), 1.0 - sum(a * b for a, b in zip(q, one)), abs_tol=1e-12)
    assert unit((0.0, 0.0)) == (0.0, 0.0)


# -- the paper's invariants -----------------------------------------------------------------------
@pytest.mark.parametrize("selection", ["heuristic", "simple"])
def test_degrees_never_pass_m_or_m0_and_links_are_well_formed(selection: str) -> None:
    index, _, _ = small_index(selection=selection)
    assert index.m0 == 2 * index.m
    for node, per_layer in enumerate(index.neighbors):
        assert len(per_layer) == index.levels[node] + 1
        for layer, links in enumerate(per_layer):
            assert len(links) <= (index.m0 if layer == 0 else index.m)
            assert node not in links and len(set(links)) == len(links)
            assert all(index.levels[e] >= layer for e in links), "a link to a vector absent from the layer"
    assert index.levels[index.entry] == index.max_level == max(index.levels)


def test_every_vector_is_reachable_from_the_entry_point_on_layer_0(default_run: ex.Experiment) -> None:
    index = default_run.index
    seen = {index.entry}
    queue = deque([index.entry])
    while queue:
        for e in index.neighbors[queue.popleft()][0]:
            if e not in seen:
                seen.add(e)
                queue.append(e)
    assert len(seen) == len(index) == DEFAULTS["n"]
    assert index.unreachable() == 0


def test_unreachable_counts_what_a_search_cannot_reach() -> None:
    index, _, _ = small_index(n=50, m=4)
    island = index.insert((1e6,) * 8)
    assert index.unreachable() == 0
    # Cut every link into the new vector: no search can reach it any more.
    for per_layer in index.neighbors:
        for links in per_layer:
            if island in links:
                links.remove(island)
    assert index.unreachable() == 1


def test_levels_follow_ml_equal_one_over_ln_m() -> None:
    m, draws = 8, 40_000
    index = HNSW(m, 10, seed=11)
    levels = [index.draw_level() for _ in range(draws)]
    assert index.ml == pytest.approx(1 / math.log(m))
    for layer in (1, 2, 3):
        p = m ** -layer  # P(level >= l) = exp(-l / mL) = M^-l
        seen = sum(level >= layer for level in levels)
        sigma = math.sqrt(draws * p * (1 - p))
        assert abs(seen - draws * p) <= 4 * sigma, (layer, seen, draws * p)
    mean = sum(levels) / draws
    assert abs(mean - ex.expected_upper_layers(m)) <= 4 * math.sqrt(0.2 / draws)


def test_the_built_graph_has_the_expected_layer_sizes(default_run: ex.Experiment) -> None:
    sizes = default_run.index.layer_sizes()
    n, m = DEFAULTS["n"], DEFAULTS["m"]
    assert sizes[0] == n
    p = 1 / m
    assert abs(sizes[1] - n * p) <= 4 * math.sqrt(n * p * (1 - p))


def test_the_same_seed_builds_the_same_graph() -> None:
    a, _, _ = small_index(seed=5)
    b, _, _ = small_index(seed=5)
    c, _, _ = small_index(seed=6)
    assert a.neighbors == b.neighbors and a.levels == b.levels and a.distances == b.distances
    assert a.neighbors != c.neighbors


def test_m_below_2_and_unknown_selection_are_refused() -> None:
    with pytest.raises(ValueError, match="M >= 2"):
        HNSW(1, 10)
    with pytest.raises(ValueError, match="selection"):
        HNSW(4, 10, selection="random")


# -- neighbor selection (Algorithms 3 and 4) --------------------------------------------------------
def test_simple_selection_keeps_the_m_nearest() -> None:
    index, data, queries = small_index(selection="simple")
    q = queries[0]
    ranked = sorted((math.dist(q, v), i) for i, v in enumerate(data))[:30]
    assert index.select(q, ranked, 5, 0) == ranked[:5]


def test_heuristic_keeps_a_candidate_only_if_it_is_nearer_the_base_than_every_kept_one() -> None:
    index, data, queries = small_index()
    q = queries[1]
    ranked = sorted((math.dist(q, v), i) for i, v in enumerate(data))[:40]
    kept = index.select_heuristic(q, ranked, 6, 0)
    assert kept[0] == ranked[0] and 1 <= len(kept) <= 6
    for pos, (d, e) in enumerate(kept):
        assert all(math.dist(data[e], data[r]) >= d for _, r in kept[:pos])
    # Every candidate skipped before the last kept one was nearer some kept vector than the base.
    last = ranked.index(kept[-1])
    for d, e in ranked[:last]:
        if (d, e) not in kept:
            assert any(math.dist(data[e], data[r]) < d for _, r in kept if r != e)


def test_keep_pruned_fills_the_free_slots_and_extend_candidates_adds_neighbors() -> None:
    index, data, queries = small_index(keep_pruned=True)
    q = queries[2]
    ranked = sorted((math.dist(q, v), i) for i, v in enumerate(data))[:40]
    assert len(index.select_heuristic(q, ranked, 6, 0)) == 6
    extended, _, _ = small_index(extend_candidates=True)
    plain, _, _ = small_index()
    assert extended.distances > plain.distances
    assert all(len(links) <= extended.m0 for per_layer in extended.neighbors for links in per_layer[:1])


# -- recall against exact search --------------------------------------------------------------------
def test_brute_force_is_the_exact_answer() -> None:
    run = ex.experiment(300, 8, 6, 20, 4, "l2")
    truth = run.exact()
    for q, found in zip(run.queries[:10], truth):
        assert found == sorted(range(300), key=lambda i: math.dist(q, run.index.vectors[i]))[:ex.K_MAX]


def test_recall_at_10_at_the_defaults(default_run: ex.Experiment) -> None:
    # Measured 98.5% (seed 1); the bound leaves room for a change of seed or data.
    assert default_run.recall(DEFAULTS["ef_search"], 10) >= 0.95


def test_heuristic_selection_beats_simple_on_clustered_data(default_run: ex.Experiment) -> None:
    v = DEFAULTS
    simple = ex.experiment(v["n"], v["dim"], v["m"], v["ef_construction"], v["seed"], v["metric"], "simple")
    assert default_run.recall(16, 10) > simple.recall(16, 10)


def test_recall_and_cost_rise_with_ef_on_average() -> None:
    efs = (10, 20, 40, 80)
    recall = [0.0] * len(efs)
    cost = [0.0] * len(efs)
    for seed in (1, 2, 3):
        run = ex.experiment(600, 16, 4, 16, seed, "l2")
        for i, ef in enumerate(efs):
            recall[i] += run.recall(ef, 10) / 3
            cost[i] += run.distances_per_query(ef, 10) / 3
    assert all(b >= a - 0.005 for a, b in zip(recall, recall[1:])), recall
    assert recall[-1] > recall[0]
    assert cost == sorted(cost)


def test_a_beam_as_wide_as_the_data_is_exact_on_a_connected_graph(default_run: ex.Experiment) -> None:
    assert default_run.index.unreachable() == 0
    for k in (1, 10, 100):
        assert default_run.recall(DEFAULTS["n"], k) == 1.0


def test_sweep_stops_at_exact_recall_and_keeps_the_readers_width(default_run: ex.Experiment) -> None:
    points, cut = default_run.sweep(10, 700)
    efs = [p[0] for p in points]
    assert efs[0] == 10 and efs[-1] == 700 and not cut
    first_exact = next(i for i, p in enumerate(points) if p[2] == 1.0)
    assert efs[first_exact + 1:] == [700]


# -- cost, memory and budgets -----------------------------------------------------------------------
def test_memory_per_vector_counts_the_allocated_slots(default_run: ex.Experiment) -> None:
    index = default_run.index
    slots = sum(index.m0 + index.m * level for level in index.levels)  # FAISS: 2M on layer 0, M above
    per_vector = DEFAULTS["dim"] * 4 + 4 * slots / len(index)
    got = ex.memory_per_vector(DEFAULTS["dim"], index.m, index.m0, ex.upper_layers_per_vector(index))
    assert got == pytest.approx(per_vector, rel=1e-12)
    # FAISS's rule of thumb (d*4 + M*2*4) leaves out the upper layers: about 4·M/(M-1) bytes.
    gap = got - ex.faiss_rule_of_thumb(DEFAULTS["dim"], index.m)
    assert 0 < gap < 2 * 4 * index.m / (index.m - 1)
    assert ex.LINK_BYTES * index.link_count() <= 4 * slots


def test_the_build_stops_at_its_budget_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex, "BUILD_BUDGET", 20_000)
    monkeypatch.setattr(ex, "_CACHE", OrderedDict())  # a cold build, and the shared cache left as it was
    result = report({**DEFAULTS, "n": 1000, "dim": 8, "seed": 9})[0]
    status = AnnWidget({**DEFAULTS, "n": 1000, "dim": 8, "seed": 9}).view().status
    assert result["truncated"] and 0 < result["indexed"] < 1000
    assert result["exact_distances_per_query"] == result["indexed"]
    assert 20_000 <= result["build_distances"] < 20_000 + 5_000
    assert "ran out after" in status


def test_the_size_cap_is_a_clear_input_error() -> None:
    with pytest.raises(InputError) as err:
        report({**DEFAULTS, "n": 5000, "dim": 64, "m": 16})
    assert err.value.field == "n" and "n × dim × M" in err.value.allowed and "4,000 vectors" in err.value.allowed
    with pytest.raises(InputError) as err:
        report({**DEFAULTS, "n": 5000, "dim": 256, "m": 2})
    assert err.value.field == "n" and "n × dim up to" in err.value.allowed and "1,250 vectors" in err.value.allowed
    assert ex.distance_budget(1000, 32) == 1000 and ex.distance_budget(1000, 8) == 1000
    assert ex.distance_budget(1000, 256) == 125
    for name, bad in (("n", 50), ("m", 1), ("metric", "dot"), ("k", 0), ("ef_search", "many")):
        with pytest.raises(InputError) as err:
            PARAMS.parse({name: bad})
        assert err.value.field == name


def test_changing_ef_search_or_k_does_not_rebuild(default_run: ex.Experiment) -> None:
    v = DEFAULTS
    built = ex.experiment(v["n"], v["dim"], v["m"], v["ef_construction"], v["seed"], v["metric"])
    for values in ({"ef_search": 40}, {"k": 1}, {"k": 25, "ef_search": 5}):
        AnnWidget({**DEFAULTS, **values}).view()
    assert ex.experiment(v["n"], v["dim"], v["m"], v["ef_construction"], v["seed"], v["metric"]) is built
    assert built.build_distances == default_run.build_distances


def test_ef_below_k_searches_with_k_and_the_status_says_so() -> None:
    view = AnnWidget({**DEFAULTS, "k": 25, "ef_search": 5}).view()
    assert view.result["ef"] == 25 and "searched with 25" in view.status


def test_the_widget_charts_are_accessible_svg() -> None:
    view = AnnWidget(dict(DEFAULTS)).view()
    for svg in view.charts.values():
        assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg and "<desc>" in svg
    assert "brute force" in view.charts["pareto"] and "ef 16" in view.charts["pareto"]
    rows = view.tables["pareto"].rows
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def test_cli_prints_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ann", "--k", "5"]) == 0
    out = capsys.readouterr().out
    assert "Recall@k" in out and "exact nearest neighbors" in out
    assert main(["ann", "--n", "9000"]) == 2
    assert "--n: '9000' is not allowed" in capsys.readouterr().err
    assert main(["ann", "--n", "5000", "--dim", "64"]) == 2
    assert "n × dim × M" in capsys.readouterr().err


def test_the_default_run_is_the_same_on_every_interpreter(default_run: ex.Experiment) -> None:
    # Saved output: this file also runs inside Pyodide (tests/pyodide), so equal numbers there mean the
    # seeded streams, the float arithmetic and the tie-breaking agree between CPython and WebAssembly.
    assert default_run.build_distances == 505_179
    assert default_run.hits(DEFAULTS["ef_search"], 10) == 985
    assert default_run.index.layer_sizes() == [2000, 129, 12, 1]
