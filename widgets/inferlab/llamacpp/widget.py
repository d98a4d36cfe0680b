"""The ``quant`` widget: the llama.cpp quantization and memory calculator.

Every number comes from :func:`inferlab.llamacpp.calculator.memory_report`
and :func:`~inferlab.llamacpp.calculator.compare_quants`; its CLI subcommand is
``python -m inferlab memory`` (generated from this declaration), whose
``--json`` is the same report.
"""

from __future__ import annotations

from typing import Any, ClassVar

from inferlab.formulas import Formula
from inferlab.inputs import Params
from inferlab.llamacpp.params import PARAMS, SHAPE
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Group, Metric, Preset, Table, View, Widget
from inferlab.units import GiB, indefinite_article, rate_text, size_text


#: The calculator's inputs the widget shows as controls (the CLI command takes them all).
CONTROLS = ("model", "params", *SHAPE.names(), "quant", "ctx", "kv_type", "flash_attn", "hardware", "gpus",
            "gpu_layers", "vram_gib", "ram_gib")
#: Inputs of the speed report that memory_report does not take.
_SPEED_ONLY = ("batch", "depth")

#: Quant types always shown in the comparison chart (the rest need a cited ΔPPL).
_ALWAYS = ("F16", "Q8_0")


def fidelity() -> str:
    """File-size and speed error against published data (the checks tests/core/llamacpp runs)."""
    from inferlab.llamacpp.published import GGUF_FILES, gguf_errors
    from inferlab.llamacpp.speed_widget import speed_rows

    sizes = max(abs(e) for e in gguf_errors())
    speed = max(abs(r["error"]) for r in speed_rows())
    return (f"GGUF file sizes within {sizes:.2%} of {len(GGUF_FILES)} published files (llama.cpp of late 2023); "
            f"speeds within ±{speed:.0%} of {len(speed_rows())} published llama-bench runs.")


class QuantWidget(Widget):
    """Will this model fit, and how fast will llama.cpp run it?"""

    name = "quant"
    title = "llama.cpp quantization calculator"
    summary = "Memory, fit and speed of a model at a llama.cpp quantization on given hardware."
    command = "memory"
    fidelity = staticmethod(fidelity)
    params = Params([*(p for p in PARAMS if p.name not in _SPEED_ONLY), *SHAPE])
    controls = CONTROLS
    groups = (Group("custom", "Custom shape (empty = derived from the parameter count)", ("params", *SHAPE.names())),)
    metrics = (
        Metric("file_bytes", "GGUF file size", "bytes"),
        Metric("total_bytes", "Memory needed", "bytes"),
        Metric("vram_bytes", "VRAM", "bytes"),
        Metric("ram_bytes", "RAM", "bytes"),
        Metric("fits", "Fits?", "yes/no"),
        Metric("decode_tokens_per_s", "Generation", "tok/s"),
        Metric("prefill_tokens_per_s", "Prompt reading", "tok/s"),
        Metric("bits_per_weight", "Bits per weight", "count"),
        Metric("delta_ppl", "Perplexity cost (ΔPPL)", "signed"),
        Metric("max_ctx_that_fits", "Longest context that fits", "tokens"),
    )
    charts = (
        Chart("memory", "Where the memory goes; the bar marks each pool's capacity."),
        Chart("compare", "Every quant type for this model and context; highlighted: the selected one. "
                         "ΔPPL figures are llama.cpp's published measurements (Llama 3 8B unless noted)."),
    )
    presets = (
        Preset("8B on a desktop CPU", {"hardware": "ddr5-desktop", "gpu_layers": 0}),
        Preset("70B on two RTX 4090s", {"model": "llama-3.1-70b", "hardware": "rtx-4090", "gpus": 2, "ctx": 8192}),
        Preset("Llama 3.1 8B at 32k, q8_0 cache", {"model": "llama-3.1-8b", "ctx": 32768, "kv_type": "q8_0"}),
    )
    formulas: ClassVar[tuple[Formula, ...]] = (
        Formula("kv_cache_bytes", "KV cache",
                "2 * n_layers * n_kv_heads * head_dim * ctx * kv_bytes_per_element",
                "llama.cpp src/llama-kv-cache.cpp: one K and one V row per layer and token",
                {"n_layers": "transformer layers (block_count)", "n_kv_heads": "key/value heads per layer",
                 "head_dim": "size of one attention head", "ctx": "context length, tokens (-c)",
                 "kv_bytes_per_element": "bytes per cached number for the KV cache type (ggml type size / block size)"},
                fmt="bytes"),
        Formula("total_bytes", "Memory needed", "weights_bytes + kv_cache_bytes + compute_buffer_bytes",
                "sum of the llama.cpp load log's model, KV and compute buffers",
                {"weights_bytes": "tensor data of the GGUF file", "kv_cache_bytes": "the KV cache above",
                 "compute_buffer_bytes": "graph scratch buffers (llama.cpp's allocator)"}, fmt="bytes"),
    )

    def view(self) -> View:
        from inferlab.llamacpp.calculator import compare_quants, memory_report

        kwargs = calculator_kwargs(self.values)
        report = memory_report(**kwargs)
        rows = compare_quants(**{k: v for k, v in kwargs.items() if k != "quant"})
        ppl = report["perplexity"]
        result = {**report, "delta_ppl": None if ppl is None else ppl["delta_ppl"]}
        env = {**result, **_formula_inputs(kwargs)}
        fits = bool(report["fits"])
        return View(
            result=result, env=env,
            status=_status(report), level="ok" if fits else "bad",
            levels={"fits": "ok" if fits else "bad"},
            charts={"memory": memory_chart(report), "compare": compare_chart(rows, report)},
            tables={"compare": Table(["quant", "bits_per_weight", "file_bytes", "total_bytes", "fits",
                                      "decode_tokens_per_s", "delta_ppl"],
                                     [[r["quant"], r["bits_per_weight"], r["file_bytes"], r["total_bytes"], r["fits"],
                                       r["decode_tokens_per_s"], r["delta_ppl"]] for r in rows])},
            controls={"gpu_layers": {"max": report["n_layers"] + 1}, **_placeholders(report)},
            show={"custom": self.values["model"] == "custom"},
        )


def calculator_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    """Validated widget inputs -> :func:`inferlab.llamacpp.calculator.memory_report` keywords (None = its default)."""
    kwargs = {k: v for k, v in values.items() if k not in SHAPE and v is not None}
    if values["model"] == "custom":
        kwargs.update({k: values[k] for k in SHAPE.names() if values[k] is not None})
    else:
        kwargs.pop("params", None)
    return kwargs


def _formula_inputs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The architecture numbers and constants the formulas name, from the same catalogue the calculator reads."""
    from inferlab.catalog.models import build_shape
    from inferlab.llamacpp.memory import kv_bytes_per_element

    shape_kwargs = {k: v for k, v in kwargs.items() if k in SHAPE}
    shape = build_shape(kwargs["model"], params=kwargs.get("params"), **shape_kwargs)
    return {"n_kv_heads": shape.n_kv_heads, "head_dim": shape.head_dim,
            "kv_bytes_per_element": kv_bytes_per_element(kwargs["kv_type"])}


def _placeholders(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Placeholders of the empty fields: what the calculator used (the hardware's memory, the auto-fit -ngl)."""
    vram = report["vram_limit_bytes"]
    return {"vram_gib": {"placeholder": "no GPU" if vram is None else f"{vram / GiB:g} (hardware)"},
            "ram_gib": {"placeholder": f"{report['ram_limit_bytes'] / GiB:g} (hardware)"},
            "gpu_layers": {"placeholder": f"auto-fit: {report['gpu_layers_effective']}"}}


def _status(r: dict[str, Any]) -> str:
    layers = r["gpu_layers_effective"]
    where = ("all on the CPU" if layers == 0 else
             f"all {layers} layers on the GPU" if layers >= r["n_layers"] + 1 else
             f"{layers} of {r['n_layers'] + 1} layers on the GPU")
    verdict = "It fits" if r["fits"] else "It does not fit"
    ctx = f"{r['ctx']:,}"
    speed = (f"about {rate_text(r['decode_tokens_per_s'], 'tokens/s')} generating, "
             f"{rate_text(r['prefill_tokens_per_s'], 'tokens/s')} reading the prompt" if r["fits"]
             else "so it would not run, and no speed is shown")
    return (f"{r['display_name']} at {r['quant']} ({r['bits_per_weight']:.2f} bits/weight) with "
            f"{indefinite_article(ctx)} {ctx}-token "
            f"{r['kv_type']} KV cache needs {size_text(r['total_bytes'])}, {where} of the {r['hardware_display']}. "
            f"{verdict} ({r['fits_reason'].split(': ', 1)[-1]}); {speed}.")


def memory_chart(r: dict[str, Any]) -> str:
    """Stacked bars: weights / KV cache / compute buffers, in VRAM and in RAM (GiB)."""
    def segs(part: dict[str, int]) -> list[tuple[str, float, str]]:
        return [("weights", part["weights_bytes"] / GiB, "ifw-c1"), ("KV cache", part["kv_cache_bytes"] / GiB, "ifw-c2"),
                ("buffers", part["compute_buffer_bytes"] / GiB, "ifw-c3")]

    rows = []
    limits: list[float | None] = []
    if r["vram_limit_bytes"] is not None:
        rows.append(("VRAM", segs(r["vram"])))
        limits.append(r["vram_limit_bytes"] / GiB)
    rows.append(("RAM" if not r["unified_memory"] else "Unified", segs(r["ram"])))
    limits.append(r["ram_limit_bytes"] / GiB)
    total = max([r["vram_bytes"] / GiB, r["ram_bytes"] / GiB, *(x for x in limits if x is not None)])
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
        bars.append(svg.Bar(q, row["file_bytes"] / GiB, f"{row['file_bytes'] / GiB:.2f} GiB · {ppl}{fit}",
                            cls="ifw-c1" if row["fits"] else "ifw-c4", highlight=q == r["quant"]))
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title=f"File size and perplexity cost by quant type ({r['display_name']})", desc=desc,
                         value_label="GGUF file size (GiB) · perplexity increase vs F16 (wikitext-2, llama.cpp)")
