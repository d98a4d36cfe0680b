"""Auto-fit: the ``-ngl`` and context llama.cpp's ``--fit`` (on by default) picks.

Written from the logic of ``common_params_fit_impl`` in common/fit.cpp
(read at commit 08033df of the stored llama.cpp snapshot; the same steps
are described in tools/fit-params/README.md), with the defaults of common/common.h
(``fit_params_target`` = 1024 MiB left free per device,
``fit_params_min_ctx`` = 4096):

1. Measure the default configuration -- every layer on the GPUs and, when
   the user left ``-c`` unset, the model's trained context.  If each device
   keeps the margin free, nothing changes.
2. If the context was left unset, shrink it (never below 4096, in steps of
   256) until the projected use meets the margin; with one GPU that is the
   answer once it fits.
3. If the user set ``-ngl``, stop here ("n_gpu_layers already set by user").
   Otherwise fill the GPUs back to front, the last GPU first (it holds the
   output layer), each with as many whole layers as fit under its target;
   the layers per GPU become ``--tensor-split``.

Differences, said plainly: llama.cpp measures the real allocations of trial
loads and the driver's free memory; here both come from the placement model
(:mod:`.placement`) and ``vram - reserve``.  For MoE models llama.cpp first
moves expert tensors of partly offloaded layers to RAM; this fills whole
layers only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inferlab.llamacpp.kv_cache import KV_PAD, pad
from inferlab.llamacpp.placement import Placement

#: ``fit_params_target``: memory left free on every device (common/common.h), bytes.
FIT_MARGIN_BYTES = 1024 * 2**20
#: ``fit_params_min_ctx``: smallest context the fit shrinks to (common/common.h), tokens.
FIT_MIN_CTX = 4096


@dataclass(frozen=True)
class FitResult:
    """What the fit chose: ``gpu_layers``, ``ctx`` (cells), layers per GPU, and its log."""

    gpu_layers: int
    ctx: int
    layers_per_gpu: tuple[int, ...]
    steps: tuple[str, ...]


PlaceFn = Callable[[int, int, list[float] | None], Placement]


def _device_ok(p: Placement, free: int) -> bool:
    return all(g.total <= free - FIT_MARGIN_BYTES for g in p.gpus if g.total)


def auto_fit(place: PlaceFn, n_layers: int, n_gpus: int, free_per_gpu: int, ctx: int | None,
             max_ctx: int, gpu_layers: int | None) -> FitResult:
    """Run the fit.  ``place(gpu_layers, ctx_cells, tensor_split)`` builds a placement.

    *ctx* None means "unset" (llama.cpp ``-c 0``: the trained context);
    *gpu_layers* None means "unset" (the fit may choose it).
    """
    steps = []
    n_ctx = pad(max_ctx if ctx is None else ctx)
    ngl = n_layers + 1 if gpu_layers is None else gpu_layers
    full = place(ngl, n_ctx, None)
    if _device_ok(full, free_per_gpu):
        steps.append("the default configuration leaves the margin free on every GPU: no change")
        return FitResult(ngl, n_ctx, _per_gpu(full), tuple(steps))
    if ctx is None:
        floor = min(pad(FIT_MIN_CTX), n_ctx)
        lo_ok = _device_ok(place(ngl, floor, None), free_per_gpu)
        if lo_ok:
            lo, hi = floor, n_ctx  # lo fits, hi does not: bisect on whole 256-cell steps
            while hi - lo > KV_PAD:
                mid = pad((lo + hi) // 2)
                mid = mid if mid < hi else hi - KV_PAD
                if _device_ok(place(ngl, mid, None), free_per_gpu):
                    lo = mid
                else:
                    hi = mid
            steps.append(f"context reduced from {n_ctx} to {lo} so every layer fits")
            if n_gpus == 1:
                return FitResult(ngl, lo, _per_gpu(place(ngl, lo, None)), tuple(steps))
            n_ctx = lo
        else:
            steps.append(f"context reduced from {n_ctx} to the minimum {floor}")
            n_ctx = floor
    if gpu_layers is not None:
        steps.append(f"n_gpu_layers set by user to {gpu_layers}: no change")
        return FitResult(gpu_layers, n_ctx, _per_gpu(place(gpu_layers, n_ctx, None)), tuple(steps))
    counts = [0] * n_gpus

    def fits(dev: int, k: int) -> bool:
        trial = counts[:]
        trial[dev] = k
        p = place(sum(trial), n_ctx, [float(c) for c in trial] if n_gpus > 1 else None)
        return p.gpus[dev].total <= free_per_gpu - FIT_MARGIN_BYTES

    for dev in range(n_gpus - 1, -1, -1):
        lo, hi = 0, n_layers + 1 - sum(counts)  # memory grows with k: bisect for the largest k that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(dev, mid):
                lo = mid
            else:
                hi = mid - 1
        counts[dev] = lo
        if lo == 0 and dev == n_gpus - 1:
            break  # the output layer does not fit on the last GPU: nothing is offloaded
    ngl = sum(counts)
    steps.append(f"filled the GPUs back to front: {counts} layers (output layer on the last GPU)")
    return FitResult(ngl, n_ctx, tuple(counts), tuple(steps))


def _per_gpu(p: Placement) -> tuple[int, ...]:
    return tuple(len(g.layers) + (1 if g.has_output else 0) for g in p.gpus)


__all__ = ["FIT_MARGIN_BYTES", "FIT_MIN_CTX", "FitResult", "auto_fit"]
