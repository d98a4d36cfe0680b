"""inferlab.ui.prose: numbers in prose come from the core, formatted as the widget shows them."""

from __future__ import annotations

import pytest

from inferlab.inputs import InputError
from inferlab.llamacpp.calculator import memory_report
from inferlab.ui.prose import evaluate
from inferlab.units import size_text


def test_a_metric_with_the_widgets_own_format() -> None:
    value, text = evaluate("quant.file_bytes model=llama-3-8b quant=Q8_0")
    report = memory_report(model="llama-3-8b", quant="Q8_0", hardware="rtx-4090", gpu_layers=99)
    assert value == report["file_bytes"] and text == size_text(report["file_bytes"]) == "7.95 GiB"


def test_any_result_key_with_an_explicit_format() -> None:
    value, text = evaluate("quant.kv_cache_bytes_per_token   model=llama-3-8b | bytes")
    assert value == 131072 and text == "128.0 KiB"


@pytest.mark.parametrize(("call", "field"), [
    ("quant", "number"),
    ("gauge.x", "widget"),
    ("quant.file_bytes model=nope", "model"),
    ("quant.file_bytes colour=red", "colour"),
    ("quant.no_such_metric", "quant.no_such_metric"),
    ("quant.file_bytes | furlongs", "format"),
    ("quant.nothing | bytes", "quant.nothing"),
])
def test_bad_calls_name_what_is_wrong(call: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        evaluate(call)
    assert info.value.field == field and "allowed" in str(info.value)
