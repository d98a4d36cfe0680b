"""Compute buffers against real ``llama_context: ... compute buffer size`` lines (cited per row)."""

import pytest

from inferlab.catalog.models import build_shape, get_preset
from inferlab.llamacpp.compute_buffers import buffer_parts, compute_buffer_bytes, cpu_only_buffer
from inferlab.llamacpp.gguf_file import quantize_tensors
from inferlab.llamacpp.kv_cache import pad
from inferlab.llamacpp.placement import place
from inferlab.llamacpp.published import BUFFER_LOGS

MIB = 2**20
# The logs in inferlab.llamacpp.published, repeated here so an edit to either shows up:
# (source, n_ctx, n_ubatch, flash attention, device MiB, host MiB)
LOGS = [
    ("https://github.com/fedora-copr/logdetective/pull/106", 2048, 512, False, 164.00, 12.01),
    ("https://github.com/fedora-copr/logdetective/pull/106", 32768, 512, False, 2144.00, 72.01),
    ("https://github.com/SciSharp/LLamaSharp/issues/1099", 4096, 512, False, 300.75, 12.01),
    ("https://github.com/mozilla-ai/llamafile/pull/552", 512, 512, False, 105.00, None),
    ("https://github.com/ggml-org/llama.cpp/issues/10664", 8192, 8192, True, 4786.94, 304.09),
]


def test_table_matches_core_module():
    assert [(b.source, b.n_ctx, b.n_ubatch, b.flash_attn, b.device_mib, b.host_mib) for b in BUFFER_LOGS] == LOGS
    assert len({b.source for b in BUFFER_LOGS}) >= 4  # at least three independent load logs


@pytest.mark.parametrize("log", BUFFER_LOGS, ids=lambda b: f"{b.source.rsplit('/', 3)[-3]}-{b.n_ctx}")
def test_within_15_percent_of_real_load_logs(log):
    shape = build_shape(log.model, **dict(log.overrides))
    device, host = compute_buffer_bytes(shape, pad(log.n_ctx), log.flash_attn, log.n_ubatch)
    assert device / MIB == pytest.approx(log.device_mib, rel=0.15), (log.what, device / MIB)
    if log.host_mib is not None:
        assert host / MIB == pytest.approx(log.host_mib, rel=0.15), (log.what, host / MIB)


def test_logits_buffer_dominates_short_contexts():
    # Llama 3 8B at n_ctx 512: 128,256 x 512 x 4 bytes of logits + their 4096-wide input = 258.5 MiB
    s = get_preset("llama-3-8b")
    device, host = compute_buffer_bytes(s, 512, flash_attn=False)
    assert device == 4 * 512 * (128256 + 4096) and device / MIB == 258.5
    assert host / MIB == 9.0
    assert cpu_only_buffer(s, 512, flash_attn=False) == device


def test_flash_attention_drops_the_kq_scores():
    s = get_preset("llama-3-8b")
    off = buffer_parts(s, 32768, flash_attn=False)
    on = buffer_parts(s, 32768, flash_attn=True)
    assert off.attention - on.attention == 4 * 32768 * 512 * 32 + 4 * 32768 * 512
    assert on.mask_f16 == 2 * 32768 * 512
    assert compute_buffer_bytes(s, 32768, True)[0] < compute_buffer_bytes(s, 32768, False)[0]


def test_placement_reserves_the_buffers_per_device():
    s = get_preset("llama-3-70b")
    ts = quantize_tensors(s, "Q4_K_M")
    parts = buffer_parts(s, 4096, flash_attn=True)
    p = place(s, ts, 4096, "f16", 81, True, flash_attn=True, n_gpus=2)
    a, b = p.gpus
    assert b.compute > a.compute > 0           # the GPU with the output layer holds the logits
    assert p.cpu.compute == parts.inputs        # the host holds the graph inputs
    partial = place(s, ts, 4096, "f16", 40, True, flash_attn=True)
    biggest_ram_matrix = max(t.nbytes for t in ts if t.spec.layer >= 0 and t.spec.quantizable)
    assert partial.gpus[0].compute >= biggest_ram_matrix  # room for offloading RAM matrices
