"""The ``pipeline`` widget: a running simulation and its frames, and the static HTML.

:class:`PipelineSession` wraps :class:`inferlab.pipeline.simulation.Simulation`:
the page's pre-render runs it for ``warmup_s`` simulated seconds, and the live
widget starts the same (seeded) run and keeps calling :meth:`advance` with the
real time that passed, so the live view continues from what the static page
showed.  Displayed latency percentiles and rates cover a sliding window of
:data:`WINDOW_S` seconds (one interval of 0.1 s holds too few requests for a
meaningful p99).
"""

from __future__ import annotations

import math
from collections import deque
from html import escape
from typing import Any

from inferlab.pipeline.metrics import HistogramSnapshot, LatencyHistogram
from inferlab.pipeline.status import describe
from inferlab.ui import html, svg
from inferlab.ui.format import count_text, ms_text, percent_text, rate_text
from inferlab.ui.options import schema_for
from inferlab.ui.pipeline_options import LIVE_CONTROLS, sim_config, sim_controls

#: Seconds of simulated time the displayed percentiles and rates cover.
WINDOW_S = 5.0
#: The latency histogram before any answer.
NO_ANSWERS = LatencyHistogram().snapshot()
#: Seconds of simulated time the chart shows.
CHART_S = 60.0
#: Simulated seconds per step of the pre-render warm-up.
WARMUP_STEP_S = 0.5
#: Largest step one advance() call takes (a long pause is not replayed).
MAX_DT_S = 1.0
#: Seconds after a change before the outcome is announced to screen readers.
ANNOUNCE_AFTER_S = 4.0

NODES = (
    ("gateway", "API gateway"), ("queue", "Pub/sub queue"), ("workers", "Orchestrator pool"),
    ("cache", "Redis cache"), ("inference", "llama.cpp servers"), ("database", "Database"),
)


class PipelineSession:
    """One running pipeline behind one widget."""

    def __init__(self, values: dict[str, Any]) -> None:
        from inferlab.pipeline.simulation import Simulation

        self.values = dict(values)
        self.sim = Simulation(sim_config(values), seed=values["seed"])
        self.intervals: deque[dict[str, Any]] = deque()
        self.snapshots: deque[tuple[float, HistogramSnapshot]] = deque()
        self.points: deque[tuple[float, float | None, float | None, float]] = deque()
        self.announce_at: float | None = None
        self.announce_what = ""
        steps = max(1, round(values["warmup_s"] / WARMUP_STEP_S))
        for _ in range(steps):
            self._step(WARMUP_STEP_S)

    # -- driving -----------------------------------------------------------------
    def advance(self, dt: float) -> dict[str, Any]:
        """Simulate *dt* more seconds (clamped to 0..MAX_DT_S); return the frame."""
        if not isinstance(dt, (int, float)) or isinstance(dt, bool) or not math.isfinite(dt) or dt < 0:
            raise ValueError(f"dt: {dt!r}; allowed: a number of seconds >= 0")
        self._step(min(float(dt), MAX_DT_S))
        return self.frame()

    def control(self, changes: dict[str, Any]) -> None:
        """Apply live control changes (validated option values)."""
        changed = {k: v for k, v in changes.items() if k in LIVE_CONTROLS and self.values.get(k) != v}
        if not changed:
            return
        self.sim.set_controls(**sim_controls(changed))
        self.values.update(changed)
        label = schema_for("pipeline").get(next(iter(changed))).label.split(" (")[0]
        self.announce_at = self.sim.engine.now + ANNOUNCE_AFTER_S
        self.announce_what = f"After the change ({label})"

    def spike(self) -> None:
        """Fire a load spike of the configured size and length."""
        self.sim.fire_spike(multiplier=self.values["spike"], duration_s=self.values["spike_s"])
        self.announce_at = self.sim.engine.now + ANNOUNCE_AFTER_S
        self.announce_what = "During the load spike"

    def _step(self, dt: float) -> None:
        interval = self.sim.advance(dt)
        now = interval["t"]
        self.intervals.append(interval)
        while self.intervals and self.intervals[0]["t"] <= now - WINDOW_S:
            self.intervals.popleft()
        self.snapshots.append((now, self.sim.latency.snapshot()))
        while len(self.snapshots) > 1 and self.snapshots[1][0] <= now - WINDOW_S:
            self.snapshots.popleft()
        p50, p99 = self._window_quantiles()
        self.points.append((now, p50, p99, interval["queue_depth"]))
        while self.points and self.points[0][0] < now - CHART_S:
            self.points.popleft()

    # -- measuring -----------------------------------------------------------------
    def _window_quantiles(self) -> tuple[float | None, float | None]:
        """p50 and p99 latency (ms) of the requests completed in the last WINDOW_S seconds."""
        hist = self.sim.latency
        window = hist.since(self.snapshots[0][1] if len(self.snapshots) > 1 else NO_ANSWERS)
        if window.count == 0:
            return None, None
        return window.quantile(0.50), window.quantile(0.99)

    def _window_rates(self) -> dict[str, float | None]:
        span = sum(i["dt"] for i in self.intervals)
        if span <= 0:
            return {"tokens": None, "requests": None, "hit": None}
        tokens = sum((i["tokens_per_s"] or 0.0) * i["dt"] for i in self.intervals)
        done = sum(i["completed"] for i in self.intervals)
        hits = sum(i["stages"]["cache"]["hits"] for i in self.intervals)
        misses = sum(i["stages"]["cache"]["misses"] for i in self.intervals)
        return {"tokens": tokens / span, "requests": done / span,
                "hit": hits / (hits + misses) if hits + misses else None}

    # -- drawing -----------------------------------------------------------------
    def frame(self) -> dict[str, Any]:
        """Everything the widget shows now, as JSON-able data."""
        last = self.intervals[-1]
        p50, p99 = self._window_quantiles()
        rates = self._window_rates()
        cache_on = self.values["cache"]
        metrics = {
            "latency_p50": {"value": p50, "text": ms_text(p50)},
            "latency_p99": {"value": p99, "text": ms_text(p99)},
            "queue_depth": {"value": last["queue_depth"], "text": f"{last['queue_depth']:,}"},
            "throughput_tokens": {"value": rates["tokens"], "text": rate_text(rates["tokens"] or 0.0, "tok/s")},
            "throughput_requests": {"value": rates["requests"], "text": rate_text(rates["requests"] or 0.0, "req/s")},
            "cache_hit": {"value": rates["hit"] if cache_on else None,
                          "text": percent_text(rates["hit"]) if cache_on else "off"},
        }
        level = _status_level(last)
        # The status line quotes p99 over the same window as the p99 metric
        # box, not the newest interval's alone.
        status = describe({**self.sim.status_window, "p99_ms": p99}) if self.sim.status_window else last["status"]
        out = {
            "options": self.values,
            "t": last["t"],
            "metrics": metrics,
            "status": {"text": status, "level": level},
            "nodes": _nodes(last, self.values, rates),
            "flows": _flows(last, rates, cache_on),
            "charts": {"timeline": self.chart()},
        }
        if self.announce_at is not None and last["t"] >= self.announce_at:
            out["announce"] = (f"{self.announce_what}: p99 latency {ms_text(p99)}, queue depth {last['queue_depth']:,}, "
                               f"{rate_text(rates['tokens'] or 0.0, 'tokens per second')}. {status}")
            self.announce_at = None
        return out

    def chart(self) -> str:
        """Latency (p50, p99) and queue depth over the last CHART_S seconds, as SVG."""
        pts = list(self.points)
        t1 = pts[-1][0] if pts else CHART_S
        t0 = max(0.0, t1 - CHART_S)
        p50 = svg.Series("p50 latency", [(t, v / 1000.0) for t, v, _, _ in pts if v is not None], "ifw-c1")
        p99 = svg.Series("p99 latency", [(t, v / 1000.0) for t, _, v, _ in pts if v is not None], "ifw-c2")
        queue = svg.Series("queue depth", [(t, float(q)) for t, _, _, q in pts], "ifw-c3", area=True)
        last = pts[-1] if pts else (0.0, None, None, 0)
        desc = (f"Over the last {t1 - t0:.0f} s: p50 latency now {ms_text(last[1])}, p99 {ms_text(last[2])}, "
                f"queue depth {last[3]:,}.")
        return svg.time_chart([("Latency (s)", [p50, p99]), ("Queue depth (messages)", [queue])],
                              title="Latency and queue depth over time", desc=desc, x0=t0, x1=max(t1, t0 + 1.0))


def _status_level(interval: dict[str, Any]) -> str:
    text = interval["status"].lower()
    if text.startswith(("saturated", "overloaded", "dropping", "rejecting")):
        return "bad"
    if interval["queue_depth"] > 0 and "spike" in text or text.startswith(("recovering", "draining", "backlog")):
        return "warn"
    return "ok"


def _load_level(util: float | None, backlog: bool) -> str:
    if util is None:
        return "idle"
    if util >= 0.97 and backlog:
        return "overloaded"
    if util >= 0.8:
        return "busy"
    return "ok" if util > 0 else "idle"


def _nodes(last: dict[str, Any], values: dict[str, Any], rates: dict[str, float | None]) -> dict[str, dict[str, str]]:
    st = last["stages"]
    backlog = last["queue_depth"] > 0
    q = st["queue"]
    w = st["workers"]
    inf = st["inference"]
    db = st["database"]
    slots_total = inf["slots_total"] or 0
    dt = last["dt"] or 1.0
    return {
        "gateway": {"level": "ok", "text": f"{count_text(st['gateway']['arrival_rate_rps'])} req/s in"},
        "queue": {"level": "overloaded" if q["depth"] > 2 * w["total"] else ("busy" if backlog else "ok"),
                  "text": f"{q['depth']:,} waiting · {q['in_flight']:,} in flight"},
        "workers": {"level": _load_level(w["busy"] / w["total"] if w["total"] else None, backlog),
                    "text": f"{w['busy']}/{w['total']} busy"},
        "cache": ({"level": "off", "text": "off (bypassed)"} if st["cache"]["state"] != "on" else
                  {"level": "ok", "text": f"hit rate {percent_text(rates['hit'])} · {st['cache']['entries']:,} keys"}),
        "inference": {"level": _load_level(inf["slots_busy"] / slots_total if slots_total else None, inf["waiting"] > 0),
                      "text": f"{inf['slots_busy']}/{slots_total} slots · {count_text(rates['tokens'] or 0.0)} tok/s"},
        "database": {"level": "ok" if db["writes"] else "idle",
                     "text": f"{count_text(db['writes'] / dt)} writes/s"},
    }


def _flows(last: dict[str, Any], rates: dict[str, float | None], cache_on: bool) -> dict[str, float]:
    """Seconds per dash cycle of each animated edge (0 = still): faster with more traffic."""
    def speed(rps: float | None) -> float:
        if not rps or rps <= 0:
            return 0.0
        return round(max(0.25, min(3.0, 2.4 / (1.0 + math.log1p(rps)))), 2)

    arriving = last["stages"]["gateway"]["arrival_rate_rps"]
    done = rates["requests"]
    return {"in": speed(arriving), "queue": speed(arriving), "dispatch": speed(done),
            "cache": speed(done) if cache_on else 0.0, "inference": speed(done), "database": speed(done)}


def diagram(frame: dict[str, Any], widget_id: str) -> str:
    """The pipeline diagram: each stage with its live state; edges animate with traffic."""
    nodes = frame["nodes"]
    flows = frame["flows"]

    def node(key: str, name: str) -> str:
        n = nodes[key]
        return (f'<div class="ifw-node" data-node="{key}" data-level="{n["level"]}">'
                f'<span class="ifw-node__name">{escape(name)}</span>'
                f'<span class="ifw-node__text" data-node-text="{key}">{escape(n["text"])}</span></div>')

    def edge(key: str) -> str:
        s = flows.get(key, 0.0)
        return (f'<div class="ifw-edge" data-flow="{key}" data-active="{"true" if s > 0 else "false"}" '
                f'style="--ifw-flow: {s}s" aria-hidden="true"></div>')

    names = dict(NODES)
    backends = "".join(f'<div class="ifw-branch">{edge(k)}{node(k, names[k])}</div>' for k in ("cache", "inference", "database"))
    return (f'<div class="ifw-diagram" role="group" aria-label="Pipeline: API gateway, then a pub/sub queue, then the '
            f'orchestrator worker pool, which calls the Redis cache, the llama.cpp servers and the database">'
            f'{node("gateway", names["gateway"])}{edge("queue")}{node("queue", names["queue"])}{edge("dispatch")}'
            f'{node("workers", names["workers"])}<div class="ifw-backends">{backends}</div></div>')


def render(values: dict[str, Any], widget_id: str) -> str:
    """The widget's static HTML: the state after ``warmup_s`` simulated seconds."""
    from inferlab.llamacpp.calculator import list_hardware, list_models

    session = PipelineSession(values)
    f = session.frame()
    opt = {o.name: o for o in schema_for("pipeline").options}
    models = {m["name"]: m["display_name"] for m in list_models()}
    hardware = {h["name"]: h["display_name"] for h in list_hardware()}
    controls = [
        html.control(widget_id, opt["workers"], values["workers"]),
        html.control(widget_id, opt["arrival_rate"], values["arrival_rate"]),
        html.control(widget_id, opt["cache"], values["cache"]),
        html.control(widget_id, opt["model"], values["model"], labels=models),
        html.control(widget_id, opt["quant"], values["quant"]),
        html.control(widget_id, opt["hardware"], values["hardware"], labels=hardware),
        f'<div class="ifw-field ifw-field--action"><button type="button" class="md-button" data-action="spike" '
        f'aria-describedby="{widget_id}-spike-hint">Load spike</button>'
        f'<span class="ifw-hint" id="{widget_id}-spike-hint">{values["spike"]:g}× the arrival rate for '
        f'{values["spike_s"]:g} s</span></div>',
    ]
    m = f["metrics"]
    metrics = [
        html.metric("latency_p50", "p50 latency", m["latency_p50"]["value"], m["latency_p50"]["text"]),
        html.metric("latency_p99", "p99 latency", m["latency_p99"]["value"], m["latency_p99"]["text"]),
        html.metric("queue_depth", "Queue depth", m["queue_depth"]["value"], m["queue_depth"]["text"]),
        html.metric("throughput_tokens", "Throughput", m["throughput_tokens"]["value"], m["throughput_tokens"]["text"]),
        html.metric("throughput_requests", "Requests done", m["throughput_requests"]["value"], m["throughput_requests"]["text"]),
        html.metric("cache_hit", "Cache hit rate", m["cache_hit"]["value"], m["cache_hit"]["text"]),
    ]
    body = [
        diagram(f, widget_id),
        f'<form class="ifw__controls" aria-label="Pipeline controls">{"".join(controls)}</form>',
        html.metrics_list(metrics, live=False),
        html.status_line(f["status"]["text"], f["status"]["level"]),
        html.chart("timeline", f["charts"]["timeline"],
                   f"Percentiles over a sliding {WINDOW_S:g}-second window; simulated time on the x axis."),
        '<p class="ifw-sr" data-announce aria-live="polite"></p>',
    ]
    return html.root("pipeline", widget_id, "LLM orchestration pipeline, simulated", values, body,
                     f"It shows the simulated pipeline after {values['warmup_s']:g} s; touch a control to run it live.")


def capacity_rps(values: dict[str, Any]) -> float:
    """Requests/s the pipeline with these options can sustain (its bottleneck stage), per the simulator."""
    from inferlab.pipeline.simulation import Simulation

    sim = Simulation(sim_config(values), seed=values["seed"])
    return float(sim.advance(1.0)["capacity_rps"])
