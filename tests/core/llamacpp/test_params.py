"""The calculator's input declarations: one per input, and the calculator validates with them."""

import inspect

import pytest

from inferlab.inputs import InputError, Param
from inferlab.llamacpp import calculator as c
from inferlab.llamacpp.params import PARAMS

SHAPE_KEYWORDS = {"custom_shape"}


@pytest.mark.parametrize("fn", [c.memory_report, c.speed_report, c.compare_quants])
def test_every_keyword_is_declared(fn):
    names = {p for p in inspect.signature(fn).parameters if p not in SHAPE_KEYWORDS}
    assert names <= set(PARAMS.names())


@pytest.mark.parametrize("param", list(PARAMS), ids=lambda p: p.name)
def test_declarations_are_complete(param: Param):
    assert param.label and (param.help or param.source or param.kind == "choice" or param.unit)
    if param.kind in ("int", "float"):
        assert param.low is not None and param.high is not None and param.unit
    if param.optional:
        assert param.none_means
    assert param.parse(param.default) == param.default or param.default is None


def test_defaults_follow_llama_cpp():
    assert PARAMS["flash_attn"].default == "auto" and "common.h" in PARAMS["flash_attn"].source
    assert PARAMS["gpu_layers"].default is None and "auto-fit" in PARAMS["gpu_layers"].none_means
    assert PARAMS["gpus"].default == 1 and "LLAMA_SPLIT_MODE_LAYER" in PARAMS["gpus"].source


@pytest.mark.parametrize("name,text,value", [
    ("ctx", "8k", 8192), ("params", "70B", 70e9), ("depth", "32k", 32768), ("flash_attn", "ON", "on"),
    ("quant", "q4_k", "Q4_K"), ("gpu_layers", "auto", None), ("hardware", "RTX-4090", "rtx-4090"),
])
def test_text_forms(name, text, value):
    assert PARAMS[name].parse(text) == value


def test_errors_name_the_field():
    with pytest.raises(InputError) as info:
        PARAMS["batch"].parse(0)
    assert info.value.field == "batch" and "from 1 to 4096" in str(info.value)
