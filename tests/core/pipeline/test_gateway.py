"""Token-bucket rate limit."""

from inferlab.pipeline.gateway import Gateway


def test_no_limit_admits_everything():
    g = Gateway(0.002, None, 10)
    assert all(g.admit(t * 1e-6) for t in range(1000))


def test_bucket_allows_burst_then_rate():
    g = Gateway(0.0, rate_rps=10.0, burst=5)
    admitted = sum(g.admit(0.0) for _ in range(20))
    assert admitted == 5
    # Over 10 s at a high request rate, about 10 per second pass.
    passed = sum(g.admit(i * 0.001) for i in range(1, 10_001))
    assert 95 <= passed <= 106


def test_changing_the_rate():
    g = Gateway(0.0, None, 5)
    g.set_rate(1.0, 0.0)
    assert sum(g.admit(0.0) for _ in range(10)) == 5
    g.set_rate(None, 1.0)
    assert g.admit(1.0)
