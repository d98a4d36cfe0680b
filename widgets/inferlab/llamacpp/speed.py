"""Token throughput: the time of one llama.cpp batch step on each device.

llama.cpp evaluates a batch (``llama_decode``) one micro-batch at a time;
a micro-batch of T tokens -- one token of each decoding sequence plus
prompt chunks -- passes through the devices that hold the layers, in layer
order.  On each device the step costs (formulas in :meth:`DeviceWork.seconds`)

* reading its weights once (routed experts: only those some token picked,
  ``E (1 - (1 - k/E)^T)`` of ``E`` on average under uniform routing) and
  the KV cache of every sequence in the batch, at the calibrated share of
  the memory bandwidth;
* a fixed time per layer (kernel launches, synchronisation);
* the matrix multiplications: tokens 2..8 of a small batch go through the
  mat-vec kernels (``MMVQ_MAX_BATCH_SIZE`` = 8 in ggml-cuda; Metal's
  small-batch kernels, llama.cpp PR #10581), each adding its FLOPs at
  ``vec_eff``; larger batches run the tiled matmul kernels at
  ``prefill_eff`` (no fewer than :data:`MATMUL_MIN_TOKENS` columns of
  work) plus ``token_layer_us`` per token and layer;
* attention: ``2 n_head (d_k + d_v)`` FLOPs per query and cached key
  (flash attention) at ``attn_eff``;
* the output projection only for tokens whose logits are wanted (every
  decode token, the last token of a prompt).

With a discrete GPU, matrices left in RAM are multiplied on the GPU for
batches of 32+ tokens, streamed over PCIe each step (``offload_op``,
ggml/src/ggml-cuda/ggml-cuda.cu); smaller batches run them on the CPU.
Single-token decode reduces to ``bytes / (bandwidth x eff) + layers x
overhead``.  The factors and their sources are in
:mod:`inferlab.catalog.hardware_presets`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inferlab.catalog.devices import Hardware
from inferlab.catalog.models import ModelShape, active_fraction
from inferlab.llamacpp.gguf_file import QuantizedTensor
from inferlab.llamacpp.kv_cache import N_UBATCH, kv_bytes_per_element
from inferlab.llamacpp.placement import Placement, layer_devices

#: Largest batch the mat-vec kernels take (``MMVQ_MAX_BATCH_SIZE``, ggml/src/ggml-cuda/mmvq.cuh).
VEC_MAX_BATCH = 8
#: Smallest batch ggml-cuda multiplies RAM-resident weights on the GPU (``offload_op``).
OFFLOAD_MIN_BATCH = 32
#: Tiled matmul kernels cost at least this many columns of work: llama-bench on an RTX 4090 takes
#: 8.2-8.3 ms per micro-batch for every size from 10 to 16 tokens (llama.cpp PR #15131).
MATMUL_MIN_TOKENS = 32
#: Decode slowdown when -t exceeds the performance cores: 15.66 / 18.27 tok/s at 16 vs 8 threads
#: on the i9-13900K in ggml-org/llama.cpp#34.
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


@dataclass(frozen=True)
class StepLoad:
    """What one micro-batch asks of the model: token counts and attention sums.

    ``kv_tokens_global`` / ``kv_tokens_swa``: cached tokens read per global /
    sliding-window layer, summed over the sequences of the batch;
    ``attn_pairs_global`` / ``attn_pairs_swa``: query-key pairs per layer.
    """

    tokens: int
    outputs: int
    kv_tokens_global: float
    kv_tokens_swa: float
    attn_pairs_global: float
    attn_pairs_swa: float


def _window_pairs(depth: float, m: int, window: int) -> float:
    """Sum over the chunk's queries j = 1..m of min(depth + j, window) (keys a windowed layer reads)."""
    below = max(0, min(m, window - depth))  # queries that still see their whole history
    return below * depth + below * (below + 1) / 2 + (m - below) * window


def step_load(shape: ModelShape, decode_depths: Sequence[float], prompt_chunks: Sequence[tuple[int, float]],
              outputs: int | None = None) -> StepLoad:
    """The :class:`StepLoad` of decode tokens at *decode_depths* plus prompt chunks ``(tokens, depth)``."""
    window = shape.sliding_window if shape.swa_in_llama_cpp and shape.swa_pattern else 0
    kv_g = kv_s = pairs_g = pairs_s = 0.0
    for d in decode_depths:
        kv_g += d
        pairs_g += d
        if window:
            kv_s += min(d, window)
            pairs_s += min(d, window)
    n_prompt = 0
    for m, d in prompt_chunks:
        n_prompt += m
        end = d + m
        kv_g += end
        pairs_g += m * d + m * (m + 1) / 2
        if window:
            kv_s += min(end, window)
            pairs_s += _window_pairs(d, m, window)
    n_out = len(decode_depths) + len(prompt_chunks) if outputs is None else outputs
    return StepLoad(len(decode_depths) + n_prompt, n_out, kv_g, kv_s, pairs_g, pairs_s)


@dataclass(frozen=True)
class DeviceWork:
    """One device's share of a step, precomputed from the placement (bytes, FLOPs, seconds)."""

    name: str
    is_gpu: bool
    n_layers: int
    dense_bytes: int            # weights read every step (all but routed experts)
    expert_bytes: int           # routed-expert weights held here
    block_flops: float          # matmul FLOPs per token of the blocks held here
    output_flops: float         # output projection FLOPs per output token (0 if elsewhere)
    kv_bytes_global: float      # KV bytes per cached token over the global layers here
    kv_bytes_swa: float         # ... over the sliding-window layers here
    attn_flops_global: float    # FLOPs per query-key pair over the global layers here
    attn_flops_swa: float
    ram_matrix_bytes: int       # CPU only: matrices a GPU would stream for big batches
    bandwidth: float            # bytes/s reached
    overhead_s: float           # per layer and step
    peak_flops: float
    vec_eff: float
    matmul_eff: float
    token_layer_s: float
    attn_eff: float
    offload_peak: float = 0.0   # CPU only: GPU matmul FLOP/s for offloaded big batches
    pcie: float = 0.0           # CPU only: host->device bytes/s

    def terms(self, load: StepLoad, n_experts: int, n_used: int) -> tuple[float, float, float]:
        """``(weight bytes, KV bytes, attention FLOPs)`` of one micro-batch here.

        Weight bytes: dense weights plus the routed experts some token of the
        micro-batch picked; KV bytes: the cached keys and values the
        attention reads.
        """
        experts: float = self.expert_bytes
        if experts and n_experts:
            experts *= 1.0 - (1.0 - n_used / n_experts) ** load.tokens
        kv = self.kv_bytes_global * load.kv_tokens_global + self.kv_bytes_swa * load.kv_tokens_swa
        attn = self.attn_flops_global * load.attn_pairs_global + self.attn_flops_swa * load.attn_pairs_swa
        return self.dense_bytes + experts, kv, attn

    def work(self, load: StepLoad, n_experts: int, n_used: int) -> dict[str, float]:
        """FLOPs and bytes of one micro-batch here, the terms :meth:`seconds` times.

        ``matmul_flops`` = tokens x 2 x (weights multiplied per token) +
        outputs x 2 x hidden x vocab (output projection, where it lives);
        ``attention_flops`` = query-key pairs x 2 n_head (d_k + d_v) per layer;
        ``weight_bytes`` + ``kv_bytes`` = bytes read.
        """
        weights, kv, attn = self.terms(load, n_experts, n_used)
        matmul = load.tokens * self.block_flops + load.outputs * self.output_flops
        return {"matmul_flops": matmul, "attention_flops": attn, "weight_bytes": weights, "kv_bytes": kv}

    def seconds(self, load: StepLoad, n_experts: int, n_used: int) -> float:
        """Time this device spends on one micro-batch."""
        t = load.tokens
        streamed, kv, attn = self.terms(load, n_experts, n_used)
        offload = self.pcie > 0 and t >= OFFLOAD_MIN_BATCH
        sec = kv / self.bandwidth + self.n_layers * self.overhead_s
        if offload:  # big matrices cross PCIe and run on the GPU
            sec += streamed / self.pcie + t * self.block_flops / self.offload_peak
        else:
            sec += streamed / self.bandwidth + self._matmul(t, self.block_flops)
        if self.output_flops:
            sec += self._matmul(load.outputs, self.output_flops)
        return sec + attn / (self.peak_flops * self.attn_eff)

    def _matmul(self, n: int, flops: float) -> float:
        if n <= 1 or not flops:
            return 0.0
        if not self.is_gpu:
            return (n - 1) * flops / (self.peak_flops * self.matmul_eff)
        if n <= VEC_MAX_BATCH:
            return (n - 1) * flops / (self.peak_flops * self.vec_eff)
        return (max(n, MATMUL_MIN_TOKENS) * flops / (self.peak_flops * self.matmul_eff)
                + n * self.n_layers * self.token_layer_s)


@dataclass(frozen=True)
class SpeedModel:
    """Step times of one configuration.  Build it with :func:`build_speed_model`
    (or ``inferlab.llamacpp.calculator.speed_model(model=..., hardware=...)``).

    :meth:`step_seconds` is the primitive a llama-server simulation calls once
    per unified batch step; the other methods are its special cases::

        sm = speed_model(model="llama-3-8b", quant="Q4_K_M", hardware="rtx-4090", ctx=32768)
        # slots 0-2 generating with 1200, 300 and 4000 tokens cached; slot 3 reading
        # a prompt: 512 of its tokens in this step, 1024 already processed
        dt = sm.step_seconds(decode_depths=[1200, 300, 4000], prompt_chunks=[(512, 1024)])
        # every generating slot advances one token after dt seconds

    Inputs are what the scheduler knows: each decoding sequence's cached
    depth, and each prompt chunk's size and starting depth (llama-server
    fills the batch with one token per generating slot first, then prompt
    tokens up to ``n_batch``).  Logits are computed for every decode token
    and one per prompt chunk unless *outputs* says otherwise.  The model is
    immutable and a call costs O(sequences) (~10-30 us in CPython), so it
    can run for every step of a long simulation.  Memory (KV capacity, per-slot
    context) is not checked here: ``memory_report`` / ``speed_report`` give
    ``kv_cells`` and the fit.
    """

    devices: tuple[DeviceWork, ...]
    n_experts: int
    n_used: int
    shape: ModelShape
    n_ubatch: int = N_UBATCH

    def step_seconds(self, decode_depths: Sequence[float] = (), prompt_chunks: Sequence[tuple[int, float]] = (),
                     outputs: int | None = None) -> float:
        """Seconds for one llama_decode call: one token per depth in *decode_depths* (each a
        sequence with that many tokens cached) plus *prompt_chunks* ``(tokens, depth)``.

        Batches above ``n_ubatch`` tokens run as several micro-batches (split
        evenly here).  *outputs* defaults to one logit row per decode token
        and per prompt chunk.
        """
        parts, load = self._micro_batches(decode_depths, prompt_chunks, outputs)
        if not parts:
            return 0.0
        return parts * sum(d.seconds(load, self.n_experts, self.n_used) for d in self.devices)

    def _micro_batches(self, decode_depths: Sequence[float], prompt_chunks: Sequence[tuple[int, float]],
                       outputs: int | None) -> tuple[int, StepLoad]:
        """(number of micro-batches, the load of each) of one llama_decode call (0 parts when empty)."""
        load = step_load(self.shape, decode_depths, prompt_chunks, outputs)
        if load.tokens == 0:
            return 0, load
        parts = max(1, math.ceil(load.tokens / self.n_ubatch))
        if parts > 1:
            load = StepLoad(math.ceil(load.tokens / parts), math.ceil(load.outputs / parts),
                            load.kv_tokens_global / parts, load.kv_tokens_swa / parts,
                            load.attn_pairs_global / parts, load.attn_pairs_swa / parts)
        return parts, load

    def step_work(self, decode_depths: Sequence[float] = (), prompt_chunks: Sequence[tuple[int, float]] = (),
                  outputs: int | None = None) -> list[dict]:
        """FLOPs and bytes of the :meth:`step_seconds` call with the same arguments, per device in layer order.

        ``[{"device", "matmul_flops", "attention_flops", "weight_bytes", "kv_bytes", "seconds"}, ...]``,
        summed over the call's micro-batches (each reads the weights again).
        These are the quantities the step time is made of, for a roofline:
        arithmetic intensity = FLOPs / bytes.
        """
        parts, load = self._micro_batches(decode_depths, prompt_chunks, outputs)
        rows = []
        for d in self.devices:
            w = d.work(load, self.n_experts, self.n_used) if parts else dict.fromkeys(
                ("matmul_flops", "attention_flops", "weight_bytes", "kv_bytes"), 0.0)
            rows.append({"device": d.name, **{k: parts * v for k, v in w.items()},
                         "seconds": parts * d.seconds(load, self.n_experts, self.n_used) if parts else 0.0})
        return rows

    def device_seconds(self, decode_depths: Sequence[float] = (),
                       prompt_chunks: Sequence[tuple[int, float]] = ()) -> list[dict]:
        """:meth:`step_seconds` per device, in layer order: ``[{"device", "seconds"}, ...]``."""
        load = step_load(self.shape, decode_depths, prompt_chunks)
        return [{"device": d.name, "seconds": d.seconds(load, self.n_experts, self.n_used)}
                for d in self.devices]

    def decode_tokens_per_s(self, depth: int = 0, batch: int = 1) -> float:
        """Aggregate decode tokens/s of *batch* sequences, each with *depth* tokens cached."""
        return batch / self.step_seconds([depth] * batch)

    def prefill_tokens_per_s(self, depth: float = 0, ubatch: int | None = None) -> float:
        """Prompt tokens/s of one micro-batch of *ubatch* tokens starting at *depth* (llama-bench pp)."""
        m = self.n_ubatch if ubatch is None else ubatch
        return m / self.step_seconds(prompt_chunks=[(m, int(depth))], outputs=1)

    def prompt_seconds(self, tokens: int, depth: int = 0, ubatch: int | None = None) -> float:
        """Seconds to process a *tokens*-long prompt after *depth* cached tokens, micro-batch by micro-batch."""
        size = self.n_ubatch if ubatch is None else ubatch
        total, done = 0.0, 0
        while done < tokens:
            m = min(size, tokens - done)
            last = done + m >= tokens
            total += self.step_seconds(prompt_chunks=[(m, depth + done)], outputs=1 if last else 0)
            done += m
        return total


def _attention_widths(shape: ModelShape) -> tuple[int, int]:
    if shape.is_mla:
        return shape.mla_latent_dim, shape.kv_lora_rank
    return shape.head_dim, shape.head_dim


def build_speed_model(shape: ModelShape, tensors: list[QuantizedTensor], p: Placement, hw: Hardware,
                      kv_type: str, threads: int, threads_batch: int, n_gpus: int = 1,
                      tensor_split: list[float] | None = None) -> SpeedModel:
    """Precompute each device's bytes and FLOPs for *p* on *hw*."""
    L = shape.n_layers
    gpu = hw.gpu if p.gpus else None
    splits = (list(tensor_split) if tensor_split else [1.0] * n_gpus) if gpu else []
    where = layer_devices(L, p.gpu_layers if gpu else 0, splits)
    n_dev = len(splits) + 1
    dense, expert, flops = [0] * n_dev, [0] * n_dev, [0.0] * n_dev
    for t in tensors:
        if t.spec.layer < 0:
            continue
        dev = where[t.spec.layer] + 1
        if t.spec.n_expert > 1:
            expert[dev] += t.nbytes
        else:
            dense[dev] += t.nbytes
        if t.spec.quantizable:
            flops[dev] += 2.0 * t.spec.n_elements * active_fraction(t.spec, shape)
    out_dev = where[L] + 1
    out_name = "token_embd.weight" if shape.tied_embeddings else "output.weight"
    dense[out_dev] += sum(t.nbytes for t in tensors if t.spec.name in (out_name, "output_norm.weight"))
    el = kv_bytes_per_element(kv_type)
    dk, dv = _attention_widths(shape)
    k_el, v_el = shape.kv_elements_per_token_layer
    kv_g, kv_s, at_g, at_s = [0.0] * n_dev, [0.0] * n_dev, [0.0] * n_dev, [0.0] * n_dev
    layers = [0] * n_dev
    windowed = shape.swa_in_llama_cpp and shape.swa_pattern and shape.sliding_window
    for il in range(L):
        dev = where[il] + 1
        layers[dev] += 1
        swa = windowed and shape.is_swa_layer(il)
        (kv_s if swa else kv_g)[dev] += (k_el + v_el) * el
        (at_s if swa else at_g)[dev] += 2.0 * shape.n_heads * (dk + dv)
    c = hw.cpu
    cpu_bw = c.bandwidth_gbs * 1e9 * c.decode_bw_eff * cpu_thread_factor(threads, c.perf_cores)
    cpu_peak = c.peak_gflops * 1e9 * min(1.0, threads_batch / c.hw_threads)
    out_flops = 2.0 * shape.hidden_size * shape.vocab_size
    devices = []
    for dev in range(n_dev):
        common: dict[str, Any] = dict(n_layers=layers[dev] + (1 if dev == out_dev else 0), dense_bytes=dense[dev],
                      expert_bytes=expert[dev], block_flops=flops[dev],
                      output_flops=out_flops if dev == out_dev else 0.0,
                      kv_bytes_global=kv_g[dev], kv_bytes_swa=kv_s[dev], attn_flops_global=at_g[dev],
                      attn_flops_swa=at_s[dev])
        if dev == 0:
            pcie_gbs = gpu.pcie_gbs if gpu is not None and not hw.unified else None
            devices.append(DeviceWork(
                name="CPU", is_gpu=False, ram_matrix_bytes=dense[0] + expert[0], bandwidth=cpu_bw,
                overhead_s=c.decode_overhead_us * 1e-6, peak_flops=cpu_peak, vec_eff=c.prefill_eff,
                matmul_eff=c.prefill_eff, token_layer_s=0.0, attn_eff=c.prefill_eff,
                offload_peak=(gpu.fp16_tflops * 1e12 * gpu.prefill_eff) if gpu is not None and pcie_gbs else 0.0,
                pcie=(pcie_gbs * 1e9) if pcie_gbs else 0.0, **common))
        else:
            assert gpu is not None  # devices past the CPU exist only when there is a GPU (splits)
            devices.append(DeviceWork(
                name=f"GPU{dev - 1}", is_gpu=True, ram_matrix_bytes=0,
                bandwidth=gpu.bandwidth_gbs * 1e9 * gpu.decode_bw_eff,
                overhead_s=gpu.decode_overhead_us * 1e-6, peak_flops=gpu.fp16_tflops * 1e12,
                vec_eff=gpu.vec_eff, matmul_eff=gpu.prefill_eff, token_layer_s=gpu.token_layer_us * 1e-6,
                attn_eff=gpu.attn_eff, **common))
    active = tuple(d for d in devices if d.n_layers or d.dense_bytes or d.expert_bytes)
    return SpeedModel(active, shape.n_experts, shape.n_experts_used, shape)


__all__ = ["DeviceWork", "MATMUL_MIN_TOKENS", "OFFLOAD_MIN_BATCH", "SpeedModel", "StepLoad",
           "VEC_MAX_BATCH", "build_speed_model", "cpu_thread_factor", "step_load", "thread_advice"]
