"""Hardware presets: datasheet values, calibration provenance, the custom device."""

import pytest

from inferlab.catalog.hardware import (DEFAULT_HARDWARE, HARDWARE, custom_hardware, get_hardware,
                                       list_hardware)
from inferlab.inputs import InputError

REQUIRED = {"rtx-5090", "rtx-4090", "rtx-4080", "rtx-3090", "rtx-3060-12gb", "rtx-a6000", "l4", "l40s",
            "a100-80gb", "h100-pcie", "h100-sxm", "h200", "mi300x", "m2-max", "m3-max", "m4-max",
            "m2-ultra", "ddr5-desktop"}


@pytest.mark.parametrize("name", sorted(HARDWARE))
def test_presets_sane(name):
    h = get_hardware(name)
    assert 0 < h.cpu.decode_bw_eff <= 1 and 0 < h.cpu.prefill_eff <= 1
    if h.gpu:
        g = h.gpu
        assert 0 < g.decode_bw_eff <= 1 and 0 < g.vec_eff <= 1 and 0 < g.attn_eff <= 1
        # above 1 only where the quantized matmuls run on int8 tensor cores (2-4x the FP16 rate)
        assert 0 < g.prefill_eff <= 4
        assert g.vram_gib > 0 and g.bandwidth_gbs > h.cpu.bandwidth_gbs
        assert h.unified == (g.pcie_gbs is None)
    assert h.source.startswith("https://")
    assert h.calibration and 2023 <= h.calibration_era <= 2026


def test_required_presets_exist():
    assert REQUIRED <= set(HARDWARE)


@pytest.mark.parametrize("name,vram,bandwidth,tflops", [
    ("rtx-4090", 24, 1008, 165.2), ("rtx-3090", 24, 936, 71.0), ("rtx-5090", 32, 1792, 209.5),
    ("rtx-4080", 16, 716.8, 97.5), ("rtx-3060-12gb", 12, 360, 25.4), ("rtx-a6000", 48, 768, 154.8),
    ("l4", 24, 300, 121.0), ("l40s", 48, 864, 362.05), ("h100-sxm", 80, 3350, 989.5),
    ("h200", 141, 4800, 989.5), ("mi300x", 192, 5300, 1307.4), ("m2-ultra", 144, 800, 27.2),
])
def test_datasheet_numbers(name, vram, bandwidth, tflops):
    g = get_hardware(name).gpu
    assert (g.vram_gib, g.bandwidth_gbs, g.fp16_tflops) == (vram, bandwidth, tflops)


def test_cpu_bandwidth_from_channels():
    assert get_hardware("ddr5-desktop").cpu.bandwidth_gbs == pytest.approx(2 * 8 * 6400 / 1000)


def test_custom_device():
    h = custom_hardware(20, 500, 80)
    assert (h.gpu.vram_gib, h.gpu.bandwidth_gbs, h.gpu.fp16_tflops) == (20, 500, 80)
    assert "not measured" in h.calibration
    with pytest.raises(InputError) as info:
        custom_hardware(0, 500, 80)
    assert info.value.field == "device_memory_gib"


def test_default_and_errors():
    assert get_hardware(None).name == DEFAULT_HARDWARE
    with pytest.raises(InputError, match="^hardware: .*allowed: rtx-4090"):
        get_hardware("tpu-v5")
    assert len(list_hardware()) == len(HARDWARE)
