"""``python -m inferlab simulate``: run the pipeline simulator from the command line.

Examples::

    python -m inferlab simulate --arrival-rate 30 --workers 48 --duration 300
    python -m inferlab simulate --spike at=30,for=10,x=3 --json
    python -m inferlab simulate --ideal --service-dist exp --service-ms 100 \\
        --workers 4 --arrival-rate 32 --duration 20000 --json     # an M/M/4 queue
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from inferlab.inputs import InputError
from inferlab.pipeline.config import PARAMS

#: Option -> Config field, for the options that map one to one.
_FIELD_OPTIONS = {
    "arrival_rate": "arrival_rate",
    "workers": "workers",
    "pattern": "pattern",
    "cache_size": "cache_size",
    "slots": "slots",
    "replicas": "replicas",
    "gpus": "gpus",
    "batch_tokens": "batch_tokens",
    "model": "model",
    "quant": "quant",
    "hardware": "hardware",
    "prefill_tps": "prefill_tps",
    "decode_tps": "decode_tps",
    "service_dist": "service_dist",
    "service_ms": "service_ms",
    "visibility_timeout": "visibility_timeout_s",
    "max_receives": "max_receives",
    "max_depth": "queue_max_depth",
    "failure_prob": "worker_failure_prob",
    "rate_limit": "rate_limit_rps",
    "max_events": "run_event_budget",
}

_SPIKE_KEYS = {"at": "spike_at_s", "for": "spike_duration_s", "x": "spike_multiplier"}

SUMMARY_LINES = (
    ("status", "status", "{}"),
    ("simulated", "simulated_s", "{:,.1f} s"),
    ("arrivals", "arrivals", "{:,}"),
    ("completed", "completed", "{:,}"),
    ("throughput", "throughput_rps", "{:,.2f} req/s"),
    ("tokens generated", "tokens_per_s", "{:,.0f} tokens/s"),
    ("mean wait in queue", "mean_wait_ms", "{:,.2f} ms"),
    ("mean latency", "mean_latency_ms", "{:,.1f} ms"),
    ("p50 latency", "p50_latency_ms", "{:,.1f} ms"),
    ("p95 latency", "p95_latency_ms", "{:,.1f} ms"),
    ("p99 latency", "p99_latency_ms", "{:,.1f} ms"),
    ("mean token gap", "mean_itl_ms", "{:,.1f} ms"),
    ("p99 token gap", "p99_itl_ms", "{:,.1f} ms"),
    ("longest prefill stall", "longest_stall_ms", "{:,.0f} ms"),
    ("mean queue depth", "mean_queue_depth", "{:,.3f} msgs"),
    ("cache hit rate", "cache_hit_rate", "{:.1%}"),
    ("worker utilization", "worker_utilization", "{:.1%}"),
    ("slot utilization", "slot_utilization", "{:.1%}"),
    ("redeliveries", "redeliveries", "{:,}"),
    ("dead-lettered", "dead_lettered", "{:,}"),
    ("rejected", "rejected", "{:,}"),
    ("refused or failed by llama-server", "llm_errors", "{:,}"),
    ("answers cut by the slot context", "truncated_answers", "{:,}"),
    ("capacity", "capacity_rps", "{:,.1f} req/s"),
    ("bottleneck", "bottleneck", "{}"),
    ("inference speeds", "speed_source", "{}"),
    ("context per slot", "ctx_per_slot", "{:,} tokens"),
    ("memory per server", "memory", "{}"),
    ("events", "events", "{:,}"),
    ("truncated", "truncated", "{}"),
)


def parse_spike(text: str) -> dict[str, float]:
    """``at=30,for=10,x=3`` -> spike config fields; InputError naming the bad part."""
    allowed = "at=SECONDS,for=SECONDS,x=MULTIPLIER (at= required)"
    out: dict[str, float] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in _SPIKE_KEYS:
            raise InputError("spike", part, allowed)
        try:
            out[_SPIKE_KEYS[key]] = float(value)
        except ValueError:
            raise InputError("spike", f"{key}={value}", f"{key}= a number of {'times' if key == 'x' else 'seconds'}") from None
    if "spike_at_s" not in out:
        raise InputError("spike", text, allowed)
    return out


def _on_off(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; expected on or off")
    return text == "on"


def register(subparsers: Any) -> None:
    """Add the ``simulate`` sub-command."""
    p = subparsers.add_parser(
        "simulate", help="simulate the LLM orchestration and pub/sub pipeline",
        description="Discrete-event simulation of gateway -> pub/sub queue -> workers -> "
                    "Redis cache -> llama.cpp -> database.")
    p.add_argument("--arrival-rate", type=float, metavar="R", help="mean arrivals, requests/s (Poisson)")
    p.add_argument("--pattern", help="constant | diurnal | bursty")
    p.add_argument("--workers", type=int, metavar="N", help="orchestrator workers")
    p.add_argument("--duration", type=float, default=60.0, metavar="S", help="simulated seconds (default 60)")
    p.add_argument("--warmup", type=float, default=0.0, metavar="S",
                   help="simulated seconds run first and left out of the results")
    budget = PARAMS["run_interval_budget"].default
    p.add_argument("--interval", type=float, metavar="S",
                   help="metrics interval for --series (default: 1 s, or duration/1000 beyond 1000 s; "
                        f"at most {budget:,} intervals per run)")
    p.add_argument("--seed", type=int, default=0, metavar="K")
    p.add_argument("--cache", type=_on_off, metavar="on|off", help="Redis response cache")
    p.add_argument("--cache-size", type=int, metavar="ENTRIES")
    p.add_argument("--slots", type=int, metavar="NP", help="llama.cpp parallel slots per server (-np)")
    p.add_argument("--replicas", type=int, metavar="N", help="llama.cpp servers")
    p.add_argument("--gpus", type=int, metavar="N", help="GPUs per llama.cpp server (with --model; layer split)")
    p.add_argument("--ctx-size", "-c", metavar="TOKENS",
                   help="KV cells per server (-c), split over the slots unless --kv-unified (default: the largest "
                        "that fits, up to slots x the model's trained context)")
    p.add_argument("--kv-unified", action="store_true", help="one KV pool shared by every slot (--kv-unified)")
    p.add_argument("--batch-tokens", "-b", type=int, metavar="N", help="llama-server -b: tokens per batch (2048)")
    p.add_argument("--spike", type=str, metavar="at=S,for=S,x=M", help="a load spike")
    p.add_argument("--model", help="model name known to the quantization calculator")
    p.add_argument("--quant", help="quant type, e.g. Q4_K_M")
    p.add_argument("--hardware", help="hardware name known to the quantization calculator")
    p.add_argument("--prefill-tps", type=float, metavar="T", help="prompt tokens/s per server (no --model)")
    p.add_argument("--decode-tps", type=float, metavar="T", help="tokens/s of one slot decoding alone (no --model)")
    p.add_argument("--service-dist", help="exp | det: replace the inference time model")
    p.add_argument("--service-ms", type=float, metavar="M", help="mean of --service-dist, ms")
    p.add_argument("--ideal", action="store_true",
                   help="every stage but the worker pool instantaneous and lossless (an M/M/c or M/D/c queue)")
    p.add_argument("--visibility-timeout", type=float, metavar="S")
    p.add_argument("--max-receives", type=int, metavar="N")
    p.add_argument("--max-depth", type=int, metavar="N", help="max visible messages before rejecting")
    p.add_argument("--failure-prob", type=float, metavar="P", help="chance a worker crashes holding a message")
    p.add_argument("--rate-limit", type=float, metavar="R", help="gateway token bucket, requests/s")
    p.add_argument("--max-events", type=int, metavar="N", help="event budget for the whole run")
    p.add_argument("--series", action="store_true", help="include the per-interval time series (with --json)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def config_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The Config fields the options set (unset options keep the defaults)."""
    values: dict[str, Any] = {}
    for option, field in _FIELD_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            values[field] = value
    if args.cache is not None:
        values["cache_enabled"] = args.cache
    if args.ideal:
        values["ideal"] = True
    if args.kv_unified:
        values["kv_unified"] = True
    if args.ctx_size is not None:  # 8192, 8k, 1M: read by the ctx_size Param, which names a bad value
        values["ctx_size"] = PARAMS["ctx_size"].parse(args.ctx_size)
    if args.spike:
        values.update(parse_spike(args.spike))
    return values


def run(args: argparse.Namespace) -> int:
    """Handler: simulate and print the summary."""
    from inferlab.pipeline.config import check_seconds
    from inferlab.pipeline.simulation import Simulation

    sim = Simulation(config_from_args(args), seed=args.seed)
    warmup = check_seconds("warmup", args.warmup)
    if warmup > 0:
        sim.run(warmup, interval_s=args.interval)
        sim.reset_stats()
    summary = sim.run(args.duration, interval_s=args.interval)
    if args.json:
        if args.series:
            summary["series"] = [{k: v for k, v in row.items() if k != "stages"} for row in sim.history]
        print(json.dumps(summary, indent=2, sort_keys=True, allow_nan=False))
        return 0
    width = max(len(label) for label, _, _ in SUMMARY_LINES)
    for label, key, fmt in SUMMARY_LINES:
        value = summary.get(key)
        text = "n/a" if value is None else fmt.format(value)
        print(f"{label:<{width}}  {text}")
    return 0
