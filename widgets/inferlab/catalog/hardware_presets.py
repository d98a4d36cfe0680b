"""Hardware presets: datasheet numbers (cited per row) and calibrated factors.

``calibration`` on each preset names the llama.cpp runs its factors were
fitted to, and the build era of those runs.  The fitted tables live in
:mod:`inferlab.llamacpp.published` and the tests (tests/core/llamacpp)
hold the model to them.  XD = XiongjieDai, "GPU-Benchmarks-on-LLM-Inference"
README (github.com/XiongjieDai/GPU-Benchmarks-on-LLM-Inference), llama-bench
runs of Dec 2023 (LLaMA 2 tables) and May 2024 (LLaMA 3 tables).
"""

from dataclasses import replace

from inferlab.catalog.devices import CpuSpec, GpuSpec, Hardware

# Host assumed for the desktop GPUs: Ryzen 9 7950X (16 cores / 32 threads, amd.com spec page) with
# dual-channel DDR5-5600 = 2 x 8 B x 5600 MT/s = 89.6 GB/s, 64 GiB.  Peak ~ 16 cores x 2 FMA x
# 8 fp32 lanes x 2 flop x 4.5 GHz = 2.3 TFLOP/s (AVX2/AVX-512 on Zen 4).
_DESKTOP_HOST = CpuSpec("Ryzen 9 7950X, 2ch DDR5-5600", 64, 89.6, 16, 32, 2300)
# Host assumed for the data-centre GPUs (cloud instances vary): 32-core EPYC 7003 with 8-channel
# DDR4-3200 = 8 x 8 B x 3200 MT/s = 204.8 GB/s, 256 GiB.
_SERVER_HOST = CpuSpec("32-core EPYC, 8ch DDR4-3200", 256, 204.8, 32, 64, 2000)
# Host of the HBM3 accelerators: a 2-socket node with 48-core CPUs and 12-channel DDR5-4800 per
# socket, 1.5 TiB (a typical 8-GPU node, estimate).  llama.cpp's CPU threads are counted on one
# NUMA node (its --numa modes pin to a node): 12 x 8 B x 4800 MT/s = 460.8 GB/s, 48 cores.
_HBM_HOST = CpuSpec("48-core socket of a 2-socket node, 12ch DDR5-4800", 1536, 460.8, 48, 96, 4000)
# PCIe host->device achieved rates (estimates): 4.0 x16 31.5 GB/s theoretical -> ~25 GB/s;
# 5.0 x16 63 GB/s theoretical -> ~50 GB/s.
_PCIE4, _PCIE5 = 25.0, 50.0

NV = "https://images.nvidia.com/aem-dam/Solutions/geforce/"
ADA_WP = NV + "ada/nvidia-ada-gpu-architecture.pdf"
BLACKWELL_WP = NV + "blackwell/nvidia-rtx-blackwell-gpu-architecture.pdf"
GA102_WP = "https://www.nvidia.com/content/PDF/nvidia-ampere-ga-102-gpu-architecture-whitepaper-v2.pdf"

# ---- calibrated GPUs --------------------------------------------------------------------------
# 2025 builds: JohannesGaessler's llama-bench micro-batch sweeps (llama.cpp PRs #15802 Sep 2025,
# #17505 Nov 2025) -- Llama 3 8B Q4_0, ubatch 1..512, depth 0 and 32768.
_RTX3090 = GpuSpec("RTX 3090", 24, 936, 71.0, decode_bw_eff=0.92, decode_overhead_us=39.0,
                   prefill_eff=0.92, pcie_gbs=_PCIE4, vec_eff=0.19, token_layer_us=1.1,
                   attn_eff=0.81)
# 2025-2026 builds: PRs #15131 (Aug 2025, ubatch 10-16), #24127 (2026, ubatch 16-512),
# #17505 (Nov 2025, ubatch 1 at depth 32768).
_RTX4090 = GpuSpec("RTX 4090", 24, 1008, 165.2, decode_bw_eff=0.96, decode_overhead_us=23.0,
                   prefill_eff=2.24, pcie_gbs=_PCIE4, vec_eff=0.19, token_layer_us=1.0,
                   attn_eff=0.81)
# Dec 2023 / May 2024 builds (XD): single-stream and pp512 of 7B/8B and 70B.
_RTX4080 = GpuSpec("RTX 4080", 16, 716.8, 97.5, decode_bw_eff=0.94, decode_overhead_us=72.0,
                   prefill_eff=0.97, pcie_gbs=_PCIE4, token_layer_us=0.78)
_A6000 = GpuSpec("RTX A6000", 48, 768, 154.8, decode_bw_eff=0.875, decode_overhead_us=102.0,
                 prefill_eff=0.416, pcie_gbs=_PCIE4, token_layer_us=4.2)
_A100 = GpuSpec("A100 80GB PCIe", 80, 1935, 312.0, decode_bw_eff=0.79, decode_overhead_us=148.0,
                prefill_eff=0.37, pcie_gbs=_PCIE4, token_layer_us=5.6)
_H100_PCIE = GpuSpec("H100 PCIe", 80, 2000, 756.0, decode_bw_eff=1.00, decode_overhead_us=170.0,
                     prefill_eff=0.21, pcie_gbs=_PCIE5, token_layer_us=3.9)
_M3_MAX = GpuSpec("M3 Max 40-core GPU", 48, 400, 16.4, decode_bw_eff=0.96, decode_overhead_us=185.0,
                  prefill_eff=0.64, token_layer_us=0.0)
_M2_ULTRA = GpuSpec("M2 Ultra 76-core GPU", 144, 800, 27.2, decode_bw_eff=0.86,
                    decode_overhead_us=165.0, prefill_eff=0.55, token_layer_us=0.0)

_PRESETS = (
    Hardware("rtx-4090", "NVIDIA RTX 4090 24 GB + desktop host", cpu=_DESKTOP_HOST, gpu=_RTX4090,
             # 24 GB GDDR6X, 1008 GB/s, FP16 tensor (FP32 acc.) 165.2 TFLOPS dense: Ada whitepaper
             source=ADA_WP, calibration="llama.cpp builds of Aug 2025 - 2026: PRs #15131, #24127, #17505",
             calibration_era=2025),
    Hardware("rtx-3090", "NVIDIA RTX 3090 24 GB + desktop host", cpu=_DESKTOP_HOST, gpu=_RTX3090,
             # 24 GB GDDR6X, 936 GB/s, FP16 tensor (FP32 acc.) 71 TFLOPS dense: GA102 whitepaper table 9
             source=GA102_WP, calibration="llama.cpp builds of Sep - Nov 2025: PRs #15802, #17505",
             calibration_era=2025),
    Hardware("a100-80gb", "NVIDIA A100 80 GB PCIe + server host", cpu=_SERVER_HOST, gpu=_A100,
             # 80 GB HBM2e, 1935 GB/s (PCIe card), FP16 tensor 312 TFLOPS dense: A100 datasheet
             source="https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf",
             calibration="XD Dec 2023 build: Llama 2 7B and 70B Q4_0 tg and pp512", calibration_era=2023),
    Hardware("h100-pcie", "NVIDIA H100 PCIe 80 GB + server host", cpu=_SERVER_HOST, gpu=_H100_PCIE,
             # 80 GB HBM2e, 2.0 TB/s, FP16 tensor 1,513 TFLOPS sparse = 756 dense: H100 datasheet
             source="https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet",
             calibration="XD Dec 2023 build: Llama 2 7B and 70B Q4_0 tg and pp512", calibration_era=2023),
    Hardware("m2-max", "Apple M2 Max (38-core GPU, 64 GB)",
             # 8 P + 4 E cores; 400 GB/s unified memory; GPU 13.6 TFLOPS FP32 (apple.com newsroom,
             # Jan 2023).  The CPU cluster reaches ~60 % of the SoC bandwidth (AnandTech, M1 Max).
             cpu=CpuSpec("M2 Max CPU (8P+4E)", 64, 240, 8, 12, 1000, decode_bw_eff=0.67),
             # Metal working set ~75 % of unified memory (recommendedMaxWorkingSetSize)
             gpu=replace(_M3_MAX, name="M2 Max 38-core GPU", fp16_tflops=13.6), unified=True,
             source="https://www.apple.com/newsroom/2023/01/apple-unveils-m2-pro-and-m2-max-next-generation-chips-for-next-level-workflows/",
             calibration="factors of m3-max (same 400 GB/s bus); checked on Mixtral 8x7B, llama.cpp PR #4406",
             calibration_era=2023),
    Hardware("m3-max", "Apple M3 Max (40-core GPU, 64 GB)",
             # 12 P + 4 E cores; 400 GB/s; GPU ~16.4 TFLOPS FP32 (apple.com M3 Max tech specs)
             cpu=CpuSpec("M3 Max CPU (12P+4E)", 64, 240, 12, 16, 1500, decode_bw_eff=0.67),
             gpu=_M3_MAX, unified=True,
             source="https://www.apple.com/newsroom/2023/10/apple-unveils-m3-m3-pro-and-m3-max-the-most-advanced-chips-for-a-personal-computer/",
             calibration="XD Dec 2023 / May 2024 builds: 7B/8B tg and pp512", calibration_era=2023),
    Hardware("m2-ultra", "Apple M2 Ultra (76-core GPU, 192 GB)",
             # 16 P + 8 E cores; 800 GB/s; GPU 27.2 TFLOPS FP32 (apple.com M2 Ultra newsroom, Jun 2023)
             cpu=CpuSpec("M2 Ultra CPU (16P+8E)", 192, 480, 16, 24, 2000, decode_bw_eff=0.67),
             gpu=_M2_ULTRA, unified=True,
             source="https://www.apple.com/newsroom/2023/06/apple-introduces-m2-ultra/",
             calibration="XD Dec 2023 / May 2024 builds: 7B/8B/70B tg and pp512", calibration_era=2023),
    Hardware("ddr5-desktop", "Desktop CPU only: i9-13900K, DDR5-6400 (no GPU)",
             # 8 P-cores + 16 E-cores, 32 threads (intel.com ark); 2ch DDR5-6400 = 102.4 GB/s; 64 GiB.
             # decode_bw_eff 0.67 from slaren's 18.27 tok/s (7B Q4_0, 8 threads) and prefill_eff from
             # 55.2 tok/s pp512 at 32 threads, ggml-org/llama.cpp#34 (Aug 2023 build, no BLAS)
             cpu=CpuSpec("i9-13900K, 2ch DDR5-6400", 64, 102.4, 8, 32, 2500, decode_bw_eff=0.67,
                         prefill_eff=0.30),
             source="https://github.com/ggml-org/llama.cpp/issues/34",
             calibration="llama.cpp issue #34 (Aug 2023 build): 7B Q4_0 thread sweep", calibration_era=2023),
    # ---- newer presets ---------------------------------------------------------------------------
    Hardware("rtx-5090", "NVIDIA RTX 5090 32 GB + desktop host", cpu=_DESKTOP_HOST,
             # 32 GB GDDR7, 1792 GB/s, FP16 tensor (FP32 acc.) 209.5 TFLOPS dense: RTX Blackwell whitepaper
             gpu=replace(_RTX4090, name="RTX 5090", vram_gib=32, bandwidth_gbs=1792, fp16_tflops=209.5,
                         decode_bw_eff=0.90, decode_overhead_us=20.0, pcie_gbs=_PCIE5),
             source=BLACKWELL_WP,
             calibration="bandwidth factors from llama.cpp PR #17891 (Dec 2025, 8B Q4_0 at depth 32768); "
                         "batch factors of rtx-4090", calibration_era=2025),
    Hardware("rtx-4080", "NVIDIA RTX 4080 16 GB + desktop host", cpu=_DESKTOP_HOST, gpu=_RTX4080,
             # 16 GB GDDR6X, 716.8 GB/s, FP16 tensor (FP32 acc.) 97.5 TFLOPS dense: Ada whitepaper
             source=ADA_WP, calibration="XD May 2024 build: Llama 3 8B Q4_K_M and F16 tg and pp512",
             calibration_era=2024),
    Hardware("rtx-3060-12gb", "NVIDIA RTX 3060 12 GB + desktop host", cpu=_DESKTOP_HOST,
             # 12 GB GDDR6, 360 GB/s (nvidia.com RTX 3060 specs); FP16 tensor (FP32 acc.) 25.4 TFLOPS dense
             # = GA102 whitepaper per-SM rate (71 TFLOPS / 82 SMs / 1.695 GHz) x 28 SMs x 1.777 GHz
             gpu=replace(_RTX3090, name="RTX 3060 12GB", vram_gib=12, bandwidth_gbs=360, fp16_tflops=25.4),
             source="https://www.nvidia.com/en-us/geforce/graphics-cards/30-series/rtx-3060-3060ti/",
             calibration="factors of rtx-3090 (same Ampere GA10x generation), not measured on this card",
             calibration_era=2025),
    Hardware("rtx-a6000", "NVIDIA RTX A6000 48 GB + desktop host", cpu=_DESKTOP_HOST, gpu=_A6000,
             # 48 GB GDDR6, 768 GB/s, FP16 tensor 309.7 TFLOPS sparse = 154.8 dense: RTX A6000 datasheet
             source="https://www.nvidia.com/en-us/design-visualization/rtx-a6000/",
             calibration="XD Dec 2023 build: Llama 2 7B and 70B Q4_0 tg and pp512", calibration_era=2023),
    Hardware("l4", "NVIDIA L4 24 GB + server host", cpu=_SERVER_HOST,
             # 24 GB GDDR6, 300 GB/s, FP16 tensor 242 TFLOPS sparse = 121 dense: L4 datasheet
             gpu=replace(_RTX4090, name="L4", vram_gib=24, bandwidth_gbs=300, fp16_tflops=121.0),
             source="https://www.nvidia.com/en-us/data-center/l4/",
             calibration="factors of rtx-4090 (same Ada AD10x generation), not measured on this card",
             calibration_era=2025),
    Hardware("l40s", "NVIDIA L40S 48 GB + server host", cpu=_SERVER_HOST,
             # 48 GB GDDR6, 864 GB/s, FP16 tensor 362.05 TFLOPS dense: L40S datasheet
             gpu=replace(_RTX4090, name="L40S", vram_gib=48, bandwidth_gbs=864, fp16_tflops=362.05),
             source="https://www.nvidia.com/en-us/data-center/l40s/",
             calibration="factors of rtx-4090 (same Ada AD10x generation), not measured on this card",
             calibration_era=2025),
    Hardware("h100-sxm", "NVIDIA H100 SXM 80 GB + HBM node host", cpu=_HBM_HOST,
             # 80 GB HBM3, 3.35 TB/s, FP16 tensor 1,979 TFLOPS sparse = 989.5 dense: H100 datasheet
             gpu=replace(_H100_PCIE, name="H100 SXM", bandwidth_gbs=3350, fp16_tflops=989.5),
             source="https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet",
             calibration="factors of h100-pcie (same GH100 chip), not measured on this card",
             calibration_era=2023),
    Hardware("h200", "NVIDIA H200 SXM 141 GB + HBM node host", cpu=_HBM_HOST,
             # 141 GB HBM3e, 4.8 TB/s, FP16 tensor 1,979 TFLOPS sparse = 989.5 dense: H200 datasheet
             gpu=replace(_H100_PCIE, name="H200", vram_gib=141, bandwidth_gbs=4800, fp16_tflops=989.5),
             source="https://www.nvidia.com/en-us/data-center/h200/",
             calibration="factors of h100-pcie (same GH100 chip), not measured on this card",
             calibration_era=2023),
    Hardware("mi300x", "AMD Instinct MI300X 192 GB + HBM node host", cpu=_HBM_HOST,
             # 192 GB HBM3, 5.3 TB/s, FP16 1,307.4 TFLOPS dense: AMD Instinct MI300X data sheet
             gpu=replace(_A100, name="MI300X", vram_gib=192, bandwidth_gbs=5300, fp16_tflops=1307.4,
                         pcie_gbs=_PCIE5),
             source="https://www.amd.com/en/products/accelerators/instinct/mi300/mi300x.html",
             calibration="factors of a100-80gb (a data-centre HBM GPU); no llama.cpp ROCm run fitted",
             calibration_era=2023),
    Hardware("m4-max", "Apple M4 Max (40-core GPU, 128 GB)",
             # 12 P + 4 E cores, 546 GB/s, up to 128 GB (apple.com newsroom, Oct 2024).  Apple publishes
             # no GPU FLOPS: 40 cores x 128 FP32 lanes x 2 flop x ~1.8 GHz = 18.4 TFLOPS (estimate).
             cpu=CpuSpec("M4 Max CPU (12P+4E)", 128, 330, 12, 16, 2000, decode_bw_eff=0.67),
             gpu=replace(_M3_MAX, name="M4 Max 40-core GPU", vram_gib=96, bandwidth_gbs=546,
                         fp16_tflops=18.4),
             unified=True,
             source="https://www.apple.com/newsroom/2024/10/new-macbook-pro-features-m4-family-of-chips-and-apple-intelligence/",
             calibration="factors of m3-max (same family), not measured on this chip", calibration_era=2023),
)

HARDWARE: dict[str, Hardware] = {h.name: h for h in _PRESETS}
#: Preset used when a caller gives no hardware: CPU only, so every speed key is a number.
DEFAULT_HARDWARE = "ddr5-desktop"

__all__ = ["DEFAULT_HARDWARE", "HARDWARE"]
