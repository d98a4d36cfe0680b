"""The ``quant`` widget: the llama.cpp quantization and memory calculator.

Every number comes from :func:`inferlab.llamacpp.calculator.memory_report`
and :func:`~inferlab.llamacpp.calculator.compare_quants`; its CLI subcommand is
``python -m inferlab memory`` (generated from this declaration), whose
``--json`` is the same report.
"""

from __future__ import annotations

from typing import Any, ClassVar

from inferlab.formulas import Formula
from inferlab.inputs import Param, Params
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Group, Metric, Preset, Table, View, Widget
from inferlab.units import GiB, indefinite_article, rate_text, size_text


def _models() -> list[str]:
    from inferlab.llamacpp.calculator import list_models

    return [m["name"] for m in list_models()] + ["custom"]


def _model_labels() -> dict[str, str]:
    from inferlab.llamacpp.calculator import list_models

    return {**{m["name"]: m["display_name"] for m in list_models()}, "custom": "Custom shape…"}


def _quants() -> list[str]:
    from inferlab.llamacpp.calculator import list_quants

    return [q["name"] for q in list_quants()]


def _kv_types() -> list[str]:
    from inferlab.llamacpp.memory import KV_TYPES

    return list(KV_TYPES)


def _hardware() -> list[str]:
    from inferlab.llamacpp.calculator import list_hardware

    return [h["name"] for h in list_hardware()]


def _hardware_labels() -> dict[str, str]:
    from inferlab.llamacpp.calculator import list_hardware

    return {h["name"]: h["display_name"] for h in list_hardware()}


MODEL = Param("model", "choice", "llama-3-8b", "Model", choices=_models, labels=_model_labels,
              help="", source="catalogue presets (config.json of each model)")
QUANT = Param("quant", "choice", "Q4_K_M", "Quantization", choices=_quants,
              source="llama-quantize file types (tools/quantize/quantize.cpp)")
CTX = Param("ctx", "int", 4096, "Context length", unit="tokens", low=1, high=1_048_576, suffixes=True,
            source="llama.cpp's default -c 4096")
KV_TYPE = Param("kv_type", "choice", "f16", "KV cache type", choices=_kv_types, flag="--kv-type",
                source="llama.cpp default cache type f16 (-ctk/-ctv)")
HARDWARE = Param("hardware", "choice", "rtx-4090", "Hardware", choices=_hardware, labels=_hardware_labels)
GPU_LAYERS = Param("gpu_layers", "int", 99, "GPU layers (-ngl)", low=0, high=999, aliases=("-ngl",),
                   help="max = every layer + output", source="llama.cpp -ngl; 99 reads as 'all layers'")
VRAM_GIB = Param("vram_gib", "float", None, "VRAM", unit="GiB", low=0, high=4096, low_open=True, step=0.5,
                 optional=True, none_means="the hardware's own")
RAM_GIB = Param("ram_gib", "float", None, "RAM", unit="GiB", low=0, high=65536, low_open=True, step=1,
                optional=True, none_means="the hardware's own")
PARAMS_B = Param("params_b", "float", 7.0, "Parameters", unit="billions", low=0.05, high=2000, step=0.1,
                 suffixes=True, per=1e9, flag="--params", help="custom model only")
#: Shape inputs of a custom model (empty = derived from the parameter count).
SHAPE = tuple(
    Param(name, "int", None, label, low=1, high=high, optional=True, none_means="derived from the parameter count",
          flag=flag)
    for name, label, high, flag in (("n_layers", "Layers", 512, "--layers"), ("hidden_size", "Hidden size", 65536, "--hidden"),
                                    ("ffn_size", "FFN size", 262144, "--ffn"), ("n_heads", "Attention heads", 512, "--heads"),
                                    ("n_kv_heads", "KV heads", 512, "--kv-heads"), ("vocab_size", "Vocabulary", 1_000_000, "--vocab")))

#: Quant types always shown in the comparison chart (the rest need a cited ΔPPL).
_ALWAYS = ("F16", "Q8_0")


class QuantWidget(Widget):
    """Will this model fit, and how fast will llama.cpp run it?"""

    name = "quant"
    title = "llama.cpp quantization calculator"
    summary = "Memory, fit and speed of a model at a llama.cpp quantization on given hardware."
    command = "memory"
    params = Params([MODEL, PARAMS_B, *SHAPE, QUANT, CTX, KV_TYPE, HARDWARE, GPU_LAYERS, VRAM_GIB, RAM_GIB])
    groups = (Group("custom", "Custom shape (empty = derived from the parameter count)",
                    ("params_b", *(p.name for p in SHAPE))),)
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
        Preset("8B on a laptop CPU", {"hardware": "ddr5-desktop", "gpu_layers": 0}),
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
            controls={"gpu_layers": {"max": report["n_layers"] + 1}, "ctx": {"max": report["max_ctx"]},
                      **_placeholders(self.values["hardware"])},
            show={"custom": self.values["model"] == "custom"},
        )


def calculator_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    """Validated widget inputs -> :func:`inferlab.llamacpp.calculator.memory_report` keywords."""
    kwargs: dict[str, Any] = {k: values[k] for k in ("model", "quant", "ctx", "kv_type", "gpu_layers", "hardware",
                                                      "vram_gib", "ram_gib")}
    if values["model"] == "custom":
        kwargs["params"] = values["params_b"] * 1e9
        kwargs.update({p.name: values[p.name] for p in SHAPE if values[p.name] is not None})
    return kwargs


def _formula_inputs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The architecture numbers and constants the formulas name, from the same catalogue the calculator reads."""
    from inferlab.catalog.models import build_shape
    from inferlab.llamacpp.memory import kv_bytes_per_element

    shape_kwargs = {k: v for k, v in kwargs.items() if k in {p.name for p in SHAPE}}
    shape = build_shape(kwargs["model"], params=kwargs.get("params"), **shape_kwargs)
    return {"n_kv_heads": shape.n_kv_heads, "head_dim": shape.head_dim,
            "kv_bytes_per_element": kv_bytes_per_element(kwargs["kv_type"])}


def _placeholders(hardware: str) -> dict[str, dict[str, str]]:
    """Placeholders of the VRAM/RAM fields: the hardware preset's own sizes (GiB)."""
    from inferlab.llamacpp.calculator import list_hardware

    hw = next(h for h in list_hardware() if h["name"] == hardware)
    vram = f"{hw['vram_gib']:g} (hardware)" if hw.get("vram_gib") else "no GPU"
    return {"vram_gib": {"placeholder": vram}, "ram_gib": {"placeholder": f"{hw['ram_gib']:g} (hardware)"}}


def _status(r: dict[str, Any]) -> str:
    layers = r["gpu_layers_effective"]
    where = ("all on the CPU" if layers == 0 else
             f"all {layers} layers on the GPU" if layers >= r["n_layers"] + 1 else
             f"{layers} of {r['n_layers'] + 1} layers on the GPU")
    verdict = "It fits" if r["fits"] else "It does not fit"
    ctx = f"{r['ctx']:,}"
    return (f"{r['display_name']} at {r['quant']} ({r['bits_per_weight']:.2f} bits/weight) with "
            f"{indefinite_article(ctx)} {ctx}-token "
            f"{r['kv_type']} KV cache needs {size_text(r['total_bytes'])}, {where} of the {r['hardware_display']}. "
            f"{verdict} ({r['fits_reason'].split(': ', 1)[-1]}); about "
            f"{rate_text(r['decode_tokens_per_s'], 'tokens/s')} generating, "
            f"{rate_text(r['prefill_tokens_per_s'], 'tokens/s')} reading the prompt.")


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
