"""Every input of the pipeline simulator, declared once.

Each field of :class:`Config` is declared with an :class:`inferlab.inputs.Param`
(kind, default, unit, range or choices, label, help and the source of the
default); :data:`PARAMS` collects them in field order, and validation here,
the CLI flags, the widget controls and the option tables are all made from
them.  :data:`RUN_PARAMS` declares the inputs of a run that are not part of
the pipeline (seed, duration, warm-up, interval, step).

:func:`make_config` builds a frozen :class:`Config` from a mapping (the
widget's JSON) and raises :class:`~inferlab.inputs.InputError` (field, value,
what is allowed) for an unknown field, a bad value or a combination that
cannot run.  The core takes typed values: text is parsed by the CLI and the
widgets (``Param.parse``) before it gets here.  Fields in
:data:`CONTROL_FIELDS` may change while a simulation runs
(:meth:`inferlab.pipeline.Simulation.set_controls`).

Defaults describe a small production deployment: 4 llama.cpp servers with
16 slots each, one orchestrator worker per slot, a Redis exact-match
response cache and a Postgres-like store for the results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from inferlab.catalog import choices
from inferlab.inputs import InputError, Param, Params

PATTERNS = ("constant", "diurnal", "bursty")
SERVICE_DISTS = ("exp", "det")
#: Largest slot count per server (``-np``).
MAX_SLOTS = 1024

_ASSUMED = "assumed: a round figure for a small deployment"
_SQS = "Amazon SQS developer guide: visibility timeout 30 s by default, 0 s to 12 h"


def _in(param: Param) -> Any:
    """A Config field declared by *param* (its default, with the Param kept in the field's metadata)."""
    return dataclasses.field(default=param.default, metadata={"param": param})


@dataclasses.dataclass(frozen=True)
class Config:
    """Parameters of one pipeline; ``PARAMS[name]`` gives each field's unit, range and meaning."""

    # --- arrivals (clients -> API gateway) ---
    arrival_rate: float = _in(Param(
        "arrival_rate", "float", 20.0, "Arrival rate", "requests/s", low=0, high=1e12, step=0.5, ui_low=0.5,
        ui_high=200, help="Mean rate at which clients send requests (a Poisson process).", source=_ASSUMED))
    pattern: str = _in(Param(
        "pattern", "choice", "constant", "Traffic pattern", choices=PATTERNS,
        help="constant; diurnal (a sine wave over diurnal_period_s); bursty (calm spells and bursts).",
        source="constant: the plain Poisson process the queueing formulas assume"))
    diurnal_period_s: float = _in(Param(
        "diurnal_period_s", "float", 120.0, "Diurnal period", "s", low=0, low_open=True, high=1e9,
        help="Length of one 'day' of the diurnal pattern.", source="a day compressed to 2 minutes to watch it"))
    diurnal_amplitude: float = _in(Param(
        "diurnal_amplitude", "float", 0.5, "Diurnal amplitude", "× arrival rate", low=0, high=1,
        help="The diurnal rate swings by this fraction of the arrival rate.", source=_ASSUMED))
    burst_multiplier: float = _in(Param(
        "burst_multiplier", "float", 4.0, "Burst size", "× arrival rate", low=1, high=1e6,
        help="Bursty pattern: the rate during a burst.", source=_ASSUMED))
    burst_mean_s: float = _in(Param(
        "burst_mean_s", "float", 5.0, "Mean burst length", "s", low=0, low_open=True, high=1e9,
        help="Bursty pattern: bursts last this long on average (exponential).", source=_ASSUMED))
    calm_mean_s: float = _in(Param(
        "calm_mean_s", "float", 30.0, "Mean calm spell", "s", low=0, low_open=True, high=1e9,
        help="Bursty pattern: time between bursts on average (exponential).", source=_ASSUMED))
    spike_at_s: float | None = _in(Param(
        "spike_at_s", "float", None, "Load spike at", "s", low=0, high=1e12, optional=True, none_means="no spike",
        help="Start of a scheduled load spike.", source="none: spikes are fired by hand"))
    spike_duration_s: float = _in(Param(
        "spike_duration_s", "float", 10.0, "Load spike length", "s", low=0, low_open=True, high=1e12, step=1,
        ui_low=1, ui_high=120, help="How long a load spike lasts.", source=_ASSUMED))
    spike_multiplier: float = _in(Param(
        "spike_multiplier", "float", 3.0, "Load spike size", "× arrival rate", low=0, high=1e6, step=0.5,
        ui_low=1.5, ui_high=20, help="The arrival rate is multiplied by this during a spike.", source=_ASSUMED))
    # --- API gateway ---
    gateway_latency_ms: float = _in(Param(
        "gateway_latency_ms", "float", 2.0, "Gateway latency", "ms", low=0, high=1e6,
        help="Constant latency the API gateway adds.", source=_ASSUMED))
    rate_limit_rps: float | None = _in(Param(
        "rate_limit_rps", "float", None, "Rate limit", "requests/s", low=0, low_open=True, high=1e12,
        optional=True, none_means="no limit", flag="--rate-limit",
        help="Token-bucket limit at the gateway; requests beyond it are refused (HTTP 429).", source="off"))
    rate_limit_burst: int = _in(Param(
        "rate_limit_burst", "int", 100, "Rate-limit burst", "requests", low=1, high=10**9,
        help="Depth of the token bucket.", source=_ASSUMED))
    # --- pub/sub queue (SQS-like) ---
    queue_max_depth: int | None = _in(Param(
        "queue_max_depth", "int", 100_000, "Queue max depth", "messages", low=1, high=10**9, optional=True,
        none_means="unbounded (memory grows with the backlog)", flag="--max-depth",
        help="Visible messages the queue holds; publishes beyond are rejected (back-pressure).",
        source="bounds the memory of a runaway backlog"))
    visibility_timeout_s: float | None = _in(Param(
        "visibility_timeout_s", "float", 30.0, "Visibility timeout", "s", low=0, low_open=True, high=43_200,
        optional=True, none_means="never (a received message is never redelivered)", flag="--visibility-timeout",
        help="A received message not deleted within this reappears for another worker.", source=_SQS))
    max_receives: int = _in(Param(
        "max_receives", "int", 5, "Max receives", "receives", low=1, high=1000,
        help="Receives before a message moves to the dead-letter queue (SQS maxReceiveCount).",
        source="a few retries before a poison message is parked; SQS allows 1 to 1,000"))
    worker_failure_prob: float = _in(Param(
        "worker_failure_prob", "float", 0.0, "Worker failure probability", low=0, high=1, flag="--failure-prob",
        help="Chance a worker crashes holding a message; it comes back after the visibility timeout.",
        source="0: no crashes"))
    # --- orchestrator workers ---
    workers: int = _in(Param(
        "workers", "int", 64, "Workers", "orchestrator processes", low=1, high=1024, step=1, ui_low=1,
        ui_high=256, help="Orchestrator workers; each holds one message from receive to database write.",
        source="one worker per llama.cpp slot (replicas x slots = 4 x 16): fewer leave slots idle, "
               "more only wait for a slot"))
    # --- Redis response cache ---
    cache_enabled: bool = _in(Param(
        "cache_enabled", "bool", True, "Cache (Redis response cache)", flag="--cache",
        help="Answer repeated prompts from an exact-match cache instead of llama.cpp.", source="on"))
    cache_size: int = _in(Param(
        "cache_size", "int", 20_000, "Cache size", "entries", low=0, high=10**8,
        help="Answers the cache holds (LRU eviction).", source="2 % of the keyspace"))
    cache_ttl_s: float | None = _in(Param(
        "cache_ttl_s", "float", 600.0, "Cache TTL", "s", low=0, low_open=True, high=1e12, optional=True,
        none_means="no expiry", help="Lifetime of a cached answer.", source=_ASSUMED))
    cache_latency_ms: float = _in(Param(
        "cache_latency_ms", "float", 1.0, "Cache latency", "ms", low=0, high=1e6,
        help="One Redis GET or SET round trip.", source=_ASSUMED))
    keyspace: int = _in(Param(
        "keyspace", "int", 1_000_000, "Distinct prompts", "prompts", low=1, high=10**12,
        help="Number of different prompts clients send.", source=_ASSUMED))
    zipf_s: float = _in(Param(
        "zipf_s", "float", 0.9, "Popularity exponent", low=0, high=5,
        help="Prompt popularity: the k-th most popular prompt has probability proportional to k^-s.",
        source="Zipf-like popularity, as Breslau et al. (INFOCOM 1999) measured for web requests"))
    # --- llama.cpp inference ---
    model: str | None = _in(Param(
        "model", "choice", None, "Model", choices=choices.models, labels=choices.model_labels, optional=True,
        none_means="plain prefill_tps and decode_tps",
        help="With quant and hardware: prefill and decode speeds from the llama.cpp calculator.",
        source="none: the plain rates"))
    quant: str | None = _in(Param(
        "quant", "choice", None, "Quantization", choices=choices.file_types, optional=True, none_means="no model",
        help="llama.cpp file type of the model.", source="none: the plain rates"))
    hardware: str | None = _in(Param(
        "hardware", "choice", None, "Hardware", choices=choices.hardware, labels=choices.hardware_labels, optional=True, none_means="no model",
        help="Device each llama.cpp server runs on (every layer on the GPU when there is one).",
        source="none: the plain rates"))
    prefill_tps: float = _in(Param(
        "prefill_tps", "float", 10000.0, "Prefill speed", "tokens/s", low=0, low_open=True, high=1e9,
        help="Prompt tokens one server reads per second, on top of the decode step they share (without a model).",
        source="a round figure, the order of an 8B model at 4 bits on one 24 GB GPU (the calculator's pp512 for "
               "llama-3-8b Q4_K_M on an RTX 4090 is about 12,000)"))
    decode_tps: float = _in(Param(
        "decode_tps", "float", 100.0, "Decode speed", "tokens/s", low=0, low_open=True, high=1e9,
        help="Output tokens per second of one slot decoding alone (without a model).", source=_ASSUMED))
    batch_overhead: float = _in(Param(
        "batch_overhead", "float", 0.1, "Batch overhead", "× step time per extra slot", low=0, high=10,
        help="Each additional decoding slot lengthens a decode step by this fraction (without a model).",
        source="fitted to the sample table of llama.cpp examples/batched-bench/README.md (see speeds.py)"))
    slots: int = _in(Param(
        "slots", "int", 16, "Slots per server (-np)", "slots", low=1, high=MAX_SLOTS, step=1, ui_low=1,
        ui_high=256, help="Parallel slots of each llama-server (-np); requests beyond them wait.",
        source=_ASSUMED))
    replicas: int = _in(Param(
        "replicas", "int", 4, "llama.cpp servers", "servers", low=1, high=1024, step=1, ui_low=1, ui_high=64,
        help="llama-server instances behind the workers (round robin).", source=_ASSUMED))
    gpus: int = _in(Param(
        "gpus", "int", 1, "GPUs per server", "GPUs", low=1, high=8,
        help="GPUs each llama-server splits its layers over (with a model named); replicas x gpus GPUs in all.",
        source="one GPU per server"))
    ctx_size: int | None = _in(Param(
        "ctx_size", "int", None, "Context per server (-c)", "tokens, all slots", low=256, high=10**8,
        optional=True, suffixes="binary", flag="--ctx-size", aliases=("-c",),
        none_means="the largest -c that fits beside the weights, up to slots x the model's trained context "
                   "(no limit without a model)",
        help="KV cells of each llama-server, split evenly over the slots unless kv_unified; a prompt longer than "
             "its slot's share is refused, an answer stops when the share is full.",
        source="llama.cpp src/llama-context.cpp (n_ctx_seq = n_ctx / n_seq_max unless kv_unified); an unset "
               "context is lowered to fit, as llama.cpp's --fit does"))
    kv_unified: bool = _in(Param(
        "kv_unified", "bool", False, "Unified KV cache (--kv-unified)",
        help="Every slot may use the whole -c, from one shared pool; when the pool is full llama-server fails "
             "every running request.",
        source="off: llama.cpp's default with -np given"))
    batch_tokens: int = _in(Param(
        "batch_tokens", "int", 2048, "Batch tokens (-b)", "tokens per step", low=1, high=65536,
        help="llama-server's n_batch: each step holds one token of every generating slot, then prompt tokens "
             "up to this many.", source="llama.cpp common/common.h: n_batch = 2048"))
    prompt_tokens_mean: float = _in(Param(
        "prompt_tokens_mean", "float", 400.0, "Mean prompt length", "tokens", low=1, high=1e7,
        help="Prompt lengths are log-normal with this mean.", source=_ASSUMED))
    prompt_tokens_cv: float = _in(Param(
        "prompt_tokens_cv", "float", 0.8, "Prompt length spread", "coefficient of variation", low=0, high=10,
        help="0 gives every prompt the mean length.", source=_ASSUMED))
    output_tokens_mean: float = _in(Param(
        "output_tokens_mean", "float", 120.0, "Mean output length", "tokens", low=1, high=1e7,
        help="Output lengths are log-normal with this mean.", source=_ASSUMED))
    output_tokens_cv: float = _in(Param(
        "output_tokens_cv", "float", 0.6, "Output length spread", "coefficient of variation", low=0, high=10,
        help="0 gives every answer the mean length.", source=_ASSUMED))
    max_tokens: int = _in(Param(
        "max_tokens", "int", 32_768, "Max tokens", "tokens", low=1, high=10**7,
        help="Cap on any drawn prompt or output length.", source="a 32k context"))
    service_dist: str | None = _in(Param(
        "service_dist", "choice", None, "Service-time distribution", choices=SERVICE_DISTS, optional=True,
        none_means="the llama.cpp time model",
        help="exp or det: each request takes a drawn service time instead (for the queueing formulas).",
        source="none"))
    service_ms: float = _in(Param(
        "service_ms", "float", 100.0, "Mean service time", "ms", low=0, low_open=True, high=1e9,
        help="Mean of service_dist.", source="a round figure"))
    ideal: bool = _in(Param(
        "ideal", "bool", False, "Ideal queue",
        help="Every stage but the worker pool instantaneous and lossless: an M/M/c or M/D/c queue.",
        source="off"))
    # --- database ---
    db_latency_ms: float = _in(Param(
        "db_latency_ms", "float", 4.0, "Database write latency", "ms", low=0, high=1e6,
        help="One result write holds a connection this long.", source=_ASSUMED))
    db_connections: int = _in(Param(
        "db_connections", "int", 32, "Database connections", "connections", low=1, high=100_000,
        help="Connection pool size (first come, first served).", source=_ASSUMED))
    # --- bookkeeping ---
    event_budget: int = _in(Param(
        "event_budget", "int", 200_000, "Event budget per step", "events", low=1, high=10**10,
        help="Most events one advance() call processes; beyond it the interval is truncated.",
        source="about 0.5 s of CPython"))
    run_event_budget: int = _in(Param(
        "run_event_budget", "int", 1_000_000, "Event budget per run", "events", low=1, high=10**10,
        flag="--max-events", help="Most events one run (a CLI run or a sweep point) processes.",
        source="a few seconds of CPython"))
    run_interval_budget: int = _in(Param(
        "run_interval_budget", "int", 10_000, "Interval budget per run", "intervals", low=1, high=10**7,
        help="Most metrics intervals one run is cut into; a shorter interval is refused.",
        source="well under a second of bookkeeping in CPython"))
    history_limit: int = _in(Param(
        "history_limit", "int", 2_400, "History kept", "intervals", low=1, high=10**7,
        help="Intervals kept in Simulation.history.", source="4 minutes of the widget's 0.1 s steps"))


#: Every Config field's declaration, in field order.
PARAMS = Params(f.metadata["param"] for f in dataclasses.fields(Config))
#: Config field names, in declaration order.
FIELDS = tuple(PARAMS.names())
if FIELDS != tuple(f.name for f in dataclasses.fields(Config)):  # pragma: no cover - caught at import
    raise RuntimeError("each Config field must be declared with a Param of the same name")

#: Fields that may change while the simulation runs.
CONTROL_FIELDS = frozenset({
    "arrival_rate", "pattern", "diurnal_amplitude", "burst_multiplier", "rate_limit_rps",
    "queue_max_depth", "worker_failure_prob", "workers", "cache_enabled", "cache_size",
    "slots", "model", "quant", "hardware", "prefill_tps", "decode_tps", "batch_overhead",
    "db_latency_ms",
})

#: The inputs of a run that are not part of the pipeline.
RUN_PARAMS = Params((
    Param("seed", "int", 0, "Random seed", low=0, high=2**63 - 1,
          help="Same seed, same run: every source of randomness has its own stream.", source="0"),
    Param("duration", "float", 60.0, "Duration", "s", low=0, low_open=True, high=1e10,
          help="Simulated seconds to run.", source="a minute"),
    Param("warmup", "float", 0.0, "Warm-up", "s", low=0, high=1e10,
          help="Simulated seconds run first and left out of the results.", source="none"),
    Param("interval", "float", None, "Metrics interval", "s", low=0, low_open=True, high=1e10, optional=True,
          none_means="1 s, or duration / 1000 for runs over 1000 s",
          help="Simulated seconds per row of the time series.", source="at most 1000 rows"),
    Param("dt", "float", 0.1, "Step", "s", low=0, high=1e10,
          help="Simulated seconds one advance() call covers.", source="the widget's tick"),
))


def validate_field(name: str, value: Any) -> Any:
    """Return *value* as field *name* takes it (an integral float becomes an int), or raise InputError.

    Values arrive typed (JSON numbers, booleans, null); text is refused
    except for the name of a choice (case does not matter).
    """
    return _typed(PARAMS.get(name), value)


def _typed(param: Param, value: Any) -> Any:
    if isinstance(value, str) and (param.kind != "choice" or not value.strip()):
        raise param.error(value)  # the CLI and the widgets parse text with Param.parse first
    return param.parse(value)


def _check_combination(cfg: Config) -> None:
    """Refuse values that are valid alone but cannot run together."""
    named = {"model": cfg.model, "quant": cfg.quant, "hardware": cfg.hardware}
    if any(v is not None for v in named.values()) and None in named.values():
        missing = next(k for k, v in named.items() if v is None)
        given = " and ".join(k for k, v in named.items() if v is not None)
        raise InputError(missing, None, ", ".join(PARAMS[missing].choice_list()),
                         reason=f"is not allowed with {given} named (the llama.cpp calculator needs all three)")
    if cfg.batch_tokens < cfg.slots:
        raise InputError("slots", cfg.slots, f"at most batch_tokens = {cfg.batch_tokens} (every generating slot "
                         "puts one token in each batch, and a prompt needs room beside them)")
    if cfg.ideal and cfg.service_dist is None:
        raise InputError("ideal", True, "off, or a service_dist (exp or det) with it",
                         reason="is not allowed without service_dist")
    if not cfg.ideal and cfg.worker_failure_prob > 0.0 and cfg.visibility_timeout_s is None:
        raise InputError("worker_failure_prob", cfg.worker_failure_prob,
                         "0 while visibility_timeout_s is empty (a crashed worker's message comes back only "
                         "when its visibility timeout ends)", reason="is not allowed without a visibility timeout")


def make_config(values: Mapping[str, Any] | Config | None = None, **overrides: Any) -> Config:
    """Build a validated :class:`Config` from a mapping and/or keyword overrides."""
    if isinstance(values, Config):
        base = dataclasses.asdict(values)
    elif values is None or isinstance(values, Mapping):
        base = PARAMS.defaults()
        base.update(values or {})
    else:
        raise InputError("config", values, "a mapping of field names to values")
    base.update(overrides)
    cfg = Config(**{name: validate_field(name, value) for name, value in base.items()})
    _check_combination(cfg)
    return cfg


def replace_controls(cfg: Config, changes: Mapping[str, Any]) -> Config:
    """Return *cfg* with live *changes* applied; only :data:`CONTROL_FIELDS` may change."""
    for name, value in changes.items():
        PARAMS.get(name)  # an unknown name is an InputError listing the known ones
        if name not in CONTROL_FIELDS:
            raise InputError(name, value, f"live controls only: {', '.join(sorted(CONTROL_FIELDS))}",
                             reason="cannot change while running")
    return make_config(cfg, **changes)


def to_dict(cfg: Config) -> dict[str, Any]:
    """The config as a JSON-able dict."""
    return dataclasses.asdict(cfg)


# -- the inputs of a run --------------------------------------------------------------------
def check_seed(seed: Any) -> int:
    """*seed* as the run's integer seed, or InputError."""
    return int(_typed(RUN_PARAMS["seed"], seed))


def check_seconds(name: str, value: Any) -> float:
    """*value* as the seconds of run input *name* (``duration``, ``warmup`` or ``dt``), or InputError."""
    return float(_typed(RUN_PARAMS[name], value))


def check_interval(interval_s: Any, duration_s: float, budget: int) -> float:
    """*interval_s* as the metrics interval of a *duration_s*-second run, or InputError.

    A run is cut into at most *budget* intervals (``run_interval_budget``),
    so an interval too short for the duration is refused up front, rather
    than run for hours (or for ever, below the clock's resolution).
    """
    interval = float(_typed(RUN_PARAMS["interval"], interval_s))
    shortest = duration_s / budget
    if interval < shortest:
        raise InputError("interval", interval_s, f"at least {shortest:.3g} s for a {duration_s:g} s run "
                         f"(at most {budget:,} intervals per run: run_interval_budget)")
    return interval
