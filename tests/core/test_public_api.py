"""The package's public surface: sorted, complete and importable."""

from __future__ import annotations

import importlib

import pytest

import inferlab


def test_all_is_sorted_and_unique() -> None:
    assert inferlab.__all__ == sorted(set(inferlab.__all__))


@pytest.mark.parametrize("name", inferlab.__all__)
def test_every_public_name_resolves_to_its_home_module(name: str) -> None:
    value = getattr(inferlab, name)
    if name != "__version__":
        home = importlib.import_module(inferlab._EXPORTS[name])
        assert value is getattr(home, name)
        assert name in home.__all__ or name in dir(home)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        inferlab.nope  # noqa: B018


def test_top_level_api_computes() -> None:
    report = inferlab.memory_report(model="llama-3-8b", quant="Q4_K_M", ctx=4096)
    assert report["kv_cache_bytes"] == 2 * 32 * 8 * 128 * 2 * 4096  # layers × KV heads × head dim × f16 × ctx, K and V
    sim = inferlab.Simulation({}, seed=1)
    assert set(sim.advance(1.0)) >= {"status"}
