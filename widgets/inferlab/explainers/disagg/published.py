"""DistServe's motivating experiment, its published numbers, and the same experiment run through this model.

Zhong et al., "DistServe: Disaggregating Prefill and Decoding for
Goodput-optimized Large Language Model Serving", OSDI 2024 (arXiv
2401.09670), Figure 1 and section 1; the SLOs are those of the authors'
blog post on the same figure (hao-ai-lab.github.io/blogs/distserve,
"Throughput is Not All You Need", figure 6).  Setup: a 13B model in FP16 on
one 80 GB A100, Poisson arrivals, every prompt 512 tokens, every output 64,
P90 TTFT within 0.4 s and P90 TPOT within 0.04 s.  Published: the
co-located system (vLLM) meets the TTFT target up to ~2.3 rps and the TPOT
target up to ~1.6 rps, so its goodput is 1.6 rps per GPU; a GPU that only
prefills sustains 5.6 rps, one that only decodes 10 rps; two prefill GPUs and
one decode GPU (2P1D) serve 10 rps, 3.3 rps per GPU, 2.1x the co-located
system.

Here the 13B model is Llama 2 13B, whose attention matches OPT-13B's (40
layers, hidden 5120, 40 heads, so the same 800 KiB of f16 KV per token; the
FFN has 1 % more weights), the A100 is the catalog's ``a100-80gb`` and the
engine is llama.cpp's step model with its 2023 A100 calibration, whose
512-token prefill is several times slower than DistServe's engine: absolute
rates come out lower, so the check is on shape -- which target binds, how
far apart the phases are, and the 2P1D gain.
"""

from __future__ import annotations

from typing import Any

SOURCE = ("Zhong et al., DistServe (OSDI 2024, arXiv 2401.09670) figure 1 and section 1; SLOs from the authors' "
          "blog, hao-ai-lab.github.io/blogs/distserve")

#: Figure 1's inputs, as the widget's values (the rest are the widget defaults).
FIGURE1_INPUTS: dict[str, Any] = dict(model="llama-2-13b", quant="F16", hardware="a100-80gb", gpus=1,
                                      prompt_tokens=512, output_tokens=64, spread="fixed", ttft_slo=0.4,
                                      tpot_slo=0.04, attainment=0.9, link="nvlink-a100")

#: Figure 1's published rates, requests/s.
FIGURE1_PUBLISHED = {
    "colocated_ttft_limited": 2.3,     # one GPU, TTFT target alone
    "colocated_tpot_limited": 1.6,     # one GPU, TPOT target alone
    "colocated_per_gpu": 1.6,          # min of the two
    "prefill_worker": 5.6,             # one GPU that only prefills, TTFT target
    "decode_worker": 10.0,             # one GPU that only decodes, TPOT target
    "disagg_2p1d_per_gpu": 3.3,        # 10 rps over 3 GPUs
    "gain": 2.1,
}

#: A target so loose it never binds (seconds).
UNBOUND_S = 1e6


def _rate(values: dict[str, Any], prefill: int, instances: int, budget: Any, **targets: float) -> float:
    from inferlab.explainers.disagg import model

    v = {**values, "instances": instances, **targets}
    return model.goodput(v, model.setup(v), prefill, budget)["rate"]


def figure1(values: dict[str, Any]) -> dict[str, float]:
    """Figure 1 through this model: the same seven rates as :data:`FIGURE1_PUBLISHED` (requests/s).

    *values* are the widget's parsed values with :data:`FIGURE1_INPUTS`
    applied.  Single-phase workers are measured the way the figure does:
    one prefill GPU feeding enough decode GPUs never to wait on them, and
    the reverse; the co-located limits use one target at a time (the
    figure's P90 curves), the 2P1D run both targets together.
    """
    from inferlab.explainers.disagg.model import Budget

    budget = Budget()
    v = {**values, **FIGURE1_INPUTS}
    ttft = _rate(v, 0, 1, budget, tpot_slo=UNBOUND_S)
    tpot = _rate(v, 0, 1, budget, ttft_slo=UNBOUND_S)
    both = _rate(v, 0, 1, budget)
    prefill = _rate(v, 1, 2, budget, tpot_slo=UNBOUND_S)
    decode = _rate(v, 3, 4, budget, ttft_slo=UNBOUND_S)
    p2d1 = _rate(v, 2, 3, budget) / 3.0
    colocated = min(ttft, tpot)
    return {"colocated_ttft_limited": ttft, "colocated_tpot_limited": tpot, "colocated_per_gpu": colocated,
            "colocated_joint": both, "prefill_worker": prefill, "decode_worker": decode,
            "disagg_2p1d_per_gpu": p2d1, "gain": p2d1 / colocated if colocated else float("inf"),
            "truncated": budget.truncated}


__all__ = ["FIGURE1_INPUTS", "FIGURE1_PUBLISHED", "SOURCE", "figure1"]
