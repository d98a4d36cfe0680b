"""Every parameter of the pipeline, validated, with units in the names.

:class:`Config` is a frozen dataclass; :func:`make_config` builds one from a
mapping (the widget's JSON) and rejects unknown or out-of-range fields with a
``ValueError`` that names the field, the value and what is allowed.  Fields in
:data:`CONTROL_FIELDS` may change while a simulation runs
(:meth:`inferlab.pipeline.Simulation.set_controls`).

Defaults describe a small production deployment: 64 orchestrator workers in
front of 4 llama.cpp servers with 16 slots each, a Redis exact-match response
cache, and a Postgres-like store for the results.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

PATTERNS = ("constant", "diurnal", "bursty")
SERVICE_DISTS = ("exp", "det")


@dataclasses.dataclass(frozen=True)
class Config:
    """Parameters of one pipeline; see each field's comment for unit and meaning."""

    # --- arrivals (clients -> API gateway) ---
    arrival_rate: float = 20.0           # mean request rate, requests/s (Poisson)
    pattern: str = "constant"            # constant | diurnal | bursty
    diurnal_period_s: float = 120.0      # one "day" of the diurnal pattern, s (compressed for the widget)
    diurnal_amplitude: float = 0.5       # rate swings by +-amplitude x arrival_rate
    burst_multiplier: float = 4.0        # bursty: rate x multiplier while a burst lasts
    burst_mean_s: float = 5.0            # bursty: mean burst length, s (exponential)
    calm_mean_s: float = 30.0            # bursty: mean time between bursts, s (exponential)
    spike_at_s: float | None = None      # a scheduled load spike: start time, s (None = none)
    spike_duration_s: float = 10.0       # ... its length, s
    spike_multiplier: float = 3.0        # ... rate x multiplier
    # --- API gateway ---
    gateway_latency_ms: float = 2.0      # constant added latency, ms
    rate_limit_rps: float | None = None  # token-bucket limit, requests/s (None = off)
    rate_limit_burst: int = 100          # token-bucket depth, requests
    # --- pub/sub queue (SQS-like) ---
    queue_max_depth: int | None = 100_000  # max visible messages; publishes beyond are rejected (None = unbounded,
    #                                       memory then grows with the backlog)
    visibility_timeout_s: float | None = 30.0  # a received message reappears after this, s (None = never)
    max_receives: int = 5                # receives before the message goes to the dead-letter queue
    worker_failure_prob: float = 0.0     # chance a worker crashes holding a message (it is redelivered)
    # --- orchestrator workers ---
    workers: int = 64
    # --- Redis response cache ---
    cache_enabled: bool = True
    cache_size: int = 20_000             # entries (LRU eviction)
    cache_ttl_s: float | None = 600.0    # entry lifetime, s (None = no expiry)
    cache_latency_ms: float = 1.0        # one GET/SET round trip, ms
    keyspace: int = 1_000_000            # distinct prompts
    zipf_s: float = 0.9                  # popularity exponent: P(rank k) ~ k**-s
    # --- llama.cpp inference ---
    model: str | None = None             # with quant and hardware: rates from the quantization calculator
    quant: str | None = None
    hardware: str | None = None
    prefill_tps: float = 4000.0          # prompt tokens/s of one server (used when no model is named)
    decode_tps: float = 100.0            # output tokens/s of one slot decoding alone
    batch_overhead: float = 0.1          # extra step time per additional decoding slot (see inference.py)
    slots: int = 16                      # llama-server -np: parallel slots per server
    replicas: int = 4                    # llama-server instances behind the workers
    prompt_tokens_mean: float = 400.0
    prompt_tokens_cv: float = 0.8
    output_tokens_mean: float = 120.0
    output_tokens_cv: float = 0.6
    max_tokens: int = 32_768             # cap on any drawn token count
    service_dist: str | None = None      # exp | det: replaces the inference time model (theory checks)
    service_ms: float = 100.0            # mean of that service time, ms
    ideal: bool = False                  # every stage but the worker pool instantaneous and lossless
    # --- database ---
    db_latency_ms: float = 4.0           # one result write, ms
    db_connections: int = 32             # connection pool size (FCFS)
    # --- bookkeeping ---
    event_budget: int = 200_000          # max events per advance() call (~0.5 s of CPython)
    run_event_budget: int = 1_000_000    # max events per run() call, i.e. per CLI run or sweep point
    history_limit: int = 2_400           # intervals kept in Simulation.history


#: Fields that may change while the simulation runs.
CONTROL_FIELDS = frozenset({
    "arrival_rate", "pattern", "diurnal_amplitude", "burst_multiplier", "rate_limit_rps",
    "queue_max_depth", "worker_failure_prob", "workers", "cache_enabled", "cache_size",
    "slots", "model", "quant", "hardware", "prefill_tps", "decode_tps", "batch_overhead",
    "db_latency_ms",
})

_INF = math.inf

# field -> (kind, low, high, low_inclusive); kind: "float", "int", "bool", "choice", "str"
_RULES: dict[str, tuple[str, Any, Any, bool]] = {
    "arrival_rate": ("float", 0.0, 1e12, True),
    "pattern": ("choice", PATTERNS, None, True),
    "diurnal_period_s": ("float", 0.0, 1e9, False),
    "diurnal_amplitude": ("float", 0.0, 1.0, True),
    "burst_multiplier": ("float", 1.0, 1e6, True),
    "burst_mean_s": ("float", 0.0, 1e9, False),
    "calm_mean_s": ("float", 0.0, 1e9, False),
    "spike_at_s": ("float?", 0.0, 1e12, True),
    "spike_duration_s": ("float", 0.0, 1e12, False),
    "spike_multiplier": ("float", 0.0, 1e6, True),
    "gateway_latency_ms": ("float", 0.0, 1e6, True),
    "rate_limit_rps": ("float?", 0.0, 1e12, False),
    "rate_limit_burst": ("int", 1, 10**9, True),
    "queue_max_depth": ("int?", 1, 10**9, True),
    "visibility_timeout_s": ("float?", 0.0, 43_200.0, False),  # SQS allows 0 s .. 12 h
    "max_receives": ("int", 1, 1000, True),                    # SQS maxReceiveCount is 1..1000
    "worker_failure_prob": ("float", 0.0, 1.0, True),
    "workers": ("int", 1, 1024, True),
    "cache_enabled": ("bool", None, None, True),
    "cache_size": ("int", 0, 10**8, True),
    "cache_ttl_s": ("float?", 0.0, 1e12, False),
    "cache_latency_ms": ("float", 0.0, 1e6, True),
    "keyspace": ("int", 1, 10**12, True),
    "zipf_s": ("float", 0.0, 5.0, True),
    "model": ("str?", None, None, True),
    "quant": ("str?", None, None, True),
    "hardware": ("str?", None, None, True),
    "prefill_tps": ("float", 0.0, 1e9, False),
    "decode_tps": ("float", 0.0, 1e9, False),
    "batch_overhead": ("float", 0.0, 10.0, True),
    "slots": ("int", 1, 1024, True),
    "replicas": ("int", 1, 1024, True),
    "prompt_tokens_mean": ("float", 1.0, 1e7, True),
    "prompt_tokens_cv": ("float", 0.0, 10.0, True),
    "output_tokens_mean": ("float", 1.0, 1e7, True),
    "output_tokens_cv": ("float", 0.0, 10.0, True),
    "max_tokens": ("int", 1, 10**7, True),
    "service_dist": ("choice?", SERVICE_DISTS, None, True),
    "service_ms": ("float", 0.0, 1e9, False),
    "ideal": ("bool", None, None, True),
    "db_latency_ms": ("float", 0.0, 1e6, True),
    "db_connections": ("int", 1, 100_000, True),
    "event_budget": ("int", 1, 10**10, True),
    "run_event_budget": ("int", 1, 10**10, True),
    "history_limit": ("int", 1, 10**7, True),
}

FIELDS = tuple(f.name for f in dataclasses.fields(Config))
assert set(_RULES) == set(FIELDS), "every Config field needs a validation rule"


def _range_text(low: Any, high: Any, low_inclusive: bool, integer: bool) -> str:
    what = "an integer" if integer else "a number"
    lo = "from" if low_inclusive else "greater than"
    return f"{what} {lo} {low:g} to {high:g}"


def validate_field(name: str, value: Any) -> Any:
    """Return *value* normalised for field *name*, or raise ``ValueError``."""
    if name not in _RULES:
        allowed = ", ".join(sorted(FIELDS))
        raise ValueError(f"{name}: unknown field; expected one of {allowed}")
    kind, low, high, low_inclusive = _RULES[name]
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if value is None and optional:
        return None
    none_text = " or null" if optional else ""
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(f"{name}: {value!r} is not allowed; expected true or false")
    if kind in ("choice", "str"):
        if kind == "choice" and value in low:
            return value
        if kind == "str" and isinstance(value, str) and value.strip():
            return value.strip()
        allowed = " or ".join(repr(c) for c in low) if kind == "choice" else "a non-empty name"
        raise ValueError(f"{name}: {value!r} is not allowed; expected {allowed}{none_text}")
    integer = kind == "int"
    text = _range_text(low, high, low_inclusive, integer) + none_text
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name}: {value!r} is not allowed; expected {text}")
    if integer:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(f"{name}: {value!r} is not allowed; expected {text}")
            value = int(value)
    else:
        value = float(value)
        if math.isnan(value):
            raise ValueError(f"{name}: {value!r} is not allowed; expected {text}")
    if value > high or value < low or (value == low and not low_inclusive):
        raise ValueError(f"{name}: {value!r} is not allowed; expected {text}")
    return value


def _check_combination(cfg: Config) -> None:
    named = [cfg.model, cfg.quant, cfg.hardware]
    if any(v is not None for v in named) and not all(v is not None for v in named):
        raise ValueError(
            f"model/quant/hardware: {tuple(named)!r} is not allowed; "
            "expected all three names (rates from the calculator) or none (plain prefill_tps/decode_tps)"
        )
    if cfg.ideal and cfg.service_dist is None:
        raise ValueError("ideal: True is not allowed without service_dist; expected service_dist 'exp' or 'det'")


def make_config(values: Mapping[str, Any] | Config | None = None, **overrides: Any) -> Config:
    """Build a validated :class:`Config` from a mapping and/or keyword overrides."""
    base: dict[str, Any] = {}
    if isinstance(values, Config):
        base = dataclasses.asdict(values)
    elif values is not None:
        if not isinstance(values, Mapping):
            raise ValueError(f"config: {values!r} is not allowed; expected a mapping of field names to values")
        base = {f: getattr(Config, f) for f in FIELDS}
        base.update(values)
    else:
        base = {f: getattr(Config, f) for f in FIELDS}
    base.update(overrides)
    clean = {name: validate_field(name, value) for name, value in base.items()}
    cfg = Config(**clean)
    _check_combination(cfg)
    return cfg


def replace_controls(cfg: Config, changes: Mapping[str, Any]) -> Config:
    """Return *cfg* with live *changes* applied; only :data:`CONTROL_FIELDS` may change."""
    for name in changes:
        if name not in CONTROL_FIELDS:
            if name not in FIELDS:
                validate_field(name, None)  # raises "unknown field"
            allowed = ", ".join(sorted(CONTROL_FIELDS))
            raise ValueError(f"{name}: cannot change while running; live controls are {allowed}")
    return make_config(cfg, **changes)


def to_dict(cfg: Config) -> dict[str, Any]:
    """The config as a JSON-able dict."""
    return dataclasses.asdict(cfg)
