"""inferlab.ui.render: widget blocks -> static HTML, presets included (runs in Pyodide too)."""

from __future__ import annotations

import pytest

from inferlab.inputs import InputError
from inferlab.ui import parse_block, render_widget, widget_names


def test_the_two_platform_widgets_are_discovered() -> None:
    assert {"pipeline", "quant"} <= set(widget_names())


@pytest.mark.parametrize(("widget", "text", "expected"), [
    ("pipeline", "workers: 8\narrival_rate: 120\ncache: on", {"workers": 8, "arrival_rate": 120.0, "cache": True}),
    ("pipeline", "cache: OFF", {"cache": False}),
    ("pipeline", "workers: 1_0", {"workers": 10}),
    ("quant", "quant: q5_k_m\nctx: 8192", {"quant": "Q5_K_M", "ctx": 8192}),
    ("quant", "ctx: 8k", {"ctx": 8192}),
    ("quant", "vram_gib: 12.5", {"vram_gib": 12.5}),
    ("quant", "vram_gib: auto", {"vram_gib": None}),
])
def test_valid_blocks(widget: str, text: str, expected: dict) -> None:
    values = parse_block(widget, text).values
    for key, value in expected.items():
        assert values[key] == value
        assert type(values[key]) is type(value)  # noqa: E721


@pytest.mark.parametrize(("widget", "text", "line", "field", "message"), [
    ("quant", "ctx: 4096\nquant: Q9", 2, "quant", "quant: 'Q9' is not allowed; allowed: F32, F16"),
    ("quant", "colour: red", 1, "colour", "colour: 'colour' is not a known option; allowed: model, params"),
    ("pipeline", "workers: 0", 1, "workers", "workers: '0' is not allowed; allowed: an integer from 1 to 256"),
    ("pipeline", "workers: 2.5", 1, "workers", "an integer from 1 to 256"),
    ("pipeline", "cache: maybe", 1, "cache", "cache: 'maybe' is not allowed; allowed: on or off"),
    ("pipeline", "arrival_rate: nan", 1, "arrival_rate", "a number from 0.5 to 200"),
    ("pipeline", "workers: 4\nworkers: 8", 2, "workers", "workers: '8' is repeated"),
    ("pipeline", "workers 4", 1, "line", "is not 'option: value'"),
    ("pipeline", "preset: no bar", 1, "preset", "'Label | name=value, name=value'"),
    ("pipeline", "preset: Busy | workers=0", 1, "workers", "workers: '0' is not allowed"),
    ("pipeline", "presets: maybe", 1, "presets", "off"),
])
def test_bad_blocks_name_field_value_allowed_and_line(widget: str, text: str, line: int, field: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_block(widget, text)
    assert message in str(info.value)
    assert (info.value.line, info.value.field) == (line, field)


def test_unknown_widget_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"^widget: 'chart' is not a known widget; allowed: .*pipeline, quant"):
        parse_block("chart", "")


def test_presets_from_the_block_replace_the_declared_ones() -> None:
    block = parse_block("quant", "ctx: 8192\npreset: 70B on an H100 | model=llama-3-70b, hardware=h100-pcie")
    assert [p.label for p in block.presets] == ["70B on an H100"]
    assert block.presets[0].values["ctx"] == 8192 and block.presets[0].values["model"] == "llama-3-70b"
    assert parse_block("quant", "presets: off").presets == ()
    assert len(parse_block("quant", "").presets) >= 1


def test_each_preset_is_prerendered_with_its_own_numbers() -> None:
    html = render_widget("quant", "preset: Big | model=llama-3-70b", widget_id="ifw-quant", key="quant")
    assert html.count('data-panel="') == 2 and 'type="radio"' in html
    first, second = html.split('data-panel="1"')
    value = 'data-metric="file_bytes" data-value="'
    assert first.split(value)[1].split('"')[0] != second.split(value)[1].split('"')[0]


def test_author_text_is_escaped_in_preset_labels() -> None:
    html = render_widget("quant", 'preset: <script>alert(1)</script> "x" | ctx=8192', widget_id="ifw-q", key="q")
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_each_widget_of_a_kind_on_a_page_has_its_own_name() -> None:
    assert "llama.cpp quantization calculator</h3>" in render_widget("quant", "", widget_id="ifw-quant", key="quant")
    second = render_widget("quant", "", widget_id="ifw-quant-2", key="quant-2")
    assert "llama.cpp quantization calculator (2)</h3>" in second
    assert 'aria-label="llama.cpp quantization calculator (2) settings"' in second
    named = render_widget("quant", "title: 70B on two GPUs", widget_id="ifw-quant-3", key="quant-3")
    assert ">70B on two GPUs</h3>" in named
    with pytest.raises(InputError) as info:
        parse_block("quant", "title: a\ntitle: b")
    assert info.value.field == "title" and info.value.line == 2
