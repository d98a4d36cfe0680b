"""A model of llama.cpp: GGUF file sizes, memory placement, speed and quality.

The public API is :mod:`inferlab.llamacpp.calculator`; the other modules are
its parts (ggml block layouts, llama-quantize's recipes, the GGUF file, the
memory placement, the speed model and the published perplexity figures).
"""
