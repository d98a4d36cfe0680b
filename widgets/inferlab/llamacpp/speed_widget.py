"""The ``speed`` widget: llama.cpp decode and prefill speed for a batch of sequences.

``python -m inferlab speed --model M --quant Q --hardware H --batch N [--depth D] --json``
is its command; every number is :func:`inferlab.llamacpp.calculator.speed_report`'s.
The chart sweeps the batch (1 to 512 sequences) at the chosen depth, which is
what llama-batched-bench measures; the fidelity line is computed from the
published sweeps the tests check (:mod:`inferlab.llamacpp.published`).
"""

from __future__ import annotations

from typing import Any

from inferlab.inputs import Params
from inferlab.llamacpp.params import PARAMS
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Metric, Preset, Table, View, Widget
from inferlab.units import rate_text

#: Batch sizes of the sweep chart (llama-batched-bench's usual -npl list, to 512).
SWEEP = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
INPUTS = ("model", "quant", "hardware", "gpus", "batch", "depth", "kv_type", "flash_attn", "gpu_layers")


def speed_rows() -> list[dict[str, Any]]:
    """The published runs the speed model is held to: those from its hardware's calibration era or newer."""
    from inferlab.catalog.hardware import get_hardware
    from inferlab.llamacpp.published import fidelity_rows

    return [r for r in fidelity_rows() if r["era"] >= get_hardware(r["hardware"]).calibration_era]


def fidelity() -> str:
    """How far the speed model is from published llama.cpp runs (the rows tests/core/llamacpp hold to 30%)."""
    rows = speed_rows()
    worst = max(abs(r["error"]) for r in rows)
    eras = sorted({r["era"] for r in rows})
    return (f"decode and prefill speed within ±{worst:.0%} of {len(rows)} published llama-bench and "
            f"llama-batched-bench runs on {len({r['hardware'] for r in rows})} devices "
            f"(llama.cpp builds of {eras[0]}–{eras[-1]}; sources in inferlab/llamacpp/published.py).")


class SpeedWidget(Widget):
    """How fast does llama.cpp generate for one sequence, and for many at once?"""

    name = "speed"
    title = "llama.cpp batched speed"
    summary = "Decode tokens/s for one sequence and for a batch decoding together, and prefill tokens/s."
    params = Params(PARAMS[n] for n in INPUTS)
    metrics = (
        Metric("decode_tokens_per_s", "Decode, whole batch", "tok/s"),
        Metric("per_sequence_tokens_per_s", "Decode, per sequence", "tok/s"),
        Metric("single_sequence_tokens_per_s", "Decode, one sequence alone", "tok/s"),
        Metric("prefill_tokens_per_s", "Prefill (512-token batch)", "tok/s"),
        Metric("step_seconds", "One decode step", "seconds"),
        Metric("fits", "Fits?", "yes/no"),
    )
    charts = (Chart("sweep", "Aggregate and per-sequence decode speed as more sequences decode together "
                             "(the depth above); each step reads the weights once for the whole batch."),)
    presets = (
        Preset("8B on an RTX 4090, 64 sequences", {"hardware": "rtx-4090", "batch": 64}),
        Preset("70B on two RTX 4090s at 8k depth", {"model": "llama-3.1-70b", "hardware": "rtx-4090", "gpus": 2,
                                                    "depth": 8192, "batch": 8}),
    )
    fidelity = staticmethod(fidelity)

    def view(self) -> View:
        from inferlab.llamacpp.calculator import speed_report

        kwargs = {k: v for k, v in self.values.items() if v is not None}
        report = speed_report(**kwargs)
        sweep = [self._point(kwargs, n) for n in SWEEP]
        fits = bool(report["fits"])
        status = (f"{report['display_name']} {report['quant']} on {report['gpus']}× {report['hardware_display']}: "
                  f"{report['batch']} sequence{'s' if report['batch'] != 1 else ''} at depth {report['depth']:,} "
                  f"decode {rate_text(report['decode_tokens_per_s'])} together, "
                  f"{rate_text(report['per_sequence_tokens_per_s'])} each."
                  if fits else f"It does not fit: {report['fits_reason']}. No speed is shown.")
        return View(
            result=report, status=status, level="ok" if fits else "bad", levels={"fits": "ok" if fits else "bad"},
            charts={"sweep": _chart(sweep, report)},
            tables={"sweep": Table(["batch", "decode_tokens_per_s", "per_sequence_tokens_per_s"],
                                   [[p["batch"], p["total"], p["each"]] for p in sweep])},
        )

    @staticmethod
    def _point(kwargs: dict[str, Any], batch: int) -> dict[str, Any]:
        from inferlab.llamacpp.calculator import speed_report

        r = speed_report(**{**kwargs, "batch": batch})
        return {"batch": batch, "total": r["decode_tokens_per_s"], "each": r["per_sequence_tokens_per_s"]}


def _chart(sweep: list[dict[str, Any]], report: dict[str, Any]) -> str:
    bars = [svg.Bar(f"{p['batch']}", p["total"] or 0.0,
                    "does not fit" if p["total"] is None else
                    f"{rate_text(p['total'])} in all · {rate_text(p['each'])} each",
                    cls="ifw-c1" if p["total"] is not None else "ifw-c4", highlight=p["batch"] == report["batch"])
            for p in sweep]
    desc = "; ".join(f"batch {b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title=f"Decode speed by batch size ({report['display_name']} {report['quant']})",
                         desc=desc, value_label="aggregate decode tokens/s")
