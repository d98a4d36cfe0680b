"""Model presets: real shapes, each cited to the Hugging Face ``config.json``
(or paper) its numbers come from.

Each row maps config keys: hidden_size, intermediate_size (ffn_size),
num_hidden_layers, num_attention_heads, num_key_value_heads, head_dim,
vocab_size, tie_word_embeddings, max_position_embeddings (max_ctx),
sliding_window; MoE: num_experts / n_routed_experts, num_experts_per_tok,
moe_intermediate_size, n_shared_experts, first_k_dense_replace; MLA:
kv_lora_rank, qk_nope_head_dim, qk_rope_head_dim, v_head_dim.
``published_params`` is the exact count of the safetensors index / model
card; where only a rounded figure is published, ``published_params_text``
holds it and the tests check the derived count against its rounding.
``n_merges`` of DeepSeek-V2-Lite and Phi-4 is an estimate (vocabulary minus
the 256 byte tokens); it only feeds the GGUF metadata-size estimate.
"""

from typing import Any

from inferlab.catalog.shapes import ModelShape

HF = "https://huggingface.co/"


def _preset(**kw: Any) -> ModelShape:
    kw.setdefault("head_dim", kw["hidden_size"] // kw["n_heads"])
    return ModelShape(**kw)


def _llama3(name: str, display: str, repo: str, *, layers: int, hidden: int, ffn: int, heads: int,
            ctx: int, params: int | None, tied: bool = False, head_dim: int | None = None,
            params_text: str = "", big: bool = False) -> ModelShape:
    """A Llama 3.x shape: 8 KV heads, 128,256-token BPE vocabulary (280,147 merges)."""
    return _preset(name=name, display_name=display, arch="llama", n_layers=layers, hidden_size=hidden,
                   ffn_size=ffn, n_heads=heads, n_kv_heads=8, head_dim=head_dim or hidden // heads,
                   vocab_size=128256, tied_embeddings=tied, max_ctx=ctx, tokenizer="bpe",
                   n_merges=280_147, published_params=params, published_params_text=params_text,
                   is_70b_class=big, source=f"{HF}{repo}/blob/main/config.json")


def _qwen25(name: str, display: str, repo: str, *, layers: int, hidden: int, ffn: int, heads: int,
            kv: int, vocab: int = 152064, tied: bool = False, params: int, big: bool = False) -> ModelShape:
    """A Qwen2.5 shape: q/k/v biases, 151,387 BPE merges, 32,768 native context."""
    return _preset(name=name, display_name=display, arch="qwen2", n_layers=layers, hidden_size=hidden,
                   ffn_size=ffn, n_heads=heads, n_kv_heads=kv, vocab_size=vocab, tied_embeddings=tied,
                   max_ctx=32768, qkv_bias=True, tokenizer="bpe", n_merges=151_387,
                   published_params=params, is_70b_class=big, source=f"{HF}{repo}/blob/main/config.json")


PRESETS_TABLE = (
    _preset(name="llama-2-7b", display_name="Llama 2 7B", arch="llama", n_layers=32,
            hidden_size=4096, ffn_size=11008, n_heads=32, n_kv_heads=32, vocab_size=32000,
            tied_embeddings=False, max_ctx=4096, published_params=6_738_415_616,
            source=f"{HF}meta-llama/Llama-2-7b-hf/blob/main/config.json"),
    _preset(name="llama-2-13b", display_name="Llama 2 13B", arch="llama", n_layers=40,
            hidden_size=5120, ffn_size=13824, n_heads=40, n_kv_heads=40, vocab_size=32000,
            tied_embeddings=False, max_ctx=4096, published_params=13_015_864_320,
            source=f"{HF}meta-llama/Llama-2-13b-hf/blob/main/config.json"),
    # GQA, 8 KV heads; llama.cpp treats 80-layer llama as LLM_TYPE_70B (attn_v bump in llama-quant.cpp)
    _preset(name="llama-2-70b", display_name="Llama 2 70B", arch="llama", n_layers=80,
            hidden_size=8192, ffn_size=28672, n_heads=64, n_kv_heads=8, vocab_size=32000,
            tied_embeddings=False, max_ctx=4096, published_params=68_976_648_192, is_70b_class=True,
            source=f"{HF}meta-llama/Llama-2-70b-hf/blob/main/config.json"),
    _llama3("llama-3-8b", "Llama 3 8B", "meta-llama/Meta-Llama-3-8B", layers=32, hidden=4096,
            ffn=14336, heads=32, ctx=8192, params=8_030_261_248),
    _llama3("llama-3.1-8b", "Llama 3.1 8B", "meta-llama/Llama-3.1-8B", layers=32, hidden=4096,
            ffn=14336, heads=32, ctx=131072, params=8_030_261_248),
    _llama3("llama-3-70b", "Llama 3 70B", "meta-llama/Meta-Llama-3-70B", layers=80, hidden=8192,
            ffn=28672, heads=64, ctx=8192, params=70_553_706_496, big=True),
    _llama3("llama-3.1-70b", "Llama 3.1 70B", "meta-llama/Llama-3.1-70B", layers=80, hidden=8192,
            ffn=28672, heads=64, ctx=131072, params=70_553_706_496, big=True),
    _llama3("llama-3.3-70b", "Llama 3.3 70B", "meta-llama/Llama-3.3-70B-Instruct", layers=80,
            hidden=8192, ffn=28672, heads=64, ctx=131072, params=70_553_706_496, big=True),
    _llama3("llama-3.1-405b", "Llama 3.1 405B", "meta-llama/Llama-3.1-405B", layers=126,
            hidden=16384, ffn=53248, heads=128, ctx=131072, params=405_853_388_800),
    _llama3("llama-3.2-1b", "Llama 3.2 1B", "meta-llama/Llama-3.2-1B", layers=16, hidden=2048,
            ffn=8192, heads=32, head_dim=64, ctx=131072, tied=True, params=1_235_814_400),
    _llama3("llama-3.2-3b", "Llama 3.2 3B", "meta-llama/Llama-3.2-3B", layers=28, hidden=3072,
            ffn=8192, heads=24, ctx=131072, tied=True, params=3_212_749_824),
    # sliding_window 4096 on every layer, but llama.cpp's llama graph ignores it: full KV cache
    _preset(name="mistral-7b", display_name="Mistral 7B v0.1", arch="llama", n_layers=32,
            hidden_size=4096, ffn_size=14336, n_heads=32, n_kv_heads=8, vocab_size=32000,
            tied_embeddings=False, max_ctx=32768, published_params=7_241_732_096,
            sliding_window=4096, swa_pattern=1, swa_in_llama_cpp=False,
            source=f"{HF}mistralai/Mistral-7B-v0.1/blob/main/config.json"),
    _preset(name="mixtral-8x7b", display_name="Mixtral 8x7B", arch="llama", n_layers=32,
            hidden_size=4096, ffn_size=14336, n_heads=32, n_kv_heads=8, vocab_size=32000,
            tied_embeddings=False, max_ctx=32768, n_experts=8, n_experts_used=2,
            published_params=46_702_792_704,
            source=f"{HF}mistralai/Mixtral-8x7B-v0.1/blob/main/config.json"),
    # hidden 896 is not a multiple of 256, so k-quants fall back (llama-quant.cpp tensor_type_fallback)
    _qwen25("qwen2.5-0.5b", "Qwen2.5 0.5B", "Qwen/Qwen2.5-0.5B", layers=24, hidden=896, ffn=4864,
            heads=14, kv=2, vocab=151936, tied=True, params=494_032_768),
    _qwen25("qwen2.5-7b", "Qwen2.5 7B", "Qwen/Qwen2.5-7B-Instruct", layers=28, hidden=3584,
            ffn=18944, heads=28, kv=4, params=7_615_616_512),
    _qwen25("qwen2.5-14b", "Qwen2.5 14B", "Qwen/Qwen2.5-14B-Instruct", layers=48, hidden=5120,
            ffn=13824, heads=40, kv=8, params=14_770_033_664),
    _qwen25("qwen2.5-32b", "Qwen2.5 32B", "Qwen/Qwen2.5-32B-Instruct", layers=64, hidden=5120,
            ffn=27648, heads=40, kv=8, params=32_763_876_352),
    # 80 qwen2 layers are LLM_TYPE_70B in llama.cpp, so the 70B attn_v rule applies
    _qwen25("qwen2.5-72b", "Qwen2.5 72B", "Qwen/Qwen2.5-72B-Instruct", layers=80, hidden=8192,
            ffn=29568, heads=64, kv=8, params=72_706_203_648, big=True),
    _preset(name="qwen3-8b", display_name="Qwen3 8B", arch="qwen3", n_layers=36, hidden_size=4096,
            ffn_size=12288, n_heads=32, n_kv_heads=8, head_dim=128, vocab_size=151936,
            tied_embeddings=False, max_ctx=40960, qk_norm=True, tokenizer="bpe", n_merges=151_387,
            published_params=8_190_735_360, source=f"{HF}Qwen/Qwen3-8B/blob/main/config.json"),
    # 128 experts of width 768, 8 routed per token, no shared expert
    _preset(name="qwen3-30b-a3b", display_name="Qwen3 30B-A3B (MoE)", arch="qwen3moe", n_layers=48,
            hidden_size=2048, ffn_size=6144, n_heads=32, n_kv_heads=4, head_dim=128,
            vocab_size=151936, tied_embeddings=False, max_ctx=40960, n_experts=128, n_experts_used=8,
            expert_ffn_size=768, qk_norm=True, tokenizer="bpe", n_merges=151_387,
            published_params=30_532_122_624,
            source=f"{HF}Qwen/Qwen3-30B-A3B/blob/main/config.json"),
    # MLA: kv_lora_rank 512, rope key 64, no q compression; layer 0 dense (first_k_dense_replace 1),
    # then 64 routed experts (6 per token) of width 1408 plus 2 shared experts
    _preset(name="deepseek-v2-lite", display_name="DeepSeek-V2-Lite (MLA, MoE)", arch="deepseek2",
            n_layers=27, hidden_size=2048, ffn_size=10944, n_heads=16, n_kv_heads=16, head_dim=192,
            vocab_size=102400, tied_embeddings=False, max_ctx=163840, n_experts=64,
            n_experts_used=6, expert_ffn_size=1408, n_shared_experts=2, n_dense_layers=1,
            kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128,
            tokenizer="bpe", n_merges=102_144, published_params=15_706_484_224,
            source=f"{HF}deepseek-ai/DeepSeek-V2-Lite/blob/main/config.json"),
    # head_dim 256, tied embeddings, extra post-attention / post-FFN norms; sliding window 4096 on
    # every other layer (llama.cpp hparams.set_swa_pattern(2))
    _preset(name="gemma-2-9b", display_name="Gemma 2 9B", arch="gemma2", n_layers=42,
            hidden_size=3584, ffn_size=14336, n_heads=16, n_kv_heads=8, head_dim=256,
            vocab_size=256000, tied_embeddings=True, max_ctx=8192, sliding_window=4096,
            swa_pattern=2, published_params=9_241_705_984,
            source=f"{HF}google/gemma-2-9b/blob/main/config.json"),
    # text model; 5 local layers (window 512) per global layer, q/k norms
    _preset(name="gemma-3-1b", display_name="Gemma 3 1B", arch="gemma3", n_layers=26,
            hidden_size=1152, ffn_size=6912, n_heads=4, n_kv_heads=1, head_dim=256,
            vocab_size=262144, tied_embeddings=True, max_ctx=32768, sliding_window=512,
            swa_pattern=6, qk_norm=True, published_params=999_885_952,
            source=f"{HF}google/gemma-3-1b-pt/blob/main/config.json"),
    # text_config of the multimodal checkpoint; the vision tower is not part of the GGUF text model.
    # Window 1024 on 5 of every 6 layers.  llama.cpp prints "model params = 27.01 B" for this file.
    _preset(name="gemma-3-27b", display_name="Gemma 3 27B", arch="gemma3", n_layers=62,
            hidden_size=5376, ffn_size=21504, n_heads=32, n_kv_heads=16, head_dim=128,
            vocab_size=262208, tied_embeddings=True, max_ctx=131072, sliding_window=1024,
            swa_pattern=6, qk_norm=True,
            published_params_text="27.01 B (llama.cpp print_info, github.com/GPUOpen-Drivers/AMDVLK/issues/413)",
            source=f"{HF}google/gemma-3-27b-pt/blob/main/config.json"),
    # fused qkv and gate_up projections
    _preset(name="phi-3-mini", display_name="Phi-3 mini 4k", arch="phi3", n_layers=32,
            hidden_size=3072, ffn_size=8192, n_heads=32, n_kv_heads=32, vocab_size=32064,
            tied_embeddings=False, max_ctx=4096, published_params=3_821_079_552,
            source=f"{HF}microsoft/Phi-3-mini-4k-instruct/blob/main/config.json"),
    _preset(name="phi-4", display_name="Phi-4 14B", arch="phi3", n_layers=40, hidden_size=5120,
            ffn_size=17920, n_heads=40, n_kv_heads=10, vocab_size=100352, tied_embeddings=False,
            max_ctx=16384, tokenizer="bpe", n_merges=100_096, published_params=14_659_507_200,
            source=f"{HF}microsoft/phi-4/blob/main/config.json"),
)

__all__ = ["PRESETS_TABLE"]
