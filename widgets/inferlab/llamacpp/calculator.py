"""Public API of the llama.cpp calculator: file sizes, memory, fit and speed.

Every function takes keyword arguments (declared once in :mod:`.params`)
and returns plain JSON-able dicts / lists (the widget converts them to
JavaScript objects, the CLI's ``--json`` prints exactly these).  Bad input
raises :class:`~inferlab.inputs.InputError` naming the field, the value and
what is allowed.  A configuration that does not fit in memory is reported
as not fitting, with every speed None and ``speed_note`` saying why.

Speed functions, from cheapest to richest:

* :func:`speed_model` -> :class:`~inferlab.llamacpp.speed.SpeedModel`, whose
  ``step_seconds(decode_depths, prompt_chunks)`` is the time of one unified
  batch step (what llama-server runs: one token of every generating slot
  plus prompt chunks).  Build it once, call it per step.
* :func:`speed_report` -> aggregate and per-sequence decode tokens/s of
  ``batch`` sequences at ``depth``, prefill tokens/s, step time, fit.
* :func:`memory_report` -> placement, fit and single-sequence speeds.

Units: ``*_bytes`` bytes, ``*_gib`` GiB (2^30 bytes), speeds tokens/s,
times seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from inferlab.catalog.hardware import GPU_RESERVED_BYTES, RAM_RESERVED_BYTES
from inferlab.catalog.hardware import list_hardware as _list_hardware
from inferlab.catalog.models import build_shape, count_active_params
from inferlab.catalog.models import list_models as _list_models
from inferlab.inputs import InputError
from inferlab.llamacpp.gguf_file import tensor_table
from inferlab.llamacpp.fit import FitResult
from inferlab.llamacpp.kv_cache import kv_cache_bytes, kv_cache_bytes_per_token, kv_cells, pad
from inferlab.llamacpp.params import PARAMS
from inferlab.llamacpp.placement import Placement
from inferlab.llamacpp.quality import perplexity_delta
from inferlab.llamacpp.quant_recipes import FILE_TYPES, list_file_types
from inferlab.llamacpp.setup import Setup, resolve, summary
from inferlab.llamacpp.speed import SpeedModel
from inferlab.units import GiB

#: Prompt length of llama-bench's pp test, used for ``prefill_tokens_per_s``.
PP_TOKENS = 512


def _config(kw: dict, custom_shape: dict) -> dict:
    return {**kw, "custom_shape": custom_shape}


def quant_report(model: str = "llama-3-8b", quant: str = "Q4_K_M", imatrix: bool | None = None,
                 tensors: bool = False, params: float | None = None, **custom_shape: Any) -> dict:
    """File size and bits per weight of *model* quantized as *quant*.

    Keys: ``model``, ``quant``, ``params``, ``file_bytes`` (bytes),
    ``bits_per_weight`` (whole file), ``tensor_data_bytes``, ``by_type``
    (per ggml type), ``perplexity`` (cited, with provenance) ... and
    ``tensors`` (per-tensor table) when *tensors* is true.  *imatrix* None
    = as llama-quantize requires (only the 1-2 bit and IQ3_XXS/Q2_K_S types).
    """
    st = resolve(model=model, quant=quant, imatrix=imatrix, params=params, ctx=None,
                 custom_shape=custom_shape)
    shape, q = st.shape, st.quant
    s = dict(summary(shape, q, st.imatrix))
    assert q is not None  # a missing quant was rejected by summary() above
    s["by_type"] = [dict(r) for r in s["by_type"]]
    out = {
        "model": shape.name, "display_name": shape.display_name, "quant": q,
        "params": s["params"], "active_params": st.active, "published_params": shape.published_params,
        "bits_per_weight": s["bits_per_weight"], "file_bytes": s["file_bytes"],
        "file_gb": s["file_bytes"] / 1e9, "file_gib": s["file_bytes"] / GiB,
        "tensor_data_bytes": s["tensor_data_bytes"], "tensor_bits_per_weight": s["tensor_bits_per_weight"],
        "metadata_bytes": s["metadata_bytes"], "default_type": s["default_type"], "imatrix": s["imatrix"],
        "n_tensors": s["n_tensors"], "by_type": s["by_type"], "fallback_tensors": s["fallback_tensors"],
        "perplexity": perplexity_delta(q, shape.name), "shape": shape.as_dict(),
    }
    if tensors:
        out["tensors"] = tensor_table(st.tensors())
    return out


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


def _resolved_run(st: Setup, quant: str | None = None
                  ) -> tuple[FitResult, Placement, dict, Sequence[float] | None]:
    """(fit result, placement, fit check, split) for the resolved inputs."""
    fit = st.fit(quant)
    split = fit.layers_per_gpu if st.gpus > 1 and st.gpu_layers_request is None else st.tensor_split
    p = st.placement(fit.gpu_layers, fit.ctx, split, quant)
    return fit, p, st.check(p), split


def _speed(st: Setup, p: Placement, split: Sequence[float] | None, quant: str | None = None) -> SpeedModel:
    return st.speed_model(p, quant, split)


NO_SPEED = "no speed: the configuration does not fit in memory, so it would not run"


def memory_report(model: str = "llama-3-8b", quant: str = "Q4_K_M", ctx: int | None = 4096,
                  kv_type: str = "f16", gpu_layers: int | None = None, vram_gib: float | None = None,
                  ram_gib: float | None = None, hardware: str | None = None,
                  threads: int | None = None, threads_batch: int | None = None,
                  imatrix: bool | None = None, params: float | None = None, gpus: int = 1,
                  tensor_split: str | Sequence[float] | None = None, flash_attn: str = "auto", device_memory_gib: float | None = None,
                  device_bandwidth_gbs: float | None = None, device_tflops: float | None = None,
                  parallel: int = 1, **custom_shape: Any) -> dict:
    """Memory placement, fit and speed of running *model* at *quant* with llama.cpp.

    ``gpu_layers`` is ``-ngl`` (the output layer is offloaded first; n_layers+1
    = everything); None = llama.cpp's auto-fit on a GPU machine, 0 without
    one.  ``hardware`` None means ``"ddr5-desktop"`` (or ``"rtx-4090"`` when
    gpu_layers > 0); ``gpus`` identical GPUs split by layer
    (``tensor_split`` shares, default equal).  ``vram_gib`` (per GPU; needs
    a GPU hardware) and ``ram_gib`` override the preset's limits.  ``ctx``
    None = the trained context shrunk by the fit.  Speeds (None when it does
    not fit): ``decode_tokens_per_s`` at an empty context (llama-bench tg),
    ``decode_tokens_per_s_at_ctx`` with *ctx* tokens cached,
    ``prefill_tokens_per_s`` for a 512-token prompt (llama-bench pp512).
    """
    st = resolve(**_config(dict(model=model, quant=quant, ctx=ctx, kv_type=kv_type, gpu_layers=gpu_layers,
                                vram_gib=vram_gib, ram_gib=ram_gib, hardware=hardware, threads=threads,
                                threads_batch=threads_batch, imatrix=imatrix, params=params, gpus=gpus,
                                tensor_split=tensor_split, flash_attn=flash_attn,
                                device_memory_gib=device_memory_gib, device_bandwidth_gbs=device_bandwidth_gbs,
                                device_tflops=device_tflops, parallel=parallel), custom_shape))
    s, q = st.shape, st.quant
    summ = summary(s, q, st.imatrix)
    assert q is not None  # a missing quant was rejected by summary() above
    fit_result, p, fit, split = _resolved_run(st)
    n_ctx = st.ctx_request if st.ctx_request is not None else fit_result.ctx
    speeds = dict.fromkeys(("decode_tokens_per_s", "decode_tokens_per_s_at_ctx", "prefill_tokens_per_s",
                            "prefill_seconds_for_ctx"))
    if fit["fits"]:
        sm = _speed(st, p, split)
        speeds = {"decode_tokens_per_s": sm.decode_tokens_per_s(0),
                  "decode_tokens_per_s_at_ctx": sm.decode_tokens_per_s(n_ctx),
                  "prefill_tokens_per_s": sm.prefill_tokens_per_s(0, PP_TOKENS),
                  "prefill_seconds_for_ctx": sm.prompt_seconds(n_ctx)}
    return {
        "model": s.name, "display_name": s.display_name, "quant": q,
        "params": summ["params"], "active_params": st.active,
        "bits_per_weight": summ["bits_per_weight"], "file_bytes": summ["file_bytes"],
        "ctx": n_ctx, "kv_cells": fit_result.ctx, "max_ctx": s.max_ctx, "kv_type": st.kv_type,
        "flash_attn": st.flash_attn, "flash_attn_setting": st.flash_attn_input,
        "gpu_layers": fit_result.gpu_layers, "gpu_layers_effective": p.gpu_layers,
        "gpu_layers_setting": "auto-fit" if st.gpu_layers_request is None and st.has_gpu
        else st.gpu_layers_request or 0,
        "fit_steps": list(fit_result.steps), "n_layers": s.n_layers, "output_on_gpu": p.output_on_gpu,
        "gpus": st.gpus, "parallel": st.parallel, "layers_per_gpu": [len(g.layers) + g.has_output for g in p.gpus],
        "hardware": st.hw.name, "hardware_display": st.hw.display_name, "unified_memory": st.hw.unified,
        "llama_cpp_build": st.hw.calibration,
        "weights_bytes": summ["tensor_data_bytes"], "kv_cache_bytes": p.kv_gpu + p.kv_cpu,
        "kv_cache_bytes_per_token": kv_cache_bytes_per_token(s, st.kv_type),
        "compute_buffer_bytes": p.compute_gpu + p.compute_cpu,
        "vram_bytes": p.vram_bytes, "ram_bytes": p.ram_bytes, "total_bytes": p.vram_bytes + p.ram_bytes,
        "vram": {"weights_bytes": p.weights_gpu, "kv_cache_bytes": p.kv_gpu, "compute_buffer_bytes": p.compute_gpu},
        "ram": {"weights_bytes": p.weights_cpu, "kv_cache_bytes": p.kv_cpu, "compute_buffer_bytes": p.compute_cpu},
        "devices": [d.as_dict() for d in p.devices],
        "vram_limit_bytes": st.vram_limit if st.has_gpu else None, "ram_limit_bytes": st.ram_limit,
        "reserved_vram_bytes": GPU_RESERVED_BYTES if st.has_gpu else 0, "reserved_ram_bytes": RAM_RESERVED_BYTES,
        "vram_headroom_bytes": fit["vram_headroom_bytes"], "ram_headroom_bytes": fit["ram_headroom_bytes"],
        "fits": fit["fits"], "fits_reason": _fits_reason(fit, st.hw.unified),
        "max_ctx_that_fits": st.max_ctx_that_fits(fit_result.gpu_layers),
        **speeds, "speed_note": None if fit["fits"] else NO_SPEED,
        "threads": st.threads, "threads_batch": st.threads_batch, "thread_advice": st.advice,
        "perplexity": perplexity_delta(q, s.name),
    }


def compare_quants(model: str = "llama-3-8b", ctx: int | None = 4096, kv_type: str = "f16",
                   gpu_layers: int | None = None, vram_gib: float | None = None,
                   ram_gib: float | None = None, hardware: str | None = None,
                   threads: int | None = None, threads_batch: int | None = None,
                   imatrix: bool | None = None, params: float | None = None, gpus: int = 1,
                   tensor_split: str | Sequence[float] | None = None, flash_attn: str = "auto", device_memory_gib: float | None = None,
                   device_bandwidth_gbs: float | None = None, device_tflops: float | None = None,
                   parallel: int = 1, **custom_shape: Any) -> list[dict]:
    """One row per llama.cpp file type, highest precision first.

    Row keys: ``quant``, ``bits_per_weight``, ``file_bytes``, ``total_bytes``,
    ``vram_bytes``, ``ram_bytes``, ``fits``, ``gpu_layers``, ``max_ctx_that_fits``,
    ``decode_tokens_per_s``, ``prefill_tokens_per_s`` (None when it does not
    fit), ``delta_ppl`` and ``perplexity`` (the cited figure with its
    provenance, or None when unpublished).
    """
    st = resolve(**_config(dict(model=model, quant=None, ctx=ctx, kv_type=kv_type, gpu_layers=gpu_layers,
                                vram_gib=vram_gib, ram_gib=ram_gib, hardware=hardware, threads=threads,
                                threads_batch=threads_batch, imatrix=imatrix, params=params, gpus=gpus,
                                tensor_split=tensor_split, flash_attn=flash_attn,
                                device_memory_gib=device_memory_gib, device_bandwidth_gbs=device_bandwidth_gbs,
                                device_tflops=device_tflops, parallel=parallel), custom_shape))
    rows = []
    for q in FILE_TYPES:
        summ = summary(st.shape, q, st.imatrix)
        fit_result, p, fit, split = _resolved_run(st, q)
        ppl = perplexity_delta(q, st.shape.name)
        decode = prefill = None
        if fit["fits"]:
            sm = _speed(st, p, split, q)
            decode, prefill = sm.decode_tokens_per_s(0), sm.prefill_tokens_per_s(0, PP_TOKENS)
        rows.append({
            "quant": q, "bits_per_weight": summ["bits_per_weight"], "file_bytes": summ["file_bytes"],
            "weights_bytes": summ["tensor_data_bytes"], "total_bytes": p.vram_bytes + p.ram_bytes,
            "vram_bytes": p.vram_bytes, "ram_bytes": p.ram_bytes, "fits": fit["fits"],
            "gpu_layers": fit_result.gpu_layers, "max_ctx_that_fits": st.max_ctx_that_fits(fit_result.gpu_layers, q),
            "decode_tokens_per_s": decode, "prefill_tokens_per_s": prefill,
            "delta_ppl": None if ppl is None else ppl["delta_ppl"], "perplexity": ppl,
        })
    return rows


def _speed_setup(kw: dict, custom_shape: dict, batch: int, depth: int, ctx: int | None
                 ) -> tuple[Setup, int, int]:
    st = resolve(**_config({**kw, "ctx": None}, custom_shape))
    batch = PARAMS["batch"].parse(batch)
    depth = PARAMS["depth"].with_(high=st.shape.max_ctx - 1,
                                  unit=f"tokens, below {st.shape.display_name} max context").parse(depth)
    need = batch * (depth + 1)
    cells = pad(need)
    if ctx is not None:
        given = PARAMS["ctx"].parse(ctx)
        if given is not None:
            if given < need:
                raise InputError("ctx", ctx, f"at least batch x (depth + 1) = {need:,} tokens",
                                 reason="is too small for the batch")
            cells = pad(given)
    return replace(st, ctx_request=cells), batch, depth


def speed_model(model: str = "llama-3-8b", quant: str = "Q4_K_M", hardware: str | None = None, gpus: int = 1,
                ctx: int | None = None, gpu_layers: int | None = None, kv_type: str = "f16",
                flash_attn: str = "auto", **more: Any) -> SpeedModel:
    """The :class:`~inferlab.llamacpp.speed.SpeedModel` of a configuration, for repeated step timing.

    *ctx* (KV cells over all slots, default 4096; up to ``parallel`` x the
    trained context) sizes the placement and the fit; the remaining keywords
    are :func:`memory_report`'s (``parallel`` = llama-server ``-np``).  Raises InputError when
    the configuration does not fit (field ``model``, saying what is short).
    """
    custom_shape = {k: more.pop(k) for k in list(more) if k in _SHAPE_KEYS}
    st = resolve(**_config(dict(model=model, quant=quant, hardware=hardware, gpus=gpus, ctx=ctx or 4096,
                                gpu_layers=gpu_layers, kv_type=kv_type, flash_attn=flash_attn, **more),
                           custom_shape))
    _, p, fit, split = _resolved_run(st)
    if not fit["fits"]:
        raise InputError("model", model, f"a model, quant and context that fit {st.hw.name}",
                         reason=_fits_reason(fit, st.hw.unified))
    return _speed(st, p, split)


_SHAPE_KEYS = ("n_layers", "hidden_size", "ffn_size", "n_heads", "n_kv_heads", "head_dim", "vocab_size",
               "tied_embeddings", "max_ctx", "n_experts", "n_experts_used", "arch", "qkv_bias")


def speed_report(model: str = "llama-3-8b", quant: str = "Q4_K_M", hardware: str | None = None,
                 gpus: int = 1, batch: int = 1, depth: int = 0, ctx: int | None = None,
                 gpu_layers: int | None = None, kv_type: str = "f16", flash_attn: str = "auto",
                 vram_gib: float | None = None, ram_gib: float | None = None, threads: int | None = None,
                 threads_batch: int | None = None, imatrix: bool | None = None, params: float | None = None,
                 tensor_split: str | Sequence[float] | None = None, device_memory_gib: float | None = None,
                 device_bandwidth_gbs: float | None = None, device_tflops: float | None = None,
                 **custom_shape: Any) -> dict:
    """Decode and prefill speed of *batch* sequences decoding together at *depth* cached tokens each.

    Keys: ``decode_tokens_per_s`` (aggregate over the batch),
    ``per_sequence_tokens_per_s``, ``single_sequence_tokens_per_s`` (batch
    of one at the same depth), ``prefill_tokens_per_s`` (a 512-token
    micro-batch at *depth*), ``step_seconds`` (one decode step of the batch),
    ``prefill_seconds_per_sequence`` (reading a *depth*-token prompt),
    ``device_seconds`` (the step per device), ``fits``/``fits_reason``,
    ``gpu_layers``, ``llama_cpp_build``.  *ctx* (total KV cells, llama-server
    ``-c``) defaults to batch x (depth + 1); speeds are None when it does
    not fit.
    """
    kw = dict(model=model, quant=quant, hardware=hardware, gpus=gpus, gpu_layers=gpu_layers, kv_type=kv_type,
              flash_attn=flash_attn, vram_gib=vram_gib, ram_gib=ram_gib, threads=threads,
              threads_batch=threads_batch, imatrix=imatrix, params=params, tensor_split=tensor_split,
              device_memory_gib=device_memory_gib, device_bandwidth_gbs=device_bandwidth_gbs,
              device_tflops=device_tflops)
    st, batch, depth = _speed_setup(kw, custom_shape, batch, depth, ctx)
    st = replace(st, parallel=batch)  # each sequence is a slot (sliding-window caches hold one window each)
    fit_result, p, fit, split = _resolved_run(st)
    out = {"model": st.shape.name, "display_name": st.shape.display_name, "quant": st.quant,
           "hardware": st.hw.name, "hardware_display": st.hw.display_name, "gpus": st.gpus,
           "batch": batch, "depth": depth, "kv_cells": fit_result.ctx, "kv_type": st.kv_type,
           "flash_attn": st.flash_attn, "gpu_layers": fit_result.gpu_layers, "n_layers": st.shape.n_layers,
           "fits": fit["fits"], "fits_reason": _fits_reason(fit, st.hw.unified),
           "llama_cpp_build": st.hw.calibration, "speed_note": None if fit["fits"] else NO_SPEED}
    keys = ("decode_tokens_per_s", "per_sequence_tokens_per_s", "single_sequence_tokens_per_s",
            "prefill_tokens_per_s", "step_seconds", "prefill_seconds_per_sequence", "device_seconds")
    if not fit["fits"]:
        return {**out, **dict.fromkeys(keys)}
    sm = _speed(st, p, split)
    step = sm.step_seconds([depth] * batch)
    load_devices = sm.device_seconds([depth] * batch)
    return {**out, "decode_tokens_per_s": batch / step, "per_sequence_tokens_per_s": 1.0 / step,
            "single_sequence_tokens_per_s": sm.decode_tokens_per_s(depth),
            "prefill_tokens_per_s": sm.prefill_tokens_per_s(depth, PP_TOKENS), "step_seconds": step,
            "prefill_seconds_per_sequence": sm.prompt_seconds(depth) if depth else 0.0,
            "device_seconds": load_devices}


def batched_decode_tokens_per_s(n_slots: int = 1, model: str = "llama-3-8b", quant: str = "Q4_K_M",
                                hardware: str | None = None, gpu_layers: int | None = 0, ctx: int = 0,
                                kv_type: str = "f16", threads: int | None = None,
                                imatrix: bool | None = None, params: float | None = None,
                                **custom_shape: Any) -> float:
    """Aggregate decode tokens/s when *n_slots* sequences generate together, *ctx* tokens cached each.

    The float-valued form of :func:`speed_report` (``decode_tokens_per_s``
    with ``batch=n_slots, depth=ctx``); raises InputError when the
    configuration does not fit.
    """
    try:
        n = PARAMS["batch"].parse(n_slots)
    except InputError as err:
        raise err.at(field="n_slots") from None
    r = speed_report(model=model, quant=quant, hardware=hardware, gpu_layers=gpu_layers, batch=n, depth=ctx,
                     kv_type=kv_type, threads=threads, imatrix=imatrix, params=params, **custom_shape)
    if not r["fits"]:
        raise InputError("model", model, f"a configuration that fits {r['hardware']}", reason=r["fits_reason"])
    return r["decode_tokens_per_s"]


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
    """Hardware presets (memory, bandwidth, compute, cores, calibration)."""
    return _list_hardware()


def kv_cache_report(model: str = "llama-3-8b", ctx: int = 4096, kv_type: str = "f16",
                    params: float | None = None, **custom_shape: Any) -> dict:
    """KV cache size alone: bytes per token, for *ctx* tokens, and the layer kinds behind it."""
    shape = build_shape(PARAMS["model"].parse(model), params=PARAMS["params"].parse(params), **custom_shape)
    ctx = PARAMS["ctx"].with_(optional=False, high=shape.max_ctx,
                              unit=f"tokens, {shape.display_name} max context").parse(ctx)
    kv_type = PARAMS["kv_type"].parse(str(kv_type).lower() if isinstance(kv_type, str) else kv_type)
    cells = pad(ctx)
    swa = [i for i in range(shape.n_layers) if shape.swa_in_llama_cpp and shape.is_swa_layer(i)]
    k, v = shape.kv_elements_per_token_layer
    return {"model": shape.name, "ctx": ctx, "kv_cells": cells, "kv_type": kv_type,
            "kv_cache_bytes_per_token": kv_cache_bytes_per_token(shape, kv_type),
            "kv_cache_bytes": kv_cache_bytes(shape, cells, kv_type),
            "k_elements_per_token_layer": k, "v_elements_per_token_layer": v,
            "mla_latent_dim": shape.mla_latent_dim, "sliding_window": shape.sliding_window,
            "swa_layers": len(swa), "swa_cells": kv_cells(shape, swa[0], cells) if swa else None,
            "active_params": count_active_params(shape)}


__all__ = [
    "PP_TOKENS", "batched_decode_tokens_per_s", "compare_quants", "kv_cache_report", "list_hardware",
    "list_models", "list_quants", "memory_report", "quant_report", "speed_model", "speed_report",
]
