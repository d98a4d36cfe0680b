"""Config validation: every error names the field, the value and what is allowed."""

import dataclasses

import pytest

from inferlab.pipeline.config import CONTROL_FIELDS, FIELDS, Config, make_config, replace_controls, to_dict


def test_defaults_are_valid_and_round_trip():
    cfg = make_config()
    assert cfg == Config()
    assert make_config(to_dict(cfg)) == cfg
    assert make_config({"workers": 3.0}).workers == 3  # an integral float is fine (JSON)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("workers", 0, "an integer from 1 to 1024"),
        ("workers", 2.5, "an integer from 1 to 1024"),
        ("workers", "8", "an integer from 1 to 1024"),
        ("workers", True, "an integer from 1 to 1024"),
        ("arrival_rate", -1.0, "a number from 0 to 1e+12"),
        ("arrival_rate", float("nan"), "a number from 0 to 1e+12"),
        ("visibility_timeout_s", 0.0, "greater than 0 to 43200 or null"),
        ("max_receives", 1001, "an integer from 1 to 1000"),
        ("worker_failure_prob", 1.5, "a number from 0 to 1"),
        ("pattern", "weekly", "'constant' or 'diurnal' or 'bursty'"),
        ("service_dist", "gamma", "'exp' or 'det' or null"),
        ("cache_enabled", "yes", "true or false"),
        ("model", "", "a non-empty name or null"),
        ("slots", 0, "an integer from 1 to 1024"),
    ],
)
def test_errors_name_field_value_and_allowed(field, value, allowed):
    with pytest.raises(ValueError) as info:
        make_config({field: value})
    text = str(info.value)
    assert text.startswith(f"{field}: {value!r} is not allowed; expected ")
    assert allowed in text


def test_unknown_field():
    with pytest.raises(ValueError, match="colour: unknown field; expected one of arrival_rate"):
        make_config({"colour": "red"})
    with pytest.raises(ValueError, match="config: "):
        make_config([1, 2])


def test_combinations():
    with pytest.raises(ValueError, match="model/quant/hardware"):
        make_config({"model": "llama-3.1-8b"})
    with pytest.raises(ValueError, match="ideal: True is not allowed without service_dist"):
        make_config({"ideal": True})
    assert make_config({"ideal": True, "service_dist": "det"}).ideal


def test_replace_controls_only_for_live_fields():
    cfg = make_config()
    assert replace_controls(cfg, {"workers": 8}).workers == 8
    with pytest.raises(ValueError, match="replicas: cannot change while running"):
        replace_controls(cfg, {"replicas": 2})
    assert CONTROL_FIELDS <= set(FIELDS)
    assert {"arrival_rate", "workers", "cache_enabled", "cache_size", "slots", "model", "quant",
            "hardware"} <= CONTROL_FIELDS


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().workers = 3
