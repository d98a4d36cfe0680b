"""Batched speed against published micro-batch sweeps, and the fidelity table the site can plot.

The sweep table lives in inferlab.llamacpp.published (the site prints a fidelity
figure from it); it is repeated here so that an edit to either shows up.
"""

import math

import pytest

from inferlab.catalog.hardware import get_hardware
from inferlab.llamacpp.fidelity import predict
from inferlab.llamacpp.published import BATCH_SWEEPS, fidelity_rows

GH = "https://github.com/ggml-org/llama.cpp/pull/"
# (hardware, quant, ubatch, depth, measured tokens/s, source).  llama-bench pp512 with -ub n: a batch
# of n tokens per step.  Llama 3 8B ("llama 8B" in the tables).
SWEEPS = [
    *[("rtx-3090", "Q4_0", n, 0, v, GH + "15802") for n, v in zip(
        range(1, 9), (156.56, 279.89, 390.96, 470.48, 509.70, 541.57, 559.30, 583.77))],
    *[("rtx-3090", "Q4_0", n, 32768, v, GH + "17505") for n, v in zip(
        (2, 4, 8, 16, 32, 64, 128, 256, 512),
        (160.48, 293.48, 429.51, 844.62, 1184.30, 1491.70, 1612.42, 1716.96, 1470.93))],
    ("rtx-4090", "Q4_0", 1, 32768, 98.14, GH + "17505"),
    *[("rtx-4090", "Q4_0", n, 0, v, GH + "15131") for n, v in zip(
        range(10, 17), (1216.63, 1340.94, 1460.17, 1564.21, 1684.51, 1785.59, 1930.50))],
    *[("rtx-4090", "IQ4_NL", n, 0, v, GH + "24127") for n, v in zip(
        (16, 32, 64, 128, 256, 512), (2053.32, 3560.07, 6535.71, 8716.91, 11059.23, 12352.26))],
    *[("rtx-5090", "Q4_0", n, 32768, v, GH + "17891") for n, v in zip(
        (1, 2, 4, 8), (165.94, 269.26, 486.58, 810.03))],
]


def test_table_matches_core_module():
    core = [(r.hardware, r.quant, r.ubatch, r.depth, r.measured, r.source) for r in BATCH_SWEEPS]
    assert core == SWEEPS
    assert all(r.model == "llama-3-8b" and r.kind == "pp" and r.tokens == 512 and r.build for r in BATCH_SWEEPS)


@pytest.mark.parametrize("row", BATCH_SWEEPS, ids=lambda r: f"{r.hardware}-{r.quant}-ub{r.ubatch}-d{r.depth}")
def test_batched_speed_within_30_percent(row):
    assert row.era >= get_hardware(row.hardware).calibration_era  # same build era as the calibration
    pred = predict(row)
    assert abs(pred - row.measured) / row.measured < 0.30, (row.source, pred, row.measured)


@pytest.mark.parametrize("hardware", ["rtx-3090", "rtx-4090"])
def test_two_gpus_cover_batches_1_to_512(hardware):
    sizes = {r.ubatch for r in BATCH_SWEEPS if r.hardware == hardware}
    assert min(sizes) == 1 and max(sizes) == 512 and len(sizes) >= 8


def test_fidelity_rows_are_plottable():
    rows = fidelity_rows()
    assert len(rows) == len({(r["hardware"], r["gpus"], r["model"], r["quant"], r["kind"], r["tokens"],
                              r["ubatch"], r["depth"], r["source"]) for r in rows})
    for r in rows:
        assert r["source"].startswith("https://") and r["build"] and 2023 <= r["era"] <= 2026
        assert math.isfinite(r["predicted"]) and r["predicted"] > 0
        assert r["error"] == pytest.approx((r["predicted"] - r["measured"]) / r["measured"])


def test_the_widgets_fidelity_lines_are_the_tests_figures() -> None:
    from inferlab.llamacpp.published import GGUF_FILES, gguf_errors
    from inferlab.llamacpp.speed_widget import fidelity as speed_fidelity, speed_rows
    from inferlab.llamacpp.widget import fidelity as quant_fidelity

    errors = gguf_errors()
    assert len(errors) == len(GGUF_FILES) and max(map(abs, errors)) < 0.02  # the bound test_gguf_file holds each to
    assert f"within {max(map(abs, errors)):.2%} of {len(GGUF_FILES)} published files" in quant_fidelity()
    rows = speed_rows()
    assert all(abs(r["error"]) < 0.30 for r in rows)
    assert f"within ±{max(abs(r['error']) for r in rows):.0%} of {len(rows)} published" in speed_fidelity()
