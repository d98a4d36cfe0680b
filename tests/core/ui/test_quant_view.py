"""inferlab.ui.quant_view: the calculator widget shows the calculator's own numbers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from inferlab.llamacpp.calculator import memory_report
from inferlab.ui import render_widget, validate_options
from inferlab.ui.quant_options import calculator_kwargs, cli_args
from inferlab.ui.quant_view import frame

CASES = [
    {},
    {"quant": "Q8_0", "ctx": 8192},
    {"model": "mistral-7b", "quant": "Q5_K_M", "gpu_layers": 20, "kv_type": "q8_0"},
    {"hardware": "ddr5-desktop", "gpu_layers": 0, "ram_gib": 32},
    {"model": "custom", "params_b": 13, "n_layers": 40, "vram_gib": 12},
]


@pytest.mark.parametrize("given", CASES)
def test_frame_numbers_are_memory_report(given: dict) -> None:
    values = validate_options("quant", given)
    report = memory_report(**calculator_kwargs(values))
    m = frame(values)["metrics"]
    assert m["file_size"]["value"] == report["file_bytes"]
    assert m["total_memory"]["value"] == report["total_bytes"]
    assert m["decode_speed"]["value"] == report["decode_tokens_per_s"]
    assert m["fits"]["value"] is report["fits"]


def test_cli_args_cover_every_keyword() -> None:
    values = validate_options("quant", {"model": "custom", "params_b": 13, "n_layers": 40, "vram_gib": 12})
    args = cli_args(values)
    assert args[:2] == ["--model", "custom"] and "--params" in args and "--layers" in args and "--vram-gib" in args


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[dict[str, str | None]] = []
        self.labels: list[str] = []
        self._in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.append({"tag": tag, **dict(attrs)})
        self._in_label = tag in ("label", "button", "legend")

    def handle_data(self, data: str) -> None:
        if self._in_label:
            self.labels.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_label = False


def test_static_html_follows_the_contract() -> None:
    page = _Collect()
    page.feed(render_widget("quant", {"quant": "Q4_K_M"}, "ifw-quant-1"))
    root = page.attrs[0]
    assert root["data-widget"] == "quant" and root["data-state"] == "static" and root["id"] == "ifw-quant-1"
    metrics = {a["data-metric"] for a in page.attrs if a.get("data-metric")}
    assert {"file_size", "total_memory", "decode_speed"} <= metrics
    labels = " ".join(page.labels)
    for word in ("Model", "Quantization"):
        assert word in labels
    ids = [a["id"] for a in page.attrs if a.get("id")]
    assert len(ids) == len(set(ids))
    for a in page.attrs:
        if a["tag"] in ("input", "select"):
            assert any(b.get("for") == a["id"] for b in page.attrs), f"{a['name']} has no label"


def test_bad_combination_raises_value_error_naming_the_field() -> None:
    with pytest.raises(ValueError, match="ctx"):
        frame(validate_options("quant", {"ctx": 100_000}))
