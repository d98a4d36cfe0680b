"""The ``capacity`` widget: from tokens per day and a p99 target to servers, slots, utilization and cost.

The inputs are declared once here (the CLI ``python -m inferlab capacity``
and the option tables come from them); :func:`report` is every number the
widget shows and the CLI's ``--json`` prints.
"""

from __future__ import annotations

import functools
from typing import Any

from inferlab.catalog import choices
from inferlab.explainers.capacity.report import SENSITIVITY, STEP, answer, sensitivity
from inferlab.explainers.capacity.solve import Question
from inferlab.formulas import Formula
from inferlab.inputs import Param, Params
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Metric, Preset, Table, View, Widget
from inferlab.units import ms_text, percent_text


_ASSUMED = "assumed for the code-completion case study (see the post)"

PARAMS = Params([
    Param("tokens_per_day", "float", 1e9, "Tokens per day", "tokens", low=0, high=1e14,
          low_open=True, suffixes=True, help="Prompt and output tokens together, over the whole fleet.", source="the case study: a billion tokens a day"),
    Param("peak_factor", "float", 3.0, "Peak factor", "× the daily mean rate", low=1, high=50, step=0.1,
          help="The fleet is sized for the busiest hour: its rate over the day's mean.",
          source="assumed: the framework post's two to four times the mean, midway"),
    Param("prompt_tokens", "int", 1024, "Prompt", "tokens, mean", low=1, high=131072, suffixes="binary",
          control="range", ui_low=16, ui_high=8192, source=_ASSUMED),
    Param("prompt_cv", "float", 0.3, "Prompt spread", "coefficient of variation (log-normal)", low=0, high=3,
          step=0.05, source="assumed: editors fill a fixed context budget, so lengths cluster"),
    Param("output_tokens", "int", 12, "Output", "tokens, mean", low=1, high=32768, control="range", ui_low=1,
          ui_high=512, source=_ASSUMED + ": one line of code"),
    Param("output_cv", "float", 0.6, "Output spread", "coefficient of variation (log-normal)", low=0, high=3,
          step=0.05, source=_ASSUMED),
    Param("reuse", "float", 0.0, "Prompt reuse", "share of prompt tokens already cached", low=0, high=0.99,
          step=0.05, help="llama-server --cache-reuse: tokens of the previous keystroke's prompt kept in the slot "
                          "are not read again (the simulator has no prompt cache, so its check runs at 0).",
          source="0: every prompt read in full"),
    Param("model", "choice", "qwen2.5-0.5b", "Model", choices=choices.models, labels=choices.model_labels,
          source="Qwen2.5 0.5B: the shape of Qwen2.5-Coder-0.5B (arXiv 2409.12186)"),
    Param("quant", "choice", "Q8_0", "Weights", choices=choices.file_types, help="llama.cpp file type", source=_ASSUMED),
    Param("hardware", "choice", "l40s", "GPU", choices=choices.gpus, labels=choices.hardware_labels, source=_ASSUMED),
    Param("gpus_per_server", "int", 1, "GPUs per server", "GPUs", low=1, high=8,
          help="one llama-server spread over this many GPUs (layer split)"),
    Param("batch_tokens", "int", 2048, "Batch tokens (-b)", "tokens per step", low=16, high=65536,
          help="llama-server's n_batch: decode tokens first, then prompt tokens up to this",
          source="llama.cpp common/common.h: n_batch = 2048"),
    Param("slots", "int", None, "Slots per server (-np)", "slots", low=1, high=256, optional=True,
          none_means="the count with the lowest p99 at the answer"),
    Param("p99_ms", "float", 100.0, "p99 target, end to end", "ms", low=0, high=1e6, low_open=True, step=5,
          help="99 % of requests get their last token within this, network included",
          source="the case study: 100 ms p99"),
    Param("ttft_p99_ms", "float", None, "p99 target, first token", "ms", low=0, high=1e6, low_open=True,
          optional=True, none_means="no TTFT target", step=5),
    Param("network_ms", "float", 10.0, "Network and gateway", "ms per request", low=0, high=10_000, step=1,
          help="client to server and back, TLS and the gateway: added to every request",
          source="assumed: a client in the serving region"),
    Param("gpu_hour_usd", "float", None, "GPU price", "$ per GPU-hour", low=0, high=1000, low_open=True,
          step=0.01, optional=True, none_means="the cited rate for the GPU where one is known (L40S, H100 SXM, "
                                                "H200), otherwise no cost"),
    Param("sensitivity", "bool", True, "Sensitivity",
          help=f"re-solve with traffic, prompt, output, target and network each moved by ±{STEP:.0%} (slots per "
               "server held at the answer's)"),
])


def question(v: dict[str, Any]) -> Question:
    """The :class:`~.solve.Question` of parsed values *v*."""
    return Question(v["tokens_per_day"], v["peak_factor"], v["prompt_tokens"], v["prompt_cv"], v["output_tokens"],
                    v["output_cv"], v["reuse"], v["model"], v["quant"], v["hardware"], v["gpus_per_server"],
                    v["batch_tokens"], v["slots"], v["p99_ms"], v["ttft_p99_ms"], v["network_ms"],
                    v["gpu_hour_usd"])


@functools.lru_cache(maxsize=32)
def _report(items: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    v = dict(items)
    q = question(v)
    out = answer(q)
    out["gpus_per_server"] = q.gpus
    out["sensitivity"] = (sensitivity(q, out["replicas"], out["slots"]) if v["sensitivity"] and out["feasible"]
                          else [])
    return out


def report(v: dict[str, Any]) -> dict[str, Any]:
    """Every number the widget shows (and ``python -m inferlab capacity --json`` prints), for parsed values *v*."""
    return _report(tuple(sorted(v.items())))


def _fidelity() -> str:
    from inferlab.explainers.capacity.published import fidelity_line

    return fidelity_line()


class CapacityWidget(Widget):
    """Servers, slots, utilization and cost for a token volume under a p99 target."""

    name = "capacity"
    title = "Capacity: how many GPUs for tokens per day under a p99 target"
    summary = ("Solves the fleet a daily token volume needs under a p99 latency target: servers, GPUs, slots per "
               "server, utilization and cost per million tokens, from the llama.cpp step model, the unified batch "
               "and the slot queue; says when no fleet meets the target, and which input moves the answer most.")
    params = PARAMS
    controls = ("tokens_per_day", "peak_factor", "prompt_tokens", "output_tokens", "reuse", "model", "quant",
                "hardware", "p99_ms", "ttft_p99_ms", "network_ms", "slots", "gpu_hour_usd")
    metrics = (
        Metric("gpus", "GPUs", "integer"),
        Metric("replicas", "llama-server instances", "integer"),
        Metric("slots", "Slots per server (-np)", "integer"),
        Metric("mean_batch", "Mean batch at peak", "count"),
        Metric("peak_rps", "Requests at peak", "req/s"),
        Metric("p99_ms", "p99 end to end at peak", "ms"),
        Metric("ttft_p99_ms", "p99 first token at peak", "ms"),
        Metric("floor_p99_ms", "p99 of a request alone", "ms"),
        Metric("utilization", "Utilization at peak", "percent"),
        Metric("cost_per_million", "$ per million tokens", "count"),
        Metric("monthly_usd", "$ per month", "integer"),
    )
    charts = (
        Chart("curve", "p99 latency at the peak rate against the number of llama-server instances, with the target: "
                       "the answer is the first fleet under the line."),
        Chart("budget", "Where the mean request's time goes at peak, against the target (the p99 adds the tail)."),
        Chart("sensitivity", f"GPUs needed with each input moved down and up by {STEP:.0%} (slots per server as in the "
                             "answer), widest swing first."),
    )
    presets = (
        Preset("7B code model: 2 s end to end, 300 ms to the first token",
               {"model": "qwen2.5-7b", "quant": "Q4_K_M", "p99_ms": 2000, "ttft_p99_ms": 300}),
        Preset("90 % of the prompt reused across keystrokes", {"reuse": 0.9}),
        Preset("Multi-line: 48-token outputs under 250 ms", {"output_tokens": 48, "p99_ms": 250}),
        Preset("Sixteen slots per server (-np 16)", {"slots": 16}),
        Preset("Ten billion tokens a day", {"tokens_per_day": 1e10}),
    )
    formulas = (
        Formula("mean_tokens_per_s", "Tokens per second over the day", "tokens_per_day / 86400",
                "a day has 86,400 seconds", {"tokens_per_day": "tokens per day, prompt + output"}, fmt="count"),
        Formula("peak_rps", "Requests per second at peak",
                "tokens_per_day * peak_factor / 86400 / (prompt_tokens + output_tokens)",
                "each request carries its prompt and output tokens",
                {"tokens_per_day": "tokens per day", "peak_factor": "peak over mean",
                 "prompt_tokens": "prompt tokens, mean", "output_tokens": "output tokens, mean"}, fmt="req/s"),
        Formula("gpus", "GPUs", "replicas * gpus_per_server", "one llama-server per group of GPUs",
                {"replicas": "llama-server instances (solved)", "gpus_per_server": "GPUs per server"},
                fmt="integer"),
        Formula("ctx_size", "llama-server -c", "slots * slot_ctx",
                "llama.cpp splits -c evenly over the -np slots; each slot holds the 99.99th-percentile prompt and "
                "output, padded to 256", {"slots": "slots per server", "slot_ctx": "tokens per slot"},
                fmt="integer"),
        Formula("slot_wait_p99_ms", "p99 wait for a slot (M/G/c)",
                "max(0, log(slot_wait_share / 0.01)) * (1 + hold_scv) / (2 * (total_slots / mean_hold_s - peak_rps)) "
                "* 1000",
                "Erlang C with the M/G/c tail scaled by (1 + Cs²)/2: P(W > t) = C exp(-(cμ - λ) t 2 / (1 + Cs²))",
                {"slot_wait_share": "Erlang C: share of requests that wait", "hold_scv": "Cs², holding time",
                 "total_slots": "servers x slots", "mean_hold_s": "mean time a request holds its slot, s",
                 "peak_rps": "requests/s at peak"}, fmt="ms"),
        Formula("utilization", "Utilization at peak", "peak_rps / (replicas * saturation_rps)",
                "the peak rate over what the servers sustain at most",
                {"peak_rps": "requests/s at peak", "replicas": "servers", "saturation_rps": "most requests/s one "
                 "server sustains (the unified batch saturated)"}, fmt="percent"),
        Formula("cost_per_million", "Dollars per million tokens", "gpu_hour_usd * gpus * 24 / (tokens_per_day / 1e6)",
                "the fleet runs all day, sized for the peak",
                {"gpu_hour_usd": "$ per GPU-hour", "gpus": "GPUs", "tokens_per_day": "tokens per day"}),
        Formula("decode_cost_per_million", "Decode-only cost per million output tokens",
                "gpu_hour_usd * gpus_per_server / (decode_tokens_per_s * 3600) * 1e6",
                "every slot generating all the time: the floor a busy server reaches",
                {"gpu_hour_usd": "$ per GPU-hour", "gpus_per_server": "GPUs per server",
                 "decode_tokens_per_s": "tokens/s of all slots decoding at the mean depth"}),
    )
    fidelity = _fidelity

    def view(self) -> View:
        r = report(self.values)
        ok = r["feasible"]
        levels = {}
        if r["p99_ms"] is not None:
            levels["p99_ms"] = "ok" if r["p99_ms"] <= self.values["p99_ms"] else "bad"
        if r["floor_p99_ms"] is not None:
            levels["floor_p99_ms"] = "ok" if r["floor_p99_ms"] <= self.values["p99_ms"] else "bad"
        charts, tables = {}, {}
        if r["curve"]:
            charts["curve"] = _curve_chart(r, self.values)
            tables["curve"] = Table(["servers", "p99_ms"], [[n, p * 1000.0] for n, p in r["curve"]])
        if r["budget"]:
            charts["budget"] = _budget_chart(r, self.values)
            tables["budget"] = Table(["part", "mean_ms"], [[k[:-2], s * 1000.0] for k, s in r["budget"].items()])
        if r["sensitivity"]:
            charts["sensitivity"] = _sensitivity_chart(r)
            tables["sensitivity"] = Table(["input", "gpus_down", "gpus_up"],
                                          [[s["input"], s["low"], s["high"]] for s in r["sensitivity"]])
        env = {k: v for k, v in {**self.values, **r}.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if not env.get("slot_wait_share"):
            env.pop("slot_wait_share", None)  # no wait at all: the tail formula does not apply
        return View(result=r, status=_status(r, self.values), level="ok" if ok else "bad", levels=levels,
                    charts=charts, tables=tables, env=env)


def _status(r: dict[str, Any], v: dict[str, Any]) -> str:
    rate = (f"{v['tokens_per_day']:,.0f} tokens a day is {r['mean_rps']:.1f} requests/s on average and "
            f"{r['peak_rps']:.1f} at a {v['peak_factor']:g}x peak.")
    if not r["feasible"]:
        return f"{rate} {r['verdict']}"
    cost = ""
    if r["cost_per_million"] is not None:
        cost = (f" At ${r['gpu_hour_usd']:.3g} per GPU-hour that is ${r['cost_per_million']:.3g} per million tokens "
                f"(${r['monthly_usd']:,.0f} a month).")
    return (f"{rate} {r['gpus']} GPU{'s' if r['gpus'] != 1 else ''} ({r['replicas']} llama-server"
            f"{'s' if r['replicas'] != 1 else ''}, -np {r['slots']}, -c {r['ctx_size']:,}) keep the p99 at "
            f"{ms_text(r['p99_ms'])} against {ms_text(v['p99_ms'])}; a request alone takes {ms_text(r['floor_p99_ms'])} "
            f"at p99, and the servers run at {percent_text(r['utilization'])} of their most at peak, "
            f"{percent_text(r['mean_utilization'])} over the day.{cost}")


def _curve_chart(r: dict[str, Any], v: dict[str, Any]) -> str:
    pts = [(float(n), p * 1000.0) for n, p in r["curve"]]
    target = v["p99_ms"]
    xs = [x for x, _ in pts]
    series = [svg.Series("p99 at peak", pts, "ifw-c2"),
              svg.Series(f"target {target:g} ms", [(min(xs), target), (max(xs), target)], "ifw-c4")]
    floor = r["floor_p99_ms"]
    if floor is not None:
        series.append(svg.Series("a request alone", [(min(xs), floor), (max(xs), floor)], "ifw-c3"))
    desc = "; ".join(f"{int(x)} servers: p99 {y:.0f} ms" for x, y in pts) + f"; target {target:g} ms"
    top = max(y for _, y in pts)
    return svg.xy_chart(series, title="p99 latency against fleet size", desc=desc, x_label="llama-server instances",
                        y_label="p99 end to end, ms", y_min=0.0, y_max=max(top, target) * 1.1,
                        highlight=(float(r["replicas"]), r["p99_ms"]))


#: The budget's parts: (label, keys of the result's budget summed, colour class).
_PARTS = (("network", ("network_s",), "ifw-c4"), ("own prompt", ("prompt_s",), "ifw-c1"),
          ("own decode steps", ("decode_s",), "ifw-c2"),
          ("other requests", ("slot_wait_s", "server_wait_s", "interruptions_s"), "ifw-c3"))


def _budget_chart(r: dict[str, Any], v: dict[str, Any]) -> str:
    b = r["budget"]
    segments = [(label, sum(b[k] for k in keys) * 1000.0, cls) for label, keys, cls in _PARTS]
    total = max(v["p99_ms"], sum(s for _, s, _ in segments)) * 1.05
    waits = ", ".join(f"{name} {ms_text(b[key] * 1000.0)}" for name, key in
                      (("slot wait", "slot_wait_s"), ("wait in the server", "server_wait_s"),
                       ("others' prompts in its steps", "interruptions_s")))
    desc = (", ".join(f"{label} {ms_text(s)}" for label, s, _ in segments)
            + f" (other requests: {waits}); target {v['p99_ms']:g} ms")
    return svg.stacked_bars([("mean", segments)], title="Mean latency budget at peak", desc=desc, total=total,
                            limits=[v["p99_ms"]], limit_label="p99 target")


def _sensitivity_chart(r: dict[str, Any]) -> str:
    labels = dict(SENSITIVITY)
    rows = [svg.Swing(labels[s["input"]], s["low"], s["high"]) for s in r["sensitivity"]]
    desc = "; ".join(f"{row.label}: {row.low if row.low is not None else 'no fleet'} GPUs at -{STEP:.0%}, "
                     f"{row.high if row.high is not None else 'no fleet'} at +{STEP:.0%}" for row in rows)
    return svg.tornado_chart(rows, base=float(r["gpus"]), title="Which input moves the GPU count most", desc=desc,
                             value_label="GPUs needed", low_label=f"input -{STEP:.0%}", high_label=f"input +{STEP:.0%}",
                             missing="no fleet")


__all__ = ["CapacityWidget", "PARAMS", "question", "report"]
