"""A model of llama.cpp: GGUF file sizes, memory placement, fit, speed and quality.

The public API is :mod:`inferlab.llamacpp.calculator` (inputs declared in
:mod:`.params`, resolved in :mod:`.setup`).  Its parts: ggml block layouts
(:mod:`.ggml_types`), llama-quantize's recipes (:mod:`.quant_recipes`), the
GGUF file (:mod:`.gguf_file`), the KV cache (:mod:`.kv_cache`), compute
buffers (:mod:`.compute_buffers`), per-device placement (:mod:`.placement`),
``--fit`` (:mod:`.fit`), the step-time speed model (:mod:`.speed`), the
published measurements it is held to (:mod:`.published`, :mod:`.fidelity`)
and the cited perplexity figures (:mod:`.quality`).
"""
