"""Config: one Param per field, and every error names the field, the value and what is allowed."""

import dataclasses
import math

import pytest

from inferlab.inputs import InputError, Param
from inferlab.pipeline.config import (CONTROL_FIELDS, FIELDS, PARAMS, RUN_PARAMS, Config, check_interval,
                                      check_seconds, check_seed, make_config, replace_controls, to_dict,
                                      validate_field)


def test_defaults_are_valid_and_round_trip():
    cfg = make_config()
    assert cfg == Config()
    assert make_config(to_dict(cfg)) == cfg
    assert make_config({"workers": 3.0}).workers == 3  # an integral float is fine (JSON)
    assert make_config({"quant": "q4_k_m", "model": "LLAMA-3-8B", "hardware": "rtx-4090"}).quant == "Q4_K_M"


def test_one_param_per_field_with_its_default_and_words():
    assert PARAMS.names() == list(FIELDS) == [f.name for f in dataclasses.fields(Config)]
    for field in dataclasses.fields(Config):
        param = PARAMS[field.name]
        assert isinstance(param, Param) and field.default == param.default
        assert param.label and param.help and param.source, field.name
        if param.kind in ("int", "float"):
            assert param.low is not None and param.high is not None, field.name
            if param.default is not None:
                assert param.parse(param.default) == param.default  # the default is allowed
        if param.ui_low is not None or param.ui_high is not None:
            assert param.low <= param.ui_low < param.ui_high <= param.high, field.name
            assert param.ui_low <= param.default <= param.ui_high, field.name
    assert set(RUN_PARAMS.names()) == {"seed", "duration", "warmup", "interval", "dt"}


def test_workers_default_is_one_per_slot():
    """One default for workers: replicas x slots, so neither the pool nor the slots sit idle by design."""
    cfg = Config()
    assert cfg.workers == cfg.replicas * cfg.slots == 64


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("workers", 0, "an integer from 1 to 1024 (orchestrator processes)"),
        ("workers", 2.5, "an integer from 1 to 1024"),
        ("workers", "8", "an integer from 1 to 1024"),   # the core takes typed values
        ("workers", True, "an integer from 1 to 1024"),
        ("arrival_rate", -1.0, "a number from 0 to 1,000,000,000,000 (requests/s)"),
        ("arrival_rate", float("nan"), "a number from 0"),
        ("arrival_rate", math.inf, "a number from 0"),
        ("visibility_timeout_s", 0.0, "a number above 0 to 43,200 (s), or empty for never"),
        ("max_receives", 1001, "an integer from 1 to 1000"),
        ("worker_failure_prob", 1.5, "a number from 0 to 1"),
        ("pattern", "weekly", "constant, diurnal, bursty"),
        ("service_dist", "gamma", "exp, det, or empty for the llama.cpp time model"),
        ("cache_enabled", "yes", "on or off"),
        ("cache_enabled", 1, "on or off"),
        ("model", "", "llama-3-8b"),
        ("model", "gpt-5", "llama-3-8b"),
        ("quant", "Q9_X", "Q4_K_M"),
        ("slots", 0, "an integer from 1 to 1024"),
        ("run_interval_budget", 0, "an integer from 1 to"),
    ],
)
def test_errors_name_field_value_and_allowed(field, value, allowed):
    with pytest.raises(InputError) as info:
        make_config({field: value})
    err = info.value
    assert (err.field, err.value) == (field, value) or (field, value) == ("model", "")
    assert str(err).startswith(f"{field}: ") and "; allowed: " in str(err)
    assert allowed in err.allowed


def test_unknown_field_and_not_a_mapping():
    with pytest.raises(InputError) as info:
        make_config({"color": "red"})
    assert info.value.field == "color" and "arrival_rate" in info.value.allowed
    with pytest.raises(InputError) as info:
        make_config([1, 2])
    assert info.value.field == "config"


def test_combinations():
    with pytest.raises(InputError) as info:
        make_config({"model": "llama-3.1-8b"})
    assert info.value.field == "quant" and "model named" in str(info.value) and "Q4_K_M" in info.value.allowed
    with pytest.raises(InputError, match="ideal: True is not allowed without service_dist"):
        make_config({"ideal": True})
    assert make_config({"ideal": True, "service_dist": "det"}).ideal


def test_a_worker_failure_needs_a_visibility_timeout():
    """Without a timeout a crashed worker's message would stay in flight for ever: refused up front."""
    with pytest.raises(InputError) as info:
        make_config({"worker_failure_prob": 0.1, "visibility_timeout_s": None})
    assert info.value.field == "worker_failure_prob" and "visibility timeout" in str(info.value)
    cfg = make_config({"visibility_timeout_s": None})
    with pytest.raises(InputError, match="worker_failure_prob"):
        replace_controls(cfg, {"worker_failure_prob": 0.2})
    assert make_config({"worker_failure_prob": 0.1, "visibility_timeout_s": 5.0}).worker_failure_prob == 0.1
    # --ideal ignores both (no failures, no timeout), so it does not care.
    assert make_config({"ideal": True, "service_dist": "exp", "worker_failure_prob": 0.1,
                        "visibility_timeout_s": None}).ideal


def test_replace_controls_only_for_live_fields():
    cfg = make_config()
    assert replace_controls(cfg, {"workers": 8}).workers == 8
    with pytest.raises(InputError, match="replicas: 2 cannot change while running; allowed: live controls only"):
        replace_controls(cfg, {"replicas": 2})
    with pytest.raises(InputError) as info:
        replace_controls(cfg, {"nonsense": 1})
    assert info.value.field == "nonsense"
    assert CONTROL_FIELDS <= set(FIELDS)
    assert {"arrival_rate", "workers", "cache_enabled", "cache_size", "slots", "model", "quant",
            "hardware"} <= CONTROL_FIELDS


def test_validate_field_normalizes():
    assert validate_field("workers", 4.0) == 4 and isinstance(validate_field("workers", 4.0), int)
    assert validate_field("arrival_rate", 3) == 3.0 and isinstance(validate_field("arrival_rate", 3), float)
    assert validate_field("rate_limit_rps", None) is None


@pytest.mark.parametrize(("call", "field"), [
    (lambda: check_seed(-1), "seed"), (lambda: check_seed(1.5), "seed"), (lambda: check_seed("3"), "seed"),
    (lambda: check_seed(2**63), "seed"), (lambda: check_seconds("duration", 0), "duration"),
    (lambda: check_seconds("dt", -1), "dt"), (lambda: check_seconds("dt", "1"), "dt"),
    (lambda: check_seconds("warmup", math.nan), "warmup"), (lambda: check_seconds("duration", 2e10), "duration"),
    (lambda: check_interval(1e-6, 60.0, 10_000), "interval"), (lambda: check_interval(5e-324, 1.0, 10_000), "interval"),
    (lambda: check_interval(0.0, 1.0, 10_000), "interval"),
])
def test_run_inputs_are_checked(call, field):
    with pytest.raises(InputError) as info:
        call()
    assert info.value.field == field


def test_interval_budget_message_says_the_shortest_interval():
    with pytest.raises(InputError) as info:
        check_interval(1e-6, 60.0, 10_000)
    assert "at least 0.006 s for a 60 s run" in str(info.value)
    assert check_interval(0.006, 60.0, 10_000) == 0.006
    assert check_seed(7) == 7 and check_seconds("dt", 0) == 0.0


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().workers = 3
