"""Measurement helpers: time-integrated levels, percentiles, a latency histogram.

Everything here is plain arithmetic on floats so the results are JSON-able;
"undefined" (no data) is ``None``, never NaN.
"""

from __future__ import annotations

import math
from collections import Counter as _Bag  # not the Counter below
from itertools import repeat
from operator import mul


class Level:
    """A count that changes at event times, with its time integral.

    ``area`` accumulates value x seconds since the last :meth:`take_area`;
    the time-average over a window is ``area / window``.  The integral is
    kept here, by integration at each change, independently of any
    per-message bookkeeping, so Little's law checks compare two separate
    computations.
    """

    __slots__ = ("value", "last", "area")

    def __init__(self, now: float = 0.0) -> None:
        self.value = 0
        self.last = now
        self.area = 0.0

    def add(self, now: float, delta: int) -> None:
        """Change the value by *delta* at time *now* (seconds)."""
        self.area += self.value * (now - self.last)
        self.last = now
        self.value += delta

    def pending_area(self, now: float) -> float:
        """Integral since the previous :meth:`take_area`, without restarting the window."""
        return self.area + self.value * (now - self.last)

    def take_area(self, now: float) -> float:
        """Integral (value x s) since the previous call; restarts the window at *now*."""
        area = self.area + self.value * (now - self.last)
        self.area = 0.0
        self.last = now
        return area


class Counter:
    """A count with its time integral kept by the "anchor" identity.

    With ``anchor`` = minus the sum of (change x time) over all changes,
    the integral of the count from 0 to t is ``anchor + value * t``; so a
    change costs two additions and no multiplication by elapsed time.  Hot
    paths update it inline: ``c.value += 1; c.anchor -= now``.
    """

    __slots__ = ("value", "anchor", "_mark")

    def __init__(self, now: float = 0.0) -> None:
        self.value = 0
        self.anchor = 0.0
        self._mark = 0.0  # integral at the start of the current window

    def add(self, now: float, delta: int) -> None:
        self.value += delta
        self.anchor -= delta * now

    def pending_area(self, now: float) -> float:
        """Integral since the previous :meth:`take_area`."""
        return self.anchor + self.value * now - self._mark

    def take_area(self, now: float) -> float:
        """Integral (value x s) since the previous call; restarts the window at *now*."""
        total = self.anchor + self.value * now
        area = total - self._mark
        self._mark = total
        return area


def percentile(sorted_values: list[float], q: float) -> float | None:
    """The *q*-quantile (0..1) of an ascending list, linearly interpolated; None if empty."""
    n = len(sorted_values)
    if n == 0:
        return None
    pos = q * (n - 1)
    lo = int(pos)
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


class LatencyHistogram:
    """Log-bucketed histogram of positive values (ms) with bounded memory.

    Buckets are 1 % wide (ratio 1.01), so a reported percentile is within
    0.5 % of the exact sample value; count, sum, min and max are exact.
    Memory stays a few thousand buckets however long the run.
    """

    __slots__ = ("counts", "count", "total", "low", "high")

    _RATIO_LOG = math.log(1.01)
    _FLOOR = 1e-6  # ms; values below share bucket "floor"

    def __init__(self) -> None:
        self.counts: _Bag[int] = _Bag()  # bucket -> count
        self.count = 0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf

    def add(self, value: float) -> None:
        """Record one value (ms)."""
        self.count += 1
        self.total += value
        if value < self.low:
            self.low = value
        if value > self.high:
            self.high = value
        b = int(math.log(value) / self._RATIO_LOG) if value > self._FLOOR else -10**9
        counts = self.counts
        counts[b] = counts.get(b, 0) + 1

    def add_many(self, values: list[float]) -> None:
        """Record each of *values* (ms)."""
        if not values:
            return
        counts = self.counts
        log = math.log
        k = 1.0 / self._RATIO_LOG
        floor = self._FLOOR
        low, high = min(values), max(values)
        if low > floor:
            # The bucket of every value, counted in C: same buckets as the loop below.
            counts.update(map(int, map(mul, map(log, values), repeat(k))))
        else:
            for value in values:
                b = int(log(value) * k) if value > floor else -10**9
                counts[b] = counts.get(b, 0) + 1
        self.count += len(values)
        self.total += math.fsum(values)
        if low < self.low:
            self.low = low
        if high > self.high:
            self.high = high

    def copy(self) -> "LatencyHistogram":
        other = LatencyHistogram()
        other.counts = _Bag(self.counts)
        other.count, other.total, other.low, other.high = self.count, self.total, self.low, self.high
        return other

    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def quantile(self, q: float) -> float | None:
        """Approximate *q*-quantile (0..1), None when empty."""
        if not self.count:
            return None
        rank = q * (self.count - 1)
        seen = 0
        for b in sorted(self.counts):
            seen += self.counts[b]
            if seen > rank:
                if b == -10**9:
                    value = self.low
                else:
                    value = math.exp((b + 0.5) * self._RATIO_LOG)
                return min(max(value, self.low), self.high)
        return self.high  # pragma: no cover - rank < count always stops above


def rate(count: float, seconds: float) -> float | None:
    """count / seconds, None for an empty window."""
    return count / seconds if seconds > 0 else None


def ratio(part: float, whole: float) -> float | None:
    """part / whole, None when whole is 0."""
    return part / whole if whole else None


#: Cumulative event counters every stage increments; an interval's counts are
#: the difference of two snapshots (:meth:`Tally.as_dict`).
TALLY_FIELDS = (
    "arrivals",         # requests reaching the gateway
    "rate_limited",     # refused by the gateway's token bucket (HTTP 429)
    "rejected_full",    # refused because the queue was at max depth
    "queue_entries",    # times a message became visible (publishes + redeliveries)
    "received",         # receives by workers
    "wait_s",           # total seconds messages were visible before a receive or delete
    "redeliveries",     # messages made visible again after the visibility timeout
    "dead_lettered",    # messages moved to the dead-letter queue
    "worker_crashes",   # receives abandoned by a crashing worker
    "completed",        # requests answered (first completion of a message)
    "duplicates",       # completions of a message already finished or dead-lettered (at-least-once)
    "cache_hits",
    "cache_misses",
    "prompt_tokens",    # tokens prefilled by llama.cpp
    "generated_tokens", # tokens decoded by llama.cpp
    "served_tokens",    # output tokens delivered to clients (cached answers included)
)


class Tally:
    """Named counters (see :data:`TALLY_FIELDS`)."""

    __slots__ = TALLY_FIELDS

    def __init__(self) -> None:
        for name in TALLY_FIELDS:
            setattr(self, name, 0)
        self.wait_s = 0.0

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in TALLY_FIELDS}
