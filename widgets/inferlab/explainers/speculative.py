"""The ``speculative`` explainer: speculative decoding's gain, checked by simulation, and its cost under load.

Closed forms (Leviathan, Kalman & Matias, arXiv 2211.17192): with per-token
acceptance rate alpha and gamma drafted tokens, one target step yields
``(1 - alpha^(gamma+1)) / (1 - alpha)`` tokens on average; counting the
draft's cost ``c`` (one draft step / one target step) the wall-time speed-up
is that divided by ``gamma * c + 1``.

Monte Carlo: the accept/resample rule run token by token on a small pair of
distributions (target p, draft q; synthetic): draw x ~ q, keep it with
probability min(1, p(x)/q(x)), otherwise emit a token from
norm(max(0, p - q)) and stop; after gamma kept tokens emit one more from p.
Its acceptance rate is sum(min(p, q)) and every emitted token follows p.
llama.cpp's ``draft-simple`` verifies differently (common/speculative.cpp,
common/sampling.cpp ``common_sampler_sample_and_accept_n`` at
ggml-org/llama.cpp@0c1e570): the draft proposes its most likely token, the
target samples its own, and a draft token survives while the two agree --
acceptance p(argmax q), and again every emitted token is the target's.

Under load: step times come from the llama.cpp speed model
(:meth:`inferlab.llamacpp.speed.SpeedModel.step_seconds`).  Both
models decode a batch of sequences; the target verifies gamma+1 tokens per
sequence in one step, so once a step is compute-bound the verification
costs (gamma+1)x a plain step and speculation becomes a slowdown.
"""

from __future__ import annotations

import functools
import math
import random
from typing import Any

from inferlab.catalog import choices
from inferlab.formulas import Formula
from inferlab.inputs import InputError, Param, Params
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Metric, Preset, Table, View, Widget
from inferlab.units import GiB, percent_text, size_text

#: Most verification tokens one step may hold (the speed model's own n_slots limit).
MAX_STEP_TOKENS = 4096
#: Largest draft length the optimum is searched over.
MAX_GAMMA_SEARCH = 32
#: Synthetic target distribution of the Monte Carlo (8 tokens, peaked like a real next-token distribution).
TARGET = (0.42, 0.25, 0.15, 0.08, 0.04, 0.03, 0.02, 0.01)
PAIR_TOKENS = (" the", " a", " this", " that", " one", " my", " our", " every")
#: Tokens a "matched" draft takes probability from (the rest receive it).
MATCHED_HEAD = 6


PARAMS = Params([
    Param("acceptance", "float", 0.8, "Acceptance rate α", low=0, high=1, step=0.01, control="range",
          help="chance the target keeps a drafted token"),
    Param("draft_tokens", "int", 4, "Draft length γ", unit="tokens", low=1, high=15, control="range",
          source="llama.cpp --spec-draft-n-max (default 3)"),
    Param("draft_cost", "float", None, "Draft cost c", low=0, high=2, step=0.01, optional=True,
          none_means="from the speed model: draft step ÷ target step at batch 1",
          help="one draft step as a fraction of one target step, at every batch size"),
    Param("model", "choice", "qwen2.5-32b", "Target model", choices=choices.models, labels=choices.model_labels),
    Param("draft_model", "choice", "qwen2.5-0.5b", "Draft model", choices=choices.models, labels=choices.model_labels,
          help="must share the target's tokenizer (not checked)"),
    Param("quant", "choice", "Q4_K_M", "Target quantization", choices=choices.file_types),
    Param("draft_quant", "choice", "Q8_0", "Draft quantization", choices=choices.file_types),
    Param("hardware", "choice", "h100-pcie", "Hardware", choices=choices.hardware, labels=choices.hardware_labels),
    Param("batch", "int", 1, "Concurrent sequences", low=1, high=256, control="range"),
    Param("depth", "int", 0, "Tokens cached per sequence", low=0, high=131_072, suffixes=True,
          help="context depth the speed model decodes at"),
    Param("ctx", "int", 4096, "Context per sequence", unit="tokens", low=1, high=131_072, suffixes=True,
          help="KV cache allocated per sequence (memory)"),
    Param("rule", "choice", "rejection", "Verification rule", choices=("rejection", "match"),
          labels={"rejection": "accept/resample (Leviathan, Chen)", "match": "greedy draft, target samples (llama.cpp)"}),
    Param("pair", "choice", "matched", "Distributions (synthetic)", choices=("matched", "flatter", "sharper", "uniform"),
          labels={"matched": "draft built so Σmin(p,q) = α", "flatter": "draft = target at temperature 2",
                  "sharper": "draft = target at temperature 0.5", "uniform": "uniform draft"}),
    Param("trials", "int", 4000, "Simulated target steps", low=100, high=100_000,
          help="Monte Carlo budget (each step draws at most γ + 1 tokens)"),
    Param("seed", "int", 1, "Seed", low=0, high=2**31 - 1),
])


# -- closed forms ---------------------------------------------------------------------------------
def expected_tokens(alpha: float, gamma: int) -> float:
    """Tokens per target step, ``(1 - α^(γ+1)) / (1 - α)`` (Leviathan et al., eq. 1); γ + 1 at α = 1."""
    return gamma + 1.0 if alpha >= 1.0 else (1.0 - alpha ** (gamma + 1)) / (1.0 - alpha)


def speedup(alpha: float, gamma: int, c: float) -> float:
    """Wall-time improvement ``E / (γc + 1)`` (Leviathan et al., theorem 3.8)."""
    return expected_tokens(alpha, gamma) / (gamma * c + 1.0)


def best_gamma(alpha: float, c: float) -> tuple[int, float]:
    """The draft length (0..MAX_GAMMA_SEARCH) with the largest speed-up; 0 means do not speculate."""
    best = (0, 1.0)
    for g in range(1, MAX_GAMMA_SEARCH + 1):
        s = speedup(alpha, g, c)
        if s > best[1] + 1e-12:
            best = (g, s)
    return best


def tokens_per_step_distribution(alpha: float, gamma: int) -> list[float]:
    """P(a step emits k tokens), k = 1..γ+1: α^(k-1)(1-α), and α^γ for all drafts kept."""
    return [alpha ** (k - 1) * (1 - alpha) for k in range(1, gamma + 1)] + [alpha ** gamma]


# -- the pair and the token-level Monte Carlo ----------------------------------------------------------
def make_pair(kind: str, alpha: float) -> tuple[list[float], list[float]]:
    """(target p, draft q).  ``matched`` moves 1 - α of probability from the likely tokens to the rest, so
    sum(min(p, q)) = α exactly (possible while 1 - α <= the head's mass)."""
    p = list(TARGET)
    if kind == "uniform":
        return p, [1.0 / len(p)] * len(p)
    if kind in ("flatter", "sharper"):
        power = 0.5 if kind == "flatter" else 2.0
        w = [x ** power for x in p]
        return p, [x / sum(w) for x in w]
    head = sum(p[:MATCHED_HEAD])
    moved = 1.0 - alpha
    if moved > head + 1e-12:
        raise InputError("acceptance", alpha, f"from {1 - head:.2f} to 1 with pair 'matched' (the draft can move "
                                              f"at most {head:.2f} of the target's probability)")
    tail = len(p) - MATCHED_HEAD
    q = [x * (1 - moved / head) for x in p[:MATCHED_HEAD]] + [x + moved / tail for x in p[MATCHED_HEAD:]]
    return p, q


def pair_acceptance(p: list[float], q: list[float], rule: str) -> float:
    """Exact per-token acceptance: sum(min(p, q)) for accept/resample, p(argmax q) for greedy match."""
    if rule == "match":
        return p[max(range(len(q)), key=lambda i: (q[i], -i))]
    return sum(min(a, b) for a, b in zip(p, q))


def _draw(weights: list[float], total: float, rng: random.Random) -> int:
    u = rng.random() * total
    acc = 0.0
    for i, w in enumerate(weights):
        acc += w
        if u < acc:
            return i
    return max(i for i, w in enumerate(weights) if w > 0)


def simulate(p: list[float], q: list[float], gamma: int, rule: str, trials: int, seed: int) -> dict[str, Any]:
    """Run *trials* target steps of the verification *rule*; counts of tokens per step, emitted tokens, acceptance."""
    rng = random.Random(seed)
    residual = [max(0.0, a - b) for a, b in zip(p, q)]
    residual_total = sum(residual)
    greedy = max(range(len(q)), key=lambda i: (q[i], -i))
    per_step = [0] * (gamma + 1)
    emitted = [0] * len(p)
    proposed = accepted = 0
    for _ in range(trials):
        kept = 0
        while kept < gamma:
            proposed += 1
            if rule == "match":
                y = _draw(p, 1.0, rng)
                emitted[y] += 1
                if y != greedy:
                    break
            else:
                x = _draw(q, 1.0, rng)
                if rng.random() * q[x] >= p[x]:  # rejected: emit from the residual instead
                    emitted[_draw(residual, residual_total, rng)] += 1
                    break
                emitted[x] += 1
            kept += 1
            accepted += 1
        if kept == gamma:
            emitted[_draw(p, 1.0, rng)] += 1  # every draft kept: the target's own next token comes free
        per_step[kept] += 1
    n_emitted = sum(emitted)
    return {"acceptance": accepted / proposed, "tokens_per_step": n_emitted / trials,
            "per_step": [c / trials for c in per_step], "emitted": [c / n_emitted for c in emitted],
            "n_emitted": n_emitted}


# -- under load: step times from the llama.cpp speed model -----------------------------------------------
@functools.lru_cache(maxsize=32)
def _speed_model(model: str, quant: str, hardware: str) -> Any:
    from inferlab.llamacpp.calculator import speed_model

    return speed_model(model=model, quant=quant, hardware=hardware)


def step_seconds(model: str, quant: str, hardware: str, n_seqs: int, depth: int, tokens_each: int = 1) -> float:
    """Seconds for one llama_decode step of *n_seqs* sequences at *depth* cached tokens, *tokens_each* new tokens each.

    One new token per sequence is a decode step; more is a verification step
    (every token gets its logits).  The time comes from the llama.cpp step
    model (:meth:`inferlab.llamacpp.speed.SpeedModel.step_seconds`), the same
    one the simulator's llama-server uses.
    """
    sm = _speed_model(model, quant, hardware)
    if tokens_each == 1:
        return sm.step_seconds(decode_depths=[depth] * n_seqs)
    return sm.step_seconds(prompt_chunks=[(tokens_each, depth)] * n_seqs, outputs=n_seqs * tokens_each)


def load_point(v: dict[str, Any], batch: int, alpha: float) -> dict[str, float]:
    """Plain vs speculative decoding of *batch* sequences: step times (s) and the speed-up."""
    gamma, depth = v["draft_tokens"], v["depth"]
    target = step_seconds(v["model"], v["quant"], v["hardware"], batch, depth)
    if v["draft_cost"] is None:
        draft = step_seconds(v["draft_model"], v["draft_quant"], v["hardware"], batch, depth)
    else:  # a given draft cost is a fraction of the target's step at every batch size (e.g. an n-gram lookup)
        draft = v["draft_cost"] * target
    # verification: one step holding γ+1 tokens of every sequence (weights read once, (γ+1)x the FLOPs)
    verify = step_seconds(v["model"], v["quant"], v["hardware"], batch, depth, tokens_each=gamma + 1)
    e = expected_tokens(alpha, gamma)
    return {"batch": batch, "target_step_s": target, "draft_step_s": draft, "verify_step_s": verify,
            "speedup": e * target / (gamma * draft + verify)}


def load_curve(v: dict[str, Any], alpha: float, max_batch: int = 256) -> tuple[list[dict[str, float]], int | None]:
    """Speed-up at batch 1, 2, 4, ... up to *max_batch* (what fits) and the first batch size where speculation
    is slower (None: not within the range)."""
    top = max(1, min(256, max_batch, MAX_STEP_TOKENS // (v["draft_tokens"] + 1)))
    sizes = [b for b in (1, 2, 4, 8, 16, 32, 64, 128, 256) if b < top] + [top]
    points = [load_point(v, b, alpha) for b in sizes]
    slower = next((i for i, pt in enumerate(points) if pt["speedup"] < 1.0), None)
    if slower is None:
        return points, None
    if slower == 0:
        return points, 1
    low, high = sizes[slower - 1], sizes[slower]  # speed-up >= 1 at low, < 1 at high: bisect
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if load_point(v, mid, alpha)["speedup"] >= 1.0 else (low, mid)
    return points, high


def memory(v: dict[str, Any]) -> dict[str, Any]:
    """Bytes of target and draft for ``batch`` sequences of ``ctx`` tokens, and whether both fit."""
    from inferlab.catalog.hardware import get_hardware
    from inferlab.llamacpp.calculator import memory_report

    gpu_layers = 999 if get_hardware(v["hardware"]).gpu is not None else 0
    out: dict[str, Any] = {}
    for role, model, quant in (("target", v["model"], v["quant"]), ("draft", v["draft_model"], v["draft_quant"])):
        r = memory_report(model=model, quant=quant, ctx=v["ctx"], hardware=v["hardware"], gpu_layers=gpu_layers)
        out[f"{role}_bytes"] = r["weights_bytes"] + v["batch"] * r["kv_cache_bytes"] + r["compute_buffer_bytes"]
        out[f"{role}_kv_bytes_per_sequence"] = r["kv_cache_bytes"]
        limit = r["vram_limit_bytes"] if r["vram_limit_bytes"] is not None else r["ram_limit_bytes"]
    out["limit_bytes"] = limit
    out["fits_with_draft"] = out["target_bytes"] + out["draft_bytes"] <= limit
    per_seq = out["target_kv_bytes_per_sequence"] + out["draft_kv_bytes_per_sequence"]
    fixed = out["target_bytes"] + out["draft_bytes"] - v["batch"] * per_seq
    out["max_batch_that_fits"] = max(0, int((limit - fixed) // per_seq))
    out["sequences_displaced"] = out["draft_bytes"] / out["target_kv_bytes_per_sequence"]
    return out


def report(v: dict[str, Any]) -> dict[str, Any]:
    """Every number the widget shows (and ``python -m inferlab speculative --json`` prints)."""
    alpha, gamma = v["acceptance"], v["draft_tokens"]
    if v["depth"] + gamma + 1 > v["ctx"]:
        raise InputError("depth", v["depth"], f"at most ctx - γ - 1 = {v['ctx'] - gamma - 1} (the context must "
                                              "hold the cached tokens and one verification)")
    p, q = make_pair(v["pair"], alpha)
    one = load_point(v, 1, alpha)
    c = v["draft_cost"] if v["draft_cost"] is not None else one["draft_step_s"] / one["target_step_s"]
    best_g, best_s = best_gamma(alpha, c)
    pair_alpha = pair_acceptance(p, q, v["rule"])
    mc = simulate(p, q, gamma, v["rule"], v["trials"], v["seed"])
    at = load_point(v, v["batch"], alpha)
    mem = memory(v)
    curve, crossover = load_curve(v, alpha, mem["max_batch_that_fits"])
    return {
        "acceptance": alpha, "draft_tokens": gamma, "draft_cost": c,
        "expected_tokens_per_step": expected_tokens(alpha, gamma), "speedup": speedup(alpha, gamma, c),
        "optimal_draft_tokens": best_g, "optimal_speedup": best_s,
        "pair_acceptance": pair_alpha, "pair_expected_tokens_per_step": expected_tokens(pair_alpha, gamma),
        "mc_acceptance": mc["acceptance"], "mc_tokens_per_step": mc["tokens_per_step"],
        "mc_max_output_error": max(abs(a - b) for a, b in zip(mc["emitted"], p)),
        "mc": mc, "target": p, "draft": q,
        "batch": v["batch"], "speedup_at_batch": at["speedup"], "target_step_s": at["target_step_s"],
        "draft_step_s": at["draft_step_s"], "verify_step_s": at["verify_step_s"],
        "crossover_batch": crossover, "load_curve": curve,
        "draft_memory_bytes": mem["draft_bytes"], "target_memory_bytes": mem["target_bytes"],
        "memory_limit_bytes": mem["limit_bytes"], "fits_with_draft": mem["fits_with_draft"],
        "sequences_displaced": mem["sequences_displaced"], "max_batch_that_fits": mem["max_batch_that_fits"],
    }


def _fidelity() -> str:
    """The published check the tests run: vLLM's ~1.5x at low load and 1.4-1.8x slowdown at high load."""
    v = PARAMS.parse({})
    mem = memory(v)
    points, crossover = load_curve(v, v["acceptance"], mem["max_batch_that_fits"])
    return (f"Qwen2.5 32B Q4_K_M with a 0.5B Q8_0 draft on one H100 PCIe, α 0.8, γ 4: the model gives {points[0]['speedup']:.2f}× at batch 1 and "
            f"{1 / points[-1]['speedup']:.2f}× slower at batch {points[-1]['batch']} (crossover at batch "
            f"{crossover}); vLLM measured up to 1.5× at 1 QPS and 1.4-1.8× slower at high QPS (Llama 3 70B, "
            "4× H100, blog.vllm.ai 2024-10-17): the shape matches, the numbers are a model's.")


class SpeculativeWidget(Widget):
    """Speculative decoding: tokens per target step, speed-up, a token-level simulation and the cost under load."""

    name = "speculative"
    title = "Speculative decoding: gain, proof by simulation, and load"
    summary = "Expected tokens per target step and speed-up for acceptance α and draft length γ, checked by simulation, and under batch load."
    params = PARAMS
    controls = ("acceptance", "draft_tokens", "draft_cost", "model", "draft_model", "hardware", "batch", "rule",
                "pair", "trials", "seed")
    metrics = (
        Metric("expected_tokens_per_step", "Tokens per target step", "count"),
        Metric("speedup", "Speed-up (batch 1, closed form)", "times"),
        Metric("optimal_draft_tokens", "Best draft length", "integer"),
        Metric("speedup_at_batch", "Speed-up at this batch", "times"),
        Metric("crossover_batch", "Slower from batch", "integer"),
        Metric("draft_memory_bytes", "Draft model memory", "bytes"),
        Metric("mc_tokens_per_step", "Simulated tokens per step", "count"),
        Metric("mc_acceptance", "Simulated acceptance", "percent"),
    )
    charts = (
        Chart("gamma", "Closed-form speed-up for each draft length at this α and draft cost; highlighted: the best."),
        Chart("load", "Speed-up of speculation over plain decoding as more sequences share each step "
                      "(llama.cpp speed model); below 1× it is a slowdown."),
        Chart("steps", "Tokens emitted per target step: simulation against the closed form at the pair's α."),
        Chart("output", "Emitted tokens against the target distribution: the rule changes speed, not the output."),
    )
    presets = (
        Preset("Low acceptance (α 0.5)", {"acceptance": 0.5}),
        Preset("Nearly free draft (c 0.01, α 0.6)", {"acceptance": 0.6, "draft_cost": 0.01, "draft_tokens": 8}),
        Preset("Busy server: 64 sequences", {"batch": 64}),
        Preset("llama.cpp rule, uniform draft", {"rule": "match", "pair": "uniform"}),
    )
    formulas = (
        Formula("expected_tokens_per_step", "Tokens per target step",
                "(1 - acceptance ** (draft_tokens + 1)) / (1 - acceptance)",
                "Leviathan, Kalman & Matias, arXiv 2211.17192, eq. 1",
                {"acceptance": "α, chance a drafted token is kept", "draft_tokens": "γ, tokens drafted per step"}),
        Formula("speedup", "Wall-time speed-up", "expected_tokens_per_step / (draft_tokens * draft_cost + 1)",
                "Leviathan et al., theorem 3.8",
                {"expected_tokens_per_step": "tokens per target step", "draft_tokens": "γ",
                 "draft_cost": "c, one draft step ÷ one target step"}, fmt="times"),
        Formula("speedup_at_batch", "Speed-up under load",
                "expected_tokens_per_step * target_step_s / (draft_tokens * draft_step_s + verify_step_s)",
                "plain step vs γ draft steps + one verification step, times from the llama.cpp speed model",
                {"expected_tokens_per_step": "tokens per target step", "target_step_s": "plain decode step, s",
                 "draft_tokens": "γ", "draft_step_s": "one draft step for the batch, s",
                 "verify_step_s": "target step checking γ + 1 tokens per sequence, s"}, fmt="times"),
    )
    fidelity = _fidelity

    def view(self) -> View:
        r = report(self.values)
        slower = r["speedup_at_batch"] < 1.0
        return View(
            result=r, status=_status(r, self.values), level="warn" if slower or not r["fits_with_draft"] else "ok",
            levels={"speedup_at_batch": "bad" if slower else "ok", "speedup": "bad" if r["speedup"] < 1 else "ok"},
            charts={"gamma": _gamma_chart(r), "load": _load_chart(r), "steps": _steps_chart(r),
                    "output": _output_chart(r)},
            tables={"load": Table(["batch", "target_step_s", "draft_step_s", "verify_step_s", "speedup"],
                                  [[pt[k] for k in ("batch", "target_step_s", "draft_step_s", "verify_step_s",
                                                    "speedup")] for pt in r["load_curve"]]),
                    "output": Table(["token", "target", "draft", "emitted"],
                                    [[t, a, b, e] for t, a, b, e in zip(PAIR_TOKENS, r["target"], r["draft"],
                                                                         r["mc"]["emitted"])])},
        )


def _times(x: float) -> str:
    return f"{x:.2f}× faster" if x >= 1 else f"{1 / x:.2f}× slower"


def _status(r: dict[str, Any], v: dict[str, Any]) -> str:
    c_from = "given" if v["draft_cost"] is not None else "from the speed model"
    top = r["load_curve"][-1]["batch"]
    cross = (f"speculation turns into a slowdown from batch {r['crossover_batch']}" if r["crossover_batch"]
             else f"speculation stays ahead up to batch {top}, the most that fits or is charted")
    fit = "both fit" if r["fits_with_draft"] else "together they do not fit"
    return (f"α {r['acceptance']:.2f}, γ {r['draft_tokens']}: {r['expected_tokens_per_step']:.2f} tokens per target "
            f"step, {_times(r['speedup'])} with draft cost {r['draft_cost']:.3f} ({c_from}); best γ "
            f"{r['optimal_draft_tokens']}. At batch {r['batch']} the speed model gives {_times(r['speedup_at_batch'])}; "
            f"{cross}. The draft needs {size_text(r['draft_memory_bytes'])} ({fit}), room for "
            f"{r['sequences_displaced']:.1f} more target sequences. Simulated: acceptance "
            f"{percent_text(r['mc_acceptance'])} (exact {percent_text(r['pair_acceptance'])}), "
            f"{r['mc_tokens_per_step']:.2f} tokens per step (exact {r['pair_expected_tokens_per_step']:.2f}).")


def _gamma_chart(r: dict[str, Any]) -> str:
    alpha, c = r["acceptance"], r["draft_cost"]
    bars = []
    for g in range(1, 17):
        s = speedup(alpha, g, c)
        bars.append(svg.Bar(f"γ = {g}", s, _times(s), cls="ifw-c1" if s >= 1 else "ifw-c4",
                            highlight=g == r["optimal_draft_tokens"]))
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title=f"Speed-up by draft length (α {alpha:.2f}, c {c:.3f})", desc=desc,
                         value_label="speed-up over plain decoding (closed form)")


def _load_chart(r: dict[str, Any]) -> str:
    bars = [svg.Bar(f"batch {pt['batch']}", pt["speedup"], _times(pt["speedup"]),
                    cls="ifw-c1" if pt["speedup"] >= 1 else "ifw-c4", highlight=pt["batch"] == r["batch"])
            for pt in r["load_curve"]]
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title="Speed-up as the batch grows", desc=desc,
                         value_label="speed-up (below 1× = slower than plain decoding)")


def _steps_chart(r: dict[str, Any]) -> str:
    exact = tokens_per_step_distribution(r["pair_acceptance"], r["draft_tokens"])
    bars = [svg.Bar(f"{k + 1} token{'s' if k else ''}", got, f"simulated {got:.1%} · exact {want:.1%}")
            for k, (got, want) in enumerate(zip(r["mc"]["per_step"], exact))]
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title="Tokens per target step", desc=desc, value_label="share of target steps")


def _output_chart(r: dict[str, Any]) -> str:
    bars = [svg.Bar(t.strip(), e, f"emitted {e:.1%} · target {a:.1%} · draft {b:.1%}")
            for t, a, b, e in zip(PAIR_TOKENS, r["target"], r["draft"], r["mc"]["emitted"])]
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return svg.bar_chart(bars, title=f"Emitted tokens ({r['mc']['n_emitted']:,}) against the target", desc=desc,
                         value_label="share of emitted tokens")
