"""The ``disagg`` widget: co-located vs disaggregated serving, the KV transfer, goodput and the pool ratio.

The inputs are declared once here (the CLI ``python -m inferlab disagg`` and
the option tables come from them); :func:`report` is every number the widget
shows and the CLI's ``--json`` prints.
"""

from __future__ import annotations

import functools
from typing import Any

from inferlab.catalog import choices
from inferlab.explainers.disagg import model
from inferlab.explainers.disagg.links import LINKS, link_labels, link_names
from inferlab.formulas import Formula
from inferlab.inputs import InputError, Param, Params
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Metric, Preset, Table, View, Widget
from inferlab.units import percent_text, seconds_text, size_text


DISTSERVE = "DistServe (arXiv 2401.09670) figure 1"

PARAMS = Params([
    Param("model", "choice", "llama-2-13b", "Model", choices=choices.models, labels=choices.model_labels,
          source="Llama 2 13B has OPT-13B's attention (DistServe's 13B model)"),
    Param("quant", "choice", "F16", "Weights", choices=choices.file_types, help="llama.cpp file type",
          source="DistServe serves FP16"),
    Param("hardware", "choice", "a100-80gb", "GPU", choices=choices.discrete_gpus, labels=choices.hardware_labels,
          source=DISTSERVE + ": one 80 GB A100"),
    Param("gpus", "int", 1, "GPUs per instance", unit="GPUs", low=1, high=8,
          help="one llama-server spread over this many GPUs (layer split); the KV cache leaves over all their links"),
    Param("instances", "int", 3, "Instances", unit="model copies", low=1, high=8, control="range",
          help="copies of the model; co-located serving runs all of them, disaggregation splits them (needs 2)",
          source=DISTSERVE + ": 2P1D = 3 instances"),
    Param("prefill_instances", "int", None, "Prefill instances", unit="of the instances", low=1, high=7, optional=True,
          none_means="the split with the highest goodput", help="the rest decode"),
    Param("prompt_tokens", "int", 512, "Prompt", unit="tokens, mean", low=1, high=32768, suffixes="binary",
          control="range", ui_low=16, ui_high=8192, source=DISTSERVE + ": 512"),
    Param("output_tokens", "int", 64, "Output", unit="tokens, mean", low=1, high=4096, control="range",
          ui_low=1, ui_high=1024, source=DISTSERVE + ": 64"),
    Param("spread", "choice", "fixed", "Length spread", choices=("fixed", "uniform", "exponential"),
          labels={"fixed": "every request the same", "uniform": "uniform, 0.5x to 1.5x the mean",
                  "exponential": "exponential, capped at 4x the mean"}),
    Param("rate", "float", 2.0, "Arrival rate", unit="requests/s, Poisson", low=0, high=10_000, low_open=True,
          step=0.1, help="all instances together; attainment is reported at this rate"),
    Param("ttft_slo", "float", 0.4, "TTFT target", unit="s", low=0, high=600, low_open=True, step=0.01,
          source=DISTSERVE + ": P90 TTFT 0.4 s"),
    Param("tpot_slo", "float", 0.04, "TPOT target", unit="s per token", low=0, high=60, low_open=True, step=0.005,
          source=DISTSERVE + ": P90 TPOT 0.04 s"),
    Param("attainment", "float", 0.9, "Attainment goal", unit="share of requests meeting both", low=0.5, high=0.99,
          step=0.01, source="DistServe section 6.1: 90 %"),
    Param("link", "choice", "nvlink-a100", "KV link", choices=link_names, labels=link_labels,
          help="prefill GPU to decode GPU, one direction"),
    Param("link_gbps", "float", None, "Link rate", unit="Gb/s per GPU", low=0, high=100_000, low_open=True,
          optional=True, none_means="the link preset's"),
    Param("link_latency_ms", "float", None, "Link fixed cost", unit="ms per transfer", low=0, high=10_000,
          optional=True, none_means="the link preset's"),
    Param("layerwise", "bool", False, "Layer-wise transfer",
          help="send each layer's KV while the next layer computes (Splitwise section 4.3)"),
    Param("batch_tokens", "int", 2048, "Batch tokens (-b)", unit="tokens per step", low=16, high=16384,
          help="llama-server's n_batch: decode tokens first, then prompt tokens up to this; smaller = chunked prefill",
          source="llama.cpp common/common.h: n_batch = 2048"),
    Param("slots", "int", None, "Slots per instance (-np)", unit="sequences", low=1, high=model.MAX_SLOTS,
          optional=True, none_means="as many as fit in memory (up to batch tokens)"),
    Param("requests", "int", 200, "Simulated requests", low=50, high=1000,
          help="per simulation; the first 10 % warm up and are not counted"),
    Param("seed", "int", 1, "Seed", low=0, high=2**31 - 1),
    Param("simulate", "bool", True, "Simulate serving", help="off: the KV transfer arithmetic only (fast)"),
])


def _check(v: dict[str, Any]) -> None:
    if v["prefill_instances"] is not None and v["prefill_instances"] >= v["instances"]:
        if v["instances"] == 1:
            raise InputError("prefill_instances", v["prefill_instances"],
                             "empty with one instance (it cannot be split)")
        raise InputError("prefill_instances", v["prefill_instances"],
                         f"1 to {v['instances'] - 1} (at least one instance must decode)")


def transfer(v: dict[str, Any], st: model.Setup) -> dict[str, Any]:
    """KV bytes per request, wire time, visible transfer time and the prefill it is compared with."""
    ln = model.link(v, st)
    prefill_s = st.sm.prompt_seconds(v["prompt_tokens"])
    kv = v["prompt_tokens"] * st.kv_bytes_per_token
    wire = kv / (ln.bytes_per_s * st.gpus)
    lw = 1 if ln.layerwise else 0
    hidden = max(wire - prefill_s * (st.n_layers - 1) / st.n_layers, wire / st.n_layers)
    visible = ln.latency_s + (1 - lw) * wire + lw * hidden
    return {"kv_bytes_per_token": st.kv_bytes_per_token, "kv_bytes_per_request": kv, "prefill_s": prefill_s,
            "link_bytes_per_s": ln.bytes_per_s, "link_latency_s": ln.latency_s, "layerwise": lw,
            "n_layers": st.n_layers, "gpus": st.gpus, "wire_s": wire, "transfer_s": visible,
            "transfer_share": visible / prefill_s, "kv_rate_gbps": kv * 8 / prefill_s / 1e9,
            "link_gbps": ln.bytes_per_s * st.gpus * 8 / 1e9,
            "decode_step_s": st.sm.step_seconds([v["prompt_tokens"]])}


def _serving(v: dict[str, Any], st: model.Setup) -> dict[str, Any]:
    budget = model.Budget()
    per = v["instances"] * st.gpus
    co = model.goodput(v, st, 0, budget)
    at_co = model.evaluate(v, st, 0, v["rate"], budget)
    out = {
        "colocated_goodput": co["rate"], "colocated_goodput_per_gpu": co["rate"] / per,
        "colocated_attainment": at_co["attainment"], "colocated_ttft_p90": at_co["ttft_p90"],
        "colocated_tpot_p90": at_co["tpot_p90"], "colocated_stall_p90": at_co["gap_p90"],
        "colocated_phases": at_co["phases"],
        "colocated_curve": [(q["rate"] / per, q["attainment"]) for q in co["probes"]],
    }
    if v["instances"] == 1:  # one instance cannot be split: co-located only
        return {**out, **_NO_DISAGG, "splits": [], "disagg_curve": [], "truncated": budget.truncated,
                "events": model.REPORT_EVENT_BUDGET - budget.left}
    if v["prefill_instances"] is None:
        p, best, rows = model.best_split(v, st, budget)
    else:
        p = v["prefill_instances"]
        g = model.goodput(v, st, p, budget)
        best = {"prefill": p, "decode": v["instances"] - p, "rate": g["rate"], "probes": g["probes"]}
        rows = [best]
    at_dis = model.evaluate(v, st, p, v["rate"], budget)
    co_pg, dis_pg = out["colocated_goodput_per_gpu"], best["rate"] / per
    return {
        **out, "disagg_goodput": best["rate"], "disagg_goodput_per_gpu": dis_pg,
        "goodput_gain": dis_pg / co_pg if co_pg > 0 else None,
        "prefill_instances_used": p, "decode_instances_used": v["instances"] - p,
        "split": f"{p}P : {v['instances'] - p}D",
        "splits": [{"prefill": r["prefill"], "decode": r["decode"], "goodput_per_gpu": r["rate"] / per}
                   for r in rows],
        "disagg_attainment": at_dis["attainment"], "disagg_ttft_p90": at_dis["ttft_p90"],
        "disagg_tpot_p90": at_dis["tpot_p90"], "disagg_stall_p90": at_dis["gap_p90"],
        "disagg_phases": at_dis["phases"],
        "disagg_curve": [(q["rate"] / per, q["attainment"]) for q in best["probes"]],
        "truncated": budget.truncated, "events": model.REPORT_EVENT_BUDGET - budget.left,
    }


_NO_DISAGG = dict.fromkeys((
    "disagg_goodput", "disagg_goodput_per_gpu", "goodput_gain", "prefill_instances_used", "decode_instances_used",
    "split", "disagg_attainment", "disagg_ttft_p90", "disagg_tpot_p90", "disagg_stall_p90", "disagg_phases"))
_NO_SERVING = {**_NO_DISAGG, **dict.fromkeys((
    "colocated_goodput", "colocated_goodput_per_gpu", "colocated_attainment", "colocated_ttft_p90",
    "colocated_tpot_p90", "colocated_stall_p90", "colocated_phases"))}


@functools.lru_cache(maxsize=32)
def _report(items: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    v = dict(items)
    _check(v)
    st = model.setup(v)
    out = {"model": v["model"], "hardware": v["hardware"], "instances": v["instances"], "rate": v["rate"],
           "prompt_tokens": v["prompt_tokens"], "output_tokens": v["output_tokens"],
           "ttft_slo": v["ttft_slo"], "tpot_slo": v["tpot_slo"], "attainment_goal": v["attainment"],
           "slots": st.slots, "slots_fit": st.slots_fit, "per_slot_tokens": st.per_slot_tokens,
           "link": v["link"], "link_label": LINKS[v["link"]].label, "link_source": LINKS[v["link"]].source,
           **transfer(v, st)}
    idle: dict[str, Any] = {**_NO_SERVING, "splits": [], "colocated_curve": [], "disagg_curve": []}
    if not v["simulate"]:
        return {**out, **idle, "truncated": False, "events": 0}
    served = _serving(v, st)
    if served["truncated"]:  # a cut search compares unlike things: report nothing rather than a wrong verdict
        return {**out, **idle, "truncated": True, "events": served["events"]}
    return {**out, **served}


def report(v: dict[str, Any]) -> dict[str, Any]:
    """Every number the widget shows (and ``python -m inferlab disagg --json`` prints), for parsed values *v*."""
    return _report(tuple(sorted(v.items())))


def _fidelity() -> str:
    from inferlab.explainers.disagg.published import FIGURE1_PUBLISHED as pub
    from inferlab.explainers.disagg.published import figure1

    got = figure1(PARAMS.parse({}))
    return (f"DistServe's figure 1 (13B FP16 on an A100, 512-token prompts, 64-token outputs, P90 TTFT 0.4 s and "
            f"TPOT 0.04 s): 2P1D gives {got['gain']:.1f}x the co-located goodput per GPU here, "
            f"{pub['gain']:.1f}x in the paper; a decode-only GPU sustains "
            f"{got['decode_worker'] / got['colocated_tpot_limited']:.1f}x the co-located TPOT-limited rate here, "
            f"{pub['decode_worker'] / pub['colocated_tpot_limited']:.1f}x in the paper. Absolute rates are "
            f"{got['colocated_per_gpu']:.2f} against {pub['colocated_per_gpu']} rps per GPU: llama.cpp's 2023 A100 "
            "prefill is several times slower than DistServe's engine.")


class DisaggWidget(Widget):
    """Prefill and decode on separate instances vs together: KV transfer, goodput, pool ratio."""

    name = "disagg"
    title = "Disaggregated serving: KV transfer, goodput and the pool ratio"
    summary = ("KV bytes moved per request and their transfer time against prefill; goodput under TTFT and TPOT "
               "targets for co-located and disaggregated llama-server instances, and the best prefill:decode split.")
    params = PARAMS
    controls = ("model", "hardware", "prompt_tokens", "output_tokens", "spread", "rate", "ttft_slo", "tpot_slo",
                "instances", "prefill_instances", "link", "layerwise", "batch_tokens")
    metrics = (
        Metric("kv_bytes_per_request", "KV cache per request", "bytes"),
        Metric("prefill_s", "Prefill alone", "seconds"),
        Metric("transfer_s", "Transfer after the first token", "seconds"),
        Metric("colocated_goodput_per_gpu", "Co-located goodput per GPU", "req/s"),
        Metric("disagg_goodput_per_gpu", "Disaggregated goodput per GPU", "req/s"),
        Metric("goodput_gain", "Disaggregated ÷ co-located", "times"),
        Metric("split", "Pool ratio", "text"),
        Metric("colocated_attainment", "Co-located attainment at this rate", "percent"),
        Metric("disagg_attainment", "Disaggregated attainment at this rate", "percent"),
        Metric("colocated_stall_p90", "Longest pause between tokens (P90), co-located", "seconds"),
        Metric("disagg_stall_p90", "Longest pause between tokens (P90), disaggregated", "seconds"),
    )
    charts = (
        Chart("attainment", "Share of requests meeting both targets as the rate per GPU grows (the simulations the "
                            "goodput search ran); goodput is where a curve crosses the goal."),
        Chart("phases", "Where a request's time goes at this rate: queueing, prefill, transfer, decode (means)."),
        Chart("splits", "Goodput per GPU of every prefill:decode split of the instances, and co-located."),
        Chart("links", "Time to move this request's KV cache over each link, against its prefill."),
    )
    presets = (
        Preset("Short prompts: 128 in, 256 out", {"prompt_tokens": 128, "output_tokens": 256}),
        Preset("Long prompts, tight TPOT: 2k in, 128 out", {"prompt_tokens": 2048, "output_tokens": 128,
                                                            "ttft_slo": 4.0, "rate": 1.0}),
        Preset("Long prompts over 10 Gb/s Ethernet", {"prompt_tokens": 2048, "output_tokens": 128, "ttft_slo": 4.0,
                                                      "rate": 1.0, "link": "eth-25", "link_gbps": 10}),
        Preset("Chunked prefill (-b 256), long prompts", {"prompt_tokens": 2048, "output_tokens": 128,
                                                          "ttft_slo": 4.0, "rate": 1.0, "batch_tokens": 256}),
    )
    formulas = (
        Formula("kv_bytes_per_request", "KV cache to move", "prompt_tokens * kv_bytes_per_token",
                "llama.cpp KV cache: 2 x layers x KV heads x head size x bytes per element, per token",
                {"prompt_tokens": "tokens in the prompt", "kv_bytes_per_token": "KV bytes per token (f16)"},
                fmt="bytes"),
        Formula("wire_s", "Time on the wire", "kv_bytes_per_request / (link_bytes_per_s * gpus)",
                "bytes over the link rate; an instance on several GPUs sends over all their links",
                {"kv_bytes_per_request": "KV bytes", "link_bytes_per_s": "link bytes/s per GPU, one way",
                 "gpus": "GPUs per instance"}, fmt="seconds"),
        Formula("transfer_s", "Visible after the first token",
                "link_latency_s + (1 - layerwise) * wire_s + layerwise * max(wire_s - prefill_s * (n_layers - 1) "
                "/ n_layers, wire_s / n_layers)",
                "serialized: all of it; layer-wise (Splitwise section 4.3): layer i leaves when it is computed, so "
                "only what outlasts the prefill shows",
                {"link_latency_s": "fixed cost per transfer, s", "layerwise": "1 if layer-wise, else 0",
                 "wire_s": "time on the wire, s", "prefill_s": "prefill of this prompt alone, s",
                 "n_layers": "layers"}, fmt="seconds"),
        Formula("kv_rate_gbps", "KV produced by one busy prefill instance", "kv_bytes_per_request * 8 / prefill_s / 1e9",
                "a link slower than this cannot keep up with a prefill instance that never idles",
                {"kv_bytes_per_request": "KV bytes", "prefill_s": "prefill of this prompt alone, s"}, fmt="count"),
    )
    fidelity = _fidelity

    def view(self) -> View:
        r = report(self.values)
        gain = r["goodput_gain"]
        level = "ok" if gain is None or gain >= 1 else "warn"
        if r["truncated"]:
            level = "warn"
        levels = {}
        if gain is not None:
            levels["goodput_gain"] = "ok" if gain >= 1 else "bad"
        for key in ("colocated_attainment", "disagg_attainment"):
            if r[key] is not None:
                levels[key] = "ok" if r[key] >= r["attainment_goal"] else "bad"
        charts = {"links": _links_chart(self.values, r)}
        tables = {"links": Table(["link", "transfer_s"], [[k, s] for k, s in _link_times(self.values, r)])}
        if r["colocated_goodput"] is not None:
            charts.update(attainment=_attainment_chart(r), phases=_phases_chart(r), splits=_splits_chart(r))
            tables.update(
                attainment=Table(["system", "rate_per_gpu", "attainment"],
                                 [["co-located", x, y] for x, y in r["colocated_curve"]]
                                 + [["disaggregated", x, y] for x, y in r["disagg_curve"]]),
                splits=Table(["prefill", "decode", "goodput_per_gpu"],
                             [[s["prefill"], s["decode"], s["goodput_per_gpu"]] for s in r["splits"]]))
        return View(result=r, status=_status(r), level=level, levels=levels, charts=charts, tables=tables)


def _status(r: dict[str, Any]) -> str:
    arith = (f"A {r['kv_bytes_per_request'] / 2**20:,.0f} MiB KV cache leaves the prefill GPU "
             f"{seconds_text(r['transfer_s'])} after the first token ({r['link_label']}), against "
             f"{seconds_text(r['prefill_s'])} of prefill; one busy prefill instance makes {r['kv_rate_gbps']:.1f} Gb/s "
             f"of KV for a {r['link_gbps']:.0f} Gb/s link.")
    if r["truncated"]:
        return (f"{arith} The simulations needed more than {model.REPORT_EVENT_BUDGET:,} events, the budget of one "
                "view, so no goodput is reported: try fewer simulated requests, fewer instances or shorter outputs.")
    if r["colocated_goodput"] is None:
        return arith
    co, dis = r["colocated_goodput_per_gpu"], r["disagg_goodput_per_gpu"]
    if dis is None:
        return (f"{arith} One co-located instance serves {co:.2f} req/s per GPU within both targets; splitting "
                f"needs at least two instances. At {r['rate']:g} req/s, {percent_text(r['colocated_attainment'])} of "
                "requests meet both targets.")
    if co == 0 and dis == 0:
        verdict = "Neither design meets both targets for the goal share of requests at any rate."
    elif dis > co:
        verdict = (f"Disaggregated ({r['split']}) serves {dis:.2f} req/s per GPU within both targets, "
                   f"{dis / co:.2f}x co-located ({co:.2f})." if co else
                   f"Only disaggregated ({r['split']}) meets the targets: {dis:.2f} req/s per GPU.")
    else:
        verdict = (f"Co-located serves {co:.2f} req/s per GPU within both targets; the best split "
                   f"({r['split']}) only {dis:.2f}.")
    at = (f" At {r['rate']:g} req/s: {percent_text(r['colocated_attainment'])} of requests meet both targets "
          f"co-located, {percent_text(r['disagg_attainment'])} disaggregated.")
    return f"{arith} {verdict}{at}"


def _attainment_chart(r: dict[str, Any]) -> str:
    # the search brackets the goodput from far above; show the probes up to 2.5x the higher goodput
    top = 2.5 * max(r["colocated_goodput_per_gpu"] or 0.0, r["disagg_goodput_per_gpu"] or 0.0)

    def near(curve: list) -> list:
        return [(x, y) for x, y in curve if x <= top] if top > 0 else curve

    series = [svg.Series("co-located", near(r["colocated_curve"]), "ifw-c3")]
    if r["disagg_curve"]:
        # ifw-c2: the dark palette's ifw-c1 rule would fill a line's polygon
        series.append(svg.Series(f"disaggregated {r['split']}", near(r["disagg_curve"]), "ifw-c2"))
    desc = "; ".join(f"{s.label}: " + ", ".join(f"{x:.2f} req/s per GPU {percent_text(y)}" for x, y in s.points)
                     for s in series)
    xs = [x for s in series for x, _ in s.points] or [0.0, 1.0]
    goal = r["attainment_goal"]
    series.append(svg.Series(f"goal {percent_text(goal)}", [(min(xs), goal), (max(xs), goal)], "ifw-c4"))
    return svg.xy_chart(series, title="SLO attainment against load", desc=desc,
                        x_label="arrival rate per GPU, req/s", y_label="share meeting both targets", y_min=0.0,
                        y_max=1.0)


def _phases_chart(r: dict[str, Any]) -> str:
    names = (("queue_s", "queue", "ifw-c3"), ("prefill_s", "prefill", "ifw-c1"),
             ("transfer_s", "transfer", "ifw-c4"), ("decode_s", "decode", "ifw-c2"))
    rows = [(label, [(seg, r[key][k], cls) for k, seg, cls in names])
            for label, key in (("co-loc.", "colocated_phases"), ("disagg.", "disagg_phases")) if r[key] is not None]
    total = max(sum(x for _, x, _ in segs) for _, segs in rows) or 1.0
    desc = "; ".join(f"{label}: " + ", ".join(f"{seg} {seconds_text(x)}" for seg, x, _ in segs) for label, segs in rows)
    return svg.stacked_bars(rows, title=f"Mean time per request at {r['rate']:g} req/s", desc=desc, total=total)


def _splits_chart(r: dict[str, Any]) -> str:
    bars = [svg.Bar("co-located", r["colocated_goodput_per_gpu"], f"{r['colocated_goodput_per_gpu']:.2f} req/s",
                    cls="ifw-c3")]
    best = r["prefill_instances_used"]
    bars += [svg.Bar(f"{s['prefill']}P : {s['decode']}D", s["goodput_per_gpu"], f"{s['goodput_per_gpu']:.2f} req/s",
                     highlight=s["prefill"] == best) for s in r["splits"]]
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title="Goodput per GPU by pool ratio", desc=desc,
                         value_label="requests/s per GPU within both targets")


def _link_times(v: dict[str, Any], r: dict[str, Any]) -> list[tuple[str, float]]:
    st = model.setup(v)
    out = []
    for name in LINKS:
        try:
            t = transfer({**v, "link": name, "link_gbps": None, "link_latency_ms": None}, st)["transfer_s"]
        except InputError:
            continue
        out.append((name, t))
    return out


def _links_chart(v: dict[str, Any], r: dict[str, Any]) -> str:
    bars = [svg.Bar("prefill", r["prefill_s"], seconds_text(r["prefill_s"]), cls="ifw-c3")]
    bars += [svg.Bar(name, t, seconds_text(t), cls="ifw-c1" if t < r["prefill_s"] else "ifw-c4",
                     highlight=name == v["link"]) for name, t in _link_times(v, r)]
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title=f"Moving {size_text(r['kv_bytes_per_request'])} of KV cache", desc=desc,
                         value_label="seconds after the first token (prefill for scale)")


__all__ = ["DisaggWidget", "PARAMS", "report", "transfer"]
