"""The ``phases`` numbers: TTFT, TPOT, both phases on the roofline, and what chunked prefill does to stalls.

:func:`report` is what ``python -m inferlab phases --json`` prints and the
widget shows.  Its scenarios, all timed by the llama.cpp speed model through
:mod:`.model`:

* **one request alone**: the prompt (``prompt`` tokens after ``depth``
  cached) read ``chunk`` tokens per step, then ``output - 1`` decode steps.
  ``ttft_s`` is its first token; with ``chunk`` = 512 (llama.cpp's
  ``n_ubatch``) it equals ``SpeedModel.prompt_seconds``.
* **a batch decoding together**: ``batch`` sequences generating in lockstep
  from ``depth + prompt`` cached tokens; ``tpot_s`` is their mean step.
  ``e2e_s`` = ``ttft_s`` + (output - 1) x ``tpot_s``.
* **the batch arriving at once**: ``batch`` such requests sent together,
  their prompts read one after another while the earlier ones decode.
* **interference**: ``batch`` sequences generating (half-way through their
  output) when one more prompt arrives; the prompt enters one step whole,
  or fills steps of ``chunk`` tokens next to the running sequences' tokens
  (chunked prefill: Sarathi, arXiv 2308.16369).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from inferlab.catalog import choices
from inferlab.inputs import InputError, Param, Params
from inferlab.llamacpp.params import PARAMS as LLAMA

from .model import Request, Schedule, Work, batch_requests, interference, main_roof, published_points, run


#: Longest context any preset has (the per-model limit is checked in :func:`report`).
MAX_TOKENS = 163_840

PARAMS = Params([
    LLAMA["model"].with_(choices=choices.models, help="model preset (shapes from inferlab.catalog)"),
    LLAMA["quant"],
    LLAMA["hardware"].with_(default="rtx-4090", optional=False, none_means="", choices=choices.hardware,
                            help="machine preset; the roofline is its GPU's (or CPU's) datasheet peak and bandwidth"),
    LLAMA["gpus"],
    Param("prompt", "int", 2048, "Prompt", unit="tokens", low=1, high=MAX_TOKENS, suffixes="binary",
          help="new prompt tokens of each request (prefill)"),
    Param("output", "int", 256, "Output", unit="tokens", low=1, high=MAX_TOKENS, suffixes="binary",
          help="tokens generated per request, the first one included (decode)"),
    Param("depth", "int", 0, "Cached context", unit="tokens", low=0, high=MAX_TOKENS, suffixes="binary",
          help="tokens already in the KV cache before the prompt (a reused prefix, earlier turns)"),
    Param("batch", "int", 1, "Concurrent sequences", unit="sequences", low=1, high=256, control="range",
          ui_high=64, help="sequences decoding together; also the requests of the batch timeline and "
                           "the running sequences a new prompt interrupts"),
    Param("chunk", "int", 512, "Step token budget", unit="tokens", low=16, high=16_384, suffixes="binary",
          help="chunked prefill: tokens per step, the running sequences' one token each included; the rest "
               "of the step is prompt (llama-server -b / n_batch, Sarathi-Serve's token budget)",
          source="512 = llama.cpp's n_ubatch, so a step is one micro-batch (common/common.h); llama-server's "
                 "n_batch default is 2048; Sarathi (arXiv 2308.16369) studies chunks of 128-512"),
])


@functools.lru_cache(maxsize=32)
def _speed_model(model: str, quant: str, hardware: str, gpus: int, cells: int, slots: int) -> Any:
    from inferlab.llamacpp.calculator import speed_model

    return speed_model(model=model, quant=quant, hardware=hardware, gpus=gpus, ctx=cells, parallel=slots)


def setup(v: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(shape, hardware, speed model) for validated inputs; InputError naming the field that is too big."""
    from inferlab.catalog.hardware import get_hardware
    from inferlab.catalog.models import get_preset
    from inferlab.llamacpp.kv_cache import pad

    shape, hw = get_preset(v["model"]), get_hardware(v["hardware"])
    need = v["depth"] + v["prompt"] + v["output"]
    if need > shape.max_ctx:
        raise InputError("output", v["output"], f"at most {max(1, shape.max_ctx - v['depth'] - v['prompt']):,} "
                         f"tokens: cached context + prompt + output must fit {shape.display_name}'s "
                         f"{shape.max_ctx:,}-token context", reason="is too long")
    if v["gpus"] > 1 and (hw.gpu is None or hw.unified):
        raise InputError("gpus", v["gpus"], f"1 ({hw.display_name} has {'one integrated GPU' if hw.unified else 'no GPU'})")
    if v["chunk"] <= v["batch"]:
        raise InputError("chunk", v["chunk"], f"more than batch = {v['batch']} tokens (each running sequence "
                         "takes one token of every step)", reason="leaves no room for prompt tokens")
    slots = v["batch"] + 1  # the running sequences and one arriving request
    try:
        sm = _speed_model(v["model"], v["quant"], v["hardware"], v["gpus"], pad(slots * need), slots)
    except InputError as err:
        if err.field != "model" or v["batch"] == 1:
            raise
        raise InputError("batch", v["batch"], f"fewer sequences: {slots} sequences of {need:,} tokens do not fit",
                         reason=f"is too many ({err.reason})") from None
    return shape, hw, sm


#: Most sequences :func:`max_sequences` looks for (llama-server's -np limit in inferlab.llamacpp.params).
MAX_SEQUENCES = 4096


@functools.lru_cache(maxsize=64)
def max_sequences(model: str, quant: str, hardware: str, gpus: int, tokens: int) -> int:
    """The most sequences of *tokens* tokens each whose KV cache fits next to the weights, every layer on the
    GPUs (in RAM without a GPU): ``memory_report``'s fit with ``parallel`` = that many slots."""
    from inferlab.catalog.hardware import get_hardware
    from inferlab.catalog.models import get_preset
    from inferlab.llamacpp.calculator import memory_report
    from inferlab.llamacpp.kv_cache import pad

    layers = get_preset(model).n_layers + 1 if get_hardware(hardware).gpu is not None else 0

    def fits(n: int) -> bool:
        return memory_report(model=model, quant=quant, hardware=hardware, gpus=gpus, ctx=n * pad(tokens),
                             parallel=n, gpu_layers=layers)["fits"]

    if not fits(1):
        return 0
    low, high = 1, 2
    while high <= MAX_SEQUENCES and fits(high):
        low, high = high, 2 * high
    high = min(high, MAX_SEQUENCES + 1)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if fits(mid) else (low, mid)
    return low


def _published_match(points: Sequence[dict[str, Any]], model: str, quant: str) -> dict[str, Any]:
    """The published runs of this very model and quantization on this hardware (one GPU): tg and pp at ubatch 512."""
    out: dict[str, Any] = {}
    for kind, phase in (("tg", "decode"), ("pp", "prefill")):
        rows = [p for p in points if p["model"] == model and p["quant"] == quant and p["kind"] == kind
                and p["gpus"] == 1 and "-ub" not in p["test"] and "@" not in p["test"]]
        row = rows[0] if rows else None
        out[f"published_{phase}_tokens_per_s"] = row and row["tokens_per_s"]
        out[f"published_{phase}_efficiency"] = row and row["efficiency"]
        out[f"published_{phase}_test"] = row and f"{row['test']} ({row['build']})"
    return out


def _phase(prefix: str, work: Work, roof: Any, seconds: float) -> dict[str, Any]:
    return {f"{prefix}_flops": work.flops, f"{prefix}_bytes": work.bytes,
            f"{prefix}_matmul_flops": work.matmul_flops, f"{prefix}_attention_flops": work.attention_flops,
            f"{prefix}_weight_bytes": work.weight_bytes, f"{prefix}_kv_bytes": work.kv_bytes,
            f"{prefix}_intensity": work.intensity, f"{prefix}_flops_per_s": work.flops / seconds,
            f"{prefix}_efficiency": work.efficiency,
            f"{prefix}_bound": "compute" if work.intensity >= roof.ridge else "memory"}


def _times(sched: Schedule) -> list[dict[str, Any]]:
    return [{"name": r.name, "prefill_start_s": r.prefill_start, "first_token_s": r.first_token,
             "finish_s": r.finish} for r in sched.requests]


def report(v: dict[str, Any]) -> dict[str, Any]:
    """Every number the widget shows (and the CLI's ``--json``); *v* are validated inputs."""
    return compute(v)[0]


def compute(v: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Schedule]]:
    """(:func:`report`'s numbers, the four schedules behind them: ``alone``, ``together``, ``whole``, ``chunked``)."""
    from inferlab.catalog.models import matmul_params_per_token

    shape, hw, sm = setup(v)
    roof = main_roof(hw)
    prompt, output, depth, batch, chunk = v["prompt"], v["output"], v["depth"], v["batch"], v["chunk"]
    alone = run(sm, hw, [Request("alone", prompt, depth, output - 1)], chunk)
    me = alone.requests[0]
    prefill = alone.prefill_work("alone")
    steps = max(1, output - 1)  # a one-token answer has no decode step: time one anyway for TPOT
    decode = run(sm, hw, [Request(f"seq {i}", 0, depth + prompt, steps) for i in range(batch)], None).work
    tpot = decode.seconds / steps
    per_step = decode.times(1 / steps)
    together = run(sm, hw, batch_requests(batch, prompt, depth, output), chunk)
    running_at = depth + prompt + output // 2
    whole = interference(sm, hw, batch, running_at, prompt, depth, None)
    chunked = interference(sm, hw, batch, running_at, prompt, depth, chunk)
    alone_step = run(sm, hw, [Request(f"seq {i}", 0, running_at, 1) for i in range(batch)], None).work.seconds
    points = published_points(v["hardware"])
    cpu_layers = sum(d.n_layers for d in sm.devices if not d.is_gpu)
    result = {
        "model": shape.name, "display_name": shape.display_name, "quant": v["quant"], "hardware": hw.name,
        "hardware_display": hw.display_name, "gpus": v["gpus"], "prompt": prompt, "output": output,
        "depth": depth, "batch": batch, "chunk": chunk, "layers_on_cpu": cpu_layers,
        "n_layers": shape.n_layers, "llama_cpp_build": hw.calibration,
        "ttft_s": me.first_token, "tpot_s": tpot, "e2e_s": me.first_token + (output - 1) * tpot,
        "alone_e2e_s": me.finish, "prefill_tokens_per_s": prompt / me.first_token,
        "decode_tokens_per_s": batch / tpot, "per_sequence_tokens_per_s": 1 / tpot,
        **_phase("prefill", prefill, roof, prefill.seconds), **_phase("decode", per_step, roof, tpot),
        "matmul_params": matmul_params_per_token(shape), "output_params": shape.hidden_size * shape.vocab_size,
        "roof_device": roof.name, "roof_peak_kind": roof.peak_kind, "peak_flops": roof.peak_flops,
        "bandwidth_bytes_per_s": roof.bandwidth,
        "ridge_point": roof.ridge,
        "batch_first_ttft_s": together.requests[0].first_token,
        "batch_last_ttft_s": together.requests[-1].first_token,
        "batch_makespan_s": max(cast(float, r.finish) for r in together.requests),  # run() finished them all
        "decode_step_s": alone_step, "stall_unchunked_s": whole.longest_step("arriving"),
        "stall_chunked_s": chunked.longest_step("arriving"),
        "arriving_ttft_unchunked_s": whole.requests[-1].first_token,
        "arriving_ttft_chunked_s": chunked.requests[-1].first_token,
        "chunk_steps": sum(s.steps for s in chunked.segments if s.prefill == "arriving"),
        "max_sequences": max_sequences(v["model"], v["quant"], v["hardware"], v["gpus"],
                                       depth + prompt + output),
        "decode_gflop": per_step.flops / 1e9, "decode_gb": per_step.bytes / 1e9,
        "prefill_tflop": prefill.flops / 1e12, "prefill_gb": prefill.bytes / 1e9,
        "prefill_tflops_per_s": prefill.flops / prefill.seconds / 1e12,
        "decode_tflops_per_s": per_step.flops / tpot / 1e12,
        "peak_tflops": roof.peak_flops / 1e12, "bandwidth_gbs": roof.bandwidth / 1e9,
        "stall_ratio": whole.longest_step("arriving") / alone_step,
        **_published_match(points, v["model"], v["quant"]),
        "published": list(points),
        "published_best_efficiency": max((p["efficiency"] for p in points), default=None),
        "timeline": {"alone": _times(alone), "together": _times(together)},
    }
    return result, {"alone": alone, "together": together, "whole": whole, "chunked": chunked}


__all__ = ["MAX_SEQUENCES", "MAX_TOKENS", "PARAMS", "compute", "max_sequences", "report", "setup"]
