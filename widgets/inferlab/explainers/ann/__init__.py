"""Nearest-neighbor search, exact and approximate: the ``ann`` explainer.

* :mod:`.vectors` -- seeded, clustered vectors and the two metrics;
* :mod:`.hnsw` -- the HNSW index of Malkov & Yashunin (arXiv 1603.09320);
* :mod:`.experiment` -- brute-force ground truth, recall@k, distance counts,
  memory per vector, budgets and the per-build cache;
* :mod:`.widget` -- the widget (importing it registers ``ann``).
"""

from inferlab.explainers.ann.hnsw import HNSW
from inferlab.explainers.ann.widget import AnnWidget

__all__ = ["HNSW", "AnnWidget"]
