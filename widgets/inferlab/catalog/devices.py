"""Device descriptions: memory sizes, bandwidths, compute peaks, and the
efficiency factors that turn datasheet numbers into llama.cpp speeds.

Datasheet numbers are cited next to each preset in :mod:`.hardware_presets`.
The efficiency factors are *calibrated* against published llama.cpp runs;
each preset's ``calibration`` names the runs and the llama.cpp build era
they belong to (single-stream speeds moved by up to 40 % between the 2024
and 2025 builds, so one preset's factors describe one era).  A preset
without its own measurements borrows the factors of a named sibling and
says so.  The speed model that uses the factors is
:mod:`inferlab.llamacpp.speed`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


#: VRAM kept free for the CUDA/Metal context, driver and display (bytes, estimate).
GPU_RESERVED_BYTES = 512 * 2**20
#: RAM kept free for the operating system and other programs (bytes, estimate).
RAM_RESERVED_BYTES = 2 * 2**30


@dataclass(frozen=True)
class CpuSpec:
    """Host CPU + system RAM.  Bandwidth in GB/s (10^9 B/s), peak in GFLOP/s.

    ``decode_bw_eff``: share of the bandwidth a decode step reaches;
    ``decode_overhead_us``: fixed time per layer and step (threads
    synchronising); ``prefill_eff``: share of the peak a batch reaches.
    """

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
    """One GPU.  ``vram_gib`` is what llama.cpp may allocate (Apple: the Metal
    working-set limit).  Bandwidth GB/s; ``fp16_tflops`` is the dense FP16
    tensor peak (FP32 accumulate) of the datasheet, TFLOP/s.

    Calibrated factors (see :mod:`inferlab.llamacpp.speed` for the formulas):
    ``decode_bw_eff`` share of the bandwidth a step reaches;
    ``decode_overhead_us`` fixed time per layer and step (kernel launches);
    ``vec_eff`` throughput of the extra tokens of a 2-8 token batch
    (mat-vec kernels) as a share of ``fp16_tflops``;
    ``prefill_eff`` matmul throughput of larger batches as a multiple of
    ``fp16_tflops`` -- above 1 where llama.cpp's quantized kernels run on
    the int8 tensor cores (twice or four times the FP16 rate);
    ``token_layer_us`` time per token and layer in larger batches that does
    not scale with the weights (norms, RoPE, activations, small kernels);
    ``attn_eff`` flash-attention throughput as a share of ``fp16_tflops``.
    """

    name: str
    vram_gib: float
    bandwidth_gbs: float
    fp16_tflops: float
    decode_bw_eff: float
    decode_overhead_us: float
    prefill_eff: float
    pcie_gbs: float | None = None
    vec_eff: float = 0.19
    token_layer_us: float = 1.0
    attn_eff: float = 0.6


@dataclass(frozen=True)
class Hardware:
    """A machine: a CPU host and optionally GPUs of one kind.  ``unified``
    means the GPU and CPU share one memory pool (Apple Silicon)."""

    name: str
    display_name: str
    cpu: CpuSpec
    gpu: GpuSpec | None = None
    unified: bool = False
    source: str = ""
    calibration: str = ""
    calibration_era: int = 0

    # ``calibration_era``: year of the llama.cpp builds the factors describe.  Runs from older
    # builds were slower (CUDA graphs, int8-tensor-core MMQ and fused kernels came in 2024-2025).

    def as_dict(self) -> dict:
        """Plain JSON-able dict."""
        return asdict(self)


__all__ = ["CpuSpec", "GPU_RESERVED_BYTES", "GpuSpec", "Hardware", "RAM_RESERVED_BYTES"]
