"""Where the inference speeds come from: the quantization calculator or plain rates.

With ``model``, ``quant`` and ``hardware`` named, prefill and single-slot
decode speeds (tokens/s) come from ``inferlab.calculator.memory_report`` --
the same numbers the calculator widget shows -- so switching Q8_0 to Q4_K_M
moves the simulated latency.  Otherwise the config's ``prefill_tps`` and
``decode_tps`` are used as given.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from inferlab.pipeline.config import Config
from inferlab.pipeline.inference import per_slot_speeds


@dataclasses.dataclass(frozen=True)
class Speeds:
    """Resolved inference speeds of one llama.cpp server."""

    prefill_tps: float          # prompt tokens/s
    decode_tps: float           # tokens/s of one slot decoding alone
    per_slot: list[float]       # per-slot tokens/s with n slots decoding, n = 0..MAX_SLOTS
    source: str                 # "plain" or "calculator: <model> <quant> <hardware>"


def _calculator() -> Any:
    try:
        from inferlab import calculator  # lazy: the calculator is optional for the simulator
    except ModuleNotFoundError as exc:
        if exc.name not in ("inferlab.calculator",):
            raise
        raise ValueError(
            "model: naming a model/quant/hardware needs the quantization calculator "
            "(inferlab.calculator), which is not available; give prefill_tps and decode_tps instead"
        ) from None
    return calculator


def resolve_speeds(cfg: Config) -> Speeds:
    """Prefill/decode speeds for *cfg* (``ValueError`` for an unknown model, quant or hardware)."""
    if cfg.model is None:
        return Speeds(cfg.prefill_tps, cfg.decode_tps, per_slot_speeds(cfg.decode_tps, cfg.batch_overhead),
                      "plain")
    calc = _calculator()
    names = {"model": cfg.model, "quant": cfg.quant, "hardware": cfg.hardware}
    report = calc.memory_report(**names)
    prefill = float(report["prefill_tokens_per_s"])
    decode = float(report["decode_tokens_per_s"])
    if not prefill > 0 or not decode > 0:
        raise ValueError(
            f"model: {cfg.model!r} with quant {cfg.quant!r} on {cfg.hardware!r} has no usable speed "
            f"(prefill {prefill!r}, decode {decode!r} tokens/s); expected positive rates"
        )
    batched: Callable[[int], float] | None = None
    fn = getattr(calc, "batched_decode_tokens_per_s", None)
    if fn is not None:
        def batched(n: int) -> float:
            return float(fn(n, **names))
        # The curve is only needed up to the configured slot count; beyond it use the formula.
        table = [0.0] + [batched(n) / n for n in range(1, cfg.slots + 1)]
        tail = per_slot_speeds(decode, cfg.batch_overhead)
        per_slot = table + tail[cfg.slots + 1:]
    else:
        per_slot = per_slot_speeds(decode, cfg.batch_overhead)
    return Speeds(prefill, decode, per_slot, f"calculator: {cfg.model} {cfg.quant} {cfg.hardware}")
