"""The ``pipeline`` widget: the orchestration pipeline, simulated while the reader watches.

The page's pre-render runs the seeded simulation for ``warmup_s`` simulated
seconds; the live widget starts the same run and keeps advancing it by the
real time that passed, so it continues from what the static page showed.
Percentiles and every rate shown -- in the metric boxes and in the diagram's
boxes -- cover one sliding window of :data:`WINDOW_S` seconds (one 0.1 s
interval holds too few requests for a meaningful p99, and a 0.1 s count of
database writes flickers between 0 and 30 per second).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

from inferlab.inputs import Param, Params
from inferlab.pipeline.config import CONTROL_FIELDS
from inferlab.pipeline.config import PARAMS as CONFIG
from inferlab.pipeline.config import RUN_PARAMS as RUN
from inferlab.pipeline.metrics import HistogramSnapshot, LatencyHistogram
from inferlab.pipeline.status import describe
from inferlab.ui import html, svg
from inferlab.ui.widget import Action, Animated, Chart, Metric, Preset, Table, View
from inferlab.units import count_text, ms_text, percent_text, rate_text

#: Seconds of simulated time the displayed percentiles and rates cover.
WINDOW_S = 5.0
#: The latency histogram before any answer.
NO_ANSWERS = LatencyHistogram().snapshot()
#: Seconds of simulated time the chart shows.
CHART_S = 60.0
#: Simulated seconds per step of the warm-up.
WARMUP_STEP_S = 0.5
#: Largest step one advance() takes (a long pause is not replayed).
MAX_DT_S = 1.0
#: Seconds after a change before the outcome is announced to screen readers.
ANNOUNCE_AFTER_S = 4.0

NODES = (
    ("gateway", "API gateway"), ("queue", "Work queue (SQS)"), ("workers", "Orchestrator pool"),
    ("cache", "Redis cache"), ("inference", "llama.cpp servers"), ("database", "Database"),
)


#: The simulator's field behind each widget input that comes from it (filled by _from_config).
CONFIG_FIELD: dict[str, str] = {}


def _from_config(field: str, name: str | None = None, **changes: Any) -> Param:
    """The simulator's declaration of *field* (label, unit, help, source), under the widget's *name*.

    *changes* are the widget's own choices only: a starting value for the page
    and a range the browser can run within its event budget.
    """
    CONFIG_FIELD[name or field] = field
    return CONFIG[field].with_(name=name or field, flag=None, aliases=(), **changes)


PARAMS = Params([
    _from_config("workers", default=32, high=256, control="range",
                 source="32 leaves half of the 4 x 16 slots without a worker, so the page opens on the pool as the "
                        "bottleneck"),
    _from_config("arrival_rate", low=0.5, high=200, control="range"),
    _from_config("cache_enabled", "cache"),
    _from_config("model", default="llama-3-8b", optional=False, none_means="",
                 source="an 8B model at 4 bits, the size one 24 GB GPU serves"),
    _from_config("quant", default="Q4_K_M", optional=False, none_means="", source="llama.cpp's common 4-bit file"),
    _from_config("hardware", default="rtx-4090", optional=False, none_means="", source="one 24 GB consumer GPU"),
    _from_config("replicas", high=64, control="range"),
    _from_config("gpus"),
    _from_config("slots", high=256, control="range"),
    _from_config("spike_multiplier", "spike", low=1.5, high=20),
    _from_config("spike_duration_s", "spike_s", low=1, low_open=False, high=120),
    _from_config("spike_at_s", "spike_at", default=30.0, high=600, label="Scheduled spike", unit="s into the run",
                 none_means="no scheduled spike",
                 help="The pre-rendered run fires one spike here, so the page opens on a queue that builds and "
                      "drains.", source="30 s: half-way through the pre-rendered minute"),
    Param("warmup_s", "float", 60.0, "Pre-rendered run length", unit="s", low=5, high=600, step=1,
          help="Simulated seconds run at build time for the figure a reader sees first.", source="a minute"),
    RUN["seed"].with_(default=1, high=2**31 - 1, source="1 (any seed; the same seed gives the same run)"),
])


def sim_config(values: dict[str, Any]) -> dict[str, Any]:
    """Validated widget inputs -> the simulator's config mapping."""
    return {field: values[name] for name, field in CONFIG_FIELD.items()}


#: Widget inputs the running simulation takes without a restart, and their config fields.
_CONTROL_FIELDS = {name: field for name, field in CONFIG_FIELD.items() if field in CONTROL_FIELDS}


class PipelineWidget(Animated):
    """Requests through a gateway, a work queue, orchestrator workers, a cache, llama.cpp and a database."""

    name = "pipeline"
    title = "LLM orchestration pipeline, simulated"
    summary = "A discrete-event simulation of an LLM request pipeline after warmup_s simulated seconds."
    params = PARAMS
    controls = ("workers", "arrival_rate", "cache", "model", "quant", "hardware", "replicas", "gpus", "slots")
    live = ("workers", "arrival_rate", "cache", "model", "quant", "hardware", "slots")
    actions = (Action("spike", "Load spike", "{spike:g}× the arrival rate for {spike_s:g} s"),)
    metrics = (
        Metric("latency_p50", "p50 latency", "ms"),
        Metric("latency_p99", "p99 latency", "ms"),
        Metric("itl_p99", "p99 token gap", "ms"),
        Metric("queue_depth", "Queue depth", "integer"),
        Metric("throughput_tokens", "Throughput", "tok/s"),
        Metric("throughput_requests", "Requests done", "req/s"),
        Metric("cache_hit", "Cache hit rate", "percent"),
    )
    charts = (Chart("timeline", f"Percentiles over a sliding {WINDOW_S:g}-second window; simulated time on the x axis. "
                                "The token gap is the wait between two tokens of one answer: a long prompt read in "
                                "the same batch stalls every answer being generated on that server."),)
    presets = (Preset("Near saturation", {"arrival_rate": 60.0}),)

    def start(self) -> None:
        from inferlab.pipeline.simulation import Simulation

        self.sim = Simulation(sim_config(self.values), seed=self.values["seed"])
        self.intervals: deque[dict[str, Any]] = deque()
        self.snapshots: deque[tuple[float, HistogramSnapshot, HistogramSnapshot]] = deque()
        self.points: deque[tuple[float, float | None, float | None, float, float | None]] = deque()
        self.announce_at: float | None = None
        self.announce_what = ""
        for _ in range(max(1, round(self.values["warmup_s"] / WARMUP_STEP_S))):
            self._step(WARMUP_STEP_S)

    def clock(self) -> float:
        return float(self.intervals[-1]["t"])

    def advance(self, dt: float) -> None:
        self._step(min(float(dt), MAX_DT_S))

    def control(self, changes: Mapping[str, Any]) -> None:
        self.sim.set_controls(**{_CONTROL_FIELDS[k]: v for k, v in changes.items()})
        label = self.params[next(iter(changes))].label.split(" (")[0]
        self._announce(f"After the change ({label})")

    def act(self, name: str) -> None:
        self.sim.fire_spike(multiplier=self.values["spike"], duration_s=self.values["spike_s"])
        self._announce("During the load spike")

    def _announce(self, what: str) -> None:
        self.announce_at = self.sim.engine.now + ANNOUNCE_AFTER_S
        self.announce_what = what

    def _step(self, dt: float) -> None:
        interval = self.sim.advance(dt)
        now = interval["t"]
        self.intervals.append(interval)
        while self.intervals and self.intervals[0]["t"] <= now - WINDOW_S:
            self.intervals.popleft()
        self.snapshots.append((now, self.sim.latency.snapshot(), self.sim.inference.itl_histogram().snapshot()))
        while len(self.snapshots) > 1 and self.snapshots[1][0] <= now - WINDOW_S:
            self.snapshots.popleft()
        p50, p99 = self._window_quantiles()
        self.points.append((now, p50, p99, interval["queue_depth"], self._window_itl()))
        while self.points and self.points[0][0] < now - CHART_S:
            self.points.popleft()

    def _window_quantiles(self) -> tuple[float | None, float | None]:
        """p50 and p99 latency (ms) of the requests completed in the last WINDOW_S seconds."""
        window = self.sim.latency.since(self.snapshots[0][1] if len(self.snapshots) > 1 else NO_ANSWERS)
        if window.count == 0:
            return None, None
        return window.quantile(0.50), window.quantile(0.99)

    def _window_itl(self) -> float | None:
        """p99 gap (ms) between two tokens of one answer, over the tokens of the last WINDOW_S seconds."""
        itl = self.sim.inference.itl_histogram()
        window = itl.since(self.snapshots[0][2] if len(self.snapshots) > 1 else NO_ANSWERS)
        return window.quantile(0.99)

    def _window_rates(self) -> dict[str, float | None]:
        """Rates over the intervals of the window: what every box shows."""
        span = sum(i["dt"] for i in self.intervals)
        if span <= 0:
            return {"tokens": None, "requests": None, "hit": None, "arrivals": None, "writes": None}
        tokens = sum((i["tokens_per_s"] or 0.0) * i["dt"] for i in self.intervals)
        done = sum(i["completed"] for i in self.intervals)
        hits = sum(i["stages"]["cache"]["hits"] for i in self.intervals)
        misses = sum(i["stages"]["cache"]["misses"] for i in self.intervals)
        return {"tokens": tokens / span, "requests": done / span,
                "hit": hits / (hits + misses) if hits + misses else None,
                "arrivals": sum(i["arrivals"] for i in self.intervals) / span,
                "writes": sum(i["stages"]["database"]["writes"] for i in self.intervals) / span}

    def view(self) -> View:
        last = self.intervals[-1]
        p50, p99 = self._window_quantiles()
        rates = self._window_rates()
        cache_on = self.values["cache"]
        result = {"t": last["t"], "latency_p50": p50, "latency_p99": p99, "itl_p99": self._window_itl(),
                  "queue_depth": last["queue_depth"],
                  "throughput_tokens": rates["tokens"], "throughput_requests": rates["requests"],
                  "cache_hit": rates["hit"] if cache_on else None, "capacity_rps": last.get("capacity_rps")}
        # The status line quotes p99 over the same window as the p99 metric box.
        status = describe({**self.sim.status_window, "p99_ms": p99}) if self.sim.status_window else last["status"]
        announce = None
        if self.announce_at is not None and last["t"] >= self.announce_at:
            announce = (f"{self.announce_what}: p99 latency {ms_text(p99)}, queue depth {last['queue_depth']:,}, "
                        f"{rate_text(rates['tokens'], 'tokens per second')}. {status}")
            self.announce_at = None
        pts = list(self.points)
        return View(
            result=result, status=status, level=_status_level(last), announce=announce,
            binds={**_nodes(last, rates, self.sim.status_window or {}), **_flows(last, rates, cache_on)},
            charts={"timeline": self._chart(pts)},
            tables={"timeline": Table(["t_s", "latency_p50_ms", "latency_p99_ms", "queue_depth", "token_gap_p99_ms"],
                                      [list(p) for p in pts])},
        )

    def _chart(self, pts: list[tuple[float, float | None, float | None, float, float | None]]) -> str:
        """Latency (p50, p99), queue depth and the p99 token gap over the last CHART_S seconds, as SVG."""
        t1 = pts[-1][0] if pts else CHART_S
        t0 = max(0.0, t1 - CHART_S)
        p50 = svg.Series("p50 latency", [(p[0], p[1] / 1000.0) for p in pts if p[1] is not None], "ifw-c1")
        p99 = svg.Series("p99 latency", [(p[0], p[2] / 1000.0) for p in pts if p[2] is not None], "ifw-c2")
        queue = svg.Series("queue depth", [(p[0], float(p[3])) for p in pts], "ifw-c3", area=True)
        gap = svg.Series("p99 token gap", [(p[0], p[4]) for p in pts if p[4] is not None], "ifw-c4")
        last = pts[-1] if pts else (0.0, None, None, 0, None)
        desc = (f"Over the last {t1 - t0:.0f} s: p50 latency now {ms_text(last[1])}, p99 {ms_text(last[2])}, "
                f"queue depth {last[3]:,}, p99 gap between two tokens of an answer {ms_text(last[4])}.")
        return svg.time_chart([("Latency (s)", [p50, p99]), ("Queue depth (messages)", [queue]),
                               ("Token gap (ms)", [gap])],
                              title="Latency, queue depth and token gap over time", desc=desc, x0=t0,
                              x1=max(t1, t0 + 1.0))

    def extra_html(self, view: View, widget_id: str) -> str:
        """The pipeline diagram: each stage with its live state; edges animate with traffic."""
        binds = view.binds

        def node(key: str, name: str) -> str:
            b = binds[f"node-{key}"]
            return (f'<div class="ifw-node" data-bind="node-{key}" data-level="{html.attr(b["attrs"]["data-level"])}" '
                    f'data-bottleneck="{b["attrs"]["data-bottleneck"]}">'
                    f'<span class="ifw-node__name">{html.text(name)}</span>'
                    f'<span class="ifw-node__text" data-bind="node-{key}-text">{html.text(binds[f"node-{key}-text"]["text"])}'
                    f"</span></div>")

        def edge(key: str) -> str:
            b = binds[f"flow-{key}"]
            return (f'<div class="ifw-edge" data-bind="flow-{key}" data-active="{b["attrs"]["data-active"]}" '
                    f'style="--ifw-flow: {b["vars"]["ifw-flow"]}" aria-hidden="true"></div>')

        names = dict(NODES)
        backends = "".join(f'<div class="ifw-branch">{edge(k)}{node(k, names[k])}</div>'
                           for k in ("cache", "inference", "database"))
        return (f'<div class="ifw-diagram" role="group" aria-label="Pipeline: API gateway, then a work queue, then the '
                f'orchestrator worker pool, which calls the Redis cache, the llama.cpp servers and the database">'
                f'{node("gateway", names["gateway"])}{edge("queue")}{node("queue", names["queue"])}{edge("dispatch")}'
                f'{node("workers", names["workers"])}<div class="ifw-backends">{backends}</div></div>'
                '<p class="ifw-legend"><span class="ifw-legend__key" data-level="ok"></span> under 80% busy '
                '<span class="ifw-legend__key" data-level="busy"></span> 80% or more '
                '<span class="ifw-legend__key" data-level="overloaded"></span> overloaded, queue building '
                '<span class="ifw-legend__key" data-bottleneck="true"></span> the bottleneck (the stage that caps throughput) '
                '· moving dashes: requests flowing, faster = more</p>')


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


#: The simulator's bottleneck stage -> the diagram node that stands for it.
_BOTTLENECK_NODE = {"gateway": "gateway", "workers": "workers", "inference": "inference", "database": "database",
                    "cache": "cache", "queue": "queue"}


def _nodes(last: dict[str, Any], rates: dict[str, float | None], window: dict[str, Any]) -> dict[str, dict[str, Any]]:
    st = last["stages"]
    backlog = last["queue_depth"] > 0
    q, w, inf, db = st["queue"], st["workers"], st["inference"], st["database"]
    slots_total = inf["slots_total"] or 0
    states = {
        "gateway": ("ok", f"{count_text(rates['arrivals'] or 0.0)} req/s in"),
        "queue": ("overloaded" if q["depth"] > 2 * w["total"] else ("busy" if backlog else "ok"),
                  f"{q['depth']:,} waiting · {q['in_flight']:,} in flight"),
        "workers": (_load_level(w["busy"] / w["total"] if w["total"] else None, backlog), f"{w['busy']}/{w['total']} busy"),
        "cache": (("off", "off (bypassed)") if st["cache"]["state"] != "on" else
                  ("ok", f"hit rate {percent_text(rates['hit'])} · {st['cache']['entries']:,} keys")),
        "inference": (_load_level(inf["slots_busy"] / slots_total if slots_total else None, inf["waiting"] > 0),
                      f"{inf['slots_busy']}/{slots_total} slots · {count_text(rates['tokens'] or 0.0)} tok/s"),
        "database": ("ok" if rates["writes"] else "idle", f"{count_text(rates['writes'] or 0.0)} writes/s"),
    }
    bottleneck = _BOTTLENECK_NODE.get(str(window.get("bottleneck") or last.get("bottleneck") or ""))
    out: dict[str, dict[str, Any]] = {}
    for key, (level, shown) in states.items():
        out[f"node-{key}"] = {"attrs": {"data-level": level, "data-bottleneck": "true" if key == bottleneck else "false"}}
        out[f"node-{key}-text"] = {"text": shown + (" · bottleneck" if key == bottleneck else "")}
    return out


def _flows(last: dict[str, Any], rates: dict[str, float | None], cache_on: bool) -> dict[str, dict[str, Any]]:
    """Each animated edge: seconds per dash cycle (0 = still), faster with more traffic."""
    def speed(rps: float | None) -> float:
        if not rps or rps <= 0:
            return 0.0
        return round(max(0.25, min(3.0, 2.4 / (1.0 + math.log1p(rps)))), 2)

    arriving = rates["arrivals"]
    done = rates["requests"]
    seconds = {"in": speed(arriving), "queue": speed(arriving), "dispatch": speed(done),
               "cache": speed(done) if cache_on else 0.0, "inference": speed(done), "database": speed(done)}
    return {f"flow-{k}": {"attrs": {"data-active": "true" if s > 0 else "false"}, "vars": {"ifw-flow": f"{s}s"}}
            for k, s in seconds.items()}


def capacity_rps(values: dict[str, Any]) -> float:
    """Requests/s the pipeline with these inputs can sustain (its bottleneck stage), per the simulator."""
    from inferlab.pipeline.simulation import Simulation

    sim = Simulation(sim_config(values), seed=values["seed"])
    return float(sim.advance(1.0)["capacity_rps"])
