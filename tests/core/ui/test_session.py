"""inferlab.ui.session: the worker's JSON entry point."""

from __future__ import annotations

import json

import pytest

from inferlab.ui.session import handle


def call(fn: str, **payload: object) -> dict:
    return json.loads(handle(fn, json.dumps(payload)))


def test_quant_update_reports_bad_fields_and_keeps_good_values() -> None:
    frame = call("quant_update", id="q-test", start={}, values={"quant": "Q8_0", "ctx": "abc"})
    assert frame["options"]["quant"] == "Q8_0"
    assert "ctx" in frame["errors"] and "allowed" in frame["errors"]["ctx"]
    frame = call("quant_update", id="q-test", start={}, values={"ctx": "999999"})
    assert "ctx" in frame["errors"] and frame["options"]["quant"] == "Q8_0"


def test_pipeline_lifecycle() -> None:
    start = {"warmup_s": 10}
    frame = call("pipeline_start", id="p-test", start=start, values={"workers": "32", "bogus": "1"})
    assert frame["options"]["workers"] == 32 and frame["errors"] == {}
    t0 = frame["t"]
    frame = call("pipeline_advance", id="p-test", dt=0.5)
    assert frame["t"] == pytest.approx(t0 + 0.5)
    frame = call("pipeline_control", id="p-test", values={"workers": "0", "cache": False})
    assert "workers" in frame["errors"] and frame["options"]["cache"] is False
    assert call("pipeline_spike", id="p-test")["metrics"]
    assert call("pipeline_stop", id="p-test") == {}
    with pytest.raises(ValueError, match="no running pipeline"):
        call("pipeline_advance", id="p-test", dt=0.1)


def test_unknown_function_is_rejected() -> None:
    with pytest.raises(ValueError, match="fn: 'eval'"):
        handle("eval", "{}")
