"""The inferfolio/widgets plugin: build errors with file:line, the runtime assets, the wheel."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from buildtools import run_mkdocs_build
from inferfolio.widgets.wheel import build_core_wheel, source_hash

POST = "posts/llama-cpp-optimization-parameters.md"


def _break(project: Path, old: str, new: str) -> int:
    """Replace the first line starting with *old* in the quant post by *new*; return its 1-based number."""
    path = project / POST
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[number] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


@pytest.mark.slow
@pytest.mark.parametrize(("old", "new", "message"), [
    ("quant: ", "quant: Q9", "widget quant: option 'quant': 'Q9' is not allowed; allowed: F32, F16,"),
    ("ctx: ", "context: 8192", "widget quant: unknown option 'context'; allowed: model, params_b,"),
    ("ctx: ", "ctx: 200000", "widget quant: ctx: 200000; allowed: an integer 1..8192"),
    ("```widget quant", "```widget gauge", "widget 'gauge' is not allowed; allowed: pipeline, quant"),
])
def test_bad_widget_block_fails_the_build_with_file_and_line(site_copy: Path, old: str, new: str, message: str) -> None:
    line = _break(site_copy, old, new)
    result = run_mkdocs_build(site_copy / "site", site_copy / "mkdocs.yml")
    assert result.returncode != 0
    assert f"{POST}:{line}: {message}" in result.stderr, result.stderr[-3000:]


def test_built_site_ships_the_runtime(built_site: Path) -> None:
    assets = built_site / "assets" / "widgets"
    for name in ("boot.js", "widgets.js", "worker.js", "pipeline.js", "quant.js", "widgets.css",
                 "pyodide/pyodide.mjs", "pyodide/pyodide.asm.mjs", "pyodide/pyodide.asm.wasm",
                 "pyodide/python_stdlib.zip", "pyodide/pyodide-lock.json"):
        assert (assets / name).is_file(), name
    lock = json.loads((assets / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["packages"] == {} and lock["info"]["python"].startswith("3.")
    wheels = list(assets.glob("inferlab-*-py3-none-any.whl"))
    assert len(wheels) == 1


def test_widget_pages_carry_the_static_state(built_site: Path) -> None:
    pages = {path: path.read_text(encoding="utf-8") for path in built_site.rglob("*.html")}
    with_widget = {p for p, text in pages.items() if "data-widget=" in text}
    names = {p.relative_to(built_site).as_posix() for p in with_widget}
    assert "index.html" in names
    assert any("llama-cpp-optimization-parameters" in n for n in names)
    assert any("llm-orchestration-pipeline" in n for n in names)
    for path in with_widget:
        assert 'data-state="static"' in pages[path] and "<svg" in pages[path]


def test_wheel_is_valid_cached_and_contains_the_widget_layer(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = build_core_wheel(tmp_path / "a", cache_dir=cache)
    second = build_core_wheel(tmp_path / "b", cache_dir=cache)
    assert first.name == second.name and first.read_bytes() == second.read_bytes()
    assert (cache / source_hash()).is_dir()
    name, version, py, abi, platform = first.name[:-4].split("-")
    assert (name, py, abi, platform) == ("inferlab", "py3", "none", "any")
    with zipfile.ZipFile(first) as wheel:
        names = wheel.namelist()
    assert "inferlab/widgets/session.py" in names and f"inferlab-{version}.dist-info/METADATA" in names
