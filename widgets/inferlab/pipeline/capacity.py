"""Back-of-envelope capacity of each stage in requests/s, for the status line and the summary.

These are ceilings from the configuration, not simulated results: the
simulation shows what actually happens, the estimate explains it
("capacity 95 req/s, bottleneck: inference").  ``None`` means unbounded.

The llama.cpp servers' ceiling is the unified-batch arithmetic of the same
step model the simulation runs
(:func:`inferlab.llamacpp.server.saturated_throughput`), for as many busy
slots per server as the workers can fill, at the mean prompt and output
lengths of the capped distributions the simulation draws
(:meth:`~inferlab.pipeline.random_streams.TokenCount.expected`).
"""

from __future__ import annotations

import math

from inferlab.llamacpp.batching import saturated_throughput
from inferlab.pipeline.config import Config
from inferlab.pipeline.random_streams import expected_count
from inferlab.pipeline.speeds import Speeds


def mean_lengths(cfg: Config) -> tuple[float, float]:
    """(prompt, output) tokens per request on average, as drawn: log-normal, rounded, capped at max_tokens."""
    return (expected_count(cfg.prompt_tokens_mean, cfg.prompt_tokens_cv, cfg.max_tokens),
            expected_count(cfg.output_tokens_mean, cfg.output_tokens_cv, cfg.max_tokens))


def server_capacity(cfg: Config, speeds: Speeds) -> tuple[float, int]:
    """(requests/s one llama.cpp server completes with its busy slots, those slots).

    Slots busy: as many as the worker pool can keep filled, at most ``-np``.
    """
    n = max(1, min(cfg.slots, math.ceil(cfg.workers / cfg.replicas)))
    prompt, output = mean_lengths(cfg)
    return saturated_throughput(speeds.timer, n, prompt, output, speeds.n_batch), n


def stage_capacities(cfg: Config, speeds: Speeds, hit_rate: float | None) -> dict[str, float | None]:
    """Requests/s each stage could sustain with *cfg* and the observed cache *hit_rate*."""
    ideal = cfg.ideal
    hit = 0.0 if (ideal or not cfg.cache_enabled or hit_rate is None) else hit_rate
    miss = 1.0 - hit
    caps: dict[str, float] = {}
    caps["gateway"] = math.inf if (ideal or cfg.rate_limit_rps is None) else cfg.rate_limit_rps
    if cfg.service_dist is not None:
        t_inf = cfg.service_ms / 1000.0
        server_rps = math.inf if ideal else cfg.replicas * cfg.slots / t_inf
    else:
        per_server, busy = server_capacity(cfg, speeds)
        t_inf = busy / per_server  # Little's law: how long a request holds its slot at that load
        server_rps = cfg.replicas * per_server
    caps["inference"] = server_rps / miss if miss > 0 else math.inf
    if ideal:
        hold = t_inf
        db_s = 0.0
    else:
        db_s = cfg.db_latency_ms / 1000.0
        cache_s = cfg.cache_latency_ms / 1000.0 if cfg.cache_enabled else 0.0
        hold = cache_s + miss * t_inf + db_s
    caps["workers"] = cfg.workers / hold if hold > 0 else math.inf
    caps["database"] = cfg.db_connections / db_s if db_s > 0 else math.inf
    return {k: (None if math.isinf(v) else v) for k, v in caps.items()}


def bottleneck(caps: dict[str, float | None]) -> tuple[str | None, float | None]:
    """The stage with the lowest capacity and that capacity (None, None if all unbounded)."""
    finite = [(v, k) for k, v in caps.items() if v is not None]
    if not finite:
        return None, None
    value, name = min(finite)
    return name, value
