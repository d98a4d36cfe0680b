"""Public API of the llama.cpp quantization and memory calculator.

Every function takes keyword arguments and returns plain dicts / lists of
JSON-able values (the widget converts them to JavaScript objects, the CLI's
``--json`` prints exactly these).  Bad input raises ``ValueError`` naming the
field, the value and what is allowed.

Units: ``*_bytes`` are bytes, ``*_gib`` GiB (2^30 bytes), speeds tokens/s,
times seconds.
"""

import functools

from inferlab.llamacpp.gguf_file import file_summary, quantize_tensors, tensor_table
from inferlab.catalog.hardware import (DEFAULT_HARDWARE, GPU_RESERVED_BYTES, RAM_RESERVED_BYTES,
                               Hardware, get_hardware)
from inferlab.catalog.hardware import list_hardware as _list_hardware
from inferlab.llamacpp.memory import (KV_TYPES, Placement, fit_check, kv_cache_bytes,
                             kv_cache_bytes_per_token, place)
from inferlab.catalog.models import ModelShape, build_shape, count_active_params
from inferlab.catalog.models import list_models as _list_models
from inferlab.llamacpp.quality import perplexity_delta
from inferlab.llamacpp.quant_recipes import FILE_TYPES, get_file_type, list_file_types
from inferlab.llamacpp.speed import batched_decode_tokens_per_s as _batched
from inferlab.llamacpp.speed import decode_tokens_per_s, prefill_tokens_per_s, thread_advice
from inferlab.units import GiB
from inferlab.inputs import check_choice, check_int, check_number

#: Preset used when ``hardware`` is None but GPU layers are requested.
DEFAULT_GPU_HARDWARE = "rtx-4090"
#: Prompt length of llama-bench's pp test, used for ``prefill_tokens_per_s``.
PP_TOKENS = 512


def _shape(model: str, params, custom_shape: dict) -> ModelShape:
    return build_shape(model, params=params, **custom_shape)


@functools.lru_cache(maxsize=256)
def _tensors(shape: ModelShape, quant: str, imatrix):
    return quantize_tensors(shape, quant, imatrix)


@functools.lru_cache(maxsize=256)
def _summary(shape: ModelShape, quant: str, imatrix) -> dict:
    return file_summary(shape, quant, imatrix, tensors=_tensors(shape, quant, imatrix))


def _imatrix(imatrix):
    if imatrix is not None and not isinstance(imatrix, bool):
        raise ValueError(f"imatrix: {imatrix!r}; allowed: true, false or null (auto)")
    return imatrix


def quant_report(model: str = "llama-3-8b", quant: str = "Q4_K_M", imatrix: bool | None = None,
                 tensors: bool = False, params: float | None = None, **custom_shape) -> dict:
    """File size and bits per weight of *model* quantized as *quant*.

    Keys: ``model``, ``quant``, ``params``, ``file_bytes`` (bytes),
    ``bits_per_weight`` (whole file, bits), ``tensor_data_bytes``,
    ``by_type`` (per ggml type: tensors, params, bytes, share), ... and
    ``tensors`` (per-tensor table) when *tensors* is true.  *imatrix* None =
    as llama-quantize requires (only the 1-2 bit and IQ3_XXS/Q2_K_S types).
    """
    shape = _shape(model, params, custom_shape)
    ft = get_file_type(quant)
    imatrix = _imatrix(imatrix)
    s = dict(_summary(shape, ft.name, imatrix))
    s["by_type"] = [dict(r) for r in s["by_type"]]
    out = {
        "model": shape.name, "display_name": shape.display_name, "quant": ft.name,
        "params": s["params"], "active_params": count_active_params(shape),
        "published_params": shape.published_params,
        "bits_per_weight": s["bits_per_weight"], "file_bytes": s["file_bytes"],
        "file_gb": s["file_bytes"] / 1e9, "file_gib": s["file_bytes"] / GiB,
        "tensor_data_bytes": s["tensor_data_bytes"],
        "tensor_bits_per_weight": s["tensor_bits_per_weight"],
        "metadata_bytes": s["metadata_bytes"], "default_type": s["default_type"],
        "imatrix": s["imatrix"], "n_tensors": s["n_tensors"], "by_type": s["by_type"],
        "fallback_tensors": s["fallback_tensors"],
        "perplexity": perplexity_delta(ft.name, shape.name),
        "shape": shape.as_dict(),
    }
    if tensors:
        out["tensors"] = tensor_table(_tensors(shape, ft.name, imatrix))
    return out


def _resolve_hardware(hardware, gpu_layers: int) -> Hardware:
    if hardware is None:
        return get_hardware(DEFAULT_GPU_HARDWARE if gpu_layers > 0 else DEFAULT_HARDWARE)
    return get_hardware(hardware)


class _Setup:
    """Validated inputs shared by memory_report / compare_quants / batched decode."""

    def __init__(self, model, quant, ctx, kv_type, gpu_layers, vram_gib, ram_gib, hardware,
                 threads, threads_batch, imatrix, params, custom_shape):
        self.shape = _shape(model, params, custom_shape)
        self.ft = get_file_type(quant) if quant is not None else None
        s = self.shape
        self.ctx = check_int("ctx", ctx, 1, s.max_ctx, hint=f" ({s.name} max context)")
        self.kv_type = check_choice("kv_type", str(kv_type).lower(), KV_TYPES)
        self.gpu_layers = check_int("gpu_layers", gpu_layers, 0, 100000,
                                    hint=f" (values above {s.n_layers + 1} mean all layers)")
        self.hw = _resolve_hardware(hardware, self.gpu_layers)
        if self.gpu_layers and self.hw.gpu is None:
            raise ValueError(f"gpu_layers: {self.gpu_layers}; allowed: 0 (hardware "
                             f"{self.hw.name!r} has no GPU)")
        self.ngl = min(self.gpu_layers, s.n_layers + 1)
        self.vram_limit = None
        if vram_gib is not None:
            self.vram_limit = int(check_number("vram_gib", vram_gib, 0, 100000, low_open=True) * GiB)
        elif self.hw.gpu is not None:
            self.vram_limit = int(self.hw.gpu.vram_gib * GiB)
        if ram_gib is not None:
            self.ram_limit = int(check_number("ram_gib", ram_gib, 0, 1000000, low_open=True) * GiB)
        else:
            self.ram_limit = int(self.hw.cpu.ram_gib * GiB)
        advice = thread_advice(self.hw)
        self.advice = advice
        self.threads = advice["threads"] if threads is None else check_int("threads", threads, 1, 1024)
        self.threads_batch = (advice["threads_batch"] if threads_batch is None
                              else check_int("threads_batch", threads_batch, 1, 1024))
        self.imatrix = _imatrix(imatrix)
        self.active = count_active_params(s)

    def has_gpu(self) -> bool:
        return self.hw.gpu is not None

    def placement(self, quant: str, ctx: int) -> Placement:
        return place(self.shape, _tensors(self.shape, quant, self.imatrix), ctx, self.kv_type,
                     self.ngl, self.has_gpu())

    def fit(self, p: Placement) -> dict:
        return fit_check(p, self.vram_limit if self.has_gpu() else None, self.ram_limit,
                         self.hw.unified, GPU_RESERVED_BYTES, RAM_RESERVED_BYTES)

    def max_ctx(self, quant: str) -> int:
        """Largest context (tokens) that fits; 0 if not even one token does."""
        lo, hi = 0, self.shape.max_ctx
        if self.fit(self.placement(quant, hi))["fits"]:
            return hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.fit(self.placement(quant, mid))["fits"]:
                lo = mid
            else:
                hi = mid
        return lo

    def embd_bytes(self, quant: str) -> int:
        return sum(t.nbytes for t in _tensors(self.shape, quant, self.imatrix)
                   if t.spec.name == "token_embd.weight")


def _fits_reason(fit: dict, unified: bool) -> str:
    def gib(b):
        return f"{b / GiB:.2f} GiB"
    parts = []
    if fit["vram_headroom_bytes"] is not None:
        parts.append(f"VRAM headroom {gib(fit['vram_headroom_bytes'])}")
    if fit["ram_headroom_bytes"] is not None:
        parts.append(f"{'unified memory' if unified else 'RAM'} headroom {gib(fit['ram_headroom_bytes'])}")
    if fit["fits"]:
        return "fits: " + ", ".join(parts)
    return f"does not fit ({' and '.join(fit['short_of'])} short): " + ", ".join(parts)


def memory_report(model: str = "llama-3-8b", quant: str = "Q4_K_M", ctx: int = 4096,
                  kv_type: str = "f16", gpu_layers: int = 0, vram_gib: float | None = None,
                  ram_gib: float | None = None, hardware: str | None = None,
                  threads: int | None = None, threads_batch: int | None = None,
                  imatrix: bool | None = None, params: float | None = None,
                  **custom_shape) -> dict:
    """Memory placement, fit and speed of running *model* at *quant* with llama.cpp.

    ``gpu_layers`` is ``-ngl`` (0 = CPU only; n_layers+1 or more = everything,
    including the output layer).  ``hardware`` None means ``"ddr5-desktop"``
    (or ``"rtx-4090"`` when gpu_layers > 0).  ``vram_gib`` / ``ram_gib``
    override the preset's limits (GiB).  Speeds: ``decode_tokens_per_s`` at an
    empty context (comparable to llama-bench tg128),
    ``decode_tokens_per_s_at_ctx`` with *ctx* tokens cached,
    ``prefill_tokens_per_s`` for a 512-token prompt (llama-bench pp512).
    """
    st = _Setup(model, quant, ctx, kv_type, gpu_layers, vram_gib, ram_gib, hardware, threads,
                threads_batch, imatrix, params, custom_shape)
    s, q = st.shape, st.ft.name
    summ = _summary(s, q, st.imatrix)
    p = st.placement(q, st.ctx)
    fit = st.fit(p)
    embd = st.embd_bytes(q)
    dec0 = decode_tokens_per_s(s, p, st.hw, st.kv_type, 0, st.threads, embd)
    dec_ctx = decode_tokens_per_s(s, p, st.hw, st.kv_type, st.ctx, st.threads, embd)
    pp = prefill_tokens_per_s(s, p, st.hw, st.active, PP_TOKENS / 2, st.threads, st.threads_batch,
                              embd)
    pp_ctx = prefill_tokens_per_s(s, p, st.hw, st.active, st.ctx / 2, st.threads,
                                  st.threads_batch, embd)
    return {
        "model": s.name, "display_name": s.display_name, "quant": q,
        "params": summ["params"], "active_params": st.active,
        "bits_per_weight": summ["bits_per_weight"], "file_bytes": summ["file_bytes"],
        "ctx": st.ctx, "max_ctx": s.max_ctx, "kv_type": st.kv_type,
        "gpu_layers": st.gpu_layers, "gpu_layers_effective": p.gpu_layers,
        "n_layers": s.n_layers, "output_on_gpu": p.output_on_gpu,
        "hardware": st.hw.name, "hardware_display": st.hw.display_name,
        "unified_memory": st.hw.unified,
        "weights_bytes": summ["tensor_data_bytes"],
        "kv_cache_bytes": p.kv_gpu + p.kv_cpu,
        "kv_cache_bytes_per_token": kv_cache_bytes_per_token(s, st.kv_type),
        "compute_buffer_bytes": p.compute_gpu + p.compute_cpu,
        "vram_bytes": p.vram_bytes, "ram_bytes": p.ram_bytes,
        "total_bytes": p.vram_bytes + p.ram_bytes,
        "vram": {"weights_bytes": p.weights_gpu, "kv_cache_bytes": p.kv_gpu,
                 "compute_buffer_bytes": p.compute_gpu},
        "ram": {"weights_bytes": p.weights_cpu, "kv_cache_bytes": p.kv_cpu,
                "compute_buffer_bytes": p.compute_cpu},
        "vram_limit_bytes": st.vram_limit if st.has_gpu() else None,
        "ram_limit_bytes": st.ram_limit,
        "reserved_vram_bytes": GPU_RESERVED_BYTES if st.has_gpu() else 0,
        "reserved_ram_bytes": RAM_RESERVED_BYTES,
        "vram_headroom_bytes": fit["vram_headroom_bytes"],
        "ram_headroom_bytes": fit["ram_headroom_bytes"],
        "fits": fit["fits"], "fits_reason": _fits_reason(fit, st.hw.unified),
        "max_ctx_that_fits": st.max_ctx(q),
        "decode_tokens_per_s": dec0, "decode_tokens_per_s_at_ctx": dec_ctx,
        "prefill_tokens_per_s": pp,
        "prefill_seconds_for_ctx": st.ctx / pp_ctx,
        "threads": st.threads, "threads_batch": st.threads_batch,
        "thread_advice": st.advice,
        "perplexity": perplexity_delta(q, s.name),
    }


def compare_quants(model: str = "llama-3-8b", ctx: int = 4096, kv_type: str = "f16",
                   gpu_layers: int = 0, vram_gib: float | None = None,
                   ram_gib: float | None = None, hardware: str | None = None,
                   threads: int | None = None, threads_batch: int | None = None,
                   imatrix: bool | None = None, params: float | None = None,
                   **custom_shape) -> list[dict]:
    """One row per llama.cpp file type, highest precision first.

    Row keys: ``quant``, ``bits_per_weight``, ``file_bytes``, ``total_bytes``,
    ``vram_bytes``, ``ram_bytes``, ``fits``, ``max_ctx_that_fits``,
    ``decode_tokens_per_s``, ``prefill_tokens_per_s``, ``delta_ppl`` and
    ``perplexity`` (the cited figure, or None when unpublished).
    """
    st = _Setup(model, None, ctx, kv_type, gpu_layers, vram_gib, ram_gib, hardware, threads,
                threads_batch, imatrix, params, custom_shape)
    s = st.shape
    rows = []
    for q in FILE_TYPES:
        summ = _summary(s, q, st.imatrix)
        p = st.placement(q, st.ctx)
        fit = st.fit(p)
        ppl = perplexity_delta(q, s.name)
        rows.append({
            "quant": q, "bits_per_weight": summ["bits_per_weight"],
            "file_bytes": summ["file_bytes"], "weights_bytes": summ["tensor_data_bytes"],
            "total_bytes": p.vram_bytes + p.ram_bytes, "vram_bytes": p.vram_bytes,
            "ram_bytes": p.ram_bytes, "fits": fit["fits"],
            "max_ctx_that_fits": st.max_ctx(q),
            "decode_tokens_per_s": decode_tokens_per_s(s, p, st.hw, st.kv_type, 0, st.threads,
                                                       st.embd_bytes(q)),
            "prefill_tokens_per_s": prefill_tokens_per_s(s, p, st.hw, st.active, PP_TOKENS / 2,
                                                         st.threads, st.threads_batch,
                                                         st.embd_bytes(q)),
            "delta_ppl": None if ppl is None else ppl["delta_ppl"],
            "perplexity": ppl,
        })
    return rows


def batched_decode_tokens_per_s(n_slots: int = 1, model: str = "llama-3-8b",
                                quant: str = "Q4_K_M", hardware: str | None = None,
                                gpu_layers: int = 0, ctx: int = 0, kv_type: str = "f16",
                                threads: int | None = None, imatrix: bool | None = None,
                                params: float | None = None, **custom_shape) -> float:
    """Aggregate decode tokens/s when *n_slots* sequences generate together.

    *ctx* is the tokens already cached per sequence (0 = fresh).  Weights are
    read once per step for all slots, so throughput rises with *n_slots*
    until the step becomes compute-bound.  n_slots=1 equals
    ``memory_report(...)["decode_tokens_per_s"]`` at the same depth.
    """
    n = check_int("n_slots", n_slots, 1, 4096)
    fresh = isinstance(ctx, int) and not isinstance(ctx, bool) and ctx == 0
    st = _Setup(model, quant, 1 if fresh else ctx, kv_type, gpu_layers, None, None, hardware,
                threads, None, imatrix, params, custom_shape)
    depth = 0 if fresh else st.ctx
    p = st.placement(st.ft.name, max(1, depth))
    embd = st.embd_bytes(st.ft.name)
    if n == 1:
        return decode_tokens_per_s(st.shape, p, st.hw, st.kv_type, depth, st.threads, embd)
    return _batched(st.shape, p, st.hw, st.kv_type, depth, st.threads, embd, st.active, n)


def list_models() -> list[dict]:
    """Model presets (name, shape, derived and published parameter counts)."""
    return _list_models()


def list_quants() -> list[dict]:
    """llama.cpp file types with default ggml type, its bits per weight and the cited ΔPPL."""
    rows = list_file_types()
    for r in rows:
        ppl = perplexity_delta(r["name"])
        r["delta_ppl"] = None if ppl is None else ppl["delta_ppl"]
        r["perplexity"] = ppl
    return rows


def list_hardware() -> list[dict]:
    """Hardware presets (memory, bandwidth, compute, cores)."""
    return _list_hardware()


def kv_cache_report(model: str = "llama-3-8b", ctx: int = 4096, kv_type: str = "f16",
                    params: float | None = None, **custom_shape) -> dict:
    """KV cache size alone: bytes per token and for *ctx* tokens."""
    shape = _shape(model, params, custom_shape)
    ctx = check_int("ctx", ctx, 1, shape.max_ctx, hint=f" ({shape.name} max context)")
    kv_type = check_choice("kv_type", str(kv_type).lower(), KV_TYPES)
    return {"model": shape.name, "ctx": ctx, "kv_type": kv_type,
            "kv_cache_bytes_per_token": kv_cache_bytes_per_token(shape, kv_type),
            "kv_cache_bytes": kv_cache_bytes(shape, ctx, kv_type)}


__all__ = [
    "batched_decode_tokens_per_s", "compare_quants", "kv_cache_report", "list_hardware",
    "list_models", "list_quants", "memory_report", "quant_report",
]
