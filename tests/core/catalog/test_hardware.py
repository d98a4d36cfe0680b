"""Hardware presets: datasheet values and efficiency sanity."""

import pytest

from inferlab.catalog.hardware import DEFAULT_HARDWARE, HARDWARE, get_hardware, list_hardware


@pytest.mark.parametrize("name", sorted(HARDWARE))
def test_presets_sane(name):
    h = get_hardware(name)
    assert 0 < h.cpu.decode_bw_eff <= 1 and 0 < h.cpu.prefill_eff <= 1
    if h.gpu:
        assert 0 < h.gpu.decode_bw_eff <= 1 and 0 < h.gpu.prefill_eff <= 1
        assert h.gpu.vram_gib > 0 and h.gpu.bandwidth_gbs > h.cpu.bandwidth_gbs
        assert h.unified == (h.gpu.pcie_gbs is None)
    assert h.source.startswith("https://")


def test_datasheet_bandwidths():
    assert get_hardware("rtx-4090").gpu.bandwidth_gbs == 1008
    assert get_hardware("rtx-3090").gpu.bandwidth_gbs == 936
    assert get_hardware("m2-ultra").gpu.bandwidth_gbs == 800
    assert get_hardware("ddr5-desktop").cpu.bandwidth_gbs == pytest.approx(2 * 8 * 6400 / 1000)


def test_default_and_errors():
    assert get_hardware(None).name == DEFAULT_HARDWARE
    with pytest.raises(ValueError, match="^hardware: .*allowed: rtx-4090"):
        get_hardware("tpu-v5")
    assert len(list_hardware()) == len(HARDWARE)
