"""Unified batches in numbers: step times (cached), each slot's context, the saturated throughput.

The arithmetic :mod:`inferlab.llamacpp.server` (llama-server's scheduler)
runs on, and that capacity estimates use without simulating: the time of a
batch from a step model (:class:`StepTimer`), the cells ``-c`` gives one
slot (:func:`slot_context`), and the requests/s one server completes with
every slot busy (:func:`saturated_throughput`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

#: Cells per sequence of the second probe that fixes an affine decode step (any positive depth gives the slope).
_PROBE_DEPTH = 1024
#: llama.cpp pads each sequence's context up to a multiple of this many cells (``GGML_PAD(n_ctx_seq, 256)``).
CTX_PAD = 256
#: llama-server's default ``-b`` (``n_batch``, common/common.h).
N_BATCH = 2048


def is_affine(model: Any) -> bool:
    """True when the model's step time is affine in the cached tokens (no sliding-window layers)."""
    shape = getattr(model, "shape", None)
    return not (shape is not None and shape.swa_in_llama_cpp and shape.swa_pattern and shape.sliding_window)


class StepTimer:
    """Step times of a step model, decode-only steps cached per batch size.

    With an affine model a decode step of ``n`` sequences holding ``S``
    cached tokens in all lasts ``base(n) + slope(n) x S`` exactly (the KV
    bytes read and the attention FLOPs grow linearly), so two calls per
    ``n`` fix it for good.  Steps with prompt chunks are timed by the model.
    """

    __slots__ = ("model", "affine", "_decode", "memo")

    def __init__(self, model: Any, affine: bool | None = None) -> None:
        self.model = model
        self.affine = is_affine(model) if affine is None else affine
        self._decode: dict[int, tuple[float, float]] = {}
        #: Results derived from this timer (e.g. :func:`saturated_throughput`), by their arguments.
        self.memo: dict[tuple, float] = {}

    def decode(self, n: int, depth_sum: float) -> tuple[float, float]:
        """(seconds of a decode step of *n* sequences holding *depth_sum* cached tokens, increase per step)."""
        c = self._decode.get(n)
        if c is None:
            step = self.model.step_seconds
            base = step([0] * n)
            slope = (step([_PROBE_DEPTH] * n) - base) / (n * _PROBE_DEPTH)
            c = self._decode[n] = (base, slope)
        return c[0] + c[1] * depth_sum, c[1] * n

    def step(self, depths: Sequence[float], chunks: Sequence[tuple[int, float]], outputs: int) -> float:
        """Seconds of a batch: decode tokens at *depths*, prompt *chunks* ``(tokens, depth)``, *outputs* logits."""
        return self.model.step_seconds(depths, chunks, outputs)


def slot_context(n_ctx: int | None, slots: int, kv_unified: bool, n_ctx_train: int | None = None) -> int | None:
    """Cells one slot may hold: ``-c`` split over the slots (padded up to 256) unless unified; None = no limit."""
    if n_ctx is None:
        return None
    per = n_ctx if kv_unified else -(-(n_ctx // slots) // CTX_PAD) * CTX_PAD
    return per if n_ctx_train is None else min(per, n_ctx_train)


def saturated_throughput(timer: StepTimer, slots: int, prompt: float, output: float,
                         n_batch: int = N_BATCH) -> float:
    """Requests/s one server completes with every slot busy: the unified-batch arithmetic.

    Each request reads its prompt in ``c = ceil(P / (n_batch - (S - 1)))``
    steps beside the other slots' decode tokens, then generates ``O - 1``
    tokens one step each, so a slot's cycle is ``L = c + O - 1`` steps.
    With the S slots' cycles out of phase (as Poisson arrivals leave them)
    and ``S c <= L``, every cycle holds S c steps of S - 1 generating slots
    plus a P / c-token chunk and ``L - S c`` steps of S generating slots,
    each slot ``P + (O - 2) / 2`` tokens deep on average (the step model is
    affine in the cached tokens), so the throughput is S / (the cycle's
    time).  When the prompts overlap (``S c > L``) every step is charged
    the average batch.  Memoized on the timer.
    """
    key = (slots, prompt, output, n_batch)
    got = timer.memo.get(key)
    if got is not None:
        return got
    s = slots
    p = max(1, round(prompt))
    o = max(1, round(output))
    room = max(1, n_batch - (s - 1))
    c = -(-p // room)
    cycle = c + o - 1
    depth = p + max(0, o - 2) / 2.0
    chunk = -(-p // c)
    if s * c <= cycle:
        mixed = timer.step([depth] * (s - 1), [(chunk, (c - 1) * chunk // 2)], s - 1 + 1)
        plain = timer.decode(s, s * depth)[0] if cycle > s * c else 0.0
        total = s * c * mixed + (cycle - s * c) * plain
    else:
        decoding = max(0, round(s * (o - 1) / cycle))
        prompt_tokens = max(1, round(s * p / cycle))
        total = cycle * timer.step([depth] * decoding, [(prompt_tokens, 0)], decoding + 1)
    got = timer.memo[key] = s / total if total > 0 else math.inf
    return got


__all__ = ["CTX_PAD", "N_BATCH", "StepTimer", "is_affine", "saturated_throughput", "slot_context"]
