"""Measurement helpers: a time-integrated level, percentiles, a latency histogram, the tally.

Everything here is plain arithmetic on floats so the results are JSON-able;
"undefined" (no data) is ``None``, never NaN.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter, mul, sub


class Level:
    """A count that changes at event times (queue depth, busy workers), with its time integral.

    The integral from t = 0 to *now* is ``anchor + value x now``, where
    ``anchor`` is minus the sum of (change x time) over all changes; so a
    change costs two additions and the integral over any window is the
    difference of two :meth:`integral` readings (the interval and summary
    windows keep their own starting marks).  Hot paths update it inline:
    ``level.value += 1; level.anchor -= now``.
    """

    __slots__ = ("value", "anchor")

    def __init__(self) -> None:
        self.value = 0
        self.anchor = 0.0

    def add(self, now: float, delta: int) -> None:
        """Change the count by *delta* at time *now* (seconds)."""
        self.value += delta
        self.anchor -= delta * now

    def integral(self, now: float) -> float:
        """Count x seconds from t = 0 to *now*."""
        return self.anchor + self.value * now


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


@dataclass(frozen=True)
class HistogramSnapshot:
    """A :class:`LatencyHistogram`'s counts at one moment (see :meth:`LatencyHistogram.since`)."""

    counts: dict[int, int]
    count: int
    total: float


class LatencyHistogram:
    """Log-bucketed histogram of non-negative values (ms) with bounded memory.

    Buckets are 1 % wide (ratio 1.01), so a reported percentile is within
    0.5 % of the exact sample value; count, sum, min and max are exact
    (a histogram made by :meth:`since` knows its extremes only to their
    buckets).  Memory stays a few thousand buckets however long the run.
    """

    __slots__ = ("counts", "count", "total", "low", "high")

    _RATIO_LOG = math.log(1.01)
    _FLOOR = 1e-6  # ms; values at or below share the floor bucket
    _FLOOR_BUCKET = -10**9

    def __init__(self) -> None:
        self.counts: Counter[int] = Counter()  # bucket -> count
        self.count = 0
        self.total = 0.0
        self.low = math.inf
        self.high = -math.inf

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
                b = int(log(value) * k) if value > floor else self._FLOOR_BUCKET
                counts[b] = counts.get(b, 0) + 1
        self.count += len(values)
        self.total += math.fsum(values)
        if low < self.low:
            self.low = low
        if high > self.high:
            self.high = high

    def add_count(self, value: float, count: int) -> None:
        """Record *value* (ms) *count* times."""
        b = int(math.log(value) / self._RATIO_LOG) if value > self._FLOOR else self._FLOOR_BUCKET
        counts = self.counts
        counts[b] = counts.get(b, 0) + count
        self.count += count
        self.total += value * count
        if value < self.low:
            self.low = value
        if value > self.high:
            self.high = value

    def copy(self) -> LatencyHistogram:
        other = LatencyHistogram()
        other.counts = Counter(self.counts)
        other.count, other.total, other.low, other.high = self.count, self.total, self.low, self.high
        return other

    def snapshot(self) -> HistogramSnapshot:
        """The counts so far, for a later :meth:`since`."""
        return HistogramSnapshot(dict(self.counts), self.count, self.total)

    def since(self, snapshot: HistogramSnapshot) -> LatencyHistogram:
        """A new histogram of the values recorded after *snapshot* was taken (this one is unchanged).

        Its ``low`` and ``high`` are the edges of its outermost buckets (the
        exact extremes of a window are not kept), so its quantiles are the
        same bucket midpoints this histogram would give.
        """
        if snapshot.count > self.count:
            raise ValueError("since: the snapshot is newer than this histogram (taken from another one?)")
        window = LatencyHistogram()
        old = snapshot.counts
        window.counts = Counter({b: c - old.get(b, 0) for b, c in self.counts.items() if c > old.get(b, 0)})
        window.count = self.count - snapshot.count
        window.total = self.total - snapshot.total
        if window.counts:
            lowest, highest = min(window.counts), max(window.counts)
            window.low = 0.0 if lowest == self._FLOOR_BUCKET else math.exp(lowest * self._RATIO_LOG)
            window.high = math.exp((highest + 1) * self._RATIO_LOG)
        return window

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
                if b == self._FLOOR_BUCKET:
                    value = self.low
                else:
                    value = math.exp((b + 0.5) * self._RATIO_LOG)
                return min(max(value, self.low), self.high)
        return self.high  # pragma: no cover - rank < count always stops above


def ratio(part: float, whole: float) -> float | None:
    """part / whole, None when whole is 0."""
    return part / whole if whole else None


class Tally:
    """Cumulative event counters every stage increments; an interval's counts are the
    difference of two :meth:`values` readings (:meth:`since`)."""

    arrivals: int           # requests reaching the gateway
    rate_limited: int       # refused by the gateway's token bucket (HTTP 429)
    rejected_full: int      # refused because the queue was at max depth
    queue_entries: int      # times a message became visible (publishes + redeliveries)
    received: int           # receives by workers
    wait_s: float           # total seconds messages were visible before a receive or delete
    redeliveries: int       # messages made visible again after the visibility timeout
    dead_lettered: int      # messages moved to the dead-letter queue
    worker_crashes: int     # receives abandoned by a crashing worker
    completed: int          # requests answered (first completion of a message)
    duplicates: int         # completions of a message already finished or dead-lettered (at-least-once)
    cache_hits: int
    cache_misses: int
    prompt_tokens: int      # tokens prefilled by llama.cpp
    generated_tokens: int   # tokens decoded by llama.cpp
    llm_errors: int         # requests llama-server refused (prompt over the slot context) or failed (KV full)
    truncated: int          # answers cut short because their slot's context was full
    served_tokens: int      # output tokens delivered to clients (cached answers included)

    __slots__ = tuple(__annotations__)

    def __init__(self) -> None:
        for name in TALLY_FIELDS:
            setattr(self, name, 0)
        self.wait_s = 0.0

    def values(self) -> tuple[float, ...]:
        """Every counter, in :data:`TALLY_FIELDS` order."""
        return _TALLY_VALUES(self)  # type: ignore[no-any-return, unused-ignore]

    def as_dict(self) -> dict[str, float]:
        return dict(zip(TALLY_FIELDS, _TALLY_VALUES(self)))

    def since(self, earlier: tuple[float, ...]) -> dict[str, float]:
        """Each counter's increase since *earlier* (a :meth:`values` reading), by name."""
        return dict(zip(TALLY_FIELDS, map(sub, _TALLY_VALUES(self), earlier)))


#: The counters' names, in declaration order.
TALLY_FIELDS: tuple[str, ...] = Tally.__slots__
_TALLY_VALUES = attrgetter(*TALLY_FIELDS)
