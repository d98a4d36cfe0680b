"""Where the inference speeds come from: the quantization calculator or plain rates.

With ``model``, ``quant`` and ``hardware`` named, prefill and single-slot
decode speeds (tokens/s) come from ``inferlab.llamacpp.calculator.memory_report`` --
the same numbers the calculator widget shows -- so switching Q8_0 to Q4_K_M
moves the simulated latency.  Otherwise the config's ``prefill_tps`` and
``decode_tps`` are used as given.

With a calculator model the per-slot decode curve is the calculator's
``batched_decode_tokens_per_s`` (weights read once per step for all slots,
until the step is compute bound), and ``batch_overhead`` is not used.  The
hardware's GPU, if any, holds every layer, as a serving setup would.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from inferlab.llamacpp import calculator
from inferlab.pipeline.config import Config
from inferlab.pipeline.inference import per_slot_speeds


@dataclasses.dataclass(frozen=True)
class Speeds:
    """Resolved inference speeds of one llama.cpp server."""

    prefill_tps: float          # prompt tokens/s
    decode_tps: float           # tokens/s of one slot decoding alone
    per_slot: list[float]       # per-slot tokens/s with n slots decoding, n = 0..MAX_SLOTS
    source: str                 # "plain" or "calculator: <model> <quant> <hardware>"


#: Slot counts up to this get an exact calculator call each; above it the
#: aggregate curve is sampled at powers of two and interpolated linearly
#: (one call costs ~1.5 ms in CPython; -np 1024 would otherwise take 1.5 s).
EXACT_SLOTS = 64


def resolve_speeds(cfg: Config) -> Speeds:
    """Prefill/decode speeds for *cfg* (``ValueError`` for an unknown model, quant or hardware)."""
    if cfg.model is None:
        return Speeds(cfg.prefill_tps, cfg.decode_tps, per_slot_speeds(cfg.decode_tps, cfg.batch_overhead),
                      "plain")
    prefill, decode, per_slot = _calculator_speeds(cfg.model, cfg.quant, cfg.hardware, cfg.slots,
                                                   cfg.batch_overhead)
    return Speeds(prefill, decode, list(per_slot), f"calculator: {cfg.model} {cfg.quant} {cfg.hardware}")


@functools.lru_cache(maxsize=64)
def _calculator_speeds(model: str, quant: str, hardware: str, slots: int,
                       overhead: float) -> tuple[float, float, tuple[float, ...]]:
    """(prefill tokens/s, decode tokens/s, per-slot table) from the calculator; cached for sweeps."""
    calc = calculator
    has_gpu = any(h["name"] == hardware and h["gpu"] is not None for h in calc.list_hardware())
    # A serving llama-server offloads every layer when there is a GPU (-ngl 99).
    names = {"model": model, "quant": quant, "hardware": hardware, "gpu_layers": 999 if has_gpu else 0}
    report = calc.memory_report(**names)
    if not report["fits"]:  # the calculator gives no speed for a configuration that cannot load
        raise ValueError(f"model: {model!r} {quant} on {hardware!r} {report['fits_reason']}")
    prefill = float(report["prefill_tokens_per_s"])
    decode = float(report["decode_tokens_per_s"])
    if not prefill > 0 or not decode > 0:
        raise ValueError(
            f"model: {model!r} with quant {quant!r} on {hardware!r} has no usable speed "
            f"(prefill {prefill!r}, decode {decode!r} tokens/s); expected positive rates"
        )
    fn = getattr(calc, "batched_decode_tokens_per_s", None)
    if fn is None:
        return prefill, decode, tuple(per_slot_speeds(decode, overhead))
    points = list(range(1, min(slots, EXACT_SLOTS) + 1))
    n = EXACT_SLOTS * 2
    while points[-1] < slots:
        points.append(min(n, slots))
        n *= 2
    aggregate = {k: float(fn(k, **names)) for k in points}

    def batched(k: int) -> float:
        if k in aggregate:
            return aggregate[k]
        if k > points[-1]:  # beyond the configured slots: flat, never used by the model
            return aggregate[points[-1]] * 1.0
        hi = next(p for p in points if p > k)
        lo = max(p for p in points if p < k)
        return aggregate[lo] + (aggregate[hi] - aggregate[lo]) * (k - lo) / (hi - lo)

    return prefill, decode, tuple(per_slot_speeds(decode, overhead, batched))
