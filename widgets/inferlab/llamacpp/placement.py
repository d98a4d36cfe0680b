"""Where the bytes live: weights, KV cache and compute buffers per device.

Offload rule (src/llama-model.cpp, ``load_tensors``, 2025 builds):
``i_gpu_start = max(n_layer + 1 - n_gpu_layers, 0)``; block ``il`` goes to
a GPU when ``il >= i_gpu_start``, and the output layer counts as block
``n_layer`` -- so ``-ngl 1`` offloads the output layer alone, ``-ngl N``
the output plus the last N-1 blocks, ``-ngl n_layer+1`` everything.  The
token embedding always stays on the CPU (``dev_input`` is the CPU); a model
with tied embeddings gets a GPU copy of it as its output matrix.  With
several GPUs (``--split-mode layer``, the default) offloaded block ``il``
goes to GPU ``upper_bound(splits, (il - i_gpu_start) / act_gpu_layers)``,
``splits`` being the cumulative ``--tensor-split`` (default: proportional
to each GPU's free memory).  With the default ``offload_kqv`` a block's KV
cache lives on the block's device.
"""

from __future__ import annotations

from dataclasses import dataclass

from inferlab.catalog.models import ModelShape
from inferlab.llamacpp.compute_buffers import buffer_parts, layer_peak, output_peak
from inferlab.llamacpp.gguf_file import QuantizedTensor
from inferlab.llamacpp.kv_cache import kv_cells, kv_layer_bytes

CPU = "CPU"


@dataclass(frozen=True)
class DeviceUse:
    """Bytes one device holds.  ``layers`` are the blocks it computes."""

    name: str
    is_gpu: bool
    layers: tuple[int, ...]
    has_output: bool
    weights: int
    kv: int
    compute: int

    @property
    def total(self) -> int:
        """Everything allocated on the device (bytes)."""
        return self.weights + self.kv + self.compute

    def as_dict(self) -> dict:
        """JSON-able summary."""
        return {"device": self.name, "layers": len(self.layers), "output_layer": self.has_output,
                "weights_bytes": self.weights, "kv_cache_bytes": self.kv,
                "compute_buffer_bytes": self.compute, "total_bytes": self.total}


@dataclass(frozen=True)
class Placement:
    """Bytes per device for one configuration: ``devices[0]`` is the CPU, then the GPUs."""

    gpu_layers: int
    output_on_gpu: bool
    devices: tuple[DeviceUse, ...]

    @property
    def gpus(self) -> tuple[DeviceUse, ...]:
        """The GPU entries."""
        return self.devices[1:]

    @property
    def cpu(self) -> DeviceUse:
        """The CPU entry."""
        return self.devices[0]

    @property
    def weights_gpu(self) -> int:
        return sum(g.weights for g in self.gpus)

    @property
    def weights_cpu(self) -> int:
        return self.cpu.weights

    @property
    def kv_gpu(self) -> int:
        return sum(g.kv for g in self.gpus)

    @property
    def kv_cpu(self) -> int:
        return self.cpu.kv

    @property
    def compute_gpu(self) -> int:
        return sum(g.compute for g in self.gpus)

    @property
    def compute_cpu(self) -> int:
        return self.cpu.compute

    @property
    def vram_bytes(self) -> int:
        """Everything allocated on the GPUs together."""
        return sum(g.total for g in self.gpus)

    @property
    def ram_bytes(self) -> int:
        """Everything allocated in host RAM."""
        return self.cpu.total


def layer_devices(n_layers: int, gpu_layers: int, splits: list[float]) -> list[int]:
    """Device of every block and of the output layer (index ``n_layers``): -1 = CPU, k = GPU k.

    *splits* are the per-GPU shares (any positive scale); empty means no GPU.
    """
    if not splits or gpu_layers <= 0:
        return [-1] * (n_layers + 1)
    total = float(sum(splits))
    cumulative, acc = [], 0.0
    for share in splits:
        acc += share / total
        cumulative.append(acc)
    start = max(n_layers + 1 - gpu_layers, 0)
    active = min(gpu_layers, n_layers + 1)
    out = []
    for il in range(n_layers + 1):
        if il < start:
            out.append(-1)
            continue
        x = (il - start) / active
        out.append(min(next((k for k, c in enumerate(cumulative) if c > x), len(splits) - 1),
                       len(splits) - 1))
    return out


def _weights_by_block(tensors: list[QuantizedTensor], n_layers: int) -> tuple[list[int], int, int]:
    per_layer = [0] * n_layers
    output = embd = 0
    for t in tensors:
        if t.spec.layer >= 0:
            per_layer[t.spec.layer] += t.nbytes
        elif t.spec.name == "token_embd.weight":
            embd = t.nbytes
        else:  # output.weight, output_norm.weight
            output += t.nbytes
    return per_layer, output, embd


def place(shape: ModelShape, tensors: list[QuantizedTensor], ctx: int, kv_type: str,
          gpu_layers: int, has_gpu: bool, flash_attn: bool = True, n_gpus: int = 1,
          tensor_split: list[float] | None = None, n_seq: int = 1) -> Placement:
    """Split weights, KV cache and compute buffers between the CPU and *n_gpus* GPUs.

    *ctx* is the number of KV cells (padded); *gpu_layers* is ``-ngl``.
    Compute buffers: every GPU computing blocks reserves one layer's peak,
    the device with the output layer the output peak; the CPU holds the
    graph inputs (and, computing blocks itself, a layer's peak).  A GPU run
    with matrices left in RAM also reserves room on the first GPU for a
    copy of the largest of them: batches of 32+ tokens multiply them on the
    GPU (``offload_op``, min batch 32, ggml/src/ggml-cuda/ggml-cuda.cu).
    """
    L = shape.n_layers
    splits = (list(tensor_split) if tensor_split else [1.0] * n_gpus) if has_gpu else []
    where = layer_devices(L, gpu_layers, splits)
    per_layer, out_bytes, embd = _weights_by_block(tensors, L)
    n_dev = len(splits)
    weights, kv = [0] * (n_dev + 1), [0] * (n_dev + 1)
    blocks: list[list[int]] = [[] for _ in range(n_dev + 1)]
    for il in range(L):
        dev = where[il] + 1
        blocks[dev].append(il)
        weights[dev] += per_layer[il]
        kv[dev] += kv_layer_bytes(shape, il, kv_cells(shape, il, ctx, n_seq), kv_type)
    out_dev = where[L] + 1
    weights[0] += embd
    weights[out_dev] += out_bytes
    if out_dev and shape.tied_embeddings:
        weights[out_dev] += embd  # the output matrix is a GPU copy of token_embd
    parts = buffer_parts(shape, ctx, flash_attn=flash_attn)
    compute = [0] * (n_dev + 1)
    for dev in range(1, n_dev + 1):
        if dev == out_dev:
            compute[dev] = output_peak(parts)
        elif blocks[dev]:
            compute[dev] = layer_peak(parts)
    if n_dev and (out_dev or any(blocks[1:])):
        cpu_peak = output_peak(parts) if out_dev == 0 else layer_peak(parts) if blocks[0] else 0
        compute[0] = parts.inputs + cpu_peak
        ram_matrices = [t.nbytes for t in tensors if t.spec.layer >= 0 and t.spec.quantizable
                        and where[t.spec.layer] == -1]
        if out_dev == 0:
            ram_matrices.append(embd if shape.tied_embeddings else out_bytes)
        if ram_matrices:
            compute[1] += max(ram_matrices)
    else:
        compute[0] = output_peak(parts)
    names = [CPU] + [f"GPU{k}" for k in range(n_dev)]
    devices = tuple(DeviceUse(names[d], d > 0, tuple(blocks[d]), d == out_dev, weights[d], kv[d], compute[d])
                    for d in range(n_dev + 1))
    n_offloaded = sum(len(b) for b in blocks[1:]) + (1 if out_dev else 0)
    return Placement(gpu_layers=n_offloaded, output_on_gpu=out_dev > 0, devices=devices)


def fit_check(p: Placement, vram_limit: int | None, ram_limit: int | None, unified: bool,
              gpu_reserved: int, ram_reserved: int, margin: int = 0) -> dict:
    """Compare a placement with memory limits (bytes).

    *vram_limit* is per GPU.  Discrete GPUs: each GPU and the RAM are
    checked separately.  Unified memory (Apple): the GPU part must stay
    under the Metal working-set limit and GPU + CPU parts together under
    the total.  Headroom = limit - reserve - margin - use (negative when it
    does not fit); the reported VRAM headroom is the tightest GPU's.
    """
    used = [g.total for g in p.gpus if g.total]
    vram_head = None
    if vram_limit is not None:
        vram_head = min((vram_limit - gpu_reserved - margin - u for u in used), default=vram_limit)
    ram_use = p.ram_bytes + (p.vram_bytes if unified else 0)
    ram_head = None if ram_limit is None else ram_limit - ram_reserved - ram_use
    problems = []
    if vram_head is not None and vram_head < 0:
        problems.append("VRAM")
    if ram_head is not None and ram_head < 0:
        problems.append("unified memory" if unified else "RAM")
    return {"fits": not problems, "short_of": problems,
            "vram_headroom_bytes": vram_head, "ram_headroom_bytes": ram_head}


__all__ = ["CPU", "DeviceUse", "Placement", "fit_check", "layer_devices", "place"]
