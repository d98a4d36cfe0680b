"""The ``phases`` widget: prefill and decode on the roofline, a request's timeline, and chunked prefill.

``python -m inferlab phases --model llama-3-8b --quant Q4_K_M --hardware rtx-4090 --prompt 2048
--output 256 --json`` prints :func:`.report.report`'s numbers (``ttft_s``, ``tpot_s``,
``prefill_bound``, ``decode_bound`` ...).
"""

from __future__ import annotations

from typing import Any, cast

from inferlab.formulas import Formula
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Metric, Preset, Table, View, Widget
from inferlab.units import percent_text, rate_text, seconds_text

from .model import Schedule
from .report import PARAMS, compute

#: Request rows the batch timeline draws (the rest are summarized in its description).
TIMELINE_ROWS = 8
ROOFLINE_SOURCE = "Williams, Waterman & Patterson, 'Roofline', CACM 52(4), 2009"


def fidelity() -> str:
    """Distance to ground truth: the speed model's error on published runs, and how close those runs get to the roof."""
    from inferlab.llamacpp.speed_widget import speed_rows

    from .model import published_points

    rows = speed_rows()
    worst = max(abs(r["error"]) for r in rows)
    best = max(p["efficiency"] for p in published_points("rtx-4090"))
    return (f"Step times from the llama.cpp speed model, within ±{worst:.0%} of {len(rows)} published llama-bench "
            f"runs; FLOPs and bytes are counted from the model's tensors (tests check them by hand). On the "
            f"RTX 4090 the best published prompt run reaches {best:.0%} of the FP16 roofline "
            f"(sources in inferlab/llamacpp/published.py).")


class PhasesWidget(Widget):
    """Prefill vs decode: TTFT, TPOT, the roofline, timelines and chunked prefill."""

    name = "phases"
    title = "Prefill and decode: FLOPs, bytes and time"
    summary = ("Time to first token and per output token for a model, quantization and GPU, both phases on the "
               "hardware's roofline with published runs, request timelines, and chunked prefill's effect on stalls.")
    params = PARAMS
    metrics = (
        Metric("ttft_s", "Time to first token", "seconds"),
        Metric("tpot_s", "Time per output token", "seconds"),
        Metric("e2e_s", "Request latency", "seconds"),
        Metric("decode_tokens_per_s", "Decode, whole batch", "tok/s"),
        Metric("prefill_bound", "Prefill is", "text"),
        Metric("decode_bound", "Decode is", "text"),
        Metric("prefill_intensity", "Prefill FLOPs per byte", "count"),
        Metric("decode_intensity", "Decode FLOPs per byte", "count"),
        Metric("ridge_point", "Ridge point (FLOPs per byte)", "count"),
        Metric("batch_last_ttft_s", "First token, last of the batch", "seconds"),
        Metric("max_sequences", "Sequences that fit in memory", "integer"),
        Metric("stall_unchunked_s", "Decode stall, prompt in one step", "seconds"),
        Metric("stall_chunked_s", "Decode stall, chunked prompt", "seconds"),
    )
    charts = (
        Chart("roofline", "The hardware's roofline (datasheet compute peak and memory bandwidth, log-log). "
                          "Labeled: this configuration's prefill and decode steps as the speed model times them; "
                          "unlabeled: published llama-bench runs on this device at their measured speed."),
        Chart("timeline", "One request alone, then the batch sent at once: waiting, reading the prompt "
                          "(prefill), generating (decode)."),
        Chart("chunking", "A prompt arrives while the batch is generating. Each bar is the steps until its first "
                          "token; the marks inside are step boundaries, when every running sequence gets a token."),
    )
    presets = (
        Preset("Busy server: 32 sequences", {"batch": 32}),
        Preset("Long prompt: 16k on Llama 3.1 8B", {"model": "llama-3.1-8b", "prompt": 16384, "batch": 4}),
        Preset("Reasoning-length output: 16k", {"model": "llama-3.1-8b", "prompt": 1024, "output": 16384}),
        Preset("F16 weights", {"quant": "F16"}),
        Preset("70B on two RTX 4090s", {"model": "llama-3.1-70b", "gpus": 2}),
        Preset("CPU only (DDR5 desktop)", {"hardware": "ddr5-desktop", "prompt": 512, "output": 128}),
    )
    formulas = (
        Formula("ridge_point", "Ridge point", "peak_flops / bandwidth_bytes_per_s", ROOFLINE_SOURCE,
                {"peak_flops": "compute peak, FLOP/s (datasheet: GPU dense FP16 tensor, CPU FP32 vector)",
                 "bandwidth_bytes_per_s": "memory bandwidth, bytes/s (datasheet)"}),
        Formula("decode_flops", "FLOPs of one decode step",
                "batch * 2 * (matmul_params + output_params) + decode_attention_flops",
                "2 FLOPs per weight per token; attention 2 n_head (d_k + d_v) per cached key and layer",
                {"batch": "sequences decoding (one token each)",
                 "matmul_params": "weights multiplied per token in the blocks (active experts only)",
                 "output_params": "hidden size x vocabulary (output projection)",
                 "decode_attention_flops": "attention FLOPs over every sequence's cached tokens"}),
        Formula("decode_intensity", "Decode arithmetic intensity", "decode_flops / decode_bytes", ROOFLINE_SOURCE,
                {"decode_flops": "FLOPs of one decode step",
                 "decode_bytes": "weights read once + every sequence's KV cache read, bytes"}),
        Formula("prefill_intensity", "Prefill arithmetic intensity", "prefill_flops / prefill_bytes",
                ROOFLINE_SOURCE, {"prefill_flops": "FLOPs of reading the whole prompt",
                                  "prefill_bytes": "weights read once per step + KV read, bytes"}),
        Formula("e2e_s", "Request latency", "ttft_s + (output - 1) * tpot_s",
                "the first token comes from the prefill; each later one costs a decode step",
                {"ttft_s": "time to first token, s", "output": "tokens generated",
                 "tpot_s": "time per output token, s"}, fmt="seconds"),
        Formula("decode_tokens_per_s", "Decode throughput", "batch / tpot_s",
                "every decode step yields one token per sequence",
                {"batch": "sequences decoding together", "tpot_s": "one decode step, s"}, fmt="tok/s"),
    )
    fidelity = staticmethod(fidelity)

    def view(self) -> View:
        r, runs = compute(self.values)
        partial = r["layers_on_cpu"] > 0
        return View(
            result=r, status=_status(r), level="warn" if partial else "ok",
            levels={"prefill_bound": "ok" if r["prefill_bound"] == "compute" else "warn",
                    "decode_bound": "ok" if r["decode_bound"] == "compute" else "warn",
                    "stall_unchunked_s": "bad" if r["stall_unchunked_s"] > 5 * r["decode_step_s"] else "ok"},
            charts={"roofline": roofline_chart(r), "timeline": timeline_chart(r),
                    "chunking": chunking_chart(r, runs)},
            tables={"published": Table(["run", "tokens_per_s", "intensity", "flops_per_s", "efficiency", "build",
                                        "source"],
                                       [[p["label"], p["tokens_per_s"], p["intensity"], p["flops_per_s"],
                                         p["efficiency"], p["build"], p["source"]] for p in r["published"]]),
                    "timeline": Table(["request", "prefill_start_s", "first_token_s", "finish_s"],
                                      [[t["name"], t["prefill_start_s"], t["first_token_s"], t["finish_s"]]
                                       for t in r["timeline"]["together"]])},
        )


def _status(r: dict[str, Any]) -> str:
    seqs = f"{r['batch']} sequence{'s' if r['batch'] > 1 else ''}"
    where = (f" {r['layers_on_cpu']} of {r['n_layers']} layers run on the CPU (they do not fit the GPU), which "
             "sets the pace." if r["layers_on_cpu"] else "")
    return (f"{r['display_name']} {r['quant']} on {r['hardware_display']}: reading the {r['prompt']:,}-token prompt "
            f"takes {seconds_text(r['ttft_s'])} ({r['prefill_bound']}-bound, {r['prefill_intensity']:,.0f} FLOPs "
            f"per byte against a ridge of {r['ridge_point']:,.0f}); then each token takes "
            f"{seconds_text(r['tpot_s'])} with {seqs} decoding ({r['decode_bound']}-bound, "
            f"{r['decode_intensity']:.1f} FLOPs per byte), {rate_text(r['decode_tokens_per_s'])} in all. "
            f"A new prompt of that length stalls running sequences for {seconds_text(r['stall_unchunked_s'])} "
            f"read whole, {seconds_text(r['stall_chunked_s'])} per step when chunked into {r['chunk']:,}-token steps "
            f"(a plain step: {seconds_text(r['decode_step_s'])}).{where}")


def roofline_chart(r: dict[str, Any]) -> str:
    """The device's roofline with the two modeled phases and the published runs."""
    points = [svg.Point(p["label"], p["intensity"], p["flops_per_s"], "ifw-c1",
                        f"{p['label']}: {rate_text(p['tokens_per_s'])} measured ({p['build']}), "
                        f"{percent_text(p['efficiency'])} of the roofline", size=3.5)
              for p in r["published"]]
    for phase, label in (("prefill", "prefill"), ("decode", f"decode ×{r['batch']}" if r["batch"] > 1 else "decode")):
        points.append(svg.Point(label, r[f"{phase}_intensity"], r[f"{phase}_flops_per_s"], "ifw-c2",
                                f"{label}: {r[f'{phase}_intensity']:,.1f} FLOPs/byte, "
                                f"{r[f'{phase}_flops_per_s'] / 1e12:,.1f} TFLOP/s, "
                                f"{percent_text(r[f'{phase}_efficiency'])} of the roofline", labeled=True, size=5))
    above = [p for p in r["published"] if p["efficiency"] > 1]
    desc = (f"Roof: {r['peak_flops'] / 1e12:,.1f} TFLOP/s and {r['bandwidth_bytes_per_s'] / 1e9:,.0f} GB/s, ridge "
            f"at {r['ridge_point']:,.0f} FLOPs per byte. Prefill step: {r['prefill_intensity']:,.0f} FLOPs/byte, "
            f"{r['prefill_flops_per_s'] / 1e12:,.1f} TFLOP/s; decode step: {r['decode_intensity']:,.1f} FLOPs/byte, "
            f"{r['decode_flops_per_s'] / 1e12:,.2f} TFLOP/s. Published runs: "
            + ("; ".join(f"{p['label']} {percent_text(p['efficiency'])}" for p in r["published"]) or "none")
            + (f". Runs above 100% use integer tensor cores, faster than this {r['roof_peak_kind']} figure."
               if above else "."))
    return svg.roofline_chart(r["peak_flops"], r["bandwidth_bytes_per_s"], points,
                              title=f"Roofline of the {r['roof_device']}", desc=desc,
                              roof_label=f"{r['roof_device']}: {r['peak_flops'] / 1e12:,.1f} TFLOP/s "
                                         f"{r['roof_peak_kind']}, {r['bandwidth_bytes_per_s'] / 1e9:,.0f} GB/s")


PHASE_LEGEND = (("waiting", "ifw-c3"), ("prefill", "ifw-c2"), ("decode", "ifw-c1"))


def _request_spans(t: dict[str, Any]) -> list[svg.Span]:
    start, first, end = t["prefill_start_s"], t["first_token_s"], t["finish_s"]
    spans = [svg.Span(0.0, start, "ifw-c3", f"waiting {seconds_text(start)}")] if start else []
    spans.append(svg.Span(start, first, "ifw-c2", f"prefill until {seconds_text(first)}"))
    if end > first:
        spans.append(svg.Span(first, end, "ifw-c1", f"decode until {seconds_text(end)}"))
    return spans


def timeline_chart(r: dict[str, Any]) -> str:
    """Gantt rows: the lone request, then the batch arriving together (at most TIMELINE_ROWS rows)."""
    rows = [("alone", _request_spans(r["timeline"]["alone"][0]))]
    together = r["timeline"]["together"]
    if r["batch"] > 1:
        shown = together if len(together) <= TIMELINE_ROWS else [*together[:TIMELINE_ROWS - 1], together[-1]]
        rows += [(t["name"], _request_spans(t)) for t in shown]
    end = max(max(t["finish_s"] for t in together), r["alone_e2e_s"])
    desc = (f"Alone: first token at {seconds_text(r['ttft_s'])}, done at {seconds_text(r['alone_e2e_s'])}. "
            + (f"{r['batch']} requests sent together: first tokens from {seconds_text(r['batch_first_ttft_s'])} "
               f"to {seconds_text(r['batch_last_ttft_s'])}, all done at {seconds_text(r['batch_makespan_s'])}."
               if r["batch"] > 1 else ""))
    return svg.gantt_chart(rows, title="Timeline of one request and of a batch", desc=desc, end=end,
                           legend=PHASE_LEGEND)


#: Plain decode steps drawn before the prompt arrives (the running sequences' rhythm).
LEAD_STEPS = 3


def _step_spans(run: Schedule, lead: float) -> list[svg.Span]:
    spans = [svg.Span(0.0, LEAD_STEPS * lead, "ifw-c1", f"{LEAD_STEPS} decode steps of {seconds_text(lead)}",
                      steps=LEAD_STEPS)]
    for s in run.segments:
        cls, what = ("ifw-c2", f"{s.steps} step(s) with {s.chunk:,} prompt tokens + {s.decoding} decode tokens") \
            if s.prefill else ("ifw-c1", f"{s.steps} decode step(s)")
        spans.append(svg.Span(LEAD_STEPS * lead + s.start, LEAD_STEPS * lead + s.end, cls,
                              f"{what}: {seconds_text(s.end - s.start)}", steps=s.steps))
    return spans


def chunking_chart(r: dict[str, Any], runs: dict[str, Schedule]) -> str:
    """Two rows: the arriving prompt read in one step, and in chunks (steps carry the running sequences' tokens)."""
    whole, chunked, lead = runs["whole"], runs["chunked"], r["decode_step_s"]
    # run() gave the arriving request its first token in both runs
    end = LEAD_STEPS * lead + max(cast(float, whole.requests[-1].first_token),
                                  cast(float, chunked.requests[-1].first_token))
    desc = (f"{r['batch']} running sequence(s) decode; after {LEAD_STEPS} steps a {r['prompt']:,}-token prompt "
            f"arrives. Whole: one step of "
            f"{seconds_text(r['stall_unchunked_s'])}, first token at {seconds_text(r['arriving_ttft_unchunked_s'])}. "
            f"Chunked into steps of {r['chunk']:,} tokens: {r['chunk_steps']} steps of up to "
            f"{seconds_text(r['stall_chunked_s'])}, "
            f"first token at {seconds_text(r['arriving_ttft_chunked_s'])}. A plain decode step takes "
            f"{seconds_text(r['decode_step_s'])}.")
    rows = [("prompt whole", _step_spans(whole, lead)), (f"{r['chunk']:,}-token steps", _step_spans(chunked, lead))]
    return svg.gantt_chart(rows,
                           title="A prompt arriving during decode: whole vs chunked", desc=desc, end=end,
                           legend=(("step with prompt tokens", "ifw-c2"), ("decode-only step", "ifw-c1")))
