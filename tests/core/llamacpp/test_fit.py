"""Auto-fit (llama.cpp --fit): the largest -ngl and context that leave 1 GiB free per GPU."""

import pytest

from inferlab.inputs import InputError
from inferlab.llamacpp.calculator import memory_report
from inferlab.llamacpp.fit import FIT_MARGIN_BYTES, FIT_MIN_CTX
from inferlab.units import GiB

RESERVED = 512 * 2**20


def test_fit_constants_are_llama_cpps():
    # common/common.h: fit_params_target = 1024 MiB per device, fit_params_min_ctx = 4096
    assert (FIT_MARGIN_BYTES, FIT_MIN_CTX) == (1024 * 2**20, 4096)


def test_gpu_named_means_auto_fit_and_everything_fits_when_it_can():
    r = memory_report(model="llama-3-8b", quant="Q4_K_M", hardware="rtx-4090")
    assert r["gpu_layers_setting"] == "auto-fit" and r["gpu_layers"] == 33 and r["fits"]


def test_70b_on_one_24gb_gpu_offloads_what_fits():
    r = memory_report(model="llama-3-70b", quant="Q4_K_M", hardware="rtx-4090", ctx=8192)
    assert r["fits"] and 20 < r["gpu_layers"] < 81
    gpu = r["devices"][1]
    assert gpu["total_bytes"] <= 24 * GiB - RESERVED - FIT_MARGIN_BYTES
    more = memory_report(model="llama-3-70b", quant="Q4_K_M", hardware="rtx-4090", ctx=8192,
                         gpu_layers=r["gpu_layers"] + 1)
    assert more["devices"][1]["total_bytes"] > 24 * GiB - RESERVED - FIT_MARGIN_BYTES  # the fit is maximal


def test_70b_q4_k_m_on_two_24gb_gpus():
    r = memory_report(model="llama-3-70b", quant="Q4_K_M", hardware="rtx-4090", gpus=2, ctx=8192)
    assert r["fits"] and r["gpu_layers"] == 81 and r["layers_per_gpu"] == [41, 40]
    assert all(d["total_bytes"] <= 24 * GiB - RESERVED - FIT_MARGIN_BYTES for d in r["devices"][1:])
    assert r["decode_tokens_per_s"] > 0


def test_user_ngl_is_kept_and_reported_as_not_fitting():
    r = memory_report(model="llama-3-70b", quant="Q4_K_M", hardware="rtx-4090", gpu_layers=99)
    assert r["gpu_layers_setting"] == 81 and not r["fits"]
    assert r["decode_tokens_per_s"] is None and "does not fit" in r["fits_reason"]


def test_unset_context_shrinks_to_what_fits_in_256_steps():
    kw = dict(model="llama-3.1-8b", quant="Q8_0", hardware="rtx-4090", vram_gib=16)
    r = memory_report(ctx=None, **kw)
    assert r["gpu_layers"] == 33 and FIT_MIN_CTX <= r["ctx"] < 131072 and r["ctx"] % 256 == 0
    assert r["fits"] and r["devices"][1]["total_bytes"] <= 16 * GiB - RESERVED - FIT_MARGIN_BYTES
    bigger = memory_report(ctx=r["ctx"] + 256, gpu_layers=33, **kw)
    assert bigger["devices"][1]["total_bytes"] > 16 * GiB - RESERVED - FIT_MARGIN_BYTES


def test_cpu_only_unset_context_fits_ram():
    r = memory_report(model="llama-3.1-70b", quant="Q4_K_M", ctx=None, ram_gib=64)
    assert r["gpu_layers"] == 0 and FIT_MIN_CTX <= r["ctx"] < 131072


def test_vram_without_gpu_hardware_is_an_error():
    # "Will 70B Q4_K_M fit in 2x24 GB?" must not be answered on the CPU
    with pytest.raises(InputError) as info:
        memory_report(model="llama-3-70b", vram_gib=24)
    assert info.value.field == "vram_gib" and "GPU hardware" in str(info.value)
    with pytest.raises(InputError):
        memory_report(vram_gib=24, hardware="ddr5-desktop")


@pytest.mark.parametrize("kwargs,field", [
    ({"hardware": "ddr5-desktop", "gpus": 2}, "gpus"),
    ({"hardware": "m3-max", "gpus": 2}, "gpus"),
    ({"hardware": "rtx-4090", "gpus": 2, "tensor_split": "1"}, "tensor_split"),
    ({"hardware": "rtx-4090", "gpus": 2, "tensor_split": "1,x"}, "tensor_split"),
    ({"hardware": "rtx-4090", "gpus": 2, "tensor_split": "0,0"}, "tensor_split"),
    ({"hardware": "custom"}, "device_memory_gib"),
])
def test_multi_gpu_and_custom_device_errors(kwargs, field):
    with pytest.raises(InputError) as info:
        memory_report(**kwargs)
    assert info.value.field == field


def test_tensor_split_moves_layers():
    r = memory_report(model="llama-3-70b", quant="Q4_K_M", hardware="h100-sxm", gpus=2, gpu_layers=81,
                      tensor_split="3,1")
    assert r["layers_per_gpu"] == [61, 20]


def test_custom_device():
    r = memory_report(model="llama-3-8b", hardware="custom", device_memory_gib=12, device_bandwidth_gbs=400,
                      device_tflops=60)
    assert r["fits"] and r["hardware"] == "custom" and r["decode_tokens_per_s"] > 0
