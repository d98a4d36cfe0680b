"""Generated vectors for the nearest-neighbor explainer: clustered, seeded, in two metrics.

Uniform random vectors are a poor test of an index (every point is about as
far from every other, so "nearest" means little).  Real embeddings cluster
by topic, so the data here is a Gaussian mixture: :data:`CLUSTERS_PER_1000`
centres per thousand vectors drawn from N(0, 1) in every dimension, unequal
cluster weights, and points spread around their centre with standard
deviation :data:`SPREAD`.  Queries come from the same mixture but from their
own random stream, so no query is a stored vector.

Both metrics use one distance routine, :func:`math.dist` (Euclidean, in C):

* ``l2``: the Euclidean distance between the raw vectors;
* ``cosine``: vectors are scaled to unit length when generated, and for unit
  vectors ``|a - b|^2 = 2 - 2 cos(a, b)``, so ordering by Euclidean distance
  is ordering by cosine distance ``1 - cos`` (FAISS's advice for cosine
  search is the same: normalize, then search).  :func:`cosine_distance`
  converts a Euclidean distance between unit vectors back to ``1 - cos``.

Every draw comes from :class:`random.Random` seeded with a string that names
the seed and the stream, so a seed gives the same vectors in CPython and in
Pyodide.
"""

from __future__ import annotations

import math
import random

METRICS = ("l2", "cosine")
#: Mixture components per 1,000 vectors (at least 4).
CLUSTERS_PER_1000 = 8
#: Standard deviation of a point around its cluster centre, per dimension (centres are N(0, 1)).
SPREAD = 0.75

Vector = tuple[float, ...]


def stream(seed: int, name: str) -> random.Random:
    """A random stream for *seed* and the purpose *name* (independent of every other stream)."""
    return random.Random(f"ann:{seed}:{name}")


def cluster_count(n: int) -> int:
    """Mixture components for *n* vectors."""
    return max(4, round(n * CLUSTERS_PER_1000 / 1000))


def mixture(n: int, dim: int, seed: int) -> tuple[list[Vector], list[float]]:
    """The mixture's centres and normalized weights (weights vary 1:4 so clusters differ in size)."""
    rng = stream(seed, "centres")
    count = cluster_count(n)
    centres = [tuple(rng.gauss(0.0, 1.0) for _ in range(dim)) for _ in range(count)]
    raw = [1.0 + 3.0 * rng.random() for _ in range(count)]
    total = sum(raw)
    return centres, [w / total for w in raw]


def draw(count: int, centres: list[Vector], weights: list[float], metric: str, rng: random.Random) -> list[Vector]:
    """*count* points of the mixture, unit length for ``cosine``."""
    picks = rng.choices(range(len(centres)), weights=weights, k=count)
    gauss = rng.gauss
    out = []
    for c in picks:
        point = tuple(x + gauss(0.0, SPREAD) for x in centres[c])
        out.append(unit(point) if metric == "cosine" else point)
    return out


def unit(v: Vector) -> Vector:
    """*v* scaled to length 1 (a zero vector is returned unchanged)."""
    norm = math.hypot(*v)
    return v if norm == 0.0 else tuple(x / norm for x in v)


def dataset(n: int, dim: int, queries: int, seed: int, metric: str) -> tuple[list[Vector], list[Vector]]:
    """(*n* stored vectors, *queries* query vectors) of *dim* dimensions, the same for a seed."""
    centres, weights = mixture(n, dim, seed)
    data = draw(n, centres, weights, metric, stream(seed, "data"))
    probes = draw(queries, centres, weights, metric, stream(seed, "queries"))
    return data, probes


def cosine_distance(euclidean: float) -> float:
    """``1 - cos(a, b)`` for unit vectors a, b whose Euclidean distance is *euclidean*."""
    return euclidean * euclidean / 2.0
