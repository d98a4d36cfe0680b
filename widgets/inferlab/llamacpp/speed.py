"""Token throughput: decode bounded by memory bandwidth, prefill by compute.

Decode (one token): every weight on a device is read once, plus the KV cache
filled so far.  Time = sum over devices of
``bytes / (bandwidth x decode_bw_eff) + layers x decode_overhead_us``.
The token embedding is a row lookup (``get_rows``), so it is not read whole.

Prefill (a 512-token micro-batch): ``2 x active params`` FLOPs per token
plus attention (``4 x layers x q_dim x depth``), divided by
``peak x prefill_eff``.  With a discrete GPU, llama.cpp also runs the big
matrix multiplications of CPU-resident layers on the GPU for batches of 32+
tokens (``offload_op`` in ggml/src/ggml-cuda/ggml-cuda.cu), copying those
weights over PCIe once per micro-batch.

Efficiency factors and their sources live in hardware.py.
"""

import math

from inferlab.catalog.hardware import Hardware
from inferlab.llamacpp.memory import N_UBATCH, Placement, kv_cache_bytes
from inferlab.catalog.models import ModelShape

#: Decode slowdown when -t exceeds the performance cores (E-cores / SMT siblings
#: make the other threads wait): 15.66 / 18.27 tok/s at 16 vs 8 threads on the
#: i9-13900K in ggml-org/llama.cpp#34.
OVERSUBSCRIBED_FACTOR = 0.857


def cpu_thread_factor(threads: int, perf_cores: int) -> float:
    """Share of the CPU's usable bandwidth reached with *threads* decode threads.

    sqrt(threads / P) up to the P performance cores, then a penalty; fits
    ggml-org/llama.cpp#34 (4 threads 12.65, 8 threads 18.27 tok/s: ratio 0.69
    vs sqrt(0.5) = 0.71).
    """
    if threads >= perf_cores:
        return 1.0 if threads == perf_cores else OVERSUBSCRIBED_FACTOR
    return math.sqrt(threads / perf_cores)


def thread_advice(hw: Hardware) -> dict:
    """Recommended ``-t`` (decode) and ``-tb`` (batch / prompt) thread counts.

    Decode is memory-bound: one thread per performance core saturates the bus
    and extra threads only add stragglers.  Prompt processing is compute-bound:
    use every hardware thread.  Both from the i9-13900K sweep in
    ggml-org/llama.cpp#34 (best tg at 8 threads = P-cores, best pp at 32).
    """
    return {
        "threads": hw.cpu.perf_cores,
        "threads_batch": hw.cpu.hw_threads,
        "reason": (f"-t {hw.cpu.perf_cores}: decode is memory-bound, one thread per "
                   f"performance core; -tb {hw.cpu.hw_threads}: prompt processing is "
                   "compute-bound, use all hardware threads"),
    }


def _decode_seconds(shape: ModelShape, p: Placement, hw: Hardware, kv_type: str,
                    depth: int, threads: int, embd_bytes: int, extra_kv_seqs: int = 1) -> float:
    """Seconds per decode step at context *depth* (KV read for *extra_kv_seqs* sequences)."""
    L = shape.n_layers
    n_gpu_layers = min(p.gpu_layers, L)
    kv_gpu = kv_cache_bytes(shape, depth, kv_type, n_gpu_layers) * extra_kv_seqs
    kv_cpu = kv_cache_bytes(shape, depth, kv_type, L - n_gpu_layers) * extra_kv_seqs
    cpu_weights = max(0, p.weights_cpu - embd_bytes)
    t = 0.0
    c = hw.cpu
    cpu_bw = c.bandwidth_gbs * 1e9 * c.decode_bw_eff * cpu_thread_factor(threads, c.perf_cores)
    cpu_layers = L - n_gpu_layers + (0 if p.output_on_gpu else 1)
    t += (cpu_weights + kv_cpu) / cpu_bw + cpu_layers * c.decode_overhead_us * 1e-6
    if hw.gpu is not None and (n_gpu_layers or p.output_on_gpu):
        g = hw.gpu
        gpu_layers = n_gpu_layers + (1 if p.output_on_gpu else 0)
        t += (p.weights_gpu + kv_gpu) / (g.bandwidth_gbs * 1e9 * g.decode_bw_eff)
        t += gpu_layers * g.decode_overhead_us * 1e-6
    return t


def decode_tokens_per_s(shape: ModelShape, p: Placement, hw: Hardware, kv_type: str,
                        depth: int, threads: int, embd_bytes: int) -> float:
    """Single-sequence generation speed (tokens/s) with *depth* tokens already cached."""
    return 1.0 / _decode_seconds(shape, p, hw, kv_type, depth, threads, embd_bytes)


def flops_per_token(shape: ModelShape, active_params: int, depth: float) -> float:
    """Forward-pass FLOPs for one token attending to *depth* cached tokens."""
    embd = shape.vocab_size * shape.hidden_size  # token_embd lookup is not a matmul
    return 2.0 * (active_params - embd) + 4.0 * shape.n_layers * shape.q_dim * depth


def prefill_tokens_per_s(shape: ModelShape, p: Placement, hw: Hardware, active_params: int,
                         depth: float, threads: int, threads_batch: int, embd_bytes: int = 0) -> float:
    """Prompt-processing speed (tokens/s) for 512-token micro-batches at mean *depth*.

    *embd_bytes* (the token-embedding table, a CPU row lookup) is not streamed.
    """
    fl = flops_per_token(shape, active_params, depth)
    c = hw.cpu
    cpu_flops = c.peak_gflops * 1e9 * c.prefill_eff * min(1.0, threads_batch / c.hw_threads)
    offloaded = hw.gpu is not None and (p.gpu_layers > 0)
    if hw.gpu is None or (hw.unified and not offloaded):
        return 1.0 / (fl / cpu_flops)
    g = hw.gpu
    gpu_flops = g.fp16_tflops * 1e12 * g.prefill_eff
    if hw.unified:  # CPU layers computed by the CPU, GPU layers by the GPU
        share_gpu = min(p.gpu_layers, shape.n_layers) / shape.n_layers
        return 1.0 / (fl * share_gpu / gpu_flops + fl * (1 - share_gpu) / cpu_flops)
    # discrete GPU: all big matmuls on the GPU, CPU-resident weights streamed over PCIe
    cpu_matmul_bytes = max(0, p.weights_cpu - embd_bytes)
    stream = cpu_matmul_bytes / (g.pcie_gbs * 1e9) / N_UBATCH if g.pcie_gbs else 0.0
    return 1.0 / (fl / gpu_flops + stream)


def batched_decode_tokens_per_s(shape: ModelShape, p: Placement, hw: Hardware, kv_type: str,
                                depth: int, threads: int, embd_bytes: int, active_params: int,
                                n_slots: int) -> float:
    """Aggregate tokens/s when *n_slots* sequences decode together.

    Weights are read once per step for all sequences, each sequence reads its
    own KV cache, and the step cannot be faster than its FLOPs allow
    (roofline: max of memory time and compute time).
    """
    t_mem = _decode_seconds(shape, p, hw, kv_type, depth, threads, embd_bytes, n_slots)
    # a multi-token batch runs on the -tb threads (llama.cpp n_threads_batch)
    one = prefill_tokens_per_s(shape, p, hw, active_params, depth, threads, hw.cpu.hw_threads,
                               embd_bytes)
    t_compute = n_slots / one
    single = decode_tokens_per_s(shape, p, hw, kv_type, depth, threads, embd_bytes)
    return max(single, n_slots / max(t_mem, t_compute))
