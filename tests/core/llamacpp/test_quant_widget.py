"""inferlab.llamacpp.widget: the calculator widget shows the calculator's own numbers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from inferlab.inputs import InputError
from inferlab.llamacpp.calculator import memory_report
from inferlab.llamacpp.widget import QuantWidget, calculator_kwargs
from inferlab.ui import render_widget
from inferlab.ui.frame import make_frame


def frame(values: dict) -> dict:
    widget = QuantWidget(values)
    return make_frame(widget, widget.view())

CASES = [
    {},
    {"quant": "Q8_0", "ctx": 8192},
    {"model": "mistral-7b", "quant": "Q5_K_M", "gpu_layers": 20, "kv_type": "q8_0"},
    {"hardware": "ddr5-desktop", "gpu_layers": 0, "ram_gib": 32},
    {"model": "custom", "params": 13e9, "n_layers": 40, "vram_gib": 12, "hardware": "rtx-4090"},
    {"model": "custom", "params": "13B"},
]


@pytest.mark.parametrize("given", CASES)
def test_frame_numbers_are_memory_report(given: dict) -> None:
    values = QuantWidget.parse(given)
    report = memory_report(**calculator_kwargs(values))
    m = frame(values)["metrics"]
    for key in ("file_bytes", "total_bytes", "decode_tokens_per_s", "max_ctx_that_fits"):
        assert m[key]["value"] == report[key]
    assert m["fits"]["value"] is report["fits"]


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
    page.feed(render_widget("quant", {"quant": "Q4_K_M"}, widget_id="ifw-quant-2", key="quant-2"))
    root = page.attrs[0]
    assert root["data-widget"] == "quant" and root["data-state"] == "static" and root["id"] == "ifw-quant-2"
    assert root["data-key"] == "quant-2"
    metrics = {a["data-metric"] for a in page.attrs if a.get("data-metric")}
    assert {"file_bytes", "total_bytes", "decode_tokens_per_s"} <= metrics
    labels = " ".join(page.labels)
    for word in ("Model", "Quantization"):
        assert word in labels
    ids = [a["id"] for a in page.attrs if a.get("id")]
    assert len(ids) == len(set(ids))
    for a in page.attrs:
        if a["tag"] in ("input", "select"):
            assert any(b.get("for") == a["id"] for b in page.attrs), f"{a['name']} has no label"


def test_bad_combination_raises_an_input_error_naming_the_field() -> None:
    with pytest.raises(InputError) as info:
        frame(QuantWidget.parse({"ctx": 100_000}))
    assert info.value.field == "ctx"


def test_an_empty_gib_field_shows_the_hardware_size_as_placeholder() -> None:
    html = render_widget("quant", {"hardware": "rtx-3090"}, widget_id="ifw-q", key="q")
    field = html.split('name="vram_gib"')[1].split(">")[0]
    assert 'value=""' in field and 'placeholder="24 (hardware)"' in field
