"""The inferfolio/widgets plugin: build errors with file:line, the runtime assets, the wheel, the snapshot."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from buildtools import run_mkdocs_build
from inferfolio.widgets import snapshot
from inferfolio.widgets.wheel import build_core_wheel, source_hash

POST = "posts/llama-cpp-optimization-parameters.md"
ROOT = Path(__file__).resolve().parents[2]


def _break(project: Path, old: str, new: str) -> int:
    """Replace the first line starting with *old* in the quant post by *new*; return its 1-based number."""
    path = project / POST
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[number] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


@pytest.mark.parametrize(("old", "new", "message"), [
    ("quant: ", "quant: Q9", "widget quant: quant: 'Q9' is not allowed; allowed: F32, F16,"),
    ("ctx: ", "context: 8192", "widget quant: context: 'context' is not a known option; allowed: model, params,"),
    ("ctx: ", "ctx: 200000", "widget quant: ctx: 200000 is not allowed; allowed: an integer from 1 to 8192"),
    ("```widget quant", "```widget gauge", "widget gauge: widget: 'gauge' is not a known widget; allowed: "),
])
def test_bad_widget_block_names_file_line_field_value_and_allowed(old: str, new: str, message: str) -> None:
    from mkdocs.exceptions import PluginError

    from inferfolio.widgets.validate import check_source

    source = (ROOT / POST).read_text(encoding="utf-8")
    lines = source.splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[number] = new
    with pytest.raises(PluginError) as info:
        check_source("\n".join(lines), POST, {})
    assert f"{POST}:{number + 1}: {message}" in str(info.value)


def test_a_bad_block_fails_a_real_build_with_file_and_line(tmp_path: Path) -> None:
    """One real MkDocs build of a minimal site (the error path through the plugin and Markdown)."""
    site = tmp_path / "mini"
    (site / "docs").mkdir(parents=True)
    (site / "docs" / "index.md").write_text("# Mini\n\n```widget quant\nctx: 4096\nquant: Q9\n```\n", encoding="utf-8")
    (site / "mkdocs.yml").write_text(
        "site_name: Mini\ntheme:\n  name: material\nplugins:\n  - inferfolio/widgets:\n"
        f"      core_dir: {ROOT / 'widgets'}\n      web_dir: {ROOT / 'widgets' / 'web'}\n"
        f"      pyodide_dir: {ROOT / 'node_modules' / 'pyodide'}\n      cache_dir: {ROOT / '.cache' / 'inferlab-wheels'}\n"
        "      snapshot: false\nmarkdown_extensions:\n  - inferfolio.widgets.markdown\n", encoding="utf-8")
    result = run_mkdocs_build(site / "site", site / "mkdocs.yml")
    assert result.returncode != 0
    assert "docs/index.md:5: widget quant: quant: 'Q9' is not allowed" in result.stderr, result.stderr[-3000:]


def test_built_site_ships_the_runtime(built_site: Path) -> None:
    assets = built_site / "assets" / "widgets"
    for name in ("boot.js", "widgets.js", "client.js", "worker.js", "widgets.css",
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
    assert "inferlab/ui/session.py" in names and f"inferlab-{version}.dist-info/METADATA" in names


# ---------------------------------------------------------------- the Pyodide start-up snapshot

def test_built_site_ships_the_startup_snapshot(built_site: Path) -> None:
    snapshot_file = built_site / "assets" / "widgets" / snapshot.SITE_NAME
    memory = gzip.decompress(snapshot_file.read_bytes())
    # Pyodide's snapshot format (magic "\0snp", a header, then the WebAssembly memory of > 8 MiB).
    assert memory[:4] == b"\0snp" and len(memory) > 8 * 2**20
    roots = re.findall(r"<section [^>]*data-widget=[^>]*>", (built_site / "index.html").read_text(encoding="utf-8"))
    assert roots and all(f'data-snapshot="{snapshot.SITE_NAME}"' in root for root in roots)


def _fake_runtime(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("package.json", "pyodide.asm.wasm", "pyodide.asm.mjs", "python_stdlib.zip"):
        (folder / name).write_bytes(name.encode())
    return folder


def test_snapshot_key_follows_the_wheel_and_the_runtime(tmp_path: Path) -> None:
    runtime = _fake_runtime(tmp_path / "pyodide")
    wheel = tmp_path / "inferlab-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"one")
    first = snapshot.snapshot_key(wheel, runtime)
    assert snapshot.snapshot_key(wheel, runtime) == first
    wheel.write_bytes(b"two")
    second = snapshot.snapshot_key(wheel, runtime)
    (runtime / "pyodide.asm.wasm").write_bytes(b"another build")
    assert len({first, second, snapshot.snapshot_key(wheel, runtime)}) == 3


def test_cached_snapshot_is_reused_without_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = _fake_runtime(tmp_path / "pyodide")
    wheel = tmp_path / "core.whl"
    wheel.write_bytes(b"core")
    cached = tmp_path / "cache" / "snapshots" / f"{snapshot.snapshot_key(wheel, runtime)}.bin.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(gzip.compress(b"memory"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    job = snapshot.start_snapshot(wheel, runtime, tmp_path / "cache")
    assert job.process is None and job.wait() == cached


def test_missing_node_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = _fake_runtime(tmp_path / "pyodide")
    wheel = tmp_path / "core.whl"
    wheel.write_bytes(b"core")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RuntimeError, match="'node' is not on PATH.*snapshot: false"):
        snapshot.start_snapshot(wheel, runtime, tmp_path / "cache")


def test_failed_snapshot_build_reports_what_node_said(tmp_path: Path) -> None:
    failing = subprocess.Popen([sys.executable, "-c", "import sys; sys.stderr.write('no pyodide here\\n'); sys.exit(3)"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    job = snapshot.SnapshotJob(tmp_path / "never.bin.gz", failing)
    with pytest.raises(RuntimeError, match=r"failed \(node exit 3\):\nno pyodide here"):
        job.wait()


def test_old_snapshots_are_pruned(tmp_path: Path) -> None:
    for age, name in enumerate("abcde"):
        path = tmp_path / f"{name}.bin.gz"
        path.write_bytes(b"x")
        os.utime(path, (1_700_000_000 - age * 60, 1_700_000_000 - age * 60))
    snapshot._prune(tmp_path, keep=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin.gz", "b.bin.gz", "c.bin.gz"]


@pytest.mark.slow
def test_snapshot_can_be_turned_off(site_copy: Path) -> None:
    config = site_copy / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - inferfolio/widgets\n" in text
    config.write_text(text.replace("  - inferfolio/widgets\n", "  - inferfolio/widgets:\n      snapshot: false\n"),
                      encoding="utf-8")
    result = run_mkdocs_build(site_copy / "site", config)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (site_copy / "site" / "assets" / "widgets" / snapshot.SITE_NAME).exists()
    assert "data-snapshot" not in (site_copy / "site" / "index.html").read_text(encoding="utf-8")
