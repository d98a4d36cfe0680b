"""The model's prediction for a published measurement (:mod:`.published`).

A published run happened, so its configuration is placed as run -- every
layer on the GPUs (``-ngl 99``) with the context it needed -- without the
fit check.  ``tg N`` is timed at the mean depth of its N tokens; ``pp N``
micro-batch by micro-batch with the row's ``-ub``.
"""

from __future__ import annotations

import functools

from inferlab.llamacpp.kv_cache import pad
from inferlab.llamacpp.published import SpeedRow
from inferlab.llamacpp.setup import resolve
from inferlab.llamacpp.speed import SpeedModel


@functools.lru_cache(maxsize=256)
def run_model(hardware: str, model: str, quant: str, gpus: int, cells: int) -> SpeedModel:
    """The speed model of a published run: everything offloaded when there is a GPU."""
    st = resolve(model=model, quant=quant, hardware=hardware, gpus=gpus, ctx=None, gpu_layers=None)
    ngl = st.shape.n_layers + 1 if st.has_gpu else 0
    return st.speed_model(st.placement(ngl, cells))


def predict(row: SpeedRow) -> float:
    """Predicted tokens/s for *row*."""
    cells = pad(row.depth + row.tokens + 1)
    sm = run_model(row.hardware, row.model, row.quant, row.gpus, cells)
    if row.kind == "tg":
        return 1.0 / sm.step_seconds([row.depth + row.tokens // 2])
    return row.tokens / sm.prompt_seconds(row.tokens, row.depth, row.ubatch)


__all__ = ["predict", "run_model"]
