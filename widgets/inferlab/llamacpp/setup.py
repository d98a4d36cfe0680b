"""Validated inputs of one calculator call, and what they resolve to.

:func:`resolve` checks every input against its declaration in
:mod:`.params` (one InputError naming the field, the value and what is
allowed), then settles the choices llama.cpp would make: the hardware
(``None`` -> CPU only, or an RTX 4090 when layers are offloaded), flash
attention (``auto`` -> on: every backend modelled here runs
``FLASH_ATTN_EXT`` for these head sizes), and -- when ``gpu_layers`` is
None on a GPU machine -- the auto-fit of :mod:`.fit`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inferlab.catalog.hardware import (GPU_RESERVED_BYTES, RAM_RESERVED_BYTES, Hardware,
                                       custom_hardware, get_hardware)
from inferlab.catalog.models import ModelShape, build_shape, count_active_params
from inferlab.inputs import InputError
from inferlab.llamacpp.fit import FIT_MARGIN_BYTES, FitResult, auto_fit
from inferlab.llamacpp.gguf_file import file_summary, quantize_tensors
from inferlab.llamacpp.kv_cache import pad
from inferlab.llamacpp.params import PARAMS
from inferlab.llamacpp.placement import Placement, fit_check, place
from inferlab.llamacpp.quant_recipes import get_file_type
from inferlab.llamacpp.speed import SpeedModel, build_speed_model, thread_advice
from inferlab.units import GiB

#: Preset used when ``hardware`` is None but GPU layers are requested.
DEFAULT_GPU_HARDWARE = "rtx-4090"


@functools.lru_cache(maxsize=256)
def tensors(shape: ModelShape, quant: str, imatrix: bool | None) -> tuple:
    """Every tensor of *shape* quantized as *quant* (cached: shapes and names are hashable)."""
    return tuple(quantize_tensors(shape, quant, imatrix))


@functools.lru_cache(maxsize=256)
def summary(shape: ModelShape, quant: str, imatrix: bool | None) -> dict:
    """The GGUF file summary of *shape* at *quant* (cached)."""
    return file_summary(shape, quant, imatrix, tensors=list(tensors(shape, quant, imatrix)))


def parse_tensor_split(value: str | Iterable[float] | None, gpus: int) -> tuple[float, ...] | None:
    """``"3,1"`` or ``[3, 1]`` -> shares per GPU; InputError unless *gpus* non-negative numbers summing above 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    allowed = f"{gpus} non-negative numbers separated by commas, not all zero (one per GPU)"
    items = value.split(",") if isinstance(value, str) else value
    try:
        shares = tuple(float(x) for x in items)
    except (TypeError, ValueError):
        raise InputError("tensor_split", value, allowed) from None
    if len(shares) != gpus or any(not s >= 0 or s == float("inf") for s in shares) or not sum(shares) > 0:
        raise InputError("tensor_split", value, allowed)
    return shares


@dataclass(frozen=True)
class Setup:
    """Resolved inputs: shape, file type, hardware, limits and the llama.cpp settings."""

    shape: ModelShape
    quant: str | None
    imatrix: bool | None
    kv_type: str
    flash_attn: bool
    flash_attn_input: str
    hw: Hardware
    gpus: int
    parallel: int
    tensor_split: tuple[float, ...] | None
    ctx_request: int | None
    gpu_layers_request: int | None
    vram_limit: int | None
    ram_limit: int
    threads: int
    threads_batch: int
    advice: dict
    active: int

    @property
    def has_gpu(self) -> bool:
        return self.hw.gpu is not None

    def tensors(self, quant: str | None = None) -> list:
        return list(tensors(self.shape, quant or self.quant, self.imatrix))

    def placement(self, gpu_layers: int, ctx_cells: int, split: Sequence[float] | None = None,
                  quant: str | None = None) -> Placement:
        split = split if split is not None else self.tensor_split
        return place(self.shape, self.tensors(quant), ctx_cells, self.kv_type, gpu_layers, self.has_gpu,
                     self.flash_attn, self.gpus, list(split) if split else None, self.parallel)

    def check(self, p: Placement) -> dict:
        return fit_check(p, self.vram_limit if self.has_gpu else None, self.ram_limit, self.hw.unified,
                         GPU_RESERVED_BYTES, RAM_RESERVED_BYTES)

    def fit(self, quant: str | None = None) -> FitResult:
        """``-ngl`` and context: the user's, or what llama.cpp's ``--fit`` picks."""
        max_ctx = self.shape.max_ctx
        if not self.has_gpu:
            ctx = self.ctx_request if self.ctx_request is not None else self._cpu_ctx(quant)
            return FitResult(0, pad(ctx), (), ("no GPU: every layer on the CPU",))
        assert self.vram_limit is not None  # resolve() sets it whenever the hardware has a GPU
        free = self.vram_limit - GPU_RESERVED_BYTES

        def trial(ngl: int, cells: int, split: Sequence[float] | None) -> Placement:
            return self.placement(ngl, cells, split, quant)

        return auto_fit(trial, self.shape.n_layers, self.gpus, free, self.ctx_request, max_ctx,
                        self.gpu_layers_request)

    def _cpu_ctx(self, quant: str | None) -> int:
        """llama.cpp's fit without a GPU: the trained context, shrunk (not below 4096) to fit RAM."""
        def ok(cells: int) -> bool:
            return self.check(self.placement(0, cells, None, quant))["ram_headroom_bytes"] >= FIT_MARGIN_BYTES
        lo, hi = min(4096, self.shape.max_ctx), self.shape.max_ctx
        if ok(hi) or not ok(lo):
            return hi if ok(hi) else lo
        while hi - lo > 256:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if ok(mid) else (lo, mid)
        return lo

    def max_ctx_that_fits(self, gpu_layers: int, quant: str | None = None) -> int:
        """Largest context (tokens) that fits with *gpu_layers*; 0 if not even one token does."""
        def ok(n: int) -> bool:
            return self.check(self.placement(gpu_layers, pad(n), None, quant))["fits"]
        lo, hi = 0, self.shape.max_ctx
        if ok(hi):
            return hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if ok(mid) else (lo, mid)
        return lo

    def speed_model(self, p: Placement, quant: str | None = None,
                    split: Sequence[float] | None = None) -> SpeedModel:
        split = split if split is not None else self.tensor_split
        return build_speed_model(self.shape, self.tensors(quant), p, self.hw, self.kv_type, self.threads,
                                 self.threads_batch, self.gpus, list(split) if split else None)


def _hardware(hardware: str | None, gpu_layers: int | None, device: dict[str, Any]) -> Hardware:
    name = PARAMS["hardware"].parse(hardware)
    if name == "custom":
        missing = [k for k, v in device.items() if v is None]
        if missing:
            raise InputError(missing[0], None, "a positive number when hardware is 'custom'",
                             reason="is missing")
        return custom_hardware(device["device_memory_gib"], device["device_bandwidth_gbs"],
                               device["device_tflops"])
    if name is None:
        return get_hardware(DEFAULT_GPU_HARDWARE if gpu_layers else None)
    return get_hardware(name)


def resolve(*, model: str = "llama-3-8b", quant: str | None = "Q4_K_M", ctx: int | None = 4096,
            kv_type: str = "f16", gpu_layers: int | None = None, vram_gib: float | None = None,
            ram_gib: float | None = None, hardware: str | None = None, threads: int | None = None,
            threads_batch: int | None = None, imatrix: bool | None = None, params: float | None = None,
            gpus: int = 1, tensor_split: str | Iterable[float] | None = None, flash_attn: str = "auto",
            device_memory_gib: float | None = None, device_bandwidth_gbs: float | None = None,
            device_tflops: float | None = None, parallel: int = 1,
            custom_shape: Mapping[str, Any] | None = None) -> Setup:
    """Validate every input and settle llama.cpp's defaults (see the module docstring)."""
    model = PARAMS["model"].parse(model)
    params = PARAMS["params"].parse(params)
    shape = build_shape(model, params=params, **(custom_shape or {}))
    ft = get_file_type(PARAMS["quant"].parse(quant)).name if quant is not None else None
    imatrix = PARAMS["imatrix"].parse(imatrix)
    n_seq = PARAMS["parallel"].parse(parallel)
    limit = f"tokens, {shape.display_name} max context" + (f" x {n_seq} slots" if n_seq > 1 else "")
    ctx = PARAMS["ctx"].with_(high=shape.max_ctx * n_seq, unit=limit).parse(ctx)
    kv_type = PARAMS["kv_type"].parse(str(kv_type).lower() if isinstance(kv_type, str) else kv_type)
    fa_input = PARAMS["flash_attn"].parse(flash_attn)
    flash = fa_input != "off"
    if not flash and kv_type not in ("f16", "f32", "bf16"):
        raise InputError("kv_type", kv_type, "f16, f32 or bf16 with flash_attn off (llama.cpp: a quantized "
                         "V cache requires flash attention)", reason="needs flash attention")
    gpu_layers = PARAMS["gpu_layers"].parse(gpu_layers)
    device = {k: PARAMS[k].parse(v) for k, v in (("device_memory_gib", device_memory_gib),
                                                  ("device_bandwidth_gbs", device_bandwidth_gbs),
                                                  ("device_tflops", device_tflops))}
    vram = PARAMS["vram_gib"].parse(vram_gib)
    ram = PARAMS["ram_gib"].parse(ram_gib)
    hw = _hardware(hardware, gpu_layers, device)
    if vram is not None and (hardware is None or hw.gpu is None):
        raise InputError("vram_gib", vram_gib, "only with a GPU hardware named (hardware=...)",
                         reason="needs a GPU hardware")
    if gpu_layers and hw.gpu is None:
        raise InputError("gpu_layers", gpu_layers, f"0 (hardware {hw.name!r} has no GPU)")
    n_gpus = PARAMS["gpus"].parse(gpus)
    if n_gpus > 1 and (hw.gpu is None or hw.unified):
        raise InputError("gpus", n_gpus, f"1 (hardware {hw.name!r} has "
                         f"{'one integrated GPU' if hw.unified else 'no GPU'})")
    split = parse_tensor_split(tensor_split, n_gpus)
    if gpu_layers is not None:
        gpu_layers = min(gpu_layers, shape.n_layers + 1)
    vram_limit = int((vram if vram is not None else hw.gpu.vram_gib) * GiB) if hw.gpu else None
    ram_limit = int((ram if ram is not None else hw.cpu.ram_gib) * GiB)
    advice = thread_advice(hw)
    t = PARAMS["threads"].parse(threads)
    tb = PARAMS["threads_batch"].parse(threads_batch)
    return Setup(shape=shape, quant=ft, imatrix=imatrix, kv_type=kv_type, flash_attn=flash,
                 flash_attn_input=fa_input, hw=hw, gpus=n_gpus, parallel=n_seq, tensor_split=split, ctx_request=ctx,
                 gpu_layers_request=gpu_layers, vram_limit=vram_limit, ram_limit=ram_limit,
                 threads=advice["threads"] if t is None else t,
                 threads_batch=advice["threads_batch"] if tb is None else tb, advice=advice,
                 active=count_active_params(shape))


__all__ = ["DEFAULT_GPU_HARDWARE", "Setup", "parse_tensor_split", "resolve", "summary", "tensors"]
