"""The database that stores each answer: a pool of connections, first come first served.

Every write holds one connection for ``latency_s``.  Writes are issued in time
order, so a write starts on the connection that frees first (or at once if one
is idle) and its finish time is known when it is issued: the pool costs no
events of its own.  The free times live in a min-heap, one per connection.
"""

from __future__ import annotations

from heapq import heapify, heapreplace


class Database:
    """FCFS connection pool; :meth:`write` returns when the write completes (s)."""

    __slots__ = ("connections", "latency_s", "_free_at", "writes")

    def __init__(self, connections: int, latency_s: float, now: float = 0.0) -> None:
        self.connections = connections
        self.latency_s = latency_s
        self._free_at = [now] * connections
        heapify(self._free_at)
        self.writes = 0

    def write(self, now: float) -> float:
        """Issue a write at *now* (may be slightly in the future); return its completion time (s)."""
        free_at = self._free_at
        start = free_at[0]
        if start < now:
            start = now
        done = start + self.latency_s
        heapreplace(free_at, done)
        self.writes += 1
        return done

    def busy(self, now: float) -> int:
        """Connections holding a write at *now*."""
        return sum(map(now.__lt__, self._free_at))
