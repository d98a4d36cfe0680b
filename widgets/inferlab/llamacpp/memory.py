"""Memory of a llama.cpp run, in one import: KV cache sizes (:mod:`.kv_cache`),
compute buffers (:mod:`.compute_buffers`) and the per-device placement and
fit check (:mod:`.placement`).
"""

from inferlab.llamacpp.compute_buffers import compute_buffer_bytes, cpu_only_buffer
from inferlab.llamacpp.kv_cache import (KV_PAD, KV_TYPES, N_BATCH, N_UBATCH, kv_bytes_per_element,
                                        kv_cache_bytes, kv_cache_bytes_per_token, kv_cells, pad)
from inferlab.llamacpp.placement import DeviceUse, Placement, fit_check, place

__all__ = ["DeviceUse", "KV_PAD", "KV_TYPES", "N_BATCH", "N_UBATCH", "Placement", "compute_buffer_bytes",
           "cpu_only_buffer", "fit_check", "kv_bytes_per_element", "kv_cache_bytes",
           "kv_cache_bytes_per_token", "kv_cells", "pad", "place"]
