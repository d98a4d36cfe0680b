"""Back-of-envelope capacity of each stage in requests/s, for the status line.

These are the textbook ceilings (servers / mean service time), not simulated
results: the simulation shows what actually happens, the estimate explains it
("capacity 95 req/s, bottleneck: inference").  ``None`` means unbounded.
"""

from __future__ import annotations

import math

from inferlab.pipeline.config import Config
from inferlab.pipeline.speeds import Speeds


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
        # Slots per server that the worker pool can keep busy.
        n = max(1, min(cfg.slots, math.ceil(cfg.workers / cfg.replicas)))
        per_slot = speeds.per_slot[n]
        t_inf = cfg.prompt_tokens_mean / speeds.prefill_tps + cfg.output_tokens_mean / per_slot
        # Prefill is a serial line per server, decode is shared by n slots; they overlap.
        per_server = min(speeds.prefill_tps / cfg.prompt_tokens_mean, n * per_slot / cfg.output_tokens_mean)
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
