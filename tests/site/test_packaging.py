"""The widgets from any MkDocs site: `pip install` of this repository gives the plugins, the inferlab core and the
browser files, and a plain Material site embeds a widget with the plugin and the Markdown extension alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from buildtools import ROOT, run_mkdocs_build
from inferfolio.widgets import assets
from inferfolio.widgets.wheel import build_core_wheel, core_package_dir, source_hash
from sample_site import offline_venv

#: The whole configuration another site needs (README: "The widgets in any MkDocs site").
MINIMAL_CONFIG = """site_name: Someone else's notes
theme:
  name: material
plugins:
  - inferfolio/widgets
markdown_extensions:
  - inferfolio.widgets.markdown
"""

PAGE = """# Notes

How much memory does an 8B model take at 4 bits?

```widget quant
model: llama-3-8b
quant: Q4_K_M
ctx: 4k
```

The file alone is {{ quant.file_bytes model=llama-3-8b quant=Q4_K_M }}.
"""


def _fixture_site(folder: Path) -> Path:
    """A plain Material site outside this repository: one page with a widget, and `npm install pyodide` done."""
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "index.md").write_text(PAGE, encoding="utf-8")
    (folder / "mkdocs.yml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    (folder / "node_modules").mkdir()
    (folder / "node_modules" / "pyodide").symlink_to(ROOT / "node_modules" / "pyodide", target_is_directory=True)
    (folder / ".cache").symlink_to(ROOT / ".cache", target_is_directory=True)  # wheels and snapshots, by content hash
    return folder


def _check_widget_site(site: Path) -> None:
    page = (site / "index.html").read_text(encoding="utf-8")
    assert 'data-widget="quant"' in page and 'data-state="static"' in page and "<svg" in page
    assert "{{" not in page and "GiB" in page.split("The file alone is", 1)[1][:200]
    widgets = site / "assets" / "widgets"
    for name in ("boot.js", "widgets.js", "worker.js", "client.js", "widgets.css", "pyodide/pyodide.mjs",
                 "pyodide/pyodide.asm.wasm", "pyodide/startup.bin.gz"):
        assert (widgets / name).is_file(), name
    (wheel,) = widgets.glob("inferlab-*-py3-none-any.whl")
    assert wheel.read_bytes() == build_core_wheel(site.parent / "wheel-check").read_bytes()
    assert 'src="assets/widgets/boot.js"' in page
    assert str(ROOT) not in page


def test_readme_documents_the_configuration_tested_here() -> None:
    """README "The widgets in any MkDocs site" shows this file's configuration and the pinned npm command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The widgets in any MkDocs site", 1)[1].split("\n## ", 1)[0]
    assert f"```yaml\n{MINIMAL_CONFIG}```" in section
    assert f"npm install pyodide@{assets.PYODIDE_VERSION}" in section


def test_pyodide_pin_is_the_one_package_json_installs() -> None:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["pyodide"] == assets.PYODIDE_VERSION
    installed = json.loads((ROOT / "node_modules" / "pyodide" / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == assets.PYODIDE_VERSION


def test_another_pyodide_version_is_a_clear_error(tmp_path: Path) -> None:
    runtime = tmp_path / "pyodide"
    runtime.mkdir()
    for name in (*assets.PYODIDE_FILES, "pyodide-lock.json"):
        (runtime / name).write_text("x", encoding="utf-8")
    (runtime / "package.json").write_text('{"version": "0.27.0"}', encoding="utf-8")
    with pytest.raises(ValueError, match=rf"pyodide 0.27.0 is not allowed; the widgets need {assets.PYODIDE_VERSION} "
                                         rf"\(run 'npm install pyodide@{assets.PYODIDE_VERSION}'\)"):
        assets.pyodide_version(runtime)
    with pytest.raises(FileNotFoundError, match="missing package.json.*npm install pyodide@"):
        assets.pyodide_version(tmp_path)


def test_the_core_wheel_is_the_same_from_the_repository_or_an_installed_copy(tmp_path: Path) -> None:
    installed = tmp_path / "site-packages" / "inferlab"
    shutil.copytree(core_package_dir(), installed, ignore=shutil.ignore_patterns("__pycache__"))
    (installed / "__pycache__").mkdir(exist_ok=True)
    (installed / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"bytecode is not shipped")
    here = build_core_wheel(tmp_path / "a")
    there = build_core_wheel(tmp_path / "b", installed)
    assert here.name == there.name and here.read_bytes() == there.read_bytes()
    assert source_hash() == source_hash(installed) == source_hash(ROOT / "widgets")


def test_the_core_wheel_installs_with_pip(tmp_path: Path) -> None:
    wheel = build_core_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
    assert "inferlab/ui/session.py" in names and not any("__pycache__" in n for n in names)
    target = tmp_path / "target"
    result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                             "--disable-pip-version-check", "--target", str(target), str(wheel)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    check = subprocess.run([sys.executable, "-c", "import inferlab.ui.session, inferlab; print(inferlab.__file__)"],
                           env={**os.environ, "PYTHONPATH": str(target)}, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and check.stdout.startswith(str(target)), check.stderr


def test_a_plain_material_site_embeds_a_widget_with_three_lines(tmp_path: Path) -> None:
    """This venv's install (editable) of inferfolio, used by a site that is not this repository."""
    folder = _fixture_site(tmp_path / "elsewhere")
    result = run_mkdocs_build(folder / "site", folder / "mkdocs.yml")
    assert result.returncode == 0, result.stderr[-4000:]
    _check_widget_site(folder / "site")


def test_an_error_in_the_other_site_names_its_file_and_line(tmp_path: Path) -> None:
    folder = _fixture_site(tmp_path / "elsewhere")
    (folder / "docs" / "index.md").write_text(PAGE.replace("quant: Q4_K_M", "quant: Q9"), encoding="utf-8")
    result = run_mkdocs_build(folder / "site", folder / "mkdocs.yml")
    assert result.returncode != 0
    assert "docs/index.md:7: widget quant: quant: 'Q9' is not allowed" in result.stderr, result.stderr[-2000:]


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding inferfolio installed from this repository's wheel (not editable).

    Built offline: the wheel with this venv's setuptools; MkDocs and the other
    dependencies seen through ``offline_venv``'s path file.
    """
    base = tmp_path_factory.mktemp("installed")
    dist = base / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--no-index", "--disable-pip-version-check", "--wheel-dir", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("inferfolio-*.whl")
    venv = base / "venv"
    purelib = offline_venv(venv)
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                                "--disable-pip-version-check", "--target", str(purelib), str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return venv


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(venv / "bin" / "python"), *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**env, "NO_MKDOCS_2_WARNING": "1", "PYTHONWARNINGS": "ignore"})


@pytest.mark.slow
def test_the_installed_package_builds_a_widget_site(installed_venv: Path, tmp_path: Path) -> None:
    folder = _fixture_site(tmp_path / "elsewhere")
    where = _run(installed_venv, "-c", "import inferfolio.widgets.plugin, inferlab; "
                                       "print(inferfolio.__file__); print(inferlab.__file__)", cwd=folder)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(installed_venv)) for line in where.stdout.split()), where.stdout
    result = _run(installed_venv, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder / "site"), cwd=folder)
    assert result.returncode == 0, result.stderr[-4000:]
    _check_widget_site(folder / "site")


@pytest.mark.slow
def test_the_installed_package_makes_and_builds_a_new_site(installed_venv: Path, tmp_path: Path) -> None:
    folder = tmp_path / "new-site"
    made = _run(installed_venv, "-m", "inferfolio.skeleton", str(folder), "--source", "git+https://example.org/inferfolio.git",
                cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert not any(p.is_symlink() for p in folder.rglob("*")), "links into the package were copied as links"
    assert (folder / "overrides" / "resume.html").read_bytes() == (ROOT / "overrides" / "resume.html").read_bytes()
    for shared in ("node_modules", ".cache"):
        (folder / shared).symlink_to(ROOT / shared, target_is_directory=True)
    result = _run(installed_venv, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder / "site"), cwd=folder)
    assert result.returncode == 0, result.stderr[-4000:]
    assert (folder / "site" / "resume" / "resume.json").is_file()
    unsourced = _run(installed_venv, "-m", "inferfolio.skeleton", str(tmp_path / "other"), cwd=tmp_path)
    assert unsourced.returncode == 2 and "--source is required" in unsourced.stderr
