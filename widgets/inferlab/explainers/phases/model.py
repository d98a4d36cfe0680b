"""Prefill and decode as FLOPs and bytes, on the hardware's roofline, and scheduled.

Every step time and every FLOP or byte comes from the llama.cpp speed model
(:meth:`inferlab.llamacpp.speed.SpeedModel.step_seconds` and
:meth:`~inferlab.llamacpp.speed.SpeedModel.step_work`); the roofline's two
ceilings are the catalog's datasheet numbers (:mod:`inferlab.catalog.hardware`).
This module adds three things on top:

* **the roofline** (Williams, Waterman & Patterson, CACM 2009): a step's
  arithmetic intensity is FLOPs / bytes moved; a device cannot beat
  ``min(peak FLOP/s, intensity x bandwidth)``; the ridge point
  ``peak / bandwidth`` separates memory-bound from compute-bound work.  A
  step's *speed of light* is ``sum over devices of max(FLOPs / peak,
  bytes / bandwidth)``, and its efficiency is that time over the step's
  (modeled or measured) time.
* **aggregated spans**: ``k`` consecutive steps whose shape does not change
  (the same sequences decoding, the same prompt-chunk size) differ only in
  their depths, which grow by a fixed amount per step.  A step's time,
  FLOPs and bytes are affine in the depths on global-attention layers (KV
  bytes read and query-key pairs are), so the span equals ``k`` times the
  step at the mean depths -- exactly, and to within the window's kink on
  sliding-window layers.  A 32k-token output is one call, not 32,768.
* **a scheduler** of whole requests over those steps: every step carries
  one token of each decoding sequence plus one prompt chunk (Orca's
  iteration-level batching, arXiv 2308.16369's decode-maximal batches);
  with a token budget per step the prompt is split into what is left of
  it (Sarathi's chunked prefill; llama-server's ``n_batch``, which counts
  the decode tokens first), without one it enters a step whole.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from inferlab.catalog.devices import Hardware
from inferlab.inputs import InputError
from inferlab.llamacpp.speed import SpeedModel


# -- the roofline ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roof:
    """One device's ceilings, datasheet: compute peak (FLOP/s, of kind ``peak_kind``) and memory bandwidth (bytes/s)."""

    name: str
    peak_flops: float
    bandwidth: float
    peak_kind: str = "FP16 tensor"

    @property
    def ridge(self) -> float:
        """Arithmetic intensity (FLOPs/byte) where the two ceilings meet."""
        return self.peak_flops / self.bandwidth

    def attainable(self, intensity: float) -> float:
        """The roofline: the most FLOP/s a kernel of this *intensity* can reach here."""
        return min(self.peak_flops, intensity * self.bandwidth)


def roofs(hw: Hardware) -> dict[str, Roof]:
    """Device name as the speed model names it (``CPU``, ``GPU0`` ...) -> its datasheet roof.

    The GPU figure is the datasheet's dense FP16 tensor peak with FP32
    accumulation (:class:`inferlab.catalog.devices.GpuSpec`); the CPU's is
    the host's FP32 vector peak.  Every GPU of a machine is the same model.
    """
    c = hw.cpu
    out = {"CPU": Roof(c.name, c.peak_gflops * 1e9, c.bandwidth_gbs * 1e9, "FP32 vector")}
    if hw.gpu is not None:
        g = hw.gpu
        for i in range(16):
            out[f"GPU{i}"] = Roof(g.name, g.fp16_tflops * 1e12, g.bandwidth_gbs * 1e9)
    return out


def main_roof(hw: Hardware) -> Roof:
    """The roof drawn for *hw*: its GPU's, or the CPU's on a machine without one."""
    r = roofs(hw)
    return r["GPU0"] if "GPU0" in r else r["CPU"]


@dataclass(frozen=True)
class Work:
    """FLOPs, bytes and seconds of one or more steps, and their speed-of-light time (seconds)."""

    matmul_flops: float = 0.0
    attention_flops: float = 0.0
    weight_bytes: float = 0.0
    kv_bytes: float = 0.0
    seconds: float = 0.0
    sol_seconds: float = 0.0

    @property
    def flops(self) -> float:
        return self.matmul_flops + self.attention_flops

    @property
    def bytes(self) -> float:
        return self.weight_bytes + self.kv_bytes

    @property
    def intensity(self) -> float:
        """Arithmetic intensity, FLOPs per byte moved."""
        return self.flops / self.bytes

    @property
    def efficiency(self) -> float:
        """Speed-of-light time over the time taken (1 = on the roofline)."""
        return self.sol_seconds / self.seconds

    def __add__(self, other: Work) -> Work:
        return Work(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def times(self, k: float) -> Work:
        """*k* copies of this work."""
        return Work(*(k * a for a in self.astuple()))

    def at(self, seconds: float) -> Work:
        """The same work done in *seconds* (e.g. a measured run)."""
        return Work(self.matmul_flops, self.attention_flops, self.weight_bytes, self.kv_bytes, seconds,
                    self.sol_seconds)

    def astuple(self) -> tuple[float, ...]:
        return (self.matmul_flops, self.attention_flops, self.weight_bytes, self.kv_bytes, self.seconds,
                self.sol_seconds)


def step(sm: SpeedModel, hw: Hardware, decode_depths: Sequence[float] = (),
         prompt_chunks: Sequence[tuple[int, float]] = (), outputs: int | None = None) -> Work:
    """The :class:`Work` of one llama_decode call (arguments as ``SpeedModel.step_seconds``)."""
    ceilings = roofs(hw)
    total = Work()
    for row in sm.step_work(decode_depths, prompt_chunks, outputs):
        roof = ceilings[row["device"]]
        flops = row["matmul_flops"] + row["attention_flops"]
        moved = row["weight_bytes"] + row["kv_bytes"]
        sol = max(flops / roof.peak_flops, moved / roof.bandwidth)
        total = total + Work(row["matmul_flops"], row["attention_flops"], row["weight_bytes"], row["kv_bytes"],
                             row["seconds"], sol)
    return total


def span(sm: SpeedModel, hw: Hardware, k: int, decode_depths: Sequence[float] = (),
         chunk: tuple[int, float] | None = None, outputs: int | None = None) -> Work:
    """*k* consecutive steps: decoding sequences start at *decode_depths* and gain one token per step;
    a prompt chunk ``(tokens, depth)`` moves ``tokens`` deeper per step.  Exact on global-attention
    layers (the step is affine in the depths): k x the step at the mean depths."""
    if k <= 0:
        return Work()
    lift = (k - 1) / 2
    chunks = [] if chunk is None else [(chunk[0], chunk[1] + chunk[0] * lift)]
    return step(sm, hw, [d + lift for d in decode_depths], chunks, outputs).times(k)


# -- published runs on the roofline ------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def published_points(hardware: str) -> tuple[dict, ...]:
    """Every published llama-bench / batched-bench speed on *hardware*, as a roofline point.

    The run's FLOPs and bytes are the speed model's for the run's own model,
    quantization and settings (placed as run: all layers on the GPUs); its
    time is the *measured* one.  ``efficiency`` = speed-of-light time /
    measured time.  Sources and builds: :mod:`inferlab.llamacpp.published`.
    """
    from inferlab.catalog.hardware import get_hardware
    from inferlab.llamacpp.fidelity import run_model
    from inferlab.llamacpp.kv_cache import pad
    from inferlab.llamacpp.published import BATCH_SWEEPS, PREFILL, SINGLE_STREAM

    hw = get_hardware(hardware)
    points = []
    for row in (*SINGLE_STREAM, *PREFILL, *BATCH_SWEEPS):
        if row.hardware != hardware:
            continue
        sm = run_model(row.hardware, row.model, row.quant, row.gpus, pad(row.depth + row.tokens + 1))
        if row.kind == "tg":  # tg N: N single-token steps after the row's depth
            bench = Request("tg", 0, row.depth, row.tokens)
        else:  # pp N -ub U: the prompt in micro-batches of U tokens, logits for the last one
            bench = Request("pp", row.tokens, row.depth, 0)
        measured = run(sm, hw, [bench], row.ubatch).work.at(row.tokens / row.measured)
        test = f"{row.kind}{row.tokens}" + (f" -ub {row.ubatch}" if row.kind == "pp" and row.ubatch != 512 else "")
        test += f" @ d{row.depth}" if row.depth else ""
        points.append({
            "label": f"{row.model} {row.quant} {test}" + (f" ×{row.gpus} GPUs" if row.gpus > 1 else ""),
            "model": row.model, "quant": row.quant, "kind": row.kind, "test": test, "gpus": row.gpus,
            "tokens_per_s": row.measured, "intensity": measured.intensity,
            "flops_per_s": measured.flops / measured.seconds, "efficiency": measured.efficiency,
            "source": row.source, "build": row.build,
        })
    return tuple(points)


# -- the scheduler -----------------------------------------------------------------------------------------
@dataclass
class Request:
    """One sequence: prompt tokens still to read, tokens cached, decode steps left, and its times (s)."""

    name: str
    prompt_left: int
    cached: float
    decode_left: int
    prefill_start: float | None = None
    first_token: float | None = None
    finish: float | None = None


@dataclass(frozen=True)
class Segment:
    """``steps`` identical steps from ``start`` to ``end``: ``decoding`` sequences each add a token,
    and ``chunk`` prompt tokens of request ``prefill`` (None: a decode-only span) are read per step.
    ``longest``: the last (deepest, so longest) step's seconds; ``work``: the span's."""

    start: float
    end: float
    steps: int
    decoding: int
    longest: float
    work: Work
    chunk: int = 0
    prefill: str | None = None


@dataclass
class Schedule:
    """What :func:`run` did: the requests with their times, the spans of steps, and the total work."""

    requests: list[Request]
    segments: list[Segment] = field(default_factory=list)
    work: Work = field(default_factory=Work)

    def longest_step(self, during: str | None = None) -> float:
        """The longest single step (s) -- for a decoding sequence, the longest gap between two tokens;
        *during*: only steps that read part of that request's prompt."""
        return max(s.longest for s in self.segments if during is None or s.prefill == during)

    def prefill_work(self, name: str) -> Work:
        """The work of the steps that read part of request *name*'s prompt (with whatever decoded alongside)."""
        total = Work()
        for s in self.segments:
            if s.prefill == name:
                total = total + s.work
        return total


def run(sm: SpeedModel, hw: Hardware, requests: list[Request], budget: int | None,
        stop_after: str | None = None) -> Schedule:
    """Serve *requests* (in order) on one llama.cpp context, step by step.

    Each step holds one token of every sequence already generating and one
    chunk of the first prompt still waiting: as many of its tokens as fit
    a step of *budget* tokens (chunked prefill; llama-server fills each
    step to ``n_batch`` this way), or all of it when *budget* is None.  The step that
    reads a prompt's last token produces its first output token; after
    that it decodes ``decode_left`` more tokens.  Steps of the same shape
    are timed together (:func:`span`).  *stop_after*: stop once that
    request has its first token.  Times are seconds from 0.
    """
    sched = Schedule(requests)
    waiting = [r for r in requests if r.prompt_left > 0]
    active = [r for r in requests if r.prompt_left == 0 and r.decode_left > 0]
    t = 0.0
    while waiting or active:
        head = waiting[0] if waiting else None
        limit = min((r.decode_left for r in active), default=None)
        if head is None:  # decode only, until the next sequence finishes
            assert limit is not None  # nothing waits, so some sequence is decoding
            k, chunk, last = limit, 0, False
        else:
            if budget is not None and budget <= len(active):
                raise InputError("chunk", budget, f"more than the {len(active)} sequences decoding in each step",
                                 reason="leaves no room for prompt tokens")
            chunk = head.prompt_left if budget is None else min(budget - len(active), head.prompt_left)
            full = head.prompt_left // chunk - (1 if head.prompt_left % chunk == 0 else 0)
            k = full if limit is None else min(full, limit)
            last = k == 0
            k = k or 1
            if head.prefill_start is None:
                head.prefill_start = t
        depths = [r.cached for r in active]
        outputs = len(active) + (1 if last else 0)
        work = span(sm, hw, k, depths, (chunk, head.cached) if chunk and head is not None else None, outputs)
        sched.work = sched.work + work
        deepest = step(sm, hw, [d + k - 1 for d in depths],
                       [(chunk, head.cached + chunk * (k - 1))] if chunk and head is not None else [],
                       outputs).seconds
        sched.segments.append(Segment(t, t + work.seconds, k, len(active), deepest, work, chunk,
                                      head.name if chunk and head is not None else None))
        t += work.seconds
        for r in active:
            r.cached += k
            r.decode_left -= k
            if r.decode_left == 0:
                r.finish = t
        active = [r for r in active if r.decode_left > 0]
        if head is not None:
            head.cached += k * chunk
            head.prompt_left -= k * chunk
            if last:
                waiting.pop(0)
                head.first_token = t
                if head.decode_left > 0:
                    active.append(head)
                else:
                    head.finish = t
                if head.name == stop_after:
                    break
    return sched


def batch_requests(n: int, prompt: int, depth: int, output: int) -> list[Request]:
    """*n* identical requests arriving together: *prompt* new tokens after *depth* cached, *output* generated."""
    return [Request(f"request {i + 1}", prompt, depth, output - 1) for i in range(n)]


def interference(sm: SpeedModel, hw: Hardware, decoders: int, decoder_depth: int, prompt: int, depth: int,
                 budget: int | None) -> Schedule:
    """*decoders* sequences generating at *decoder_depth* when a *prompt*-token request arrives; served
    until the new request's first token, with a chunk *budget* or (None) the prompt in one step."""
    running = [Request(f"running {i + 1}", 0, decoder_depth, 10**9) for i in range(decoders)]
    return run(sm, hw, [*running, Request("arriving", prompt, depth, 1)], budget, stop_after="arriving")


__all__ = ["Request", "Roof", "Schedule", "Segment", "Work", "batch_requests", "interference", "main_roof",
           "published_points", "roofs", "run", "span", "step"]
