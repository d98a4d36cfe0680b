"""inferlab.ui.options: block parsing and option validation (runs in Pyodide too)."""

from __future__ import annotations

import pytest

from inferlab.ui import OptionError, describe, parse_block, validate_options, widget_names


def test_widget_names() -> None:
    assert widget_names() == ["pipeline", "quant"]


def test_parse_block_skips_blank_lines_and_comments() -> None:
    text = "workers: 8\n\n# a comment\narrival_rate: 120  # req/s\ncache: on\n"
    assert parse_block(text) == [(1, "workers", "8"), (4, "arrival_rate", "120"), (5, "cache", "on")]


@pytest.mark.parametrize("line", ["workers 8", "workers:", ": 8"])
def test_parse_block_rejects_malformed_lines(line: str) -> None:
    with pytest.raises(OptionError, match="is not 'option: value'") as info:
        parse_block(f"cache: on\n{line}")
    assert info.value.line == 2


@pytest.mark.parametrize(("widget", "text", "expected"), [
    ("pipeline", "workers: 8\narrival_rate: 120\ncache: on", {"workers": 8, "arrival_rate": 120.0, "cache": True}),
    ("pipeline", "cache: OFF", {"cache": False}),
    ("pipeline", "workers: 1_0", {"workers": 10}),
    ("quant", "quant: q5_k_m\nctx: 8192", {"quant": "Q5_K_M", "ctx": 8192}),
    ("quant", "vram_gib: 12.5", {"vram_gib": 12.5}),
])
def test_valid_blocks(widget: str, text: str, expected: dict) -> None:
    values = validate_options(widget, parse_block(text))
    for key, value in expected.items():
        assert values[key] == value
        assert type(values[key]) is type(value)


@pytest.mark.parametrize(("widget", "text", "line", "message"), [
    ("quant", "ctx: 4096\nquant: Q9", 2, "widget quant: option 'quant': 'Q9' is not allowed; allowed: F32, F16"),
    ("quant", "colour: red", 1, "widget quant: unknown option 'colour'; allowed: model, params_b"),
    ("pipeline", "workers: 0", 1, "option 'workers': '0' is not allowed; allowed: an integer from 1 to 256"),
    ("pipeline", "workers: 2.5", 1, "an integer from 1 to 256"),
    ("pipeline", "cache: maybe", 1, "option 'cache': 'maybe' is not allowed; allowed: on, off"),
    ("pipeline", "arrival_rate: nan", 1, "a number from 0.5 to 200"),
    ("pipeline", "workers: 4\nworkers: 8", 2, "option 'workers': '8' is repeated"),
])
def test_bad_values_name_option_value_and_allowed(widget: str, text: str, line: int, message: str) -> None:
    with pytest.raises(OptionError) as info:
        validate_options(widget, parse_block(text))
    assert message in str(info.value)
    assert info.value.line == line


def test_unknown_widget_lists_the_known_ones() -> None:
    with pytest.raises(OptionError, match=r"widget 'chart' is not allowed; allowed: pipeline, quant"):
        validate_options("chart", {})


def test_empty_number_means_the_default() -> None:
    assert validate_options("quant", {"vram_gib": "", "n_layers": " "})["vram_gib"] == 0.0


def test_defaults_are_valid_values() -> None:
    for widget in widget_names():
        for option in describe(widget):
            validate_options(widget, {option["name"]: option["default"]})


def test_partial_validation_returns_only_given_options() -> None:
    assert validate_options("pipeline", {"workers": "12"}, partial=True) == {"workers": 12}
