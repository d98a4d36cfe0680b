"""Redis LRU + TTL response cache."""

from inferlab.pipeline.cache import ResponseCache


def test_miss_then_hit():
    c = ResponseCache(10, None)
    assert c.get(1, 0.0) is False
    c.put(1, 0.0)
    assert c.get(1, 1.0) is True
    assert (c.hits, c.misses) == (1, 1)


def test_lru_eviction_respects_recency():
    c = ResponseCache(2, None)
    c.put(1, 0.0)
    c.put(2, 0.0)
    c.get(1, 1.0)  # 1 is now most recent
    c.put(3, 2.0)  # evicts 2
    assert c.get(2, 3.0) is False
    assert c.get(1, 3.0) is True and c.get(3, 3.0) is True
    assert c.evictions == 1 and len(c) == 2


def test_ttl_expiry():
    c = ResponseCache(10, ttl_s=5.0)
    c.put(1, 0.0)
    assert c.get(1, 4.9) is True
    assert c.get(1, 5.0) is False
    assert c.expirations == 1 and len(c) == 0


def test_resize_and_clear_and_zero_capacity():
    c = ResponseCache(5, None)
    for k in range(5):
        c.put(k, 0.0)
    c.resize(2)
    assert len(c) == 2 and c.get(4, 1.0)
    c.clear()
    assert len(c) == 0
    z = ResponseCache(0, None)
    z.put(1, 0.0)
    assert z.get(1, 0.0) is False
