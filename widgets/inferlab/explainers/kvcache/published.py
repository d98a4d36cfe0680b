"""Published KV cache figures the model must reproduce, each with its exact source.

Every row names what the source printed, the inputs that reproduce it and
the tolerance its printed precision allows (half of the last printed digit,
so "1.95 GB" admits 1.945..1.955).  ``tests/core/explainers/test_kvcache.py``
asserts every row; the widget's fidelity line counts them.

Unit conventions found in the sources: the vLLM paper's "800 KB" and "12 GB"
and the Hugging Face blog's "GB" are 2^10 / 2^30 multiples (the numbers only
come out that way); the vLLM blog's "1.7GB" is decimal.  vLLM logs print GiB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inferlab.units import GB, GiB, KiB

VLLM_PAPER = "https://arxiv.org/abs/2309.06180"
VLLM_BLOG = "https://blog.vllm.ai/2023/06/20/vllm.html"
HF_LLAMA31 = "https://huggingface.co/blog/llama31#inference-memory-requirements"
MISTRAL = "https://arxiv.org/abs/2310.06825"
DEEPSEEK_V2 = "https://arxiv.org/abs/2405.04434"
VLLM_10517 = "https://github.com/vllm-project/vllm/issues/10517"
VLLM_15871 = "https://github.com/vllm-project/vllm/issues/15871"


@dataclass(frozen=True)
class Published:
    """One published figure: ``value`` in ``unit``, reproduced by ``compute()`` within ``tolerance``."""

    key: str
    claim: str
    source: str
    value: float
    tolerance: float
    unit: str
    compute: Callable[[], float]

    def model_value(self) -> float:
        """The model's number for the same setup, in ``unit``."""
        return self.compute()

    def agrees(self) -> bool:
        """True when the model lands within the printed precision."""
        return abs(self.model_value() - self.value) <= self.tolerance + 1e-12


def _report(**values: object) -> dict:
    from inferlab.explainers.kvcache.widget import KvCacheWidget
    from inferlab.explainers.kvcache.model import kv_report

    return kv_report(KvCacheWidget.parse({"tp": 1, **values}))


def _per_token(model: str, **values: object) -> float:
    return _report(model=model, ctx=1, free_gib=1, **values)["kv_bytes_per_token"]


def _hf(model: str, tokens: int, value: float, digits: int, label: str) -> Published:
    return Published(f"hf-{model}-{tokens}", f"Llama 3.1 {label} f16 KV cache at {tokens:,} tokens: {value} GB",
                     f"{HF_LLAMA31} (table 'In FP16, the KV cache memory requirements are'; 1k = 1,024, "
                     f"16k = 16,000, 128k = 128,000 tokens, GB = GiB)", value, 0.5 * 10**-digits, "GiB",
                     lambda: _per_token(model) * tokens / GiB)


def _vllm_blocks(free_gib: float, blocks: int, max_model_len: int) -> Published:
    """vLLM printed the KV memory (GiB, 2 decimals) and the blocks it cut it into; the blocks' bytes must match."""
    return Published(f"vllm-10517-{max_model_len}",
                     f"Llama 3.1 8B: kv_cache_size={free_gib}GiB holds '# GPU blocks: {blocks}' of 16 tokens",
                     f"{VLLM_10517} (RTX 3090 logs at --max-model-len {max_model_len}; block size 16, fp16 cache)",
                     free_gib, 0.005, "GiB",
                     lambda: blocks * 16 * _per_token("llama-3.1-8b") / GiB)


#: Rows that hold on the catalogue's current presets.  OPT-13B caches what Llama 2 13B caches
#: (40 layers, hidden 5120, multi-head), so the vLLM paper's OPT-13B figures use that preset.
PUBLISHED: tuple[Published, ...] = (
    Published("vllm-paper-800kb", "OPT-13B: the KV cache of a single token demands 800 KB (2 x 5120 x 40 x 2)",
              f"{VLLM_PAPER} section 3, 'Large KV cache'", 800, 0, "KiB",
              lambda: _per_token("llama-2-13b") / KiB),
    Published("vllm-paper-1.6gb", "OPT-13B: one 2,048-token request can need as much as 1.6 GB",
              f"{VLLM_PAPER} section 3, 'Large KV cache'", 1.6, 0.05, "GiB",
              lambda: _report(model="llama-2-13b", ctx=2048, free_gib=1)["kv_cache_bytes"] / GiB),
    Published("vllm-blog-1.7gb", "LLaMA-13B: the KV cache takes up to 1.7GB for a single sequence",
              f"{VLLM_BLOG} ('The Secret Sauce', 2,048-token LLaMA context)", 1.7, 0.05, "GB",
              lambda: _report(model="llama-2-13b", ctx=2048, free_gib=1)["kv_cache_bytes"] / GB),
    Published("vllm-paper-table1-13b", "13B on one A100-40GB: 12 GB for KV cache holds 15.7K slots",
              f"{VLLM_PAPER} Table 1 (block size 16, fp16)", 15.7, 0.05, "thousand tokens",
              lambda: _report(model="llama-2-13b", ctx=2048, free_gib=12)["capacity_tokens"] / 1000),
    _hf("llama-3.1-8b", 1024, 0.125, 3, "8B"),
    _hf("llama-3.1-8b", 16000, 1.95, 2, "8B"),
    _hf("llama-3.1-8b", 128000, 15.62, 2, "8B"),
    _hf("llama-3.1-70b", 1024, 0.313, 3, "70B"),
    _hf("llama-3.1-70b", 16000, 4.88, 2, "70B"),
    _hf("llama-3.1-70b", 128000, 39.06, 2, "70B"),
    _vllm_blocks(3.81, 1952, 20000),
    _vllm_blocks(2.89, 1478, 29000),
    Published("mistral-8x", "Mistral 7B: at 32k tokens the rolling buffer (W = 4096) cuts cache memory 8x",
              f"{MISTRAL} section 2, 'Rolling Buffer Cache'", 8, 0, "x",
              lambda: _report(model="mistral-7b", ctx=32768, window=0)["kv_cache_bytes"]
              / _report(model="mistral-7b", ctx=32768, window=4096)["kv_cache_bytes"]),
    Published("vllm-15871-mla", "DeepSeek-V2-Lite-Chat, max seq len 32768: 0.95 GiB KV cache is needed",
              f"{VLLM_15871} (vLLM 0.8.3 V1 engine error message; bf16 MLA cache of 27 layers x (512 + 64))",
              0.95, 0.005, "GiB",
              lambda: _report(model="deepseek-v2-lite", ctx=32768, free_gib=1)["kv_cache_bytes"] / GiB),
    Published("deepseek-v2-2.25-groups", "MLA with d_c = 4 d_h, d_h^R = d_h/2 caches as much as GQA with 2.25 groups",
              f"{DEEPSEEK_V2} Table 1 caption", 2.25, 0, "groups",
              lambda: _per_token("llama-3-70b", attention="mla") / _per_token("llama-3-70b", attention="gqa",
                                                                               kv_heads=1)),
)


def agreement() -> tuple[int, int]:
    """(rows the model reproduces, rows)."""
    return sum(p.agrees() for p in PUBLISHED), len(PUBLISHED)


def fidelity() -> str:
    """The widget's one-line distance from published ground truth."""
    ok, n = agreement()
    return (f"Reproduces {ok} of {n} published KV cache figures to their printed precision: the vLLM paper "
            f"(section 3, Table 1) and blog, the Hugging Face Llama 3.1 table, two vLLM start-up logs, "
            f"the Mistral 7B paper and DeepSeek-V2's Table 1, and vLLM's MLA cache size for DeepSeek-V2-Lite.")
