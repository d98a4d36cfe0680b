"""HNSW, as Malkov & Yashunin wrote it (arXiv 1603.09320, TPAMI 2018), in pure Python.

The index is a stack of proximity graphs.  Every vector lives on layer 0;
a vector's top layer is drawn once, ``floor(-ln(U) * mL)`` with
``mL = 1 / ln(M)`` (section 4), so each layer holds about 1/M of the one
below.  The functions follow the paper's pseudocode:

* Algorithm 1, :meth:`HNSW.insert`: greedy descent (``ef = 1``) through the
  layers above the new vector's top layer, then on each of its layers a
  beam search with ``ef_construction``, ``M`` neighbors chosen, links made
  both ways, and any neighbor that now has more than ``M`` links
  (``M0 = 2M`` on layer 0) pruned with the same selection rule;
* Algorithm 2, :meth:`HNSW.search_layer`: the beam search (a min-heap of
  candidates, a max-heap of the ``ef`` best found, stop when the nearest
  candidate is farther than the worst result);
* Algorithm 3 (``simple``): keep the M nearest candidates;
* Algorithm 4 (``heuristic``): keep a candidate only if it is closer to the
  base vector than to every neighbor already kept, which spreads the links
  across directions and keeps clusters connected to each other;
* Algorithm 5, :meth:`HNSW.search`: greedy descent, then a beam search with
  ``max(ef, k)`` on layer 0 (hnswlib's convention for ``ef < k``).

Every distance evaluated is counted in :attr:`HNSW.distances`, the cost
measure the explainer reports; :meth:`HNSW.build` stops at a budget of
distance computations and says so rather than run on.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from heapq import heapify, heappop, heappush, heapreplace
from itertools import repeat

from inferlab.explainers.ann.vectors import Vector

SELECTIONS = ("heuristic", "simple")

_dist = math.dist


class HNSW:
    """A hierarchical navigable small-world graph over vectors compared with :func:`math.dist`.

    ``m`` is the paper's M (links a new vector makes, the cap on upper
    layers), ``m0`` the cap on layer 0 (default ``2 * m``).  ``neighbors[v][l]``
    lists the ids *v* links to on layer *l*; ``levels[v]`` is *v*'s top layer.
    """

    def __init__(self, m: int, ef_construction: int, *, m0: int | None = None, selection: str = "heuristic",
                 seed: int = 0, extend_candidates: bool = False, keep_pruned: bool = False) -> None:
        if m < 2:
            raise ValueError(f"HNSW needs M >= 2 (mL = 1/ln M), got {m}")
        if selection not in SELECTIONS:
            raise ValueError(f"selection {selection!r} is not one of {', '.join(SELECTIONS)}")
        self.m = m
        self.m0 = 2 * m if m0 is None else m0
        self.ef_construction = ef_construction
        self.selection = selection
        self.extend_candidates = extend_candidates
        self.keep_pruned = keep_pruned
        self.ml = 1.0 / math.log(m)
        self._levels_rng = random.Random(f"ann:{seed}:levels")
        self.vectors: list[Vector] = []
        self.levels: list[int] = []
        self.neighbors: list[list[list[int]]] = []
        self.entry: int | None = None
        self.max_level = -1
        #: Distance computations so far (build and searches).
        self.distances = 0

    def __len__(self) -> int:
        return len(self.vectors)

    # -- Algorithm 1 ------------------------------------------------------------------------------
    def draw_level(self) -> int:
        """A new vector's top layer: ``floor(-ln(U) * mL)``, U uniform on (0, 1]."""
        return int(-math.log(1.0 - self._levels_rng.random()) * self.ml)

    def insert(self, vector: Vector) -> int:
        """Add *vector* (Algorithm 1); return its id."""
        node = len(self.vectors)
        level = self.draw_level()
        self.vectors.append(vector)
        self.levels.append(level)
        self.neighbors.append([[] for _ in range(level + 1)])
        if self.entry is None:
            self.entry, self.max_level = node, level
            return node
        found = self._descend(vector, level)
        for layer in range(min(level, self.max_level), -1, -1):
            found = self.search_layer(vector, found, self.ef_construction, layer)
            chosen = self.select(vector, found, self.m, layer)
            self.neighbors[node][layer] = [e for _, e in chosen]
            cap = self.m0 if layer == 0 else self.m
            for _, e in chosen:
                links = self.neighbors[e][layer]
                links.append(node)
                if len(links) > cap:
                    self._shrink(e, layer, cap)
        if level > self.max_level:
            self.entry, self.max_level = node, level
        return node

    def _shrink(self, node: int, layer: int, cap: int) -> None:
        """Cut *node*'s links on *layer* back to *cap* with the selection rule (the paper's shrinkage)."""
        vectors = self.vectors
        base = vectors[node]
        links = self.neighbors[node][layer]
        ranked = sorted((_dist(base, vectors[e]), e) for e in links)
        self.distances += len(links)
        self.neighbors[node][layer] = [e for _, e in self.select(base, ranked, cap, layer)]

    def build(self, vectors: Sequence[Vector], budget: int | None = None) -> int:
        """Insert *vectors* in order until the distance *budget* is spent; return how many went in."""
        for count, vector in enumerate(vectors):
            if budget is not None and self.distances >= budget:
                return count
            self.insert(vector)
        return len(vectors)

    # -- Algorithm 2 ------------------------------------------------------------------------------
    def search_layer(self, query: Vector, entries: list[tuple[float, int]], ef: int,
                     layer: int) -> list[tuple[float, int]]:
        """The *ef* nearest vectors to *query* found on *layer* from *entries* ``[(distance, id)]``; sorted."""
        vectors = self.vectors
        neighbors = self.neighbors
        visited = {e for _, e in entries}
        candidates = list(entries)
        heapify(candidates)
        results = [(-d, e) for d, e in entries]
        heapify(results)
        while len(results) > ef:
            heappop(results)
        computed = 0
        worst = -results[0][0]
        room = ef - len(results)
        while candidates:
            d, c = heappop(candidates)
            if d > worst:
                break
            fresh = [e for e in neighbors[c][layer] if e not in visited]
            if not fresh:
                continue
            visited.update(fresh)
            computed += len(fresh)
            for de, e in zip(map(_dist, repeat(query), [vectors[e] for e in fresh]), fresh):
                if room > 0:
                    heappush(candidates, (de, e))
                    heappush(results, (-de, e))
                    room -= 1
                    worst = -results[0][0]
                elif de < worst:
                    heappush(candidates, (de, e))
                    heapreplace(results, (-de, e))
                    worst = -results[0][0]
        self.distances += computed
        return sorted((-nd, e) for nd, e in results)

    def _descend(self, query: Vector, down_to: int) -> list[tuple[float, int]]:
        """Greedy search (``ef = 1``) from the entry point through the layers above *down_to*."""
        assert self.entry is not None
        found = [(_dist(query, self.vectors[self.entry]), self.entry)]
        self.distances += 1
        for layer in range(self.max_level, down_to, -1):
            found = self.search_layer(query, found, 1, layer)
        return found

    # -- Algorithms 3 and 4 -----------------------------------------------------------------------
    def select(self, base: Vector, ranked: list[tuple[float, int]], m: int, layer: int) -> list[tuple[float, int]]:
        """Up to *m* of *ranked* (``[(distance to base, id)]``, nearest first) as *base*'s links."""
        if self.selection == "simple":
            return ranked[:m]
        return self.select_heuristic(base, ranked, m, layer)

    def select_heuristic(self, base: Vector, ranked: list[tuple[float, int]], m: int,
                         layer: int) -> list[tuple[float, int]]:
        """Algorithm 4: keep a candidate only if it is nearer *base* than every kept one.

        ``extend_candidates`` first adds the candidates' own neighbors on
        *layer*; ``keep_pruned`` fills any free slots with the nearest
        discarded candidates.
        """
        vectors = self.vectors
        if self.extend_candidates:
            seen = {e for _, e in ranked}
            extra = {a for _, e in ranked for a in self.neighbors[e][layer] if a not in seen}
            self.distances += len(extra)
            ranked = sorted([*ranked, *((_dist(base, vectors[a]), a) for a in extra)])
        kept: list[tuple[float, int]] = []
        dropped: list[tuple[float, int]] = []
        computed = 0
        for d, e in ranked:
            if len(kept) >= m:
                break
            ve = vectors[e]
            for _, r in kept:
                computed += 1
                if _dist(ve, vectors[r]) < d:
                    dropped.append((d, e))
                    break
            else:
                kept.append((d, e))
        self.distances += computed
        if self.keep_pruned:
            kept.extend(dropped[:m - len(kept)])
        return kept

    # -- Algorithm 5 ------------------------------------------------------------------------------
    def search(self, query: Vector, k: int, ef: int) -> list[tuple[float, int]]:
        """The *k* nearest stored vectors to *query* ``[(distance, id)]`` with beam width ``max(ef, k)``."""
        if self.entry is None:
            return []
        return self.search_layer(query, self._descend(query, 0), max(ef, k), 0)[:k]

    # -- what the graph looks like ----------------------------------------------------------------
    def layer_sizes(self) -> list[int]:
        """Vectors on each layer, layer 0 first."""
        sizes = [0] * (self.max_level + 1)
        for level in self.levels:
            for layer in range(level + 1):
                sizes[layer] += 1
        return sizes

    def link_count(self, layer: int | None = None) -> int:
        """Directed links stored on *layer* (all layers when None)."""
        return sum(len(links) for per_node in self.neighbors
                   for number, links in enumerate(per_node) if layer is None or number == layer)

    def unreachable(self) -> int:
        """Vectors that a search on layer 0 cannot reach from the entry point by following links."""
        if self.entry is None:
            return 0
        seen = {self.entry}
        stack = [self.entry]
        while stack:
            for e in self.neighbors[stack.pop()][0]:
                if e not in seen:
                    seen.add(e)
                    stack.append(e)
        return len(self.vectors) - len(seen)
