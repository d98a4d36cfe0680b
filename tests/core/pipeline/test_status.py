"""The plain-words status line."""

import pytest

from inferlab.pipeline.status import describe, window_keys


def window(**kw):
    base = dict(now_s=100.0, truncated=False, arrival_rps=50.0, throughput_rps=50.0, queue_depth=0,
                queue_slope=0.0, capacity_rps=95.0, bottleneck="inference", spike_active=False,
                spike_multiplier=1.0, spike_left_s=0.0, since_spike_end_s=None, rejected_full_rps=0.0,
                rate_limited_rps=0.0, dead_lettered=0, p99_ms=1234.0, in_system=40, slope_noise=0.0, llm_errors=0,
                mean_itl_ms=20.0, stall_ms=None, stall_prompt_tokens=0, stall_slots=0)
    base.update(kw)
    assert set(base) == set(window_keys())
    return base


@pytest.mark.parametrize(
    ("kw", "start", "contains"),
    [
        ({}, "Steady state", "p99 1,234 ms, 53% of capacity 95 req/s"),
        ({"arrival_rps": 120.0, "queue_depth": 500, "queue_slope": 25.0}, "Saturated",
         "120 req/s arriving, capacity 95 req/s, queue growing 25 msg/s (bottleneck: llama.cpp slots)"),
        ({"queue_depth": 300, "queue_slope": -30.0, "since_spike_end_s": 5.0}, "Draining after spike",
         "300 queued, falling 30 msg/s, clear in ~10 s"),
        ({"queue_depth": 300, "queue_slope": -30.0}, "Draining backlog", "clear in"),
        ({"queue_depth": 300, "queue_slope": 0.0, "since_spike_end_s": 5.0}, "Draining after spike", "300 queued"),
        ({"queue_depth": 300, "queue_slope": 0.2}, "Backlogged", "300 queued, holding at 50 req/s in"),
        ({"arrival_rps": 0.0, "in_system": 0}, "Idle", "no requests"),
        ({"truncated": True}, "Truncated", "event budget"),
        ({"rejected_full_rps": 12.0, "queue_depth": 1000}, "Overloaded", "rejecting 12 req/s"),
        ({"rate_limited_rps": 20.0}, "Rate-limited", "refuses 20 of 50 req/s"),
        ({"now_s": 1.0}, "Warming up", "50 req/s"),
        ({"spike_active": True, "spike_multiplier": 3.0, "spike_left_s": 7.0, "arrival_rps": 150.0,
          "queue_depth": 100, "queue_slope": 40.0}, "Spike x3 (7.0 s left). Saturated", "queue growing"),
        ({"dead_lettered": 3}, "Steady state", "3 dead-lettered"),
        ({"capacity_rps": None, "bottleneck": None}, "Steady state", "capacity unbounded"),
        # more arriving than the capacity: saturated, even before the queue has grown; never "steady state"
        ({"arrival_rps": 1500.0, "throughput_rps": 1500.0}, "Saturated", "1,500 req/s arriving, capacity 95 req/s"),
        # a queue growing below the estimate is not called saturated
        ({"queue_depth": 500, "queue_slope": 25.0}, "Queue growing 25 msg/s",
         "50 req/s in, 50 req/s out (53% of the estimated capacity 95 req/s)"),
        ({"stall_ms": 900.0, "stall_prompt_tokens": 6000, "stall_slots": 12}, "Steady state",
         "Prefill stall: a batch with 6,000 prompt tokens held 12 generating slots for 900 ms (mean token gap 20 ms)"),
        ({"stall_ms": 60.0, "stall_prompt_tokens": 300, "stall_slots": 12}, "Steady state", "53% of capacity"),
        ({"llm_errors": 7}, "Steady state", "7 refused or failed by llama-server"),
    ],
)
def test_status_lines(kw, start, contains):
    text = describe(window(**kw))
    assert text.startswith(start), text
    assert contains in text, text
    if kw.get("stall_ms") == 60.0:
        assert "stall" not in text  # 3 times the mean token gap does not stand out
