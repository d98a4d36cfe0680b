"""inferlab.pipeline.widget: the simulated pipeline behind the widget."""

from __future__ import annotations

from typing import Any

import pytest

from inferlab.pipeline.widget import PipelineWidget, capacity_rps
from inferlab.ui import render_widget
from inferlab.ui.frame import make_frame


class Session:
    """A widget with the frame-returning calls the tests read."""

    def __init__(self, **given: object) -> None:
        self.widget = PipelineWidget(PipelineWidget.parse({"warmup_s": 20, **given}))

    def frame(self) -> dict[str, Any]:
        return make_frame(self.widget, self.widget.view())

    def advance(self, dt: float) -> dict[str, Any]:
        self.widget.advance(dt)
        return self.frame()

    def control(self, changes: dict[str, Any]) -> None:
        self.widget.update({**self.widget.values, **changes})

    def spike(self) -> None:
        self.widget.act("spike")


def _rate(load: float, workers: int) -> float:
    """An arrival rate that is *load* x the capacity of a pipeline with *workers* (the model's calibration may move)."""
    return round(load * capacity_rps(PipelineWidget.parse({"workers": workers})), 1)


def _session(**given: object) -> Session:
    return Session(**given)


def _run(session: Session, seconds: float, dt: float = 0.1) -> dict:
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
    nodes = {k.split("-")[1] for k in frame["binds"] if k.startswith("node-")}
    assert nodes == {"gateway", "queue", "workers", "cache", "inference", "database"}
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
    assert rate < 0.7 * capacity_rps(PipelineWidget.parse({"workers": 96}))
    many.control({"workers": 96})
    p99_few = _run(few, 40, 0.5)["metrics"]["latency_p99"]["value"]
    p99_many = _run(many, 40, 0.5)["metrics"]["latency_p99"]["value"]
    assert p99_many < p99_few


def test_cache_off_shows_off() -> None:
    session = _session()
    session.control({"cache": False})
    frame = _run(session, 1)
    assert frame["metrics"]["cache_hit"]["value"] is None
    assert frame["binds"]["node-cache"]["attrs"]["data-level"] == "off"


def test_static_html_follows_the_contract() -> None:
    html = render_widget("pipeline", {"warmup_s": 10}, widget_id="ifw-pipeline", key="pipeline")
    assert 'data-widget="pipeline" data-key="pipeline" data-kind="animated" data-state="static"' in html
    for metric in ("latency_p99", "queue_depth", "throughput_tokens", "cache_hit"):
        assert f'data-metric="{metric}"' in html
    for word in ("Workers", "Cache", "Load spike", "Model", "Quantization"):
        assert word in html


def test_box_rates_are_averaged_over_the_metrics_window() -> None:
    """Issue 11, item 10: the Database box showed one 0.1 s interval's writes (0 or 30/s, flickering)."""
    session = _session(arrival_rate=_rate(0.4, 32))
    shown = []
    for _ in range(30):
        frame = session.advance(0.1)
        shown.append(float(frame["binds"]["node-database-text"]["text"].split(" writes/s")[0].replace(",", "")))
    assert min(shown) > 0 and max(shown) < 1.5 * min(shown)
    done = frame["metrics"]["throughput_requests"]["value"]
    assert shown[-1] == pytest.approx(done, rel=0.1)  # one write per answer, over the same window


def test_the_token_gap_shows_the_prefill_stall() -> None:
    """A long prompt read in the same batch stalls every answer being generated: the p99 gap shows it."""
    frame = _run(_session(arrival_rate=_rate(0.5, 32)), 5)
    gap = frame["metrics"]["itl_p99"]["value"]
    text = frame["status"]["text"]
    assert text.startswith("Steady state") and "Prefill stall: a batch with" in text, text
    stall_ms = float(text.split("generating slots for ")[1].split(" ms")[0].replace(",", ""))
    mean_ms = float(text.split("mean token gap ")[1].split(" ms")[0].replace(",", ""))
    assert mean_ms < gap < stall_ms  # the p99 gap sits between the typical step and the longest stall
    assert "token gap" in frame["charts"]["timeline"]
