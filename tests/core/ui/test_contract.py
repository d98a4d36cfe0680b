"""The widget contract, checked for every registered widget (a new widget is covered without a test of its own).

A widget must render with the data attributes the browser driver binds to,
give each input a labelled control, report a bad value next to its field and
keep its last good state, produce finite JSON frames, show formulas that
equal its numbers, and answer on the command line with the same numbers.
"""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from typing import Any

import pytest

from inferlab.cli import main
from inferlab.inputs import Param
from inferlab.ui import render_widget, widget_class, widget_names
from inferlab.ui.frame import explain, make_frame
from inferlab.ui.render import parse_block
from inferlab.ui.session import handle
from inferlab.ui.widget import Animated

WIDGETS = widget_names()
#: Starting options that keep animated widgets quick in tests.
FAST = {"pipeline": {"warmup_s": 5}, "paged": {"n_requests": 40, "warmup": 50}}


def _block(name: str) -> str:
    return "\n".join(f"{k}: {v}" for k, v in FAST.get(name, {}).items())


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[dict[str, Any]] = []
        self.text: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append({"tag": tag, **dict(attrs)})
        self._open.append(dict(attrs).get("id") or "")

    def handle_data(self, data: str) -> None:
        for key in self._open:
            if key:
                self.text[key] = self.text.get(key, "") + data

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()


@pytest.fixture(scope="module", params=WIDGETS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, _Page]:
    name = request.param
    page = _Page()
    page.feed(render_widget(name, _block(name), widget_id=f"ifw-{name}", key=name))
    return name, page


def test_root_carries_the_contract_attributes(rendered: tuple[str, _Page]) -> None:
    name, page = rendered
    root = page.tags[0]
    cls = widget_class(name)
    assert root["tag"] == "section" and root["data-widget"] == name and root["data-state"] == "static"
    assert root["data-key"] == name and root["data-kind"] == cls.kind
    assert json.loads(root["data-options"]) == cls.parse(FAST.get(name, {}))
    metrics = [t["data-metric"] for t in page.tags if t.get("data-metric")]
    assert set(metrics) == {m.key for m in cls.metrics}
    ids = [t["id"] for t in page.tags if t.get("id")]
    assert len(ids) == len(set(ids)), "duplicate element ids"


def test_every_control_is_labelled(rendered: tuple[str, _Page]) -> None:
    name, page = rendered
    cls = widget_class(name)
    controls = [t for t in page.tags if t["tag"] in ("input", "select") and t.get("name")
                and not t.get("class", "").startswith("ifw-preset")]
    assert sorted(t["name"] for t in controls) == sorted(cls.control_names())
    labels = {t.get("for") for t in page.tags if t["tag"] == "label"}
    for t in controls:
        assert t["id"] in labels, f"{t['name']} has no label"
    for action in cls.actions:
        assert any(t.get("data-action") == action.name for t in page.tags)


def _bad_value(param: Param) -> Any:
    if param.kind in ("int", "float"):
        return "NaN" if param.high is None else param.high * 10 + 1
    if param.kind == "bool":
        return "maybe"
    return "<no such choice>"


@pytest.mark.parametrize("name", WIDGETS)
def test_a_bad_value_is_reported_next_to_its_field_and_the_last_good_state_stays(name: str) -> None:
    cls = widget_class(name)
    wid = f"contract-{name}#1"
    good = json.loads(handle("start", json.dumps({"id": wid, "widget": name, "start": FAST.get(name, {})})))
    for param_name in cls.control_names():
        param = cls.params[param_name]
        bad = _bad_value(param)
        frame = json.loads(handle("update", json.dumps({"id": wid, "values": {param_name: bad}})))
        assert param_name in frame["errors"], f"{param_name}={bad!r} was accepted"
        assert repr(bad)[:20] in frame["errors"][param_name], "the message names the bad value"
        assert frame["options"] == good["options"]
    handle("stop", json.dumps({"id": wid}))


def _states(name: str) -> list[Any]:
    cls = widget_class(name)
    block = parse_block(name, _block(name))
    return [cls(block.values), *(cls(p.values) for p in block.presets)]


@pytest.mark.parametrize("name", WIDGETS)
def test_frames_are_finite_json_and_formulas_equal_the_numbers(name: str) -> None:
    for widget in _states(name):
        view = widget.view()
        frame = make_frame(widget, view)
        json.dumps(frame, allow_nan=False)
        env = view.env if view.env is not None else view.result
        shown = explain(widget, view)
        assert len(shown) == len(widget.formulas), "a formula does not apply to this state"
        for formula in widget.formulas:
            value = formula.evaluate(env)
            assert math.isclose(value, view.result[formula.key], rel_tol=1e-9, abs_tol=1e-9), formula.key


@pytest.mark.parametrize("name", WIDGETS)
def test_cli_json_equals_the_widget_numbers(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    cls = widget_class(name)
    for widget in _states(name)[:2]:
        argv = [cls.command_name(), "--json"]
        for p in cls.params:
            if widget.values[p.name] is not None:
                argv += [p.cli_flag(), p.text(widget.values[p.name])]
        assert main(argv) == 0
        printed = json.loads(capsys.readouterr().out)
        frame = make_frame(widget, widget.view())
        for key, metric in frame["metrics"].items():
            assert printed[key] == metric["value"], key


@pytest.mark.parametrize("name", WIDGETS)
def test_animated_widgets_advance_and_act(name: str) -> None:
    widget = _states(name)[0]
    if not isinstance(widget, Animated):
        pytest.skip("a calculator")
    t0 = widget.clock()
    widget.advance(0.5)
    assert widget.clock() == pytest.approx(t0 + 0.5)
    for action in widget.actions:
        widget.act(action.name)
        json.dumps(make_frame(widget, widget.view()), allow_nan=False)
