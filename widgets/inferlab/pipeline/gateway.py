"""The API gateway: a constant latency and an optional token-bucket rate limit.

The token bucket refills at ``rate_rps`` tokens/s up to ``burst`` tokens; a
request that finds less than one token is refused (HTTP 429).
"""

from __future__ import annotations


class Gateway:
    """Admission control for arriving requests."""

    __slots__ = ("latency_s", "rate_rps", "burst", "_tokens", "_last")

    def __init__(self, latency_s: float, rate_rps: float | None, burst: int, now: float = 0.0) -> None:
        self.latency_s = latency_s
        self.rate_rps = rate_rps
        self.burst = burst
        self._tokens = float(burst)
        self._last = now

    def admit(self, now: float) -> bool:
        """True if a request arriving at *now* passes the rate limit."""
        rate = self.rate_rps
        if rate is None:
            return True
        tokens = self._tokens + (now - self._last) * rate
        if tokens > self.burst:
            tokens = float(self.burst)
        self._last = now
        if tokens >= 1.0:
            self._tokens = tokens - 1.0
            return True
        self._tokens = tokens
        return False

    def set_rate(self, rate_rps: float | None, now: float) -> None:
        """Change the limit at *now* (tokens earned so far are kept)."""
        self.admit_refill(now)
        self.rate_rps = rate_rps

    def admit_refill(self, now: float) -> None:
        if self.rate_rps is not None:
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate_rps)
        self._last = now
