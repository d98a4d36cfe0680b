"""A one-line, plain-words explanation of what the pipeline is doing right now.

:func:`describe` reads a small "window" of recent measurements (the last
couple of seconds, or a run's whole window) and picks the most important thing
to say, in this order: budget truncation, idle, queue full, rate limiting,
saturation (more arriving than the capacity estimate), a growing queue,
draining, a standing backlog, warm-up, steady state (with a prefill stall
when one stood out).  A running spike is always mentioned first.
"""

from __future__ import annotations

from typing import Any

#: Stage names as a reader sees them.
STAGE_WORDS = {
    "gateway": "gateway rate limit",
    "workers": "worker pool",
    "inference": "llama.cpp slots",
    "database": "database pool",
}


def _rate(x: float) -> str:
    """Requests/s with sensible precision."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2f}".rstrip("0").rstrip(".") or "0"


def _seconds(s: float) -> str:
    if s >= 120:
        return f"{s / 60:.0f} min"
    return f"{s:.0f} s" if s >= 10 else f"{s:.1f} s"


def describe(w: dict[str, Any]) -> str:
    """The status line for window *w* (keys documented in :func:`window_keys`).

    "Saturated" means more arriving than the capacity estimate; "Steady
    state" is said only at or below it.  A queue that grows below the
    estimate is called just that.
    """
    arriving = w["arrival_rps"]
    capacity = w["capacity_rps"]
    bottleneck = STAGE_WORDS.get(w["bottleneck"] or "", "none")
    cap_text = f"capacity {_rate(capacity)} req/s" if capacity is not None else "capacity unbounded"
    over = capacity is not None and arriving > capacity
    slope = w["queue_slope"]
    depth = w["queue_depth"]
    prefix = ""
    if w["spike_active"]:
        prefix = f"Spike x{w['spike_multiplier']:g} ({_seconds(w['spike_left_s'])} left). "

    if w["truncated"]:
        return (prefix + f"Truncated: the event budget ran out at t={w['now_s']:.3g} s; "
                f"{_rate(arriving)} req/s is too much to simulate per call, results cover part of the interval")
    if arriving == 0 and depth == 0 and w["in_system"] == 0:
        return prefix + "Idle: no requests arriving"
    if w["rejected_full_rps"] > 0:
        return (prefix + f"Overloaded: queue full at {depth:,} messages, rejecting "
                f"{_rate(w['rejected_full_rps'])} req/s; {_rate(arriving)} req/s arriving, {cap_text} "
                f"(bottleneck: {bottleneck})")
    if w["rate_limited_rps"] > 0.05 * max(arriving, 1e-9):
        return (prefix + f"Rate-limited: the gateway refuses {_rate(w['rate_limited_rps'])} of "
                f"{_rate(arriving)} req/s")
    # A trend must beat the Poisson noise of the window, 2% of the load and 0.5 msg/s.
    threshold = max(0.5, 0.02 * arriving, w.get("slope_noise", 0.0))
    growing = slope > threshold and depth > 0
    if over and w["now_s"] >= 2.0:
        trend = f", queue growing {_rate(slope)} msg/s" if growing else ""
        return (prefix + f"Saturated: {_rate(arriving)} req/s arriving, {cap_text}{trend} "
                f"(bottleneck: {bottleneck})")
    if growing:
        share = f" ({arriving / capacity:.0%} of the estimated {cap_text})" if capacity else ""
        return (prefix + f"Queue growing {_rate(slope)} msg/s: {_rate(arriving)} req/s in, "
                f"{_rate(w['throughput_rps'])} req/s out{share}")
    after_spike = w["since_spike_end_s"] is not None and w["since_spike_end_s"] < 600
    draining = depth > 0 and (slope < -threshold or (after_spike and slope <= 0))
    if draining:
        what = "Draining after spike" if after_spike else "Draining backlog"
        if slope < 0:
            return (prefix + f"{what}: {depth:,} queued, falling {_rate(-slope)} msg/s, "
                    f"clear in ~{_seconds(depth / -slope)}")
        return prefix + f"{what}: {depth:,} queued"
    if depth > max(10.0, arriving):  # a backlog of more than a second's arrivals, not trending
        return (prefix + f"Backlogged: {depth:,} queued, holding at {_rate(arriving)} req/s in, "
                f"{_rate(w['throughput_rps'])} req/s out, {cap_text}")
    if w["now_s"] < 2.0:
        return prefix + f"Warming up: {_rate(arriving)} req/s arriving, {cap_text}"
    load = f", {arriving / capacity:.0%} of {cap_text}" if capacity else f", {cap_text}"
    p99 = w["p99_ms"]
    p99_text = f", p99 {p99:,.0f} ms" if p99 is not None else ""
    losses = f", {w['dead_lettered']:,} dead-lettered" if w["dead_lettered"] else ""
    if w.get("llm_errors"):
        losses += f", {w['llm_errors']:,} refused or failed by llama-server"
    return (prefix + f"Steady state: {_rate(arriving)} req/s in, {_rate(w['throughput_rps'])} req/s out"
            f"{p99_text}{load}{losses}{_stall(w)}")


#: A prompt's batch is called a stall when it keeps generating slots waiting this many times the mean token gap.
STALL_FACTOR = 4.0


def _stall(w: dict[str, Any]) -> str:
    """A sentence on the longest batch that read a prompt beside generating slots, if it stood out."""
    stall, mean = w.get("stall_ms"), w.get("mean_itl_ms")
    if stall is None or not mean or stall < STALL_FACTOR * mean:
        return ""
    return (f". Prefill stall: a batch with {w['stall_prompt_tokens']:,} prompt tokens held "
            f"{w['stall_slots']:,} generating slots for {stall:,.0f} ms (mean token gap {mean:,.0f} ms)")


def window_keys() -> tuple[str, ...]:
    """Keys :func:`describe` reads."""
    return ("now_s", "truncated", "arrival_rps", "throughput_rps", "queue_depth", "queue_slope",
            "capacity_rps", "bottleneck", "spike_active", "spike_multiplier", "spike_left_s",
            "since_spike_end_s", "rejected_full_rps", "rate_limited_rps", "dead_lettered", "llm_errors", "p99_ms",
            "in_system", "slope_noise", "mean_itl_ms", "stall_ms", "stall_prompt_tokens", "stall_slots")
