"""inferlab.ui.pipeline_view: the simulated pipeline behind the widget."""

from __future__ import annotations

import pytest

from inferlab.ui import render_widget, validate_options
from inferlab.ui.pipeline_view import PipelineSession, capacity_rps


def _rate(load: float, workers: int) -> float:
    """An arrival rate that is *load* x the capacity of a pipeline with *workers* (the model's calibration may move)."""
    return round(load * capacity_rps(validate_options("pipeline", {"workers": workers})), 1)


def _session(**given: object) -> PipelineSession:
    return PipelineSession(validate_options("pipeline", {"warmup_s": 20, **given}))


def _run(session: PipelineSession, seconds: float, dt: float = 0.1) -> dict:
    frame = {}
    for _ in range(round(seconds / dt)):
        frame = session.advance(dt)
    return frame


def test_same_seed_same_frames() -> None:
    a, b = _session(seed=7), _session(seed=7)
    assert _run(a, 3) == _run(b, 3)


def test_frame_has_the_contract_metrics_and_nodes() -> None:
    frame = _session().frame()
    assert {"latency_p99", "queue_depth", "throughput_tokens", "cache_hit"} <= set(frame["metrics"])
    assert set(frame["nodes"]) == {"gateway", "queue", "workers", "cache", "inference", "database"}
    assert frame["charts"]["timeline"].startswith("<svg")
    assert frame["status"]["text"]


def test_status_line_quotes_the_same_p99_as_the_metric_box() -> None:
    session = _session(arrival_rate=_rate(0.5, 64))
    for frame in (session.frame(), _run(session, 2, dt=0.1)):
        text = frame["status"]["text"]
        assert text.startswith("Steady state"), text
        assert f"p99 {frame['metrics']['latency_p99']['value']:,.0f} ms" in text


def test_load_spike_raises_queue_depth_then_it_drains() -> None:
    session = _session(workers=16, arrival_rate=_rate(0.6, 16))
    before = session.frame()["metrics"]["queue_depth"]["value"]
    session.spike()
    peak = max(session.advance(0.25)["metrics"]["queue_depth"]["value"] for _ in range(40))
    assert peak > before + 10
    after = _run(session, 60, 0.5)["metrics"]["queue_depth"]["value"]
    assert after < peak / 4


def test_more_workers_lower_latency_when_workers_are_the_bottleneck() -> None:
    rate = _rate(1.5, 8)
    few, many = _session(workers=8, arrival_rate=rate), _session(workers=8, arrival_rate=rate)
    assert rate < 0.7 * capacity_rps(validate_options("pipeline", {"workers": 96}))
    many.control({"workers": 96})
    p99_few = _run(few, 40, 0.5)["metrics"]["latency_p99"]["value"]
    p99_many = _run(many, 40, 0.5)["metrics"]["latency_p99"]["value"]
    assert p99_many < p99_few


def test_cache_off_shows_off() -> None:
    session = _session()
    session.control({"cache": False})
    frame = _run(session, 1)
    assert frame["metrics"]["cache_hit"]["text"] == "off" and frame["nodes"]["cache"]["level"] == "off"


def test_advance_rejects_bad_dt() -> None:
    with pytest.raises(ValueError, match="dt"):
        _session().advance(-1)


def test_static_html_follows_the_contract() -> None:
    html = render_widget("pipeline", {"warmup_s": 10}, "ifw-pipeline-1")
    assert 'data-widget="pipeline" data-state="static"' in html
    for metric in ("latency_p99", "queue_depth", "throughput_tokens", "cache_hit"):
        assert f'data-metric="{metric}"' in html
    for word in ("Workers", "Cache", "Load spike", "Model", "Quantization"):
        assert word in html
