"""The ``kvcache`` widget: KV bytes per token, capacity and batch limits, four attention variants compared.

Every number comes from :func:`inferlab.explainers.kvcache.model.kv_report`;
``python -m inferlab kvcache ... --json`` prints the same result.
"""

from __future__ import annotations

from typing import Any, ClassVar

from inferlab.catalog.models import PRESETS, model_names
from inferlab.explainers.kvcache import model as kv
from inferlab.llamacpp.params import PARAMS as LLAMACPP_PARAMS
from inferlab.formulas import Formula
from inferlab.inputs import Param, Params
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Metric, Preset, Table, View, Widget
from inferlab.units import GiB, count_text, ms_text, size_text


def _model_labels() -> dict[str, str]:
    return {name: shape.display_name for name, shape in PRESETS.items()}


#: GPU the widget starts on.
DEFAULT_GPU = "h100-sxm"

PARAMS = Params([
    Param("model", "choice", "llama-3-70b", "Model", choices=model_names, labels=_model_labels,
          source="catalog presets (config.json of each model)"),
    Param("ctx", "int", 4096, "Context per sequence", unit="tokens", low=1, high=1_048_576, suffixes=True,
          help="at most the model's trained context", source="4,096: within every preset's trained context"),
    Param("kv_dtype", "choice", "f16", "KV cache type", choices=kv.KV_DTYPES,
          labels={"fp8": "fp8 (vLLM --kv-cache-dtype fp8)"},
          source="f16: the default of vLLM (model dtype) and llama.cpp (-ctk/-ctv f16)"),
    Param("attention", "choice", "native", "Attention", choices=("native", *kv.VARIANTS),
          labels={"native": "The model's own", "mha": "MHA (every head)", "gqa": "GQA (grouped heads)",
                  "mqa": "MQA (one KV head)", "mla": "MLA (latent, DeepSeek-V2 ratios)"},
          help="the same model with another attention variant"),
    Param("kv_heads", "int", None, "KV heads (GQA)", low=1, high=512, optional=True,
          none_means="the model's own, or 8", help="GQA variant only; must divide the query heads"),
    Param("window", "int", None, "Sliding window", unit="tokens", low=0, high=1_048_576, suffixes=True,
          optional=True, none_means="the model's own (none if it has none)", help="0 = no window"),
    Param("batch", "int", 1, "Sequences (batch)", low=1, high=65536),
    Param("free_gib", "float", None, "Free memory for the KV cache", unit="GiB per GPU", low=0, high=100000,
          low_open=True, step=0.5, optional=True, none_means="what the GPU has left after weights and activations"),
    Param("block_size", "int", 16, "Block size", unit="tokens", low=1, high=4096,
          source="vLLM's default block size, 16 (arXiv 2309.06180 section 7.2)"),
    Param("gpu", "choice", DEFAULT_GPU, "GPU", choices=kv.gpu_choices, labels=kv.gpu_labels,
          source="catalog hardware presets (datasheets)"),
    Param("tp", "int", 4, "GPUs (tensor parallel)", low=1, high=64, aliases=("--gpus",),
          help="KV heads and weights are split over the GPUs"),
    LLAMACPP_PARAMS["quant"].with_(name="weights", default="F16", label="Weights stored as",
                                   help="llama.cpp file type; F16 is the size of a bf16/fp16 checkpoint"),
    Param("gpu_util", "float", 0.9, "Share of GPU memory used", low=0.05, high=1.0, step=0.01,
          source="vLLM's default gpu_memory_utilization 0.9"),
])

_SYMBOLS_TOKEN = {
    "n_layers": "transformer layers",
    "kv_width": "numbers cached per token and layer: 2 x KV heads x head size (MHA, GQA, MQA) or latent + RoPE key (MLA)",
    "bytes_per_element": "bytes per cached number (f16 2, fp8 1, q8_0 34/32, q4_0 18/32)",
}


class KvCacheWidget(Widget):
    """How big is the KV cache, and how many sequences fit next to the weights?"""

    name = "kvcache"
    title = "KV cache calculator"
    summary = ("KV cache bytes per token and per sequence for MHA, GQA, MQA, MLA and sliding windows; "
               "vLLM-style capacity in tokens; largest batch and context on a GPU.")
    params = PARAMS
    controls = ("model", "ctx", "kv_dtype", "attention", "window", "batch", "gpu", "tp", "weights")
    metrics = (
        Metric("kv_bytes_per_token", "KV cache per token", "bytes"),
        Metric("kv_cache_bytes", "KV cache of the batch", "bytes"),
        Metric("kv_free_bytes", "Memory for the KV cache (per GPU)", "bytes"),
        Metric("capacity_tokens", "KV cache size (vLLM-style)", "tokens"),
        Metric("max_batch", "Largest batch at this context", "integer"),
        Metric("max_ctx_at_batch", "Longest context at this batch", "tokens"),
        Metric("kv_heads_per_gpu", "KV heads per GPU", "integer"),
        Metric("kv_read_ms", "Reading the cache once (per step)", "ms"),
    )
    charts = (
        Chart("compare", "The same model with each attention variant: KV cache of the batch, and how many "
                         "sequences of this context fit in the memory left for the cache."),
        Chart("memory", "One GPU's memory budget: weights, activations, this batch's KV cache and what stays free."),
    )
    presets = (
        Preset("Llama 2 7B (MHA) at 4k, one GPU", {"model": "llama-2-7b", "ctx": 4096, "tp": 1}),
        Preset("8 GPUs, fp8 cache, 64 sequences", {"tp": 8, "kv_dtype": "fp8", "batch": 64}),
        Preset("Mistral 7B at 32k, 4,096-token window", {"model": "mistral-7b", "ctx": 32768, "window": 4096, "tp": 1}),
        Preset("The same 70B as MLA", {"attention": "mla"}),
    )
    formulas: ClassVar[tuple[Formula, ...]] = (
        Formula("kv_bytes_per_token", "KV cache per token", "n_layers * kv_width * bytes_per_element",
                "one key and one value row per KV head and layer (MLA: one latent per layer, DeepSeek-V2 eq. 9-10)",
                _SYMBOLS_TOKEN, fmt="bytes"),
        Formula("kv_cache_bytes", "KV cache of the batch", "batch * kv_bytes_per_token * effective_tokens",
                "a sliding window keeps only the last W tokens (ring buffer, Mistral 7B section 2)",
                {"batch": "sequences", "kv_bytes_per_token": "the line above",
                 "effective_tokens": "tokens each layer holds: the context, or the window where it is shorter "
                                     "(averaged over layers)"}, fmt="bytes"),
        Formula("kv_free_bytes", "Memory for the KV cache (per GPU)",
                "max(0, memory_budget_bytes - weights_gpu_bytes - activation_bytes)",
                "vLLM: gpu_memory_utilization x GPU memory, minus weights and the activation peak",
                {"memory_budget_bytes": "GPU memory x share used (or the free memory you gave)",
                 "weights_gpu_bytes": "weights / GPUs (0 when the free memory is given)",
                 "activation_bytes": "llama.cpp's flash-attention compute buffer (0 when the free memory is given)"},
                fmt="bytes"),
        Formula("capacity_tokens", "KV cache size (vLLM-style)",
                "floor(kv_free_bytes / (block_size * kv_bytes_per_token_gpu)) * block_size",
                "vllm/v1/core/kv_cache_utils.py: num_blocks = memory // page size; 'GPU KV cache size: N tokens'",
                {"kv_free_bytes": "the line above", "block_size": "tokens per block",
                 "kv_bytes_per_token_gpu": "KV bytes per token on one GPU (KV heads split over GPUs)"},
                fmt="tokens"),
        Formula("max_batch", "Largest batch at this context", "floor(kv_free_bytes / kv_bytes_per_sequence_gpu)",
                "each sequence holds whole blocks",
                {"kv_free_bytes": "memory for the KV cache", "kv_bytes_per_sequence_gpu":
                 "one sequence's cache on one GPU, rounded up to whole blocks"}, fmt="integer"),
    )
    fidelity = staticmethod(lambda: _fidelity())

    def view(self) -> View:
        r = kv.kv_report(self.values)
        rows = kv.compare_variants(self.values)
        result = {**r, "compare": rows}
        level = "ok" if r["fits"] else ("bad" if r["max_batch"] == 0 else "warn")
        return View(
            result=result, status=_status(r), level=level,
            levels={"max_batch": "bad" if r["max_batch"] == 0 else "ok",
                    "max_ctx_at_batch": "ok" if r["max_ctx_at_batch"] >= r["ctx"] else "warn"},
            charts={"compare": compare_chart(rows, r), "memory": memory_chart(r)},
            tables={"compare": Table(["variant", "attention", "kv_bytes_per_token", "kv_cache_bytes", "max_batch",
                                      "capacity_tokens"],
                                     [[row["variant"], row.get("attention_text"), row.get("kv_bytes_per_token"),
                                       row.get("kv_cache_bytes"), row.get("max_batch"), row.get("capacity_tokens")]
                                      for row in rows])},
            controls={"ctx": {"max": kv.shape_of(self.values["model"]).max_ctx}},
        )


def _fidelity() -> str:
    from inferlab.explainers.kvcache.published import fidelity

    return fidelity()


def _status(r: dict[str, Any]) -> str:
    ctx = f"{r['ctx']:,}"
    seqs = "one sequence" if r["batch"] == 1 else f"{r['batch']:,} sequences"
    window = f", {r['windowed_layers']} of {r['n_layers']} layers windowed at {r['window']:,} tokens" \
        if r["windowed_layers"] else ""
    head = (f"{r['display_name']} ({r['attention_text']}{window}) caches {size_text(r['kv_bytes_per_token'])} per "
            f"token in {r['kv_dtype']}: {size_text(r['kv_cache_bytes'])} for {seqs} of {ctx} tokens.")
    gpus = f"{r['tp']}× {r['gpu_display'].split(' + ')[0]}"
    if r["free_given"]:
        where = f"With {size_text(r['kv_free_bytes'])} free per GPU"
    elif r["kv_free_bytes"] <= 0:
        return (f"{head} On {gpus} the weights ({size_text(r['weights_gpu_bytes'])} per GPU) and activations leave "
                f"nothing for the cache: add GPUs or store the weights smaller.")
    else:
        where = (f"On {gpus}, after {size_text(r['weights_gpu_bytes'])} of weights and "
                 f"{size_text(r['activation_bytes'])} of activations per GPU, {size_text(r['kv_free_bytes'])} is left;")
    return (f"{head} {where} it holds {r['capacity_tokens']:,} tokens in blocks of {r['block_size']}, "
            f"{r['max_batch']:,} sequences of {ctx} tokens (vLLM would report a maximum concurrency of "
            f"{r['max_concurrency']:.2f}x). Reading this batch's cache once takes {ms_text(r['kv_read_ms'])} "
            f"per decode step at the GPU's peak bandwidth.")


def compare_chart(rows: list[dict[str, Any]], r: dict[str, Any]) -> str:
    """One bar per attention variant: KV cache of the batch, with the batch that fits."""
    bars = []
    for row in rows:
        name = kv.VARIANT_NAMES[row["variant"]]
        if row["error"]:
            bars.append(svg.Bar(name, 0.0, f"not splittable over {r['tp']} GPUs", cls="ifw-c4"))
            continue
        text = f"{size_text(row['kv_cache_bytes'])} · {count_text(row['max_batch'])} fit"
        bars.append(svg.Bar(name, row["kv_cache_bytes"] / GiB, text, cls="ifw-c2",
                            highlight=row["variant"] == r["variant"]))
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title=f"{r['display_name']}: KV cache by attention variant", desc=desc,
                         value_label=f"KV cache of {r['batch']:,} × {r['ctx']:,} tokens, {r['kv_dtype']} (GiB)")


def memory_chart(r: dict[str, Any]) -> str:
    """Stacked bar of one GPU: weights, activations, KV cache of the batch, free; the marker is the budget."""
    kv_bytes = min(r["kv_cache_bytes_gpu"], max(0.0, r["kv_free_bytes"]))
    free = max(0.0, r["kv_free_bytes"] - kv_bytes)
    segs = [("weights", r["weights_gpu_bytes"] / GiB, "ifw-c1"), ("activations", r["activation_bytes"] / GiB, "ifw-c3"),
            ("KV cache", kv_bytes / GiB, "ifw-c2"), ("free for more KV", free / GiB, "ifw-c4")]
    budget = r["memory_budget_bytes"] / GiB
    total = max(budget, sum(s[1] for s in segs), r["vram_bytes"] / GiB if not r["free_given"] else 0.0)
    desc = (f"Per GPU: weights {size_text(r['weights_gpu_bytes'])}, activations {size_text(r['activation_bytes'])}, "
            f"KV cache of this batch {size_text(r['kv_cache_bytes_gpu'])}, budget {size_text(r['memory_budget_bytes'])}.")
    return svg.stacked_bars([("GPU", segs)], title="Memory of one GPU (GiB)", desc=desc, total=total * 1.02,
                            limits=[budget])
