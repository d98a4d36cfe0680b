"""The steppable Simulation: behaviour, determinism, controls, outputs."""

import json
import math
import time

import pytest

from inferlab.inputs import InputError
from inferlab.pipeline import Simulation
from inferlab.pipeline.config import Config

SMALL = {"arrival_rate": 20.0, "workers": 32, "replicas": 2, "slots": 16}


def finite_json(value):
    """JSON round trip with NaN/inf refused."""
    return json.loads(json.dumps(value, allow_nan=False))


def test_advance_returns_json_able_interval_with_status_and_stages():
    sim = Simulation(SMALL, seed=3)
    interval = sim.advance(5.0)
    assert finite_json(interval) == interval
    assert interval["t"] == pytest.approx(5.0)
    assert isinstance(interval["status"], str) and interval["status"]
    stages = interval["stages"]
    assert set(stages) == {"gateway", "queue", "workers", "cache", "inference", "database"}
    assert stages["workers"]["total"] == 32
    assert stages["inference"]["slots_total"] == 32
    assert stages["cache"]["state"] == "on"
    assert list(sim.history)[-1] is interval


def test_empty_interval_uses_none_not_nan():
    sim = Simulation({"arrival_rate": 0.0}, seed=1)
    interval = sim.advance(1.0)
    assert interval["p99_latency_ms"] is None
    assert interval["mean_latency_ms"] is None
    assert interval["cache_hit_rate"] is None
    assert interval["status"].startswith("Idle")
    finite_json(sim.summary())


def test_same_seed_same_results_different_seed_different():
    a = Simulation(SMALL, seed=11).run(60)
    b = Simulation(SMALL, seed=11).run(60)
    c = Simulation(SMALL, seed=12).run(60)
    assert a == b
    assert a["completed"] != c["completed"] or a["mean_latency_ms"] != c["mean_latency_ms"]


def test_state_persists_between_advance_calls():
    one = Simulation(SMALL, seed=5)
    for _ in range(40):
        one.advance(0.25)
    other = Simulation(SMALL, seed=5)
    other.advance(10.0)
    assert one.summary()["completed"] == other.summary()["completed"]
    assert one.summary()["mean_latency_ms"] == pytest.approx(other.summary()["mean_latency_ms"])


def test_changing_a_control_keeps_other_random_streams():
    """Cache on/off must not reshuffle arrivals or token counts (independent streams)."""
    on = Simulation(SMALL, seed=9)
    off = Simulation({**SMALL, "cache_enabled": False}, seed=9)
    on.advance(30)
    off.advance(30)
    assert on.tally.arrivals == off.tally.arrivals
    assert on._zipf.sample() == off._zipf.sample()
    assert on._output.sample() == off._output.sample()


def test_config_object_or_dict_accepted():
    assert Simulation(Config(), seed=0).config == Simulation({}, seed=0).config


@pytest.mark.parametrize(("kwargs", "field"), [({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
                                              ({"workers": 0}, "workers")])
def test_bad_construction_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        Simulation(SMALL | {k: v for k, v in kwargs.items() if k != "seed"}, seed=kwargs.get("seed", 0))


def test_advance_rejects_bad_dt():
    sim = Simulation(SMALL)
    for dt in (-1, float("nan"), "1", True):
        with pytest.raises(ValueError, match="dt"):
            sim.advance(dt)


def test_spike_raises_queue_and_p99_then_drains():
    cfg = {"arrival_rate": 12.0, "workers": 48, "replicas": 4, "slots": 16}  # about half the capacity
    sim = Simulation(cfg, seed=2)
    sim.run(60)
    before = sim.summary()
    base_depth = max(row["queue_depth"] for row in list(sim.history)[-20:])
    sim.reset_stats()
    sim.fire_spike(multiplier=4, duration_s=20)
    during = [sim.advance(1.0) for _ in range(20)]
    assert during[0]["status"].startswith("Spike")
    peak = max(row["queue_depth"] for row in during)
    assert peak > base_depth + 50
    spike_summary = sim.summary()
    assert spike_summary["p99_latency_ms"] > 2 * before["p99_latency_ms"]
    after = [sim.advance(1.0) for _ in range(240)]
    assert any(row["status"].startswith("Draining after spike") for row in after)
    assert after[-1]["queue_depth"] < 0.05 * peak


def test_more_workers_lower_latency_until_inference_saturates():
    latencies = {}
    for workers in (4, 8, 12, 16, 32, 64):
        sim = Simulation({"arrival_rate": 6.0, "workers": workers, "replicas": 2, "slots": 8}, seed=4)
        sim.run(30)
        sim.reset_stats()
        latencies[workers] = sim.run(240)["mean_latency_ms"]
    assert latencies[4] > latencies[8] > latencies[12] > latencies[16]
    # Past the 2 x 8 llama.cpp slots extra workers only wait for a slot: no gain.
    assert latencies[64] == pytest.approx(latencies[32], rel=0.01)
    assert latencies[32] == pytest.approx(latencies[16], rel=0.05)


def test_cache_raises_hit_rate_and_lowers_mean_latency():
    base = {"arrival_rate": 15.0, "workers": 64, "zipf_s": 1.0, "keyspace": 10_000, "cache_size": 5_000}
    on = Simulation(base, seed=6).run(300)
    off = Simulation({**base, "cache_enabled": False}, seed=6).run(300)
    assert off["cache_hit_rate"] is None
    assert on["cache_hit_rate"] > 0.5
    assert on["mean_latency_ms"] < 0.7 * off["mean_latency_ms"]


def test_bigger_cache_hits_more():
    base = {"arrival_rate": 15.0, "zipf_s": 1.0, "keyspace": 100_000}
    small = Simulation({**base, "cache_size": 100}, seed=6).run(200)["cache_hit_rate"]
    big = Simulation({**base, "cache_size": 20_000}, seed=6).run(200)["cache_hit_rate"]
    assert big > small + 0.1


def test_dead_lettering_only_after_max_receives():
    cfg = {"arrival_rate": 5.0, "workers": 8, "worker_failure_prob": 0.5, "visibility_timeout_s": 2.0,
           "max_receives": 3}
    sim = Simulation(cfg, seed=8)
    summary = sim.run(300)
    assert summary["redeliveries"] > 0 and summary["dead_lettered"] > 0
    # Each dead letter was received 3 times (crashing each time), so came back twice.
    assert summary["worker_crashes"] >= 3 * summary["dead_lettered"]
    # P(dead) = 0.5**3 per message: about 1 in 8.
    assert summary["dead_lettered"] / summary["arrivals"] == pytest.approx(0.125, abs=0.03)


def test_no_failures_no_dead_letters():
    summary = Simulation(SMALL, seed=1).run(120)
    assert summary["dead_lettered"] == 0
    assert summary["redeliveries"] == 0


def test_slow_processing_is_redelivered_and_duplicated():
    """A visibility timeout shorter than the processing time gives at-least-once duplicates."""
    cfg = {"arrival_rate": 2.0, "workers": 16, "visibility_timeout_s": 0.5, "max_receives": 10,
           "output_tokens_cv": 0.0, "output_tokens_mean": 100.0}
    summary = Simulation(cfg, seed=3).run(120)
    assert summary["redeliveries"] > 0
    assert summary["duplicates"] > 0
    assert summary["completed"] > 0


def test_queue_max_depth_rejects():
    cfg = {"arrival_rate": 200.0, "workers": 4, "queue_max_depth": 50}
    summary = Simulation(cfg, seed=1).run(30)
    assert summary["rejected_full"] > 0
    assert summary["queue_depth_end"] <= 50


def test_rate_limit_refuses_excess():
    summary = Simulation({"arrival_rate": 50.0, "rate_limit_rps": 10.0, "rate_limit_burst": 5}, seed=1).run(60)
    assert summary["rate_limited"] > 0
    assert (summary["arrivals"] - summary["rate_limited"]) / 60 == pytest.approx(10.0, rel=0.1)


@pytest.mark.parametrize("cfg", [
    SMALL,
    {"arrival_rate": 60.0, "workers": 16},                                 # saturated
    {"arrival_rate": 5.0, "worker_failure_prob": 0.3, "visibility_timeout_s": 1.0},
    {"arrival_rate": 20.0, "pattern": "bursty"},
    {"arrival_rate": 20.0, "pattern": "diurnal", "diurnal_period_s": 30.0},
    {"ideal": True, "service_dist": "det", "service_ms": 50.0, "workers": 2, "arrival_rate": 30.0},
])
def test_littles_law_holds_on_every_run(cfg):
    sim = Simulation(cfg, seed=13)
    sim.run(40)
    s = sim.summary()
    lam_w = s["queue_arrival_rate_rps"] * s["mean_wait_ms"] / 1000.0
    assert s["mean_queue_depth"] == pytest.approx(lam_w, rel=0.01, abs=1e-9)
    sim.reset_stats()  # and over a window that starts with a backlog
    sim.run(20)
    s = sim.summary()
    lam_w = s["queue_arrival_rate_rps"] * s["mean_wait_ms"] / 1000.0
    assert s["mean_queue_depth"] == pytest.approx(lam_w, rel=0.01, abs=1e-9)


def test_controls_apply_mid_run():
    sim = Simulation({"arrival_rate": 10.0}, seed=1)
    sim.advance(20)
    sim.set_controls(arrival_rate=40.0, workers=80, cache_enabled=False, slots=8)
    assert sim.config.arrival_rate == 40.0
    rows = [sim.advance(1.0) for _ in range(30)]
    assert sum(r["arrivals"] for r in rows) / 30 == pytest.approx(40.0, rel=0.15)
    assert rows[-1]["stages"]["workers"]["total"] == 80
    assert rows[-1]["stages"]["cache"]["state"] == "bypassed"
    assert rows[-1]["stages"]["inference"]["slots_total"] == 8 * sim.config.replicas
    assert rows[-1]["cache_hit_rate"] is None


def test_scale_down_lets_busy_workers_finish():
    sim = Simulation({"arrival_rate": 30.0, "workers": 64}, seed=1)
    sim.advance(20)
    sim.set_controls(workers=4)
    sim.advance(0.01)
    assert sim.workers.busy.value > 4  # still finishing
    sim.advance(60)
    assert sim.workers.busy.value <= 4


def test_set_controls_rejects_non_controls_and_bad_values():
    sim = Simulation(SMALL)
    with pytest.raises(InputError, match="keyspace: 10 cannot change while running"):
        sim.set_controls(keyspace=10)
    with pytest.raises(InputError, match="workers"):
        sim.set_controls(workers=5000)
    with pytest.raises(InputError, match="nonsense: 'nonsense' is not a known option"):
        sim.set_controls(nonsense=1)
    assert sim.config.workers == 32  # nothing changed


def test_faster_decode_lowers_latency():
    slow = Simulation({**SMALL, "decode_tps": 50.0}, seed=1).run(120)["mean_latency_ms"]
    fast = Simulation({**SMALL, "decode_tps": 150.0}, seed=1).run(120)["mean_latency_ms"]
    assert fast < 0.6 * slow


def test_absurd_load_returns_promptly_and_truncated():
    sim = Simulation({"arrival_rate": 1e9}, seed=1)
    t0 = time.perf_counter()
    interval = sim.advance(0.25, max_events=20_000)
    assert time.perf_counter() - t0 < 5.0
    assert interval["truncated"] is True
    assert interval["events"] == 20_000
    assert interval["status"].startswith("Truncated")
    summary = Simulation({"arrival_rate": 1.0}, seed=1).run(3.15e7, max_events=20_000)
    assert summary["truncated"] is True
    assert summary["simulated_s"] < 3.15e7


def test_history_is_bounded():
    sim = Simulation({"arrival_rate": 1.0, "history_limit": 5})
    for _ in range(12):
        sim.advance(0.1)
    assert len(sim.history) == 5


def test_advance_quarter_second_at_200_rps_is_cheap():
    sim = Simulation({"arrival_rate": 200.0, "workers": 1024, "replicas": 32, "slots": 32}, seed=1)
    sim.advance(10)
    t0 = time.perf_counter()
    for _ in range(8):
        sim.advance(0.25)
    per_call = (time.perf_counter() - t0) / 8
    assert per_call < 0.05  # generous: ~1 ms in CPython; this is a smoke check, not a benchmark


def test_summary_keys_for_the_cli():
    s = Simulation(SMALL, seed=1).run(10)
    for key in ("completed", "mean_wait_ms", "mean_latency_ms", "p50_latency_ms", "p95_latency_ms",
                "p99_latency_ms", "mean_queue_depth", "throughput_rps", "tokens_per_s", "cache_hit_rate",
                "events", "truncated"):
        assert key in s
    assert not any(isinstance(v, float) and math.isnan(v) for v in s.values())


def test_public_names_are_sorted_and_importable():
    import inferlab.pipeline as pipeline

    assert pipeline.__all__ == sorted(pipeline.__all__)
    for name in pipeline.__all__:
        assert getattr(pipeline, name) is not None


def test_run_makes_no_sliver_intervals():
    sim = Simulation({"ideal": True, "service_dist": "exp", "service_ms": 100.0, "workers": 2,
                      "arrival_rate": 14.0}, seed=1)
    duration = 400_000 / 14.0
    sim.run(duration, interval_s=duration / 20)
    assert len(sim.history) == 20
    assert sim.engine.now == pytest.approx(duration)


@pytest.mark.parametrize("cfg", [
    {"arrival_rate": 20.0, "worker_failure_prob": 0.3, "visibility_timeout_s": 2.0, "max_receives": 3},
    {"arrival_rate": 60.0, "workers": 8, "queue_max_depth": 40, "rate_limit_rps": 50.0},
    {"arrival_rate": 5.0, "visibility_timeout_s": None},
])
def test_no_message_is_lost(cfg):
    """Every accepted request is answered, dead-lettered or still in the system (visible or in flight)."""
    sim = Simulation(cfg, seed=5)
    s = sim.run(120)
    accepted = s["arrivals"] - s["rate_limited"] - s["rejected_full"]
    assert accepted == s["completed"] + s["dead_lettered"] + s["in_flight_end"]
    sim.set_controls(arrival_rate=0.0)
    s = sim.run(600)  # long enough for every timeout to expire and every retry to finish
    assert s["in_flight_end"] == 0


@pytest.mark.parametrize("cfg", [
    SMALL | {"arrival_rate": 6.0},                                          # steady state
    {"arrival_rate": 40.0, "workers": 16},                                  # saturated
    {"arrival_rate": 3.0, "prompt_tokens_mean": 3000.0, "replicas": 2},      # long prompts: a prefill stall
])
def test_the_summary_status_quotes_the_summary(cfg):
    """Issue 11, item 10: the status line and the figures under it agree: same p99, same capacity."""
    s = Simulation(cfg, seed=4).run(120)
    status = s["status"]
    assert f"capacity {_rate(s['capacity_rps'])} req/s" in status, status
    if status.startswith("Steady state"):
        assert f"p99 {s['p99_latency_ms']:,.0f} ms" in status, status
        assert s["arrival_rate_rps"] <= s["capacity_rps"]
    if status.startswith("Saturated"):
        assert s["arrival_rate_rps"] > s["capacity_rps"]
    if "Prefill stall" in status:
        assert f"held {s['longest_stall_slots']:,} generating slots for {s['longest_stall_ms']:,.0f} ms" in status
        assert s["p99_itl_ms"] > 2 * s["p50_itl_ms"]


def test_every_interval_status_quotes_its_window():
    """The interval status's p99 is over the same intervals as its rates, never one interval's alone."""
    sim = Simulation(SMALL | {"arrival_rate": 6.0}, seed=5)
    rows = [sim.advance(0.1) for _ in range(400)]
    assert all("Steady state" not in r["status"] or "p99" in r["status"] for r in rows[30:])
    assert not any("% of capacity" in r["status"] and r["status"].startswith("Steady state")
                   and int(r["status"].split("% of capacity")[0].rsplit(" ", 1)[-1]) > 100 for r in rows)


def _rate(x):
    from inferlab.pipeline.status import _rate as rate

    return rate(x)


def test_the_cli_shows_the_token_gaps_and_refuses_what_cannot_load(capsys):
    from inferlab.cli import main

    assert main(["simulate", "--json", "--duration", "60", "--arrival-rate", "5", "--seed", "2"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["p50_itl_ms"] < s["p99_itl_ms"] <= s["max_itl_ms"] and s["longest_stall_ms"] >= s["p99_itl_ms"]
    assert main(["simulate", "--duration", "30", "--arrival-rate", "5", "--ctx-size", "8k", "--slots", "8"]) == 0
    text = capsys.readouterr().out
    assert "p99 token gap" in text and "longest prefill stall" in text and "context per slot" in text
    assert "1,024 tokens" in text  # -c 8k over 8 slots
    assert main(["simulate", "--model", "llama-3-70b", "--quant", "Q4_K_M", "--hardware", "rtx-4090"]) == 2
    err = capsys.readouterr().err
    assert "model: 'llama-3-70b' with quant Q4_K_M does not load on 1 x" in err and "VRAM short by" in err
    assert main(["simulate", "--model", "llama-3-70b", "--quant", "Q4_K_M", "--hardware", "rtx-4090", "--gpus", "2",
                 "--slots", "4", "--duration", "5"]) == 0
    assert "memory per server" in capsys.readouterr().out
