"""Where the bytes live when llama.cpp runs a model: weights, KV cache and
compute buffers, split between GPU (VRAM) and host RAM by ``-ngl N``.

Offload rule (src/llama-model.cpp, ``load_tensors``): the *last* N repeating
blocks go to the GPU (``i_gpu_start = n_layer - n_gpu_layers``); the output
layer joins them when N > n_layer (``-ngl 99`` offloads everything); the
token embedding table always stays on the CPU.  With the default
``offload_kqv`` the KV cache of a block lives on that block's device.

KV cache bytes = 2 (K and V) x n_layers x n_kv_heads x head_dim x ctx x
bytes per element of the cache type (f16 = 2, q8_0 = 34/32, q4_0 = 18/32).
"""

from dataclasses import dataclass

from inferlab.llamacpp.ggml_types import GGML_TYPES
from inferlab.llamacpp.gguf_file import QuantizedTensor, layer_bytes
from inferlab.catalog.models import ModelShape
from inferlab.inputs import check_choice

#: Cache types accepted by llama.cpp's ``--cache-type-k/-v`` (common/arg.cpp kv_cache_types).
KV_TYPES = ("f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1")
#: Default micro-batch (``n_ubatch``, common/common.h) -- sizes the compute buffers.
N_UBATCH = 512


def kv_bytes_per_element(kv_type: str) -> float:
    """Bytes per cached element for a ``--cache-type`` name (block layouts, ggml_types)."""
    t = GGML_TYPES[check_choice("kv_type", str(kv_type).lower(), KV_TYPES).upper()]
    return t.type_size / t.block_size


def kv_cache_bytes_per_token(shape: ModelShape, kv_type: str = "f16") -> float:
    """KV cache bytes for one token of context, all layers."""
    return 2 * shape.n_layers * shape.n_kv_heads * shape.head_dim * kv_bytes_per_element(kv_type)


def kv_cache_bytes(shape: ModelShape, ctx: int, kv_type: str = "f16", n_layers: int | None = None) -> int:
    """KV cache bytes for *ctx* tokens over *n_layers* blocks (default all)."""
    layers = shape.n_layers if n_layers is None else n_layers
    per_layer = 2 * shape.n_kv_heads * shape.head_dim * kv_bytes_per_element(kv_type)
    return int(round(per_layer * layers * ctx))


def compute_buffer_bytes(shape: ModelShape, ctx: int, flash_attn: bool = True) -> tuple[int, int]:
    """(device compute buffer, host compute buffer) in bytes for one context.

    Calibrated on a llama.cpp log (fedora-copr/logdetective PR #106: a 32-layer,
    32-head, 4096-wide model, n_ubatch 512, no flash attention): the device
    buffer grew from 164 MiB at n_ctx 2048 to 2144 MiB at 32768, i.e. exactly
    n_ubatch x (n_head x 4 + 4) bytes per context token (the f32 KQ scores plus
    the mask), on top of n_ubatch x 16 x n_embd bytes; the host buffer grew as
    n_ubatch x 4 bytes per context token on top of n_ubatch x 4 x n_embd.
    With flash attention the KQ matrix is never materialised: only an f16 mask
    (2 bytes per context token and ubatch row) remains.
    """
    ub, d = N_UBATCH, shape.hidden_size
    per_ctx = 2 if flash_attn else shape.n_heads * 4 + 4
    device = ub * (ctx * per_ctx + 16 * d)
    host = ub * (ctx * 4 + 4 * d)
    return device, host


@dataclass(frozen=True)
class Placement:
    """Bytes per device for one configuration (all values in bytes)."""

    gpu_layers: int
    output_on_gpu: bool
    weights_gpu: int
    weights_cpu: int
    kv_gpu: int
    kv_cpu: int
    compute_gpu: int
    compute_cpu: int

    @property
    def vram_bytes(self) -> int:
        """Everything allocated on the GPU."""
        return self.weights_gpu + self.kv_gpu + self.compute_gpu

    @property
    def ram_bytes(self) -> int:
        """Everything allocated in host RAM."""
        return self.weights_cpu + self.kv_cpu + self.compute_cpu


def place(shape: ModelShape, tensors: list[QuantizedTensor], ctx: int, kv_type: str,
          gpu_layers: int, has_gpu: bool, flash_attn: bool = True) -> Placement:
    """Split weights, KV cache and compute buffers between GPU and RAM.

    *gpu_layers* is ``-ngl`` (already clamped to 0..n_layers+1); without a GPU
    everything is on the CPU.
    """
    L = shape.n_layers
    n_gpu = min(gpu_layers, L) if has_gpu else 0
    output_on_gpu = has_gpu and gpu_layers > L
    per_layer = layer_bytes(tensors, L)
    w_gpu = sum(per_layer[L - n_gpu:]) if n_gpu else 0
    total = sum(t.nbytes for t in tensors)
    out_names = {"output.weight", "output_norm.weight"}
    out_bytes = sum(t.nbytes for t in tensors if t.spec.name in out_names)
    w_cpu = total - w_gpu
    if output_on_gpu:
        w_gpu += out_bytes
        w_cpu -= out_bytes
        if shape.tied_embeddings:  # the output projection is a GPU copy of token_embd
            w_gpu += sum(t.nbytes for t in tensors if t.spec.name == "token_embd.weight")
    kv_gpu = kv_cache_bytes(shape, ctx, kv_type, n_gpu)
    kv_cpu = kv_cache_bytes(shape, ctx, kv_type, L - n_gpu)
    dev, host = compute_buffer_bytes(shape, ctx, flash_attn)
    if n_gpu or output_on_gpu:
        c_gpu, c_cpu = dev, host
    else:
        c_gpu, c_cpu = 0, dev
    return Placement(gpu_layers=n_gpu + (1 if output_on_gpu else 0), output_on_gpu=output_on_gpu,
                     weights_gpu=w_gpu, weights_cpu=w_cpu, kv_gpu=kv_gpu, kv_cpu=kv_cpu,
                     compute_gpu=c_gpu, compute_cpu=c_cpu)


def fit_check(p: Placement, vram_limit: int | None, ram_limit: int | None, unified: bool,
              gpu_reserved: int, ram_reserved: int) -> dict:
    """Compare a placement with memory limits (bytes).

    Discrete GPU: VRAM and RAM are checked separately.  Unified memory
    (Apple): the GPU part must stay under the Metal working-set limit and
    GPU + CPU parts together under the total.  Headroom = limit - reserve - use
    (negative when it does not fit).
    """
    vram_head = None if vram_limit is None else vram_limit - gpu_reserved - p.vram_bytes
    if vram_limit is not None and p.vram_bytes == 0:
        vram_head = vram_limit - p.vram_bytes  # nothing offloaded: no GPU context needed
    ram_use = p.ram_bytes + (p.vram_bytes if unified else 0)
    ram_head = None if ram_limit is None else ram_limit - ram_reserved - ram_use
    problems = []
    if vram_head is not None and vram_head < 0:
        problems.append("VRAM")
    if ram_head is not None and ram_head < 0:
        problems.append("unified memory" if unified else "RAM")
    return {"fits": not problems, "short_of": problems,
            "vram_headroom_bytes": vram_head, "ram_headroom_bytes": ram_head}
