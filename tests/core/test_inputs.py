"""The one input-error type and the one declaration of an input."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inferlab.inputs import (InputError, Param, Params, check_choice, check_int, check_number, parse_lines,
                             quote)

WORKERS = Param("workers", "int", 32, "Workers", low=1, high=256, unit="processes")
RATE = Param("rate", "float", 2.0, low=0, high=10, low_open=True, unit="req/s")
CACHE = Param("cache", "bool", True)
KIND = Param("kind", "choice", "a", choices=("Alpha", "beta"))
VRAM = Param("vram_gib", "float", None, low=0, high=1024, low_open=True, optional=True, none_means="the GPU's own")
CTX = Param("ctx", "int", 4096, low=1, high=131072, suffixes="binary", unit="tokens")


def test_one_message_format():
    err = WORKERS.error(0)
    assert str(err) == "workers: 0 is not allowed; allowed: an integer from 1 to 256 (processes)"
    assert (err.field, err.value, err.short()) == ("workers", 0, "0 is not allowed; allowed: an integer from 1 to 256 (processes)")
    assert isinstance(err, ValueError)
    assert str(RATE.error(0)) == "rate: 0 is not allowed; allowed: a number above 0 to 10 (req/s)"
    assert "or empty for the GPU's own" in VRAM.allowed()


@pytest.mark.parametrize("param, text, expected", [
    (WORKERS, "16", 16), (WORKERS, " 16 ", 16), (WORKERS, 16.0, 16), (WORKERS, "1_6", 16),
    (RATE, "2.5", 2.5), (RATE, 10, 10.0), (CACHE, "off", False), (CACHE, "ON", True), (CACHE, True, True),
    (KIND, "alpha", "Alpha"), (KIND, "beta", "beta"), (VRAM, "", None), (VRAM, "auto", None), (VRAM, None, None),
    (VRAM, "24", 24.0), (CTX, "8k", 8192), (CTX, "128k", 131072), (CTX, "8192", 8192), (CTX, "131,072", 131072),
])
def test_parse_text_and_typed(param, text, expected):
    assert param.parse(text) == expected
    assert type(param.parse(text)) is type(expected)


@pytest.mark.parametrize("param, bad", [
    (WORKERS, 0), (WORKERS, 257), (WORKERS, 1.5), (WORKERS, "nan"), (WORKERS, "inf"), (WORKERS, True),
    (WORKERS, "1e400"), (WORKERS, 10**400), (WORKERS, None), (WORKERS, []), (WORKERS, {"__proto__": 1}),
    (WORKERS, "x" * 100_000), (RATE, 0), (RATE, math.nan), (RATE, -1e308), (CACHE, "maybe"), (CACHE, 1),
    (KIND, "gamma"), (KIND, 3), (CTX, "8q"), (CTX, "0.0005k"), (VRAM, "0"),
])
def test_bad_values_name_field_value_and_allowed(param, bad):
    with pytest.raises(InputError) as info:
        param.parse(bad)
    err = info.value
    assert err.field == param.name
    assert err.value is bad or err.value == bad.strip()
    assert str(err).startswith(f"{param.name}: ") and "; allowed: " in str(err)
    assert len(str(err)) < 400  # a huge value is quoted short


def test_quote_shortens():
    assert len(quote("x" * 1000)) == 60 and quote("x" * 1000).endswith("…")


def test_params_parse_defaults_unknown_repeated_and_lines():
    params = Params([WORKERS, CACHE])
    assert params.parse({}) == {"workers": 32, "cache": True}
    assert params.parse({"workers": "8"}) == {"workers": 8, "cache": True}
    with pytest.raises(InputError, match=r"^wrkers: 'wrkers' is not a known option; allowed: workers, cache$"):
        params.parse({"wrkers": 1})
    with pytest.raises(InputError) as info:
        params.parse([(3, "workers", "2"), (5, "workers", "3")])
    assert info.value.line == 5 and info.value.reason == "is repeated"
    with pytest.raises(InputError) as info:
        params.parse(parse_lines("cache: on\n\nworkers: 999  # too many\n"))
    assert info.value.line == 3 and info.value.field == "workers"


def test_parse_each_keeps_good_values():
    params = Params([WORKERS, CACHE])
    values, errors = params.parse_each({"workers": "oops", "cache": "off", "stale": 1}, params.defaults())
    assert values == {"workers": 32, "cache": False}
    assert list(errors) == ["workers"] and errors["workers"].value == "oops"


def test_parse_lines_rejects_malformed():
    with pytest.raises(InputError) as info:
        parse_lines("a: 1\nnot a pair\n")
    assert info.value.line == 2


def test_text_round_trips():
    for param, value in [(WORKERS, 16), (RATE, 2.5), (CACHE, False), (KIND, "beta"), (VRAM, None), (RATE, 0.1)]:
        assert param.parse(param.text(value)) == value


def test_typed_checks():
    assert check_int("n", 3.0, 1, 10) == 3
    with pytest.raises(InputError, match=r"^n: '3' is not allowed"):
        check_int("n", "3", 1, 10)
    with pytest.raises(InputError, match=r"^x: nan is not allowed; allowed: a number above 0"):
        check_number("x", math.nan, 0, low_open=True)
    with pytest.raises(InputError, match=r"^kind: 'c' is not allowed; allowed: a, b$"):
        check_choice("kind", "c", ["a", "b"])


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=300),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))
def test_any_value_parses_or_is_an_input_error(value):
    for param in (WORKERS, RATE, CACHE, KIND, VRAM, CTX):
        try:
            out = param.parse(value)
        except InputError as err:
            assert err.field == param.name
        else:
            if isinstance(out, float):
                assert math.isfinite(out)


def test_suffixes_in_units_of_per():
    billions = Param("params_b", "float", 7.0, low=0.05, high=2000, suffixes=True, per=1e9)
    assert billions.parse("70B") == 70.0 and billions.parse("70") == 70.0 and billions.parse("500M") == 0.5
