"""inferlab.ui.session: the worker's fixed verbs, JSON in and out."""

from __future__ import annotations

import json

import pytest

from inferlab.inputs import InputError
from inferlab.ui.session import handle


def call(verb: str, **payload: object) -> dict:
    return json.loads(handle(verb, json.dumps(payload)))


def test_calculator_update_reports_bad_fields_and_keeps_good_values() -> None:
    frame = call("start", id="q-test#1", widget="quant", start={}, values={"quant": "Q8_0", "ctx": "abc"})
    assert frame["options"]["quant"] == "Q8_0" and frame["options"]["ctx"] == 4096
    assert "'abc' is not allowed" in frame["errors"]["ctx"]
    frame = call("update", id="q-test#1", values={"ctx": "999999"})
    assert "ctx" in frame["errors"] and frame["options"]["quant"] == "Q8_0" and frame["options"]["ctx"] == 4096
    frame = call("update", id="q-test#1", values={"ctx": "8192"})
    assert frame["errors"] == {} and frame["options"]["ctx"] == 8192


def test_animated_lifecycle() -> None:
    frame = call("start", id="p-test#1", widget="pipeline", start={"warmup_s": 10},
                 values={"workers": "32", "bogus": "1"})
    assert frame["options"]["workers"] == 32 and frame["errors"] == {}
    t0 = frame["result"]["t"]
    frame = call("advance", id="p-test#1", dt=0.5)
    assert frame["result"]["t"] == pytest.approx(t0 + 0.5)
    frame = call("update", id="p-test#1", values={"workers": "0", "cache": False})
    assert "workers" in frame["errors"] and frame["options"]["cache"] is False
    assert call("action", id="p-test#1", name="spike")["metrics"]
    with pytest.raises(InputError, match="^action: 'eval' is not allowed; allowed: spike$"):
        call("action", id="p-test#1", name="eval")
    exported = call("export", id="p-test#1")
    assert json.loads(exported["json"])["widget"] == "pipeline"
    assert exported["csv"]["timeline"].startswith("t_s,latency_p50_ms")
    assert call("stop", id="p-test#1") == {}
    with pytest.raises(InputError, match="has no running widget"):
        call("advance", id="p-test#1", dt=0.1)


def test_restarting_on_a_non_live_input() -> None:
    call("start", id="p-seed#1", widget="pipeline", start={"warmup_s": 5})
    frame = call("update", id="p-seed#1", values={"replicas": 2})
    assert frame["options"]["replicas"] == 2 and frame["result"]["t"] == pytest.approx(5.0)


def test_two_instances_of_one_widget_keep_their_own_state() -> None:
    call("start", id="a#1", widget="quant", start={}, values={"quant": "Q8_0"})
    call("start", id="b#2", widget="quant", start={}, values={"quant": "Q2_K"})
    assert call("update", id="a#1", values={})["options"]["quant"] == "Q8_0"
    assert call("update", id="b#2", values={})["options"]["quant"] == "Q2_K"


@pytest.mark.parametrize(("verb", "payload", "field"), [
    ("eval", "{}", "verb"),
    ("start", "[]", "payload"),
    ("start", "not json", "payload"),
    ("start", "[" * 100_000, "payload"),
    ("start", "[" * 2_000_000, "payload"),
    ("start", json.dumps({"id": "x", "widget": "nope"}), "widget"),
    ("start", json.dumps({"id": "", "widget": "quant"}), "id"),
    ("start", json.dumps({"id": "x", "widget": "quant", "values": [1]}), "values"),
    ("start", json.dumps({"id": "x", "widget": "quant", "start": {"ctx": 0}}), "ctx"),
    ("advance", json.dumps({"id": "never"}), "id"),
])
def test_bad_payloads_are_input_errors(verb: str, payload: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        handle(verb, payload)
    assert info.value.field == field


def test_advance_rejects_bad_dt_and_calculators_do_not_run() -> None:
    call("start", id="q#9", widget="quant", start={})
    with pytest.raises(InputError, match="does not run"):
        call("advance", id="q#9", dt=0.1)
    call("start", id="p#9", widget="pipeline", start={"warmup_s": 5})
    for bad in (-1, None, "1", True):
        with pytest.raises(InputError, match="^dt: "):
            call("advance", id="p#9", dt=bad)


def test_describe() -> None:
    d = call("describe", widget="quant")
    assert d["kind"] == "calculator" and {i["name"] for i in d["inputs"]} >= {"model", "quant", "ctx"}


def test_deeply_nested_payloads_are_refused_before_parsing() -> None:
    with pytest.raises(InputError, match="brackets"):
        handle("start", "[" * 5_000 + "]" * 5_000)
