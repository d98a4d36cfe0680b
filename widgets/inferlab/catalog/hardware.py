"""Hardware presets: memory sizes, bandwidths, compute peaks, and the
efficiency factors that turn datasheet numbers into llama.cpp speeds.

Datasheet numbers are cited next to each preset.  The efficiency factors are
*calibrated*, not invented: ``decode_bw_eff`` and ``decode_overhead_us`` (per
layer, per token: kernel launches / synchronisation) come from a two-point
fit of llama.cpp text-generation speeds for Llama 2 7B at Q4_0 and F16, and
``prefill_eff`` from prompt-processing speed (pp512) of Llama 3 8B Q4_K_M
(A100 / H100: Llama 2 7B Q4_0; the H100 fit gave 1.045 and is capped at 1.0),
all from the llama.cpp runs in
https://github.com/XiongjieDai/GPU-Benchmarks-on-LLM-Inference (README,
snapshots Dec 2023 and May 2024).  The CPU numbers come from slaren's
i9-13900K / DDR5-6400 thread sweep in https://github.com/ggml-org/llama.cpp/issues/34.
tests/core/test_speed.py checks the model against those tables.
"""

from dataclasses import asdict, dataclass

from inferlab.inputs import check_choice

#: VRAM kept free for the CUDA/Metal context, driver and display (bytes, estimate).
GPU_RESERVED_BYTES = 512 * 2**20
#: RAM kept free for the operating system and other programs (bytes, estimate).
RAM_RESERVED_BYTES = 2 * 2**30


@dataclass(frozen=True)
class CpuSpec:
    """Host CPU + system RAM.  Bandwidth in GB/s (10^9 B/s), peak in GFLOP/s."""

    name: str
    ram_gib: float
    bandwidth_gbs: float
    perf_cores: int
    hw_threads: int
    peak_gflops: float
    decode_bw_eff: float = 0.67
    decode_overhead_us: float = 20.0
    prefill_eff: float = 0.30


@dataclass(frozen=True)
class GpuSpec:
    """GPU.  ``vram_gib`` is what llama.cpp may allocate (Apple: the Metal
    working-set limit).  Bandwidth GB/s, FP16 tensor peak in TFLOP/s (dense)."""

    name: str
    vram_gib: float
    bandwidth_gbs: float
    fp16_tflops: float
    decode_bw_eff: float
    decode_overhead_us: float
    prefill_eff: float
    pcie_gbs: float | None = None


@dataclass(frozen=True)
class Hardware:
    """A machine: a CPU host and optionally one GPU.  ``unified`` means the
    GPU and CPU share one memory pool (Apple Silicon)."""

    name: str
    display_name: str
    cpu: CpuSpec
    gpu: GpuSpec | None = None
    unified: bool = False
    source: str = ""

    def as_dict(self) -> dict:
        """Plain JSON-able dict."""
        return asdict(self)


# Host assumed for the discrete desktop GPUs: Ryzen 9 7950X (16 cores / 32 threads,
# amd.com spec page) with dual-channel DDR5-5600 = 2 x 8 B x 5600 MT/s = 89.6 GB/s, 64 GiB.
# Peak ~ 16 cores x 2 FMA x 8 fp32 lanes x 2 flop x 4.5 GHz = 2.3 TFLOP/s (AVX2/AVX-512 on Zen 4).
_DESKTOP_HOST = CpuSpec("Ryzen 9 7950X, 2ch DDR5-5600", 64, 89.6, 16, 32, 2300)
# Host assumed for the data-centre GPUs (cloud instances vary): 32-core EPYC 7003 with
# 8-channel DDR4-3200 = 8 x 8 B x 3200 MT/s = 204.8 GB/s, 256 GiB.
_SERVER_HOST = CpuSpec("32-core EPYC, 8ch DDR4-3200", 256, 204.8, 32, 64, 2000)
# PCIe 4.0 x16: 31.5 GB/s theoretical; ~25 GB/s achieved host->device (estimate).
_PCIE4 = 25.0
# PCIe 5.0 x16 (H100 PCIe): 63 GB/s theoretical; ~50 GB/s achieved (estimate).
_PCIE5 = 50.0

_PRESETS = (
    Hardware(
        "rtx-4090", "NVIDIA RTX 4090 24 GB + desktop host",
        cpu=_DESKTOP_HOST,
        # 24 GB GDDR6X, 1008 GB/s, FP16 tensor (FP32 accumulate) 165.2 TFLOPS dense:
        # NVIDIA Ada Lovelace GPU architecture whitepaper, appendix table.
        gpu=GpuSpec("RTX 4090", 24, 1008, 165.2, 0.96, 86.0, 0.65, _PCIE4),
        source="https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf",
    ),
    Hardware(
        "rtx-3090", "NVIDIA RTX 3090 24 GB + desktop host",
        cpu=_DESKTOP_HOST,
        # 24 GB GDDR6X, 936 GB/s, FP16 tensor (FP32 accumulate) 71 TFLOPS dense:
        # NVIDIA Ampere GA102 GPU architecture whitepaper, table 9.
        gpu=GpuSpec("RTX 3090", 24, 936, 71.0, 0.92, 119.0, 0.86, _PCIE4),
        source="https://www.nvidia.com/content/PDF/nvidia-ampere-ga-102-gpu-architecture-whitepaper-v2.pdf",
    ),
    Hardware(
        "a100-80gb", "NVIDIA A100 80 GB PCIe + server host",
        cpu=_SERVER_HOST,
        # 80 GB HBM2e, 1935 GB/s (PCIe card), FP16 tensor 312 TFLOPS dense: NVIDIA A100 datasheet.
        gpu=GpuSpec("A100 80GB PCIe", 80, 1935, 312.0, 0.79, 148.0, 0.15, _PCIE4),
        source="https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf",
    ),
    Hardware(
        "h100-pcie", "NVIDIA H100 PCIe 80 GB + server host",
        cpu=_SERVER_HOST,
        # 80 GB HBM2e, 2.0 TB/s, FP16 tensor 1,513 TFLOPS with sparsity = 756 dense: H100 datasheet.
        gpu=GpuSpec("H100 PCIe", 80, 2000, 756.0, 1.00, 170.0, 0.086, _PCIE5),
        source="https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet",
    ),
    Hardware(
        "m2-max", "Apple M2 Max (38-core GPU, 64 GB)",
        # 8 P + 4 E cores; 400 GB/s unified memory; GPU 13.6 TFLOPS FP32 (apple.com, Jan 2023
        # newsroom / MacBook Pro tech specs).  The CPU cluster reaches only part of the SoC
        # bandwidth (estimate 60 %, as measured for M1 Max by AnandTech's review).
        cpu=CpuSpec("M2 Max CPU (8P+4E)", 64, 240, 8, 12, 1000, decode_bw_eff=0.67),
        # Metal working set ~75 % of unified memory (recommendedMaxWorkingSetSize).  No
        # llama.cpp tg measurement for M2 Max is in our benchmark table, so efficiencies are
        # taken from the M3 Max fit (same 400 GB/s bus) -- not independently validated.
        gpu=GpuSpec("M2 Max 38-core GPU", 48, 400, 13.6, 0.96, 185.0, 0.64),
        unified=True,
        source="https://www.apple.com/newsroom/2023/01/apple-unveils-m2-pro-and-m2-max-next-generation-chips-for-next-level-workflows/",
    ),
    Hardware(
        "m3-max", "Apple M3 Max (40-core GPU, 64 GB)",
        # 12 P + 4 E cores; 400 GB/s; GPU ~16.4 TFLOPS FP32 (apple.com M3 Max tech specs).
        cpu=CpuSpec("M3 Max CPU (12P+4E)", 64, 240, 12, 16, 1500, decode_bw_eff=0.67),
        gpu=GpuSpec("M3 Max 40-core GPU", 48, 400, 16.4, 0.96, 185.0, 0.64),
        unified=True,
        source="https://www.apple.com/newsroom/2023/10/apple-unveils-m3-m3-pro-and-m3-max-the-most-advanced-chips-for-a-personal-computer/",
    ),
    Hardware(
        "m2-ultra", "Apple M2 Ultra (76-core GPU, 192 GB)",
        # 16 P + 8 E cores; 800 GB/s; GPU 27.2 TFLOPS FP32 (apple.com M2 Ultra newsroom, Jun 2023).
        cpu=CpuSpec("M2 Ultra CPU (16P+8E)", 192, 480, 16, 24, 2000, decode_bw_eff=0.67),
        gpu=GpuSpec("M2 Ultra 76-core GPU", 144, 800, 27.2, 0.86, 165.0, 0.55),
        unified=True,
        source="https://www.apple.com/newsroom/2023/06/apple-introduces-m2-ultra/",
    ),
    Hardware(
        "ddr5-desktop", "Desktop CPU only: i9-13900K, DDR5-6400 (no GPU)",
        # 8 P-cores + 16 E-cores, 32 threads (intel.com ark); dual-channel DDR5-6400 =
        # 2 x 8 B x 6400 MT/s = 102.4 GB/s; 64 GiB assumed.  decode_bw_eff 0.67 from slaren's
        # 18.27 tok/s (7B Q4_0, 8 threads) in ggml-org/llama.cpp#34; prefill_eff from the same
        # thread (55.2 tok/s pp512 at 32 threads, Aug 2023 build without BLAS).
        cpu=CpuSpec("i9-13900K, 2ch DDR5-6400", 64, 102.4, 8, 32, 2500, decode_bw_eff=0.67,
                    prefill_eff=0.30),
        source="https://github.com/ggml-org/llama.cpp/issues/34",
    ),
)

HARDWARE: dict[str, Hardware] = {h.name: h for h in _PRESETS}
#: Preset used when a caller gives no hardware: CPU only, matching the default
#: ``gpu_layers=0`` so every speed key is a number.
DEFAULT_HARDWARE = "ddr5-desktop"


def get_hardware(name: str | None) -> Hardware:
    """Preset by name (case-insensitive); None gives ``DEFAULT_HARDWARE``."""
    key = DEFAULT_HARDWARE if name is None else str(name).lower()
    check_choice("hardware", key, list(HARDWARE))
    return HARDWARE[key]


def list_hardware() -> list[dict]:
    """Every preset as a flat plain dict (what ``inferlab hardware`` prints)."""
    rows = []
    for h in _PRESETS:
        g = h.gpu
        rows.append({
            "name": h.name, "display_name": h.display_name, "unified_memory": h.unified,
            "gpu": g.name if g else None, "vram_gib": g.vram_gib if g else 0,
            "gpu_bandwidth_gbs": g.bandwidth_gbs if g else None,
            "gpu_fp16_tflops": g.fp16_tflops if g else None,
            "cpu": h.cpu.name, "ram_gib": h.cpu.ram_gib,
            "cpu_bandwidth_gbs": h.cpu.bandwidth_gbs, "perf_cores": h.cpu.perf_cores,
            "hw_threads": h.cpu.hw_threads, "source": h.source,
        })
    return rows
