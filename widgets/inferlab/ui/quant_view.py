"""The ``quant`` widget: frame (numbers, text, SVG) and static HTML from the calculator.

Every number comes from :func:`inferlab.llamacpp.calculator.memory_report` and
:func:`inferlab.llamacpp.calculator.compare_quants` called with
:func:`inferlab.ui.quant_options.calculator_kwargs` -- the same call
``python -m inferlab memory`` makes -- so the widget and the CLI agree exactly.
"""

from __future__ import annotations

from html import escape
from typing import Any

from inferlab.ui import html, svg
from inferlab.ui.format import GIB, rate_text, size_text
from inferlab.ui.options import schema_for
from inferlab.ui.quant_options import CUSTOM_FIELDS, calculator_kwargs

#: Quant types always shown in the comparison chart (the rest need a cited ΔPPL).
_ALWAYS = ("F16", "Q8_0")


def frame(values: dict[str, Any]) -> dict[str, Any]:
    """Everything the widget shows for *values* (validated options), as JSON-able data."""
    from inferlab.llamacpp.calculator import compare_quants, memory_report

    kwargs = calculator_kwargs(values)
    report = memory_report(**kwargs)
    # -ngl above n_layers + 1 means "all": show (and share) the effective maximum.
    values = {**values, "gpu_layers": min(values["gpu_layers"], report["n_layers"] + 1)}
    rows = compare_quants(**{k: v for k, v in kwargs.items() if k != "quant"})
    ppl = report["perplexity"]
    delta = None if ppl is None else ppl["delta_ppl"]
    fits = bool(report["fits"])
    metrics = {
        "file_size": {"value": report["file_bytes"], "text": size_text(report["file_bytes"])},
        "total_memory": {"value": report["total_bytes"], "text": size_text(report["total_bytes"])},
        "vram_use": {"value": report["vram_bytes"], "text": _use_text(report["vram_bytes"], report["vram_limit_bytes"])},
        "ram_use": {"value": report["ram_bytes"], "text": _use_text(report["ram_bytes"], report["ram_limit_bytes"])},
        "fits": {"value": fits, "text": "Fits" if fits else "Does not fit", "level": "ok" if fits else "bad"},
        "decode_speed": {"value": report["decode_tokens_per_s"], "text": rate_text(report["decode_tokens_per_s"], "tok/s")},
        "prefill_speed": {"value": report["prefill_tokens_per_s"], "text": rate_text(report["prefill_tokens_per_s"], "tok/s")},
        "bits_per_weight": {"value": report["bits_per_weight"], "text": f"{report['bits_per_weight']:.2f}"},
        "perplexity": {"value": delta, "text": "not published" if delta is None else f"{delta:+.3f}"},
        "max_context": {"value": report["max_ctx_that_fits"], "text": f"{report['max_ctx_that_fits']:,} tokens"},
    }
    return {
        "options": values,
        "metrics": metrics,
        "status": {"text": _status(report), "level": "ok" if fits else "bad"},
        "charts": {"memory": memory_chart(report), "compare": compare_chart(rows, report)},
        "controls": {"gpu_layers": {"max": report["n_layers"] + 1}, "ctx": {"max": report["max_ctx"]},
                     **_placeholders(values["hardware"])},
        "show": {"custom": values["model"] == "custom"},
        "errors": {},
    }


def _placeholders(hardware: str) -> dict[str, dict[str, str]]:
    """Placeholders of the VRAM/RAM fields: the hardware preset's own sizes (GiB)."""
    from inferlab.llamacpp.calculator import list_hardware

    hw = next(h for h in list_hardware() if h["name"] == hardware)
    vram = f"{hw['vram_gib']:g} (hardware)" if hw.get("vram_gib") else "no GPU"
    return {"vram_gib": {"placeholder": vram}, "ram_gib": {"placeholder": f"{hw['ram_gib']:g} (hardware)"}}


def _use_text(used: int, limit: int | None) -> str:
    if limit is None:
        return f"{size_text(used)} (no GPU)" if used == 0 else size_text(used)
    return f"{size_text(used)} of {limit / GIB:.0f} GiB"


def _status(r: dict[str, Any]) -> str:
    layers = r["gpu_layers_effective"]
    where = ("all on the CPU" if layers == 0 else
             f"all {layers} layers on the GPU" if layers >= r["n_layers"] + 1 else
             f"{layers} of {r['n_layers'] + 1} layers on the GPU")
    verdict = "It fits" if r["fits"] else "It does not fit"
    speed = (f"about {r['decode_tokens_per_s']:.0f} tokens/s generating, {r['prefill_tokens_per_s']:,.0f} tokens/s "
             "reading the prompt" if r["fits"] else "so it would not run: no speed")
    return (f"{r['display_name']} at {r['quant']} ({r['bits_per_weight']:.2f} bits/weight) with a {r['ctx']:,}-token "
            f"{r['kv_type']} KV cache needs {size_text(r['total_bytes'])}, {where} of the {r['hardware_display']}. "
            f"{verdict} ({r['fits_reason'].split(': ', 1)[-1]}); {speed}.")


def memory_chart(r: dict[str, Any]) -> str:
    """Stacked bars: weights / KV cache / compute buffers, in VRAM and in RAM (GiB)."""
    def segs(part: dict[str, int]) -> list[tuple[str, float, str]]:
        return [("weights", part["weights_bytes"] / GIB, "ifw-c1"), ("KV cache", part["kv_cache_bytes"] / GIB, "ifw-c2"),
                ("buffers", part["compute_buffer_bytes"] / GIB, "ifw-c3")]

    rows = []
    limits: list[float | None] = []
    if r["vram_limit_bytes"] is not None:
        rows.append(("VRAM", segs(r["vram"])))
        limits.append(r["vram_limit_bytes"] / GIB)
    rows.append(("RAM" if not r["unified_memory"] else "Unified", segs(r["ram"])))
    limits.append(r["ram_limit_bytes"] / GIB)
    total = max([r["vram_bytes"] / GIB, r["ram_bytes"] / GIB, *(x for x in limits if x is not None)])
    desc = (f"VRAM {size_text(r['vram_bytes'])}, RAM {size_text(r['ram_bytes'])}: weights {size_text(r['weights_bytes'])}, "
            f"KV cache {size_text(r['kv_cache_bytes'])}, compute buffers {size_text(r['compute_buffer_bytes'])}.")
    return svg.stacked_bars(rows, title="Memory breakdown (GiB)", desc=desc, total=total * 1.02, limits=limits)


def compare_chart(rows: list[dict[str, Any]], r: dict[str, Any]) -> str:
    """File size per quant type with its perplexity cost; the selected type highlighted."""
    bars = []
    for row in rows:
        q = row["quant"]
        if row["delta_ppl"] is None and q not in _ALWAYS and q != r["quant"]:
            continue
        ppl = "ΔPPL n/a" if row["delta_ppl"] is None else f"ΔPPL {row['delta_ppl']:+.3f}"
        fit = "" if row["fits"] else " · does not fit"
        bars.append(svg.Bar(q, row["file_bytes"] / GIB, f"{row['file_bytes'] / GIB:.2f} GiB · {ppl}{fit}",
                            cls="ifw-c1" if row["fits"] else "ifw-c4", highlight=q == r["quant"]))
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title=f"File size and perplexity cost by quant type ({r['display_name']})", desc=desc,
                         value_label="GGUF file size (GiB) · perplexity increase vs F16 (wikitext-2, llama.cpp)")


def render(values: dict[str, Any], widget_id: str) -> str:
    """The widget's static HTML for *values*: controls, metrics, charts, status."""
    from inferlab.llamacpp.calculator import list_hardware, list_models

    f = frame(values)
    schema = schema_for("quant")
    opt = {o.name: o for o in schema.options}
    models = {m["name"]: m["display_name"] for m in list_models()}
    models["custom"] = "Custom shape…"
    hardware = {h["name"]: h["display_name"] for h in list_hardware()}
    c = f["controls"]
    gpu_opt = _with(opt["gpu_layers"], high=c["gpu_layers"]["max"])
    custom = "".join(html.control(widget_id, opt[name], values[name], widget="number")
                     for name in ("params_b", *CUSTOM_FIELDS))
    controls = [
        html.control(widget_id, opt["model"], values["model"], labels=models),
        f'<fieldset class="ifw-custom" data-show="custom"{"" if f["show"]["custom"] else " hidden"}>'
        f'<legend>Custom shape (0 = derived from the parameter count)</legend>{custom}</fieldset>',
        html.control(widget_id, opt["quant"], values["quant"]),
        html.control(widget_id, _with(opt["ctx"], high=c["ctx"]["max"]), values["ctx"], widget="number"),
        html.control(widget_id, opt["kv_type"], values["kv_type"]),
        html.control(widget_id, opt["hardware"], values["hardware"], labels=hardware),
        html.control(widget_id, gpu_opt, min(values["gpu_layers"], gpu_opt.high), hint="max = every layer + output"),
        _number_with_placeholder(widget_id, opt["vram_gib"], values["vram_gib"], c["vram_gib"]["placeholder"]),
        _number_with_placeholder(widget_id, opt["ram_gib"], values["ram_gib"], c["ram_gib"]["placeholder"]),
    ]
    m = f["metrics"]
    metrics = [
        html.metric("file_size", "GGUF file size", **_mv(m["file_size"])),
        html.metric("total_memory", "Memory needed", **_mv(m["total_memory"])),
        html.metric("vram_use", "VRAM", **_mv(m["vram_use"])),
        html.metric("ram_use", "RAM", **_mv(m["ram_use"])),
        html.metric("fits", "Fits?", **_mv(m["fits"])),
        html.metric("decode_speed", "Generation", **_mv(m["decode_speed"])),
        html.metric("prefill_speed", "Prompt reading", **_mv(m["prefill_speed"])),
        html.metric("bits_per_weight", "Bits per weight", **_mv(m["bits_per_weight"])),
        html.metric("perplexity", "Perplexity cost (ΔPPL)", **_mv(m["perplexity"])),
        html.metric("max_context", "Longest context that fits", **_mv(m["max_context"])),
    ]
    body = [
        f'<form class="ifw__controls" aria-label="Calculator settings">{"".join(controls)}</form>',
        html.metrics_list(metrics, live=True),
        html.status_line(f["status"]["text"], f["status"]["level"]),
        html.chart("memory", f["charts"]["memory"], "Where the memory goes; the bar marks each pool's capacity."),
        html.chart("compare", f["charts"]["compare"],
                   "Every quant type for this model and context; highlighted: the selected one. "
                   "ΔPPL figures are llama.cpp's published measurements (Llama 3 8B unless noted)."),
    ]
    return html.root("quant", widget_id, "llama.cpp quantization calculator", f["options"], body,
                     "Change any setting to recompute it live in your browser.")


def _mv(metric: dict[str, Any]) -> dict[str, Any]:
    return {"value": metric["value"], "text": metric["text"]}


def _with(option, **changes):
    from dataclasses import replace

    return replace(option, **changes)


def _number_with_placeholder(widget_id: str, option, value: float, placeholder: str) -> str:
    """A GiB field left empty (placeholder = the hardware's own size) when *value* is 0."""
    control = html.control(widget_id, option, value, widget="number")
    if value:
        return control
    return control.replace(f'value="{value:g}"', f'value="" placeholder="{escape(placeholder)}"', 1)
