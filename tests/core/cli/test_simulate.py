"""``python -m inferlab simulate``, run in-process."""

import json

import pytest

from inferlab.cli import main
from inferlab.cli.simulate import parse_spike


def run_json(capsys, *args):
    assert main(["simulate", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_documented_keys(capsys):
    out = run_json(capsys, "--arrival-rate", "10", "--workers", "16", "--duration", "30", "--seed", "2")
    for key in ("completed", "mean_wait_ms", "mean_latency_ms", "p50_latency_ms", "p95_latency_ms",
                "p99_latency_ms", "mean_queue_depth", "throughput_rps", "tokens_per_s", "cache_hit_rate",
                "events", "truncated"):
        assert key in out
    assert out["config"]["workers"] == 16 and out["seed"] == 2
    assert out["completed"] > 0 and out["truncated"] is False


def test_text_output(capsys):
    assert main(["simulate", "--duration", "10"]) == 0
    text = capsys.readouterr().out
    assert "p99 latency" in text and "status" in text


def test_ideal_mmc_from_the_cli(capsys):
    out = run_json(capsys, "--ideal", "--service-dist", "exp", "--service-ms", "100", "--workers", "2",
                   "--arrival-rate", "10", "--duration", "2000")
    assert out["cache_hit_rate"] is None
    assert out["mean_wait_ms"] == pytest.approx(1000 * (1 / 3) / (20 - 10), rel=0.15)  # Erlang C, rho 0.5
    assert out["littles_law_error"] < 0.01


def test_spike_cache_and_series(capsys):
    out = run_json(capsys, "--duration", "40", "--spike", "at=10,for=10,x=3", "--cache", "off", "--series",
                   "--interval", "5")
    assert out["config"]["spike_at_s"] == 10 and out["config"]["cache_enabled"] is False
    assert len(out["series"]) == 8
    assert "stages" not in out["series"][0]


def test_warmup(capsys):
    out = run_json(capsys, "--duration", "20", "--warmup", "10")
    assert out["window_s"] == pytest.approx(20.0) and out["simulated_s"] == pytest.approx(30.0)


def test_truncated_flag(capsys):
    out = run_json(capsys, "--arrival-rate", "1e9", "--duration", "3e7", "--max-events", "5000")
    assert out["truncated"] is True and out["events"] <= 5000 + 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "workers: 0 is not allowed; expected an integer from 1 to 1024"),
        (["--arrival-rate", "-5"], "arrival_rate: -5.0 is not allowed"),
        (["--duration", "0"], "duration: 0.0 is not allowed"),
        (["--spike", "when=3"], "spike: 'when=3' is not allowed"),
        (["--service-dist", "gamma"], "service_dist: 'gamma' is not allowed"),
        (["--ideal"], "ideal: True is not allowed without service_dist"),
        (["--seed", "-1"], "seed: -1 is not allowed"),
    ],
)
def test_bad_input_exits_2_naming_the_field(capsys, args, message):
    assert main(["simulate", *args]) == 2
    assert message in capsys.readouterr().err


def test_bad_cache_flag_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["simulate", "--cache", "maybe"])
    assert info.value.code == 2


def test_parse_spike():
    assert parse_spike("at=30,for=10,x=3") == {"spike_at_s": 30.0, "spike_duration_s": 10.0,
                                               "spike_multiplier": 3.0}
    with pytest.raises(ValueError, match="expected at least at=SECONDS"):
        parse_spike("x=3")
    with pytest.raises(ValueError, match="for='ten'"):
        parse_spike("at=1,for=ten")
