"""Exact search against HNSW on one generated data set: recall, distance counts, memory, build cost.

:func:`experiment` builds (or takes from a small cache) the index for one
``(n, dim, M, ef_construction, seed, metric, selection)``, so changing only
``ef_search`` or ``k`` never rebuilds.  Brute force over the same stored
vectors gives the ground truth, once per index; each beam width's query run
is kept too, so a sweep over ``ef`` pays for each width once.

Recall@k is ``|HNSW's k results ∩ the exact k nearest| / k``, averaged over
:data:`QUERIES` held-out queries.  Cost is counted in distance computations,
the unit that does not depend on the machine: brute force pays ``n`` per
query.  Wall time is measured only by ``bench/bench_ann.py``.

Budgets keep a page responsive (the build runs in the reader's browser):
``n × dim`` and ``n × dim × M`` are capped (:data:`COORDS_CAP`,
:data:`SIZE_CAP`); the build stops after :data:`BUILD_BUDGET` distance
computations and reports a truncated index (exact search then covers the
same indexed prefix, so recall stays meaningful); the ef sweep stops after
:data:`SWEEP_BUDGET`.  Both budgets are for vectors of up to
:data:`BUDGET_DIM` dimensions and shrink in proportion above it (a distance
costs about one step per coordinate), see :func:`distance_budget`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from heapq import nsmallest
from itertools import repeat

from inferlab.explainers.ann.hnsw import HNSW
from inferlab.explainers.ann.vectors import Vector, dataset

#: Held-out queries per experiment.
QUERIES = 100
#: Largest k (the ground truth keeps this many neighbors per query).
K_MAX = 100
#: Most n × dim the widget accepts (5,000 × 64 or 1,250 × 256): bounds memory and brute force's cost.
COORDS_CAP = 320_000
#: Most n × dim × M the widget accepts (4,096,000 is 2,000 × 32 × 64 or 4,000 × 64 × 16).
SIZE_CAP = 4_096_000
#: Distance computations the build may spend before it stops and reports a truncated index
#: (1.6 times what the defaults need), at up to BUDGET_DIM dimensions.
BUILD_BUDGET = 800_000
#: Distance computations the ef sweep may spend on beam widths other than the reader's, at up to BUDGET_DIM.
SWEEP_BUDGET = 500_000
#: Dimensions up to which the budgets hold as written; above, they shrink as BUDGET_DIM / dim.
BUDGET_DIM = 32
#: Beam widths tried for the recall/cost curve (besides k and the reader's ef_search).
SWEEP_EFS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
#: Built indexes kept (each holds its vectors, links, ground truth and query runs).
CACHE_SIZE = 6

#: Bytes of one stored coordinate (float32, as FAISS's IndexHNSWFlat and hnswlib store vectors).
FLOAT_BYTES = 4
#: Bytes of one link (a 32-bit vector id: FAISS's HNSW::storage_idx_t is int32_t).
LINK_BYTES = 4


@dataclass
class Run:
    """One beam width over every query: result ids (nearest first) and distance computations in total."""

    ef: int
    results: list[list[int]]
    distances: int


@dataclass
class Experiment:
    """A built index, its data and queries, the exact answers and the query runs so far."""

    n: int
    dim: int
    metric: str
    index: HNSW
    queries: list[Vector]
    indexed: int
    build_distances: int
    truth: list[list[int]] = field(default_factory=list)
    runs: dict[int, Run] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        """True when the build budget ran out before every vector went in."""
        return self.indexed < self.n

    def exact(self) -> list[list[int]]:
        """The :data:`K_MAX` (or all) nearest indexed vectors of each query by brute force, nearest first."""
        if not self.truth:
            stored = self.index.vectors
            ids = range(len(stored))
            keep = min(K_MAX, len(stored))
            self.truth = [[i for _, i in nsmallest(keep, zip(map(math.dist, repeat(q), stored), ids))]
                          for q in self.queries]
        return self.truth

    def run(self, ef: int) -> Run:
        """Every query searched with beam width *ef* on layer 0 (kept for later calls)."""
        if ef not in self.runs:
            index = self.index
            before = index.distances
            results = [[i for _, i in index.search(q, ef, ef)] for q in self.queries]
            self.runs[ef] = Run(ef, results, index.distances - before)
        return self.runs[ef]

    def hits(self, ef: int, k: int) -> int:
        """True neighbors found: the sum over queries of ``|top k at ef ∩ exact top k|``."""
        truth = self.exact()
        run = self.run(max(ef, k))
        return sum(len(set(found[:k]).intersection(exact[:k])) for found, exact in zip(run.results, truth))

    def recall(self, ef: int, k: int) -> float:
        """Mean recall@k at beam width ``max(ef, k)``."""
        return self.hits(ef, k) / (len(self.queries) * min(k, self.indexed))

    def distances_per_query(self, ef: int, k: int) -> float:
        """Mean distance computations per query at beam width ``max(ef, k)``."""
        return self.run(max(ef, k)).distances / len(self.queries)

    def sweep(self, k: int, ef_search: int) -> tuple[list[tuple[int, float, float]], bool]:
        """``[(ef, distances per query, recall@k)]`` over k, :data:`SWEEP_EFS` and *ef_search*; and whether cut short.

        Widths are tried from the narrowest.  Past the first width that finds
        every true neighbor only the reader's is added (a wider beam cannot
        find more); widths other than the reader's stop once they have spent
        :data:`SWEEP_BUDGET` (scaled by :func:`distance_budget`; the second value is then True).
        """
        mine = max(ef_search, k)
        efs = sorted({k, mine, *(e for e in SWEEP_EFS if k < e <= self.indexed)})
        points = []
        spent = 0
        cut = exact = False
        for ef in efs:
            if ef != mine and (exact or (ef not in self.runs and spent >= distance_budget(SWEEP_BUDGET, self.dim))):
                cut = cut or not exact
                continue
            fresh = ef not in self.runs
            run = self.run(ef)
            if fresh and ef != mine:
                spent += run.distances
            recall = self.recall(ef, k)
            exact = exact or recall == 1.0
            points.append((ef, run.distances / len(self.queries), recall))
        return points, cut


_CACHE: OrderedDict[tuple, Experiment] = OrderedDict()


def experiment(n: int, dim: int, m: int, ef_construction: int, seed: int, metric: str,
               selection: str = "heuristic") -> Experiment:
    """The experiment for these build settings, from the cache when it was built before."""
    key = (n, dim, m, ef_construction, seed, metric, selection)
    found = _CACHE.get(key)
    if found is not None:
        _CACHE.move_to_end(key)
        return found
    data, queries = dataset(n, dim, QUERIES, seed, metric)
    index = HNSW(m, ef_construction, selection=selection, seed=seed)
    indexed = index.build(data, distance_budget(BUILD_BUDGET, dim))
    made = Experiment(n, dim, metric, index, queries, indexed, index.distances)
    _CACHE[key] = made
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return made


def distance_budget(budget: int, dim: int) -> int:
    """*budget* distance computations at up to :data:`BUDGET_DIM` dimensions, fewer in proportion above."""
    return budget * BUDGET_DIM // max(dim, BUDGET_DIM)


def clear_cache() -> None:
    """Forget every built index (tests and benchmarks time a cold build)."""
    _CACHE.clear()


def upper_layers_per_vector(index: HNSW) -> float:
    """Mean number of layers above layer 0 per vector (expected ``1 / (M - 1)`` when ``mL = 1/ln M``)."""
    return sum(index.levels) / len(index.levels) if index.levels else 0.0


def expected_upper_layers(m: int) -> float:
    """``sum_{l>=1} P(level >= l) = sum_{l>=1} M^-l = 1 / (M - 1)``: the mean with ``mL = 1/ln M``."""
    return 1.0 / (m - 1)


def memory_per_vector(dim: int, m: int, m0: int, upper_layers: float) -> float:
    """Bytes per vector: float32 coordinates plus link slots (M0 on layer 0, M per upper layer, 4-byte ids).

    The slots are counted as allocated (FAISS reserves them whether or not
    they fill); FAISS adds 12 bytes of bookkeeping (an 8-byte offset and a
    4-byte level) that this leaves out.
    """
    return dim * FLOAT_BYTES + LINK_BYTES * (m0 + m * upper_layers)


def faiss_rule_of_thumb(dim: int, m: int) -> int:
    """FAISS's documented HNSW memory per vector, ``d * 4 + M * 2 * 4`` bytes (wiki: Guidelines to choose an index)."""
    return dim * 4 + m * 2 * 4
