"""Where the llama.cpp servers' step times come from: the llama.cpp speed model, or plain rates.

With ``model``, ``quant`` and ``hardware`` named, every step is timed by the
calculator's step model (:func:`inferlab.llamacpp.calculator.speed_model`,
the numbers the calculator widget shows): each server holds the model on
``gpus`` GPUs (every layer offloaded, as a serving setup would) with ``-c
ctx_size`` KV cells over ``-np slots`` slots, and the configuration must
load: one that does not fit is refused with an InputError saying what is
short.  An unset ``ctx_size`` is the largest ``-c`` up to slots x the
model's trained context that fits beside the weights (llama.cpp's ``--fit``
lowers an unset context the same way).  So switching Q8_0 to Q4_K_M, or a
4090 to an H100, moves the simulated latency.

Otherwise :class:`PlainSteps` times a step from the config's plain rates:
a batch of n generating slots takes ``(1 + batch_overhead x (n - 1)) /
decode_tps`` and its prompt tokens ``1 / prefill_tps`` each on top (one
weight read per step serves every slot, each extra slot adds KV reads and
matrix width).  ``batch_overhead`` defaults to 0.1, fitted to the sample
table in llama.cpp's ``examples/batched-bench/README.md`` (LLaMA 7B F16:
S_TG 41.57 t/s at B=1, 242.23 t/s at B=16, i.e. 16 / (1 + 15 x 0.12) = 5.8x).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from inferlab.inputs import InputError
from inferlab.llamacpp.batching import CTX_PAD, StepTimer, slot_context
from inferlab.pipeline.config import Config
from inferlab.units import GiB

if TYPE_CHECKING:  # the calculator is imported on first use (see _calculator)
    from inferlab.llamacpp.speed import SpeedModel

#: Fewest KV cells per slot the default ``-c`` may shrink to before the configuration counts as not loading.
MIN_SLOT_CTX = CTX_PAD


class PlainSteps:
    """Step times from plain rates (a step model: :meth:`step_seconds` as the llama.cpp one takes)."""

    __slots__ = ("prefill_tps", "decode_tps", "overhead")

    def __init__(self, prefill_tps: float, decode_tps: float, overhead: float) -> None:
        self.prefill_tps = prefill_tps
        self.decode_tps = decode_tps
        self.overhead = overhead

    def step_seconds(self, decode_depths: Sequence[float] = (), prompt_chunks: Sequence[tuple[int, int]] = (),
                     outputs: int | None = None) -> float:
        """Seconds of one batch: the generating slots' step plus the prompt tokens (depth does not matter)."""
        n = len(decode_depths)
        t = (1.0 + self.overhead * (n - 1)) / self.decode_tps if n else 0.0
        for m, _ in prompt_chunks:
            t += m / self.prefill_tps
        return t


@dataclasses.dataclass(frozen=True)
class Speeds:
    """How one llama.cpp server of the config runs."""

    timer: StepTimer            # step times (cached)
    prefill_tps: float          # prompt tokens/s of a 512-token batch (calculator) or the plain rate
    decode_tps: float           # tokens/s of one slot generating alone at an empty context
    n_ctx: int | None           # -c: KV cells per server (None: no limit)
    n_ctx_slot: int | None      # cells one slot may hold
    kv_unified: bool
    n_batch: int                # -b
    source: str                 # "plain" or "calculator: <model> <quant> <hardware>"
    memory: str | None = None   # the calculator's fit, in words


def resolve_speeds(cfg: Config) -> Speeds:
    """The :class:`Speeds` of *cfg*; InputError when a named model cannot load or has no speed."""
    if cfg.model is None:
        plain = PlainSteps(cfg.prefill_tps, cfg.decode_tps, cfg.batch_overhead)
        return Speeds(StepTimer(plain, affine=True), cfg.prefill_tps, cfg.decode_tps, cfg.ctx_size,
                      slot_context(cfg.ctx_size, cfg.slots, cfg.kv_unified), cfg.kv_unified, cfg.batch_tokens,
                      "plain")
    sm, n_ctx, train, memory = _calculator(cfg.model, cfg.quant, cfg.hardware, cfg.gpus, cfg.slots, cfg.ctx_size,
                                           cfg.kv_unified)
    prefill = sm.prefill_tokens_per_s(0, 512)
    decode = sm.decode_tokens_per_s(0)
    if not prefill > 0 or not decode > 0:
        raise InputError("model", cfg.model, "a model, quant and hardware with positive calculator speeds",
                         reason=f"with quant {cfg.quant} on {cfg.hardware} has no usable speed "
                                f"(prefill {prefill!r}, decode {decode!r} tokens/s)")
    return Speeds(StepTimer(sm), prefill, decode, n_ctx, slot_context(n_ctx, cfg.slots, cfg.kv_unified, train),
                  cfg.kv_unified, cfg.batch_tokens, f"calculator: {cfg.model} {cfg.quant} {cfg.hardware}", memory)


@functools.lru_cache(maxsize=64)
def _calculator(model: str, quant: str, hardware: str, gpus: int, slots: int, ctx_size: int | None,
                kv_unified: bool) -> tuple[SpeedModel, int, int, str]:
    """(step model, -c, trained context, memory in words) of one server; cached for sweeps and live controls."""
    from inferlab.catalog.hardware import get_hardware
    from inferlab.catalog.models import build_shape
    from inferlab.llamacpp import calculator as calc  # imported on first use: --ideal and plain runs never need it

    hw = get_hardware(hardware)
    shape = build_shape(model)
    if gpus > 1 and (hw.gpu is None or hw.unified):
        raise InputError("gpus", gpus, f"1 (hardware {hardware!r} has {'one integrated GPU' if hw.unified else 'no GPU'})")
    # A serving llama-server offloads every layer when there is a GPU (-ngl 99).
    common: dict[str, Any] = dict(model=model, quant=quant, hardware=hardware, gpus=gpus,
                                  gpu_layers=999 if hw.gpu else 0,
                  parallel=slots)

    def report(n_ctx: int) -> dict:
        return calc.memory_report(**common, ctx=n_ctx)

    where = f"{gpus} x {hw.gpu.name}" if hw.gpu else hw.display_name
    smallest = slots * MIN_SLOT_CTX
    step = CTX_PAD if kv_unified else CTX_PAD * slots  # llama.cpp pads each slot's share to 256 cells
    if ctx_size is not None and ctx_size > slots * shape.max_ctx:
        raise InputError("ctx_size", ctx_size, f"at most slots x {shape.display_name}'s trained context = "
                         f"{slots:,} x {shape.max_ctx:,} = {slots * shape.max_ctx:,} tokens (llama-server caps "
                         "each slot there)")
    if ctx_size is not None:
        r = report(ctx_size)
        if not r["fits"]:
            if not report(min(ctx_size, smallest))["fits"]:
                raise _does_not_load(model, quant, where, r, slots)
            raise InputError("ctx_size", ctx_size, f"a context whose KV cache fits beside the weights on {where} "
                             f"(the largest that fits: {_largest(report, smallest, ctx_size, step):,})",
                             reason=f"does not fit ({r['fits_reason']}; KV cache {r['kv_cache_bytes'] / GiB:.1f} GiB)")
        n_ctx = ctx_size
    else:
        n_ctx = slots * shape.max_ctx
        r = report(n_ctx)
        if not r["fits"]:
            if not report(smallest)["fits"]:
                raise _does_not_load(model, quant, where, report(smallest), slots)
            n_ctx = _largest(report, smallest, n_ctx, step)
            r = report(n_ctx)
    sm = calc.speed_model(**common, ctx=n_ctx)
    memory = (f"{r['weights_bytes'] / GiB:.1f} GiB weights + {r['kv_cache_bytes'] / GiB:.1f} GiB KV cache "
              f"(-c {n_ctx:,}) on {where} per server: {r['fits_reason']}")
    return sm, n_ctx, shape.max_ctx, memory


def _largest(report: Callable[[int], dict], lo: int, hi: int, step: int) -> int:
    """The largest context, a multiple of *step* cells between *lo* (fits) and *hi* (does not), that fits."""
    lo, hi = lo // step, hi // step + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if report(mid * step)["fits"] else (lo, mid)
    return lo * step


def _does_not_load(model: str, quant: str, where: str, r: dict, slots: int) -> InputError:
    """The InputError of a model that does not load even with the smallest context."""
    short = [f"{what} short by {-r[key] / GiB:.1f} GiB" for what, key in
             (("VRAM", "vram_headroom_bytes"), ("RAM", "ram_headroom_bytes")) if (r[key] or 0) < 0]
    return InputError(
        "model", model, "a model, quant and GPUs per server that hold the weights (more gpus per server, a "
        "smaller quant or model; replicas x gpus GPUs in all)",
        reason=f"with quant {quant} does not load on {where} per server: {r['weights_bytes'] / GiB:.1f} GiB of "
               f"weights, {' and '.join(short) or 'no room'} even with {MIN_SLOT_CTX} tokens of context per slot "
               f"({slots} slots)")


__all__ = ["MIN_SLOT_CTX", "PlainSteps", "Speeds", "resolve_speeds"]
