"""Redis as an exact-match response cache: LRU eviction plus a TTL.

A worker looks the prompt up (one round trip); on a miss it runs inference
and stores the answer.  Like Redis with ``maxmemory-policy allkeys-lru``, the
least recently used entry is evicted when the cache is full; expired entries
are removed when touched (Redis's lazy expiry) or when they reach the LRU end.
Sizes are in entries, times in seconds.
"""

from __future__ import annotations

from collections import OrderedDict


class ResponseCache:
    """LRU + TTL cache of prompt keys; counts hits and misses."""

    __slots__ = ("capacity", "ttl_s", "entries", "hits", "misses", "evictions", "expirations")

    def __init__(self, capacity: int, ttl_s: float | None) -> None:
        self.capacity = capacity
        self.ttl_s = ttl_s
        #: key -> expiry time (s); order is least to most recently used.
        self.entries: OrderedDict[int, float] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        self.expirations = 0

    def get(self, key: int, now: float) -> bool:
        """Look *key* up at time *now*: True on a hit (and refresh its recency)."""
        entries = self.entries
        expiry = entries.get(key)
        if expiry is not None:
            if expiry > now:
                entries.move_to_end(key)
                self.hits += 1
                return True
            del entries[key]
            self.expirations += 1
        self.misses += 1
        return False

    def put(self, key: int, now: float) -> None:
        """Store *key* (fresh TTL), evicting the least recently used entries beyond capacity."""
        if self.capacity <= 0:
            return
        entries = self.entries
        ttl = self.ttl_s
        entries[key] = now + ttl if ttl is not None else float("inf")
        entries.move_to_end(key)
        if len(entries) > self.capacity:
            entries.popitem(last=False)
            self.evictions += 1

    def resize(self, capacity: int) -> None:
        """Change the capacity (entries), evicting LRU entries if it shrinks."""
        self.capacity = capacity
        entries = self.entries
        while len(entries) > max(capacity, 0):
            entries.popitem(last=False)
            self.evictions += 1

    def clear(self) -> None:
        """Drop every entry (the cache was switched off)."""
        self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)
