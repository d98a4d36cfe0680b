"""Published llama.cpp measurements the model is held to (and the site can plot).

Every row cites where it was published and the llama.cpp build (or date)
it belongs to.  The tests in tests/core/llamacpp compare the model with
each row; :func:`fidelity_rows` gives the same comparison as data for a
fidelity figure.

Kinds of speed rows (tokens/s):

``tg``    single-sequence generation (llama-bench tg N: mean depth N/2);
``pp``    prompt processing of one sequence in micro-batches of ``ubatch``
          tokens (llama-bench ``pp512 -ub U``, ``@dD`` = D tokens cached
          first).  ``pp512 -ub 1..8`` is the speed of a batch of 1..8 tokens.
``mm``    llama-bench pp with ``-ub n``, used as the micro-batch sweep:
          aggregate tokens/s of a batch of n tokens (here, one prompt).
"""

from __future__ import annotations

from dataclasses import dataclass

GH = "https://github.com/ggml-org/llama.cpp/"
XD = "https://github.com/XiongjieDai/GPU-Benchmarks-on-LLM-Inference"


@dataclass(frozen=True)
class SpeedRow:
    """One published speed: *measured* tokens/s of ``kind`` on ``hardware`` x ``gpus``."""

    hardware: str
    model: str
    quant: str
    kind: str            # "tg" or "pp"
    tokens: int          # tg: tokens generated; pp: prompt length
    measured: float      # tokens/s
    source: str
    build: str
    ubatch: int = 512
    depth: int = 0
    gpus: int = 1
    era: int = 0         # year of the build (compared with the preset's calibration_era)


def _sweep(hardware, model, quant, ubatches, values, source, build, era, depth=0, tokens=512):
    return tuple(SpeedRow(hardware, model, quant, "pp", tokens, v, source, build, ubatch=u, depth=depth, era=era)
                 for u, v in zip(ubatches, values))


# Micro-batch sweeps (llama-bench pp512 with -ub n): two GPUs over n = 1..512.  "Llama 8B" in
# JohannesGaessler's tables is Llama 3 8B.
BATCH_SWEEPS = (
    # RTX 3090, depth 0, ubatch 1-8: PR #15802 ("CUDA: fastdiv, launch bounds for mmvq + q8_1
    # quant"), column of the PR build, Sep 2025.
    *_sweep("rtx-3090", "llama-3-8b", "Q4_0", range(1, 9),
            (156.56, 279.89, 390.96, 470.48, 509.70, 541.57, 559.30, 583.77),
            GH + "pull/15802", "Sep 2025 (PR #15802)", 2025),
    # RTX 3090, depth 32768, ubatch 2-512: PR #17505 ("CUDA: generalized (mma) FA, add Volta
    # support"), master column, Nov 2025.
    *_sweep("rtx-3090", "llama-3-8b", "Q4_0", (2, 4, 8, 16, 32, 64, 128, 256, 512),
            (160.48, 293.48, 429.51, 844.62, 1184.30, 1491.70, 1612.42, 1716.96, 1470.93),
            GH + "pull/17505", "Nov 2025 (master before PR #17505)", 2025, depth=32768),
    # RTX 4090, depth 32768, ubatch 1: same table.
    SpeedRow("rtx-4090", "llama-3-8b", "Q4_0", "pp", 512, 98.14, GH + "pull/17505",
             "Nov 2025 (master before PR #17505)", ubatch=1, depth=32768, era=2025),
    # RTX 4090, depth 0, ubatch 10-16: PR #15131 ("CUDA: GEMM for FP32/FP16/BF16 and ne11 <= 16"),
    # PR column, Aug 2025.
    *_sweep("rtx-4090", "llama-3-8b", "Q4_0", range(10, 17),
            (1216.63, 1340.94, 1460.17, 1564.21, 1684.51, 1785.59, 1930.50),
            GH + "pull/15131", "Aug 2025 (PR #15131)", 2025),
    # RTX 4090, depth 0, ubatch 16-512: PR #24127 ("CUDA: refactor MMQ kernel configuration"),
    # first t/s column, 2026.
    *_sweep("rtx-4090", "llama-3-8b", "IQ4_NL", (16, 32, 64, 128, 256, 512),
            (2053.32, 3560.07, 6535.71, 8716.91, 11059.23, 12352.26),
            GH + "pull/24127", "2026 (master before PR #24127)", 2026),
    # RTX 5090, depth 32768, ubatch 1-8: PR #17891 ("CUDA: fix unpadded strides in MMA FA
    # kernel"), first t/s column, Dec 2025.
    *_sweep("rtx-5090", "llama-3-8b", "Q4_0", (1, 2, 4, 8), (165.94, 269.26, 486.58, 810.03),
            GH + "pull/17891", "Dec 2025 (master before PR #17891)", 2025, depth=32768),
)

_XD_DEC23 = "XD Dec 2023 (LLaMA 2 tables)"
_XD_MAY24 = "XD May 2024 (LLaMA 3 tables)"


def _xd(hardware, model, quant, kind, tokens, value, build, gpus=1):
    return SpeedRow(hardware, model, quant, kind, tokens, value, XD, build, gpus=gpus,
                    era=2023 if build == _XD_DEC23 else 2024)


# Single-sequence generation and pp512 from XiongjieDai's llama-bench runs (all layers offloaded).
# The Dec 2023 "average eval speed" is taken as a tg128 run.
SINGLE_STREAM = (
    _xd("rtx-4090", "llama-2-7b", "Q4_0", "tg", 128, 149.37, _XD_DEC23),
    _xd("rtx-4090", "llama-2-7b", "F16", "tg", 128, 60.78, _XD_DEC23),
    _xd("rtx-4090", "llama-3-8b", "Q4_K_M", "tg", 512, 130.58, _XD_MAY24),
    _xd("rtx-4090", "llama-3-8b", "F16", "tg", 512, 54.84, _XD_MAY24),
    _xd("rtx-3090", "llama-2-7b", "Q4_0", "tg", 128, 120.6, _XD_DEC23),
    _xd("rtx-3090", "llama-2-7b", "F16", "tg", 128, 51.85, _XD_DEC23),
    _xd("rtx-3090", "llama-3-8b", "Q4_K_M", "tg", 512, 115.42, _XD_MAY24),
    _xd("rtx-3090", "llama-3-8b", "F16", "tg", 512, 47.40, _XD_MAY24),
    _xd("rtx-4080", "llama-3-8b", "Q4_K_M", "tg", 512, 108.15, _XD_MAY24),
    _xd("rtx-4080", "llama-3-8b", "F16", "tg", 512, 40.58, _XD_MAY24),
    _xd("rtx-4080", "llama-2-7b", "Q4_0", "tg", 128, 118.01, _XD_DEC23),
    _xd("rtx-a6000", "llama-2-7b", "Q4_0", "tg", 128, 111.57, _XD_DEC23),
    _xd("rtx-a6000", "llama-2-7b", "F16", "tg", 128, 44.01, _XD_DEC23),
    _xd("rtx-a6000", "llama-2-70b", "Q4_0", "tg", 128, 15.18, _XD_DEC23),
    _xd("a100-80gb", "llama-2-7b", "Q4_0", "tg", 128, 136.24, _XD_DEC23),
    _xd("a100-80gb", "llama-2-7b", "F16", "tg", 128, 73.83, _XD_DEC23),
    _xd("a100-80gb", "llama-2-70b", "Q4_0", "tg", 128, 25.68, _XD_DEC23),
    _xd("h100-pcie", "llama-2-7b", "Q4_0", "tg", 128, 133.77, _XD_DEC23),
    _xd("h100-pcie", "llama-2-7b", "F16", "tg", 128, 83.32, _XD_DEC23),
    _xd("h100-pcie", "llama-2-70b", "Q4_0", "tg", 128, 25.88, _XD_DEC23),
    _xd("m2-ultra", "llama-2-7b", "Q4_0", "tg", 128, 91.89, _XD_DEC23),
    _xd("m2-ultra", "llama-2-7b", "F16", "tg", 128, 40.68, _XD_DEC23),
    _xd("m2-ultra", "llama-2-70b", "Q4_0", "tg", 128, 14.37, _XD_DEC23),
    _xd("m2-ultra", "llama-3-8b", "Q4_K_M", "tg", 512, 78.81, _XD_MAY24),
    _xd("m2-ultra", "llama-3-8b", "F16", "tg", 512, 36.90, _XD_MAY24),
    _xd("m2-ultra", "llama-3-70b", "Q4_K_M", "tg", 512, 12.48, _XD_MAY24),
    _xd("m2-ultra", "llama-3-70b", "F16", "tg", 512, 4.76, _XD_MAY24),
    _xd("m3-max", "llama-2-7b", "Q4_0", "tg", 128, 63.11, _XD_DEC23),
    _xd("m3-max", "llama-2-7b", "F16", "tg", 128, 24.76, _XD_DEC23),
    _xd("m3-max", "llama-3-8b", "Q4_K_M", "tg", 512, 48.97, _XD_MAY24),
    _xd("m3-max", "llama-3-8b", "F16", "tg", 512, 22.04, _XD_MAY24),
    _xd("m3-max", "llama-3-70b", "Q4_K_M", "tg", 512, 7.65, _XD_MAY24),
    # Layer split over identical GPUs (XD May 2024 multi-GPU table)
    _xd("rtx-4090", "llama-3-70b", "Q4_K_M", "tg", 512, 19.22, _XD_MAY24, gpus=2),
    _xd("rtx-4090", "llama-3-70b", "Q4_K_M", "tg", 512, 19.80, _XD_MAY24, gpus=4),
    _xd("rtx-3090", "llama-3-70b", "Q4_K_M", "tg", 512, 16.57, _XD_MAY24, gpus=2),
    SpeedRow("ddr5-desktop", "llama-2-7b", "Q4_0", "tg", 128, 18.27, GH + "issues/34",
             "Aug 2023 (slaren, i9-13900K, 8 threads)", era=2023),
    # Mixtral 8x7B on an M2 Max (38-core GPU, 96 GB), build 9fb13f9 (1631), llama-bench tg 128:
    # brozkrut's table in PR #4406 ("llama : add Mixtral support"), Dec 2023.
    *(SpeedRow("m2-max", "mixtral-8x7b", q, "tg", 128, v, GH + "pull/4406", "Dec 2023 (b1631, 9fb13f9)", era=2023)
      for q, v in (("Q4_0", 36.66), ("Q8_0", 22.87), ("Q4_K_M", 34.72))),
)

PREFILL = (
    _xd("rtx-4090", "llama-3-8b", "Q4_K_M", "pp", 512, 7138.99, _XD_MAY24),
    _xd("rtx-3090", "llama-3-8b", "Q4_K_M", "pp", 512, 4030.40, _XD_MAY24),
    _xd("rtx-4080", "llama-3-8b", "Q4_K_M", "pp", 512, 5389.74, _XD_MAY24),
    _xd("m2-ultra", "llama-3-8b", "Q4_K_M", "pp", 512, 994.04, _XD_MAY24),
    _xd("m2-ultra", "llama-2-7b", "Q4_0", "pp", 512, 1217.03, _XD_DEC23),
    _xd("m3-max", "llama-3-8b", "Q4_K_M", "pp", 512, 693.32, _XD_MAY24),
    _xd("m3-max", "llama-2-7b", "Q4_0", "pp", 512, 740.97, _XD_DEC23),
    _xd("a100-80gb", "llama-2-7b", "Q4_0", "pp", 512, 3443.98, _XD_DEC23),
    _xd("a100-80gb", "llama-2-70b", "Q4_0", "pp", 512, 612.41, _XD_DEC23),
    _xd("h100-pcie", "llama-2-7b", "Q4_0", "pp", 512, 4868.59, _XD_DEC23),
    _xd("h100-pcie", "llama-2-70b", "Q4_0", "pp", 512, 855.73, _XD_DEC23),
    _xd("rtx-a6000", "llama-2-7b", "Q4_0", "pp", 512, 2979.12, _XD_DEC23),
    _xd("rtx-a6000", "llama-2-70b", "Q4_0", "pp", 512, 405.97, _XD_DEC23),
    _xd("rtx-4090", "llama-3-70b", "Q4_K_M", "pp", 512, 839.43, _XD_MAY24, gpus=2),
    # A small model's prompt speed: Llama 3.2 1B BF16 on an RTX 3090, llama-bench pp512 (ubatch 512),
    # master column of PR #24216 ("CUDA: remove -sm row, refactor cuBLAS"), 2026.
    SpeedRow("rtx-3090", "llama-3.2-1b", "BF16", "pp", 512, 17751.37, GH + "pull/24216",
             "2026 (master before PR #24216)", era=2026),
    SpeedRow("ddr5-desktop", "llama-2-7b", "Q4_0", "pp", 512, 55.21, GH + "issues/34",
             "Aug 2023 (slaren, i9-13900K, 32 threads)", era=2023),
)


@dataclass(frozen=True)
class BufferLog:
    """A ``llama_context: ... compute buffer size`` pair from a real load log (MiB)."""

    model: str               # preset the shape comes from
    overrides: tuple         # shape fields the log's model differs in: ((field, value), ...)
    n_ctx: int
    n_ubatch: int
    flash_attn: bool
    device_mib: float
    host_mib: float | None
    what: str
    source: str
    build: str


# Shapes are read off each log's own lines (print_info / KV buffer / output buffer sizes).
BUFFER_LOGS = (
    BufferLog("mistral-7b", (), 2048, 512, False, 164.00, 12.01,
              "Mistral 7B Instruct (32 heads, 8 KV heads, 32,000 vocab), CUDA, all layers offloaded",
              "https://github.com/fedora-copr/logdetective/pull/106", "llama.cpp server, Jan 2025"),
    BufferLog("mistral-7b", (), 32768, 512, False, 2144.00, 72.01,
              "the same model at n_ctx 32768",
              "https://github.com/fedora-copr/logdetective/pull/106", "llama.cpp server, Jan 2025"),
    BufferLog("qwen2.5-0.5b", (("n_layers", 36), ("hidden_size", 2048), ("ffn_size", 11008),
                               ("n_heads", 16), ("n_kv_heads", 2)), 4096, 512, False, 300.75, 12.01,
              "Qwen2.5 3B (36 layers, 2 KV heads x 128, 151,936 vocab), CUDA, RTX 4080 SUPER",
              "https://github.com/SciSharp/LLamaSharp/issues/1099", "LLamaSharp's llama.cpp, Feb 2025"),
    BufferLog("llama-2-7b", (("n_layers", 30), ("hidden_size", 3072), ("ffn_size", 9216), ("n_heads", 24),
                             ("n_kv_heads", 24), ("vocab_size", 50688)), 512, 512, False, 105.00, None,
              "TriLM 3.9B (30 layers, 3072 wide, 50,688 vocab), CUDA, RTX 4080; its FFN width is not "
              "in the log and cannot reach the peak for any width below 23,808",
              "https://github.com/mozilla-ai/llamafile/pull/552", "llamafile's llama.cpp, Aug 2024"),
    BufferLog("qwen2.5-0.5b", (("n_layers", 28), ("hidden_size", 1536), ("ffn_size", 8960),
                               ("n_heads", 12), ("n_kv_heads", 2)), 8192, 8192, True, 4786.94, 304.09,
              "Qwen2.5 1.5B (28 layers, 1536 wide), flash attention, n_ubatch 8192, CUDA",
              GH + "issues/10664", "llama.cpp, Dec 2024"),
)


# Exact byte sizes of TheBloke's GGUF files on Hugging Face (repo + file per row), as
# recorded in github.com/leliuga/cohere-configurations models/<name>/manifest.yaml
# ("artifacts: ... size").  Quantized with llama.cpp of Sept/Oct 2023.
TB7 = "TheBloke/Llama-2-7B-GGUF llama-2-7b.{}.gguf"
TB13 = "TheBloke/Llama-2-13B-GGUF llama-2-13b.{}.gguf"
TB70 = "TheBloke/Llama-2-70B-GGUF llama-2-70b.{}.gguf"
TBM = "TheBloke/Mistral-7B-v0.1-GGUF mistral-7b-v0.1.{}.gguf"
#: (model, quant, bytes, 'repo file') of published GGUF files.
GGUF_FILES = (
    ("llama-2-7b", "Q3_K_S", 2_948_304_576, TB7), ("llama-2-7b", "Q3_K_M", 3_298_004_672, TB7),
    ("llama-2-7b", "Q3_K_L", 3_597_110_976, TB7), ("llama-2-7b", "Q4_0", 3_825_807_040, TB7),
    ("llama-2-7b", "Q4_K_S", 3_856_740_032, TB7), ("llama-2-7b", "Q4_K_M", 4_081_004_224, TB7),
    ("llama-2-7b", "Q5_0", 4_651_691_712, TB7), ("llama-2-7b", "Q5_K_S", 4_651_691_712, TB7),
    ("llama-2-7b", "Q5_K_M", 4_783_156_928, TB7), ("llama-2-7b", "Q6_K", 5_529_194_176, TB7),
    ("llama-2-7b", "Q8_0", 7_161_089_728, TB7),
    ("llama-2-13b", "Q3_K_S", 5_658_980_224, TB13), ("llama-2-13b", "Q3_K_M", 6_337_769_344, TB13),
    ("llama-2-13b", "Q3_K_L", 6_929_559_424, TB13), ("llama-2-13b", "Q4_0", 7_365_834_624, TB13),
    ("llama-2-13b", "Q4_K_S", 7_414_331_264, TB13), ("llama-2-13b", "Q4_K_M", 7_865_956_224, TB13),
    ("llama-2-13b", "Q5_0", 8_972_285_824, TB13), ("llama-2-13b", "Q5_K_S", 8_972_285_824, TB13),
    ("llama-2-13b", "Q5_K_M", 9_229_924_224, TB13), ("llama-2-13b", "Q6_K", 10_679_140_224, TB13),
    ("llama-2-13b", "Q8_0", 13_831_319_424, TB13),
    ("llama-2-70b", "Q3_K_S", 29_919_294_368, TB70), ("llama-2-70b", "Q3_K_M", 33_186_657_184, TB70),
    ("llama-2-70b", "Q3_K_L", 36_147_835_808, TB70), ("llama-2-70b", "Q4_0", 38_872_249_248, TB70),
    ("llama-2-70b", "Q4_K_S", 39_073_575_840, TB70), ("llama-2-70b", "Q4_K_M", 41_422_910_368, TB70),
    ("llama-2-70b", "Q5_0", 47_461_397_408, TB70), ("llama-2-70b", "Q5_K_S", 47_461_397_408, TB70),
    ("llama-2-70b", "Q5_K_M", 48_753_767_328, TB70),
    ("mistral-7b", "Q3_K_S", 3_164_567_168, TBM), ("mistral-7b", "Q3_K_M", 3_518_985_856, TBM),
    ("mistral-7b", "Q3_K_L", 3_822_024_320, TBM), ("mistral-7b", "Q4_0", 4_108_916_352, TBM),
    ("mistral-7b", "Q4_K_S", 4_140_373_632, TBM), ("mistral-7b", "Q4_K_M", 4_368_438_912, TBM),
    ("mistral-7b", "Q5_0", 4_997_715_584, TBM), ("mistral-7b", "Q5_K_S", 4_997_715_584, TBM),
    ("mistral-7b", "Q5_K_M", 5_131_409_024, TBM), ("mistral-7b", "Q6_K", 5_942_064_768, TBM),
    ("mistral-7b", "Q8_0", 7_695_857_280, TBM),
)



def gguf_errors() -> list[float]:
    """Relative error of the predicted file size for every file in :data:`GGUF_FILES` (the test holds each to 2%)."""
    from inferlab.catalog.models import get_preset
    from inferlab.llamacpp.gguf_file import file_summary

    return [(file_summary(get_preset(m), q)["file_bytes"] - size) / size for m, q, size, _ in GGUF_FILES]


def fidelity_rows() -> list[dict]:
    """Every speed row with the model's prediction and the relative error (for a fidelity figure)."""
    from inferlab.llamacpp.fidelity import predict

    rows = []
    for row in (*SINGLE_STREAM, *PREFILL, *BATCH_SWEEPS):
        pred = predict(row)
        rows.append({"hardware": row.hardware, "gpus": row.gpus, "model": row.model, "quant": row.quant,
                     "kind": row.kind, "tokens": row.tokens, "ubatch": row.ubatch, "depth": row.depth,
                     "measured": row.measured, "predicted": pred,
                     "error": (pred - row.measured) / row.measured, "source": row.source, "build": row.build,
                     "era": row.era})
    return rows


__all__ = ["BATCH_SWEEPS", "BUFFER_LOGS", "BufferLog", "PREFILL", "SINGLE_STREAM", "SpeedRow", "fidelity_rows"]
