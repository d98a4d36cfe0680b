"""The ``sampling`` explainer: logits to one token, stage by stage, exactly.

A sampler chain turns the model's logits into one token.  Each stage here is
the arithmetic of an open-source engine, cited next to it:

* llama.cpp (``src/llama-sampler.cpp``, ``common/sampling.cpp`` and the
  defaults in ``common/common.h``, all at ggml-org/llama.cpp@0c1e570, the
  copy vendored by llama-cpp-python 0.3.36): penalties -> top-k -> typical
  -> top-p -> min-p -> temperature -> draw.  Truncation sees *untempered*
  probabilities; a grammar is checked after the draw and, if the token is
  not allowed, the draw is redone with the grammar applied first.
* Hugging Face transformers 5.24.0 (``generation/utils.py``,
  ``_get_logits_processor``): penalties and any constraint (a logits
  processor) -> temperature -> top-k -> top-p -> min-p -> typical -> draw.
  Truncation sees *tempered* probabilities.

The logit vectors are **synthetic** (hand-made to show a peaked, a flat and
a structured next-token distribution over a toy vocabulary); no model is
run.  ``position`` > 1 generates token by token: the toy model returns the
same logits every step, so what changes from one token to the next is only
the history the penalties read.  The draw uses Python's ``random`` seeded
with ``seed`` (not llama.cpp's mt19937), so the chosen token matches the
exact distribution, not a particular llama.cpp run.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from inferlab.formulas import Formula
from inferlab.inputs import InputError, Param, Params
from inferlab.ui import svg
from inferlab.ui.widget import Chart, Metric, Preset, Table, View, Widget
from inferlab.units import percent_text

NEG_INF = -math.inf
#: Most tokens one token-by-token run generates (a budget: each step re-runs the chain).
MAX_POSITION = 64


@dataclass(frozen=True)
class Example:
    """A synthetic next-token distribution: tokens, their logits, the text so far and a grammar's allowed set."""

    name: str
    label: str
    prompt: str
    tokens: tuple[str, ...]
    logits: tuple[float, ...]
    history: tuple[int, ...]
    allowed: frozenset[int]
    grammar: str


EXAMPLES = {e.name: e for e in (
    Example("capital", "Peaked: a factual completion", "The capital of France is",
            (" Paris", " the", " a", " located", " Lyon", " one", " known", " not", " home", " also",
             " Marseille", "\n"),
            (7.8, 6.1, 5.6, 4.9, 4.1, 3.8, 3.6, 3.1, 2.7, 2.4, 2.2, 1.5),
            history=(1, 1, 7), allowed=frozenset({0, 4, 10}),
            grammar="one of the city names (a choice list, as a JSON-schema enum would compile to)"),
    Example("story", "Flat: an open-ended story", "Once upon a time there was a",
            (" little", " young", " king", " princess", " girl", " boy", " dragon", " man", " poor",
             " beautiful", " small", " wise"),
            (4.2, 3.9, 3.7, 3.6, 3.5, 3.4, 3.3, 3.2, 3.0, 2.9, 2.7, 2.5),
            history=(0, 2, 0), allowed=frozenset({2, 3, 6, 11}),
            grammar="a noun (a grammar rule naming characters)"),
    Example("json", "Structured: a JSON value", '{"name": "Ada", "age":',
            (" 36", " \"", " 3", " null", " 4", " thirty", " {", " [", " true", " 2", "\n", " -"),
            (6.0, 5.7, 4.6, 4.4, 4.0, 3.2, 2.9, 2.6, 2.0, 1.9, 1.4, 1.0),
            history=(1, 1, 6), allowed=frozenset({0, 2, 4, 9, 11}),
            grammar="an integer (a JSON schema with \"age\": {\"type\": \"integer\"})"),
)}

ORDERS = {
    "llama.cpp": ("penalties", "top_k", "typical", "top_p", "min_p", "temperature"),
    "transformers": ("penalties", "grammar", "temperature", "top_k", "top_p", "min_p", "typical"),
}
ORDER_LABELS = {"llama.cpp": "llama.cpp default chain (temperature last)",
                "transformers": "Hugging Face transformers (temperature first)"}
STAGE_LABELS = {"logits": "logits", "penalties": "penalties", "grammar": "grammar", "temperature": "temp",
                "top_k": "top-k", "top_p": "top-p", "min_p": "min-p", "typical": "typical", "output": "final"}

PARAMS = Params([
    Param("example", "choice", "capital", "Logits (synthetic)", choices=tuple(EXAMPLES),
          labels={k: e.label for k, e in EXAMPLES.items()}, help="hand-made logits over a 12-token toy vocabulary"),
    Param("order", "choice", "llama.cpp", "Sampler order", choices=tuple(ORDERS), labels=ORDER_LABELS,
          source="llama.cpp common/common.h (samplers); transformers generation/utils.py"),
    Param("temperature", "float", 0.8, "Temperature", low=0, high=5, step=0.05, control="range", ui_high=2,
          help="0 = greedy", source="llama.cpp default --temp 0.80"),
    Param("top_k", "int", 40, "Top-k", low=0, high=100_000, help="0 = off", source="llama.cpp default --top-k 40"),
    Param("top_p", "float", 0.95, "Top-p", low=0, high=1, step=0.01, control="range", help="1 = off",
          source="llama.cpp default --top-p 0.95"),
    Param("min_p", "float", 0.05, "Min-p", low=0, high=1, step=0.01, control="range", help="0 = off",
          source="llama.cpp default --min-p 0.05"),
    Param("typical_p", "float", 1.0, "Typical-p", low=0, high=1, step=0.01, control="range", help="1 = off",
          source="llama.cpp default --typical 1.00"),
    Param("repeat_penalty", "float", 1.0, "Repetition penalty", low=0, high=5, low_open=True, step=0.05,
          help="1 = off", source="llama.cpp default --repeat-penalty 1.00"),
    Param("presence_penalty", "float", 0.0, "Presence penalty", low=-5, high=5, step=0.1, help="0 = off"),
    Param("frequency_penalty", "float", 0.0, "Frequency penalty", low=-5, high=5, step=0.1, help="0 = off"),
    Param("repeat_last_n", "int", 64, "Penalty window", unit="tokens", low=0, high=4096,
          help="llama.cpp only; transformers penalizes the whole history", source="llama.cpp default 64"),
    Param("grammar", "bool", False, "Structured output (grammar mask)"),
    Param("seed", "int", 1, "Seed", low=0, high=2**31 - 1),
    Param("position", "int", 1, "Token number", low=1, high=MAX_POSITION, control="range",
          help="generate this many tokens; the view shows the last one"),
])


# -- the stages (each takes and returns a logit list; removed tokens are -inf) -----------------
def softmax(logits: list[float]) -> list[float]:
    """Probabilities of *logits* (-inf -> 0)."""
    top = max(logits)
    if top == NEG_INF:
        raise InputError("logits", "all removed", "at least one token left after the mask")
    exps = [math.exp(z - top) if z != NEG_INF else 0.0 for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


def _ranked(values: list[float]) -> list[int]:
    """Indices by value, highest first (ties: lower index first)."""
    return sorted(range(len(values)), key=lambda i: (-values[i], i))


def _keep(logits: list[float], kept: set[int]) -> list[float]:
    return [z if i in kept else NEG_INF for i, z in enumerate(logits)]


def penalize(logits: list[float], counts: dict[int, int], repeat: float, presence: float,
             frequency: float) -> list[float]:
    """llama.cpp ``llama_sampler_penalties_apply``: a seen token's logit is divided by *repeat* (multiplied
    when <= 0), then lowered by ``count * frequency + presence``."""
    out = list(logits)
    for i, count in counts.items():
        if count <= 0 or out[i] == NEG_INF:
            continue
        out[i] = out[i] * repeat if out[i] <= 0 else out[i] / repeat
        out[i] -= count * frequency + presence
    return out


def top_k(logits: list[float], k: int) -> list[float]:
    """Keep the *k* highest logits (k <= 0: all)."""
    alive = [i for i in _ranked(logits) if logits[i] != NEG_INF]
    return logits if k <= 0 or k >= len(alive) else _keep(logits, set(alive[:k]))


def top_p(logits: list[float], p: float) -> list[float]:
    """Keep the smallest most-likely set whose probability reaches *p* (p >= 1: all).

    llama.cpp stops at the first cumulative sum >= p; transformers removes a
    token when the mass at and below it is <= 1 - p; both keep the same set.
    """
    if p >= 1.0:
        return logits
    probs = softmax(logits)
    kept, total = set(), 0.0
    for i in _ranked(probs):
        kept.add(i)
        total += probs[i]
        if total >= p:
            break
    return _keep(logits, kept)


def min_p(logits: list[float], p: float) -> list[float]:
    """Keep tokens with probability >= p x the top probability (arXiv 2407.01082; p <= 0: all)."""
    if p <= 0.0:
        return logits
    probs = softmax(logits)
    threshold = p * max(probs)
    return _keep(logits, {i for i, q in enumerate(probs) if q >= threshold})


def typical(logits: list[float], p: float) -> list[float]:
    """Locally typical sampling (Meister et al., arXiv 2202.00666), as llama.cpp writes it.

    Rank tokens by |-ln p - H| (H the entropy in nats) and keep them until
    their mass exceeds *p* (p >= 1: all).
    """
    if p >= 1.0:
        return logits
    probs = softmax(logits)
    h = entropy_nats(probs)
    order = sorted((i for i, q in enumerate(probs) if q > 0), key=lambda i: (abs(-math.log(probs[i]) - h), i))
    kept, total = set(), 0.0
    for i in order:
        kept.add(i)
        total += probs[i]
        if total > p:
            break
    return _keep(logits, kept)


def temperature(logits: list[float], t: float) -> list[float]:
    """Divide by *t*; t <= 0 keeps only the highest logit (greedy, llama.cpp ``llama_sampler_temp_impl``)."""
    if t <= 0.0:
        return _keep(logits, {_ranked(logits)[0]})
    scaled = [z / t if z != NEG_INF else NEG_INF for z in logits]
    if any(not math.isfinite(x) for x, z in zip(scaled, logits) if z != NEG_INF):
        return _keep(logits, {_ranked(logits)[0]})  # t so small the division overflows: its limit, greedy
    return scaled


def grammar_mask(logits: list[float], allowed: frozenset[int]) -> list[float]:
    """Remove every token the grammar does not allow at this point."""
    if not any(logits[i] != NEG_INF for i in allowed):
        raise InputError("grammar", "no allowed token left", "a chain that leaves an allowed token")
    return _keep(logits, set(allowed))


def entropy_nats(probs: list[float]) -> float:
    """Shannon entropy, nats."""
    return max(0.0, -sum(q * math.log(q) for q in probs if q > 0))


# -- the chain ----------------------------------------------------------------------------------
def penalty_counts(history: list[int], values: dict[str, Any]) -> dict[int, int]:
    """Occurrences of each token in the window the penalties read."""
    window = history
    if values["order"] == "llama.cpp":
        n = values["repeat_last_n"]
        window = history[-n:] if n > 0 else []
    counts: dict[int, int] = {}
    for t in window:
        counts[t] = counts.get(t, 0) + 1
    return counts


def run_chain(logits: list[float], values: dict[str, Any], counts: dict[int, int],
              allowed: frozenset[int] | None) -> list[tuple[str, list[float]]]:
    """``[(stage, logits after it)]`` for *values*' order; the grammar runs where that engine puts it
    (``allowed`` None: no grammar; for llama.cpp it runs first, the resampling pass)."""
    stages: list[tuple[str, list[float]]] = [("logits", list(logits))]
    cur = list(logits)
    order = ORDERS[values["order"]]
    if allowed is not None and "grammar" not in order:
        cur = grammar_mask(cur, allowed)
        stages.append(("grammar", cur))
    for stage in order:
        if stage == "penalties":
            cur = penalize(cur, counts, values["repeat_penalty"], values["presence_penalty"],
                           values["frequency_penalty"])
        elif stage == "grammar":
            if allowed is None:
                continue
            cur = grammar_mask(cur, allowed)
        elif stage == "temperature":
            cur = temperature(cur, values["temperature"])
        elif stage == "top_k":
            cur = top_k(cur, values["top_k"])
        elif stage == "top_p":
            cur = top_p(cur, values["top_p"])
        elif stage == "min_p":
            cur = min_p(cur, values["min_p"])
        elif stage == "typical":
            cur = typical(cur, values["typical_p"])
        stages.append((stage, cur))
    return stages


@dataclass
class Step:
    """One token's sampling: every stage's distribution, the exact output distribution and the draw."""

    stages: list[tuple[str, list[float]]]
    output: list[float]
    chosen: int
    valid_share: float | None


def sample_step(example: Example, values: dict[str, Any], history: list[int], rng: random.Random) -> Step:
    """The exact next-token distribution after *history* and one seeded draw from it."""
    logits = list(example.logits)
    counts = penalty_counts(history, values)
    if not values["grammar"]:
        stages = run_chain(logits, values, counts, None)
        output = softmax(stages[-1][1])
        return Step(stages, output, _draw(output, rng), None)
    if values["order"] == "transformers":  # the constraint is one more logits processor
        stages = run_chain(logits, values, counts, example.allowed)
        output = softmax(stages[-1][1])
        return Step(stages, output, _draw(output, rng), None)
    # llama.cpp common_sampler_sample: draw from the chain, check the grammar, redraw grammar-first if refused
    free = softmax(run_chain(logits, values, counts, None)[-1][1])
    stages = run_chain(logits, values, counts, example.allowed)
    constrained = softmax(stages[-1][1])
    valid = sum(free[i] for i in example.allowed)
    output = [(free[i] if i in example.allowed else 0.0) + (1.0 - valid) * constrained[i] for i in range(len(free))]
    first = _draw(free, rng)
    chosen = first if first in example.allowed else _draw(constrained, rng)
    return Step(stages, output, chosen, valid)


def _draw(probs: list[float], rng: random.Random) -> int:
    """Inverse-CDF draw over tokens ranked by probability."""
    u = rng.random()
    total = 0.0
    ranked = [i for i in _ranked(probs) if probs[i] > 0]
    for i in ranked:
        total += probs[i]
        if u < total:
            return i
    return ranked[-1]


def generate(values: dict[str, Any]) -> tuple[Example, list[int], Step]:
    """Run *position* steps; return the example, the generated tokens and the last step."""
    example = EXAMPLES[values["example"]]
    rng = random.Random(values["seed"])
    history = list(example.history)
    generated: list[int] = []
    step = None
    for _ in range(values["position"]):
        step = sample_step(example, values, history + generated, rng)
        generated.append(step.chosen)
    assert step is not None
    return example, generated, step


def report(values: dict[str, Any]) -> dict[str, Any]:
    """Everything the widget and ``python -m inferlab sampling --json`` show."""
    example, generated, step = generate(values)
    out = step.output
    h = entropy_nats(out)
    top = _ranked(out)[0]
    min_p_input = dict(step.stages).get("min_p")
    before_min_p = step.stages[[s for s, _ in step.stages].index("min_p") - 1][1] if min_p_input else None
    p_top_at_min_p = max(softmax(before_min_p)) if before_min_p is not None else None
    return {
        "example": example.name, "order": values["order"], "position": values["position"],
        "chosen_token": example.tokens[step.chosen], "chosen_probability": out[step.chosen],
        "top_token": example.tokens[top], "top_probability": out[top],
        "candidates": sum(1 for q in out if q > 0),
        "entropy_bits": h / math.log(2) + 0.0, "effective_choices": math.exp(h),
        "min_p_threshold": values["min_p"] * p_top_at_min_p if p_top_at_min_p is not None else None,
        "p_top_at_min_p": p_top_at_min_p,
        "grammar_first_draw_valid": step.valid_share,
        "text": example.prompt + "".join(example.tokens[t] for t in generated),
        "generated": [example.tokens[t] for t in generated],
        "stages": [{"stage": s, "probabilities": dict(zip(example.tokens, softmax(z)))} for s, z in step.stages],
        "output": dict(zip(example.tokens, out)),
    }


class SamplingWidget(Widget):
    """Logits -> token: each sampler stage's distribution, entropy, and the seeded draw."""

    name = "sampling"
    title = "From logits to a token"
    summary = "The distribution after each sampler stage, its entropy and the token a seed draws (synthetic logits)."
    params = PARAMS
    metrics = (
        Metric("chosen_token", "Chosen token", "text"),
        Metric("chosen_probability", "Its probability", "percent"),
        Metric("candidates", "Tokens left", "integer"),
        Metric("entropy_bits", "Entropy (bits)", "count"),
        Metric("effective_choices", "Effective choices", "count"),
        Metric("top_probability", "Top token's probability", "percent"),
    )
    charts = (Chart("stages", "Probability of each token after each stage (a dot: removed). Synthetic logits "
                              "over a 12-token toy vocabulary; the chosen token is highlighted."),)
    presets = (
        Preset("Greedy (temperature 0)", {"temperature": 0.0}),
        Preset("Hot but trimmed: T 1.5, min-p 0.1", {"temperature": 1.5, "min_p": 0.1, "top_p": 1.0, "top_k": 0}),
        Preset("Same, temperature first", {"temperature": 1.5, "min_p": 0.1, "top_p": 1.0, "top_k": 0,
                                           "order": "transformers"}),
        Preset("JSON with a grammar", {"example": "json", "grammar": True}),
        Preset("Story, 12 tokens, frequency penalty 1", {"example": "story", "position": 12,
                                                          "frequency_penalty": 1.0}),
    )
    formulas = (
        Formula("effective_choices", "Effective number of choices", "2 ** entropy_bits",
                "perplexity of the final distribution: 2^H with H in bits",
                {"entropy_bits": "entropy of the final distribution, bits"}),
        Formula("min_p_threshold", "Min-p cut-off", "min_p * p_top_at_min_p",
                "Nguyen et al., arXiv 2407.01082; llama.cpp llama_sampler_min_p_apply",
                {"min_p": "the min-p setting", "p_top_at_min_p": "top token's probability where min-p runs"},
                fmt="percent"),
    )

    def view(self) -> View:
        r = report(self.values)
        env = {**r, "min_p": self.values["min_p"]}
        return View(result=r, env=env, status=_status(r, self.values), charts={"stages": _chart(r)},
                    tables={"stages": _table(r)})


def _status(r: dict[str, Any], values: dict[str, Any]) -> str:
    where = f"token {r['position']}" if r["position"] > 1 else "the next token"
    text = (f"For {where} after {r['text'][:-len(r['chosen_token'])]!r}, {r['candidates']} of "
            f"{len(r['output'])} tokens survive the {ORDER_LABELS[values['order']]}; seed {values['seed']} draws "
            f"{r['chosen_token']!r} ({percent_text(r['chosen_probability'])}), from about "
            f"{r['effective_choices']:.2f} effective choices.")
    if r["grammar_first_draw_valid"] is not None:
        text += (f" The unconstrained draw is allowed by the grammar {percent_text(r['grammar_first_draw_valid'])} "
                 "of the time; otherwise llama.cpp redraws with the grammar applied first.")
    return text + " Logits are synthetic."


def _chart(r: dict[str, Any]) -> str:
    tokens = list(r["output"])
    columns = [(STAGE_LABELS[s["stage"]], [p if p > 0 else None for p in s["probabilities"].values()])
               for s in r["stages"]]
    columns.append((STAGE_LABELS["output"], [p if p > 0 else None for p in r["output"].values()]))
    chosen = tokens.index(r["chosen_token"])
    desc = "; ".join(f"{name}: " + ", ".join(f"{t.strip() or repr(t)} {v:.0%}" for t, v in zip(tokens, vals)
                                            if v is not None and v >= 0.005) for name, vals in columns)
    return svg.bar_grid([repr(t)[1:-1] for t in tokens], columns, title="Distribution after each sampler stage",
                        desc=desc, highlight=chosen)


def _table(r: dict[str, Any]) -> Table:
    names = [s["stage"] for s in r["stages"]] + ["output"]
    rows = [[tok] + [s["probabilities"][tok] for s in r["stages"]] + [r["output"][tok]] for tok in r["output"]]
    return Table(["token", *names], rows)
