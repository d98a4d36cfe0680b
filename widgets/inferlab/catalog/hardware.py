"""Hardware presets by name, the user-described custom GPU, and listing.

The device dataclasses live in :mod:`.devices`, the cited preset table in
:mod:`.hardware_presets`; this module is where callers look hardware up.
"""

from __future__ import annotations

from dataclasses import replace

from inferlab.catalog.devices import (GPU_RESERVED_BYTES, RAM_RESERVED_BYTES, CpuSpec, GpuSpec,
                                      Hardware)
from inferlab.catalog.hardware_presets import DEFAULT_HARDWARE, HARDWARE
from inferlab.inputs import check_choice, check_number


def custom_hardware(memory_gib: float, bandwidth_gbs: float, tflops: float,
                    host: CpuSpec | None = None) -> Hardware:
    """A user-described discrete GPU: memory (GiB), bandwidth (GB/s), FP16 dense peak (TFLOP/s).

    Its efficiency factors are those of the ``rtx-4080`` preset (an Ada card
    calibrated on XiongjieDai's May 2024 runs), the middle of the calibrated
    discrete GPUs; the result says so in ``calibration``.
    """
    mem = check_number("device_memory_gib", memory_gib, 0, 100_000, low_open=True, hint=" (GiB)")
    bw = check_number("device_bandwidth_gbs", bandwidth_gbs, 0, 100_000, low_open=True, hint=" (GB/s)")
    fl = check_number("device_tflops", tflops, 0, 100_000, low_open=True, hint=" (TFLOP/s)")
    ref = HARDWARE["rtx-4080"]
    assert ref.gpu is not None  # the rtx-4080 preset is a discrete GPU
    gpu = replace(ref.gpu, name=f"custom GPU ({mem:g} GiB, {bw:g} GB/s, {fl:g} TFLOP/s)",
                  vram_gib=mem, bandwidth_gbs=bw, fp16_tflops=fl)
    return Hardware("custom", f"Custom GPU: {mem:g} GiB, {bw:g} GB/s, {fl:g} TFLOP/s + desktop host",
                    cpu=host or ref.cpu, gpu=gpu, source="user input",
                    calibration="efficiency factors of rtx-4080 (not measured on this device)")


def hardware_names() -> list[str]:
    """Preset names in table order (the ``hardware`` input's choices, without ``custom``)."""
    return list(HARDWARE)


def get_hardware(name: str | None) -> Hardware:
    """Preset by name (case-insensitive); None gives ``DEFAULT_HARDWARE``."""
    key = DEFAULT_HARDWARE if name is None else str(name).lower()
    check_choice("hardware", key, list(HARDWARE))
    return HARDWARE[key]


def list_hardware() -> list[dict]:
    """Every preset as a flat plain dict (what ``inferlab hardware`` prints)."""
    rows = []
    for h in HARDWARE.values():
        g = h.gpu
        rows.append({
            "name": h.name, "display_name": h.display_name, "unified_memory": h.unified,
            "gpu": g.name if g else None, "vram_gib": g.vram_gib if g else 0,
            "gpu_bandwidth_gbs": g.bandwidth_gbs if g else None,
            "gpu_fp16_tflops": g.fp16_tflops if g else None,
            "cpu": h.cpu.name, "ram_gib": h.cpu.ram_gib,
            "cpu_bandwidth_gbs": h.cpu.bandwidth_gbs, "perf_cores": h.cpu.perf_cores,
            "hw_threads": h.cpu.hw_threads, "source": h.source, "calibration": h.calibration,
        })
    return rows


__all__ = ["CpuSpec", "DEFAULT_HARDWARE", "GPU_RESERVED_BYTES", "GpuSpec", "HARDWARE", "Hardware",
           "RAM_RESERVED_BYTES", "custom_hardware", "get_hardware", "hardware_names", "list_hardware"]
