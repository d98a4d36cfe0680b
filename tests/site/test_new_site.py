"""A clean start: `make new-site` writes a skeleton that builds with --strict and carries none of this site's content."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import jsonresume_shapes
from buildtools import ROOT, run_mkdocs_build
from inferfolio.skeleton import RESUME_FILES, SKELETON, create_site
from inferfolio.skeleton.lockfile import site_lock
from inferfolio.widgets.assets import PYODIDE_VERSION
from sample_site import new_site, offline_venv

#: Words that belong to this site's owner and content (the seeds' facts); a new site has none of them.
OWNER_WORDS = re.compile(r"Harshit|Joshi|Alexa|Amazon|hpj1992|poke\.site|Hadoop|GenAI Worksheets", re.IGNORECASE)


@pytest.fixture(scope="module", params=sorted(RESUME_FILES))
def built_new_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the new site's folder, its built site) for each résumé format."""
    folder = new_site(tmp_path_factory.mktemp("new") / "my-site", resume_format=request.param)
    result = run_mkdocs_build(folder / "site", folder / "mkdocs.yml")
    assert result.returncode == 0, result.stderr[-4000:]
    return folder, folder / "site"


def test_new_site_builds_with_the_pages_a_reader_needs(built_new_site: tuple[Path, Path]) -> None:
    folder, site = built_new_site
    for page in ("index.html", "resume/index.html", "blog/index.html", "tags/index.html", "projects/example-project/index.html",
                 "feed.xml", "resume/resume.json", "assets/widgets/boot.js"):
        assert (site / page).is_file(), page
    posts = [p.read_text(encoding="utf-8") for p in (site / "blog").glob("20*/**/index.html")]
    assert len(posts) == 1 and 'data-widget="quant"' in posts[0] and 'data-state="static"' in posts[0]
    resume = json.loads((site / "resume" / "resume.json").read_text(encoding="utf-8"))
    assert jsonresume_shapes.problems(resume) == [] and resume["basics"]["name"] == "Your Name"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Example project" in home and 'href="projects/example-project/"' in home


def test_new_site_has_none_of_this_sites_content(built_new_site: tuple[Path, Path]) -> None:
    folder, site = built_new_site
    texts = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
             and "node_modules" not in p.parts and ".cache" not in p.parts and p.suffix in
             (".md", ".yml", ".json", ".html", ".css", ".xml", ".txt", ".svg", "", ".py")]
    assert len(texts) > 20
    found = {p.relative_to(folder).as_posix(): OWNER_WORDS.findall(p.read_text(encoding="utf-8", errors="replace"))
             for p in texts}
    assert {name: words for name, words in found.items() if words} == {}
    sources = [p for p in folder.rglob("*") if p.is_file() and "site" not in p.relative_to(folder).parts[:1]
               and "node_modules" not in p.parts and ".cache" not in p.parts]
    assert not [p for p in sources if "@@" in p.read_text(encoding="utf-8", errors="replace")], "placeholder left"


def test_new_site_commands_point_at_this_inferfolio(built_new_site: tuple[Path, Path]) -> None:
    folder, _ = built_new_site
    makefile = (folder / "Makefile").read_text(encoding="utf-8")
    assert f"INFERFOLIO ?= {ROOT}\n" in makefile
    assert json.loads((folder / "package.json").read_text(encoding="utf-8"))["dependencies"] == {"pyodide": PYODIDE_VERSION}
    dry_run = subprocess.run(["make", "-n", "-C", str(folder), "test"], capture_output=True, text=True, timeout=60)
    assert dry_run.returncode == 0, dry_run.stderr
    assert f'pip install --quiet --disable-pip-version-check "{ROOT}" "pytest>=8"' in dry_run.stdout
    assert "npm ci" in dry_run.stdout and "pytest -q tests" in dry_run.stdout
    assert (folder / ".gitignore").is_file() and not (folder / "gitignore").exists()


@pytest.mark.slow
def test_new_sites_make_test_installs_and_passes(tmp_path: Path) -> None:
    """The new site's own `make test`, install included: pip installs inferfolio from this checkout into the
    site's .venv and `npm ci` installs the locked Pyodide, then its pytest file builds the site.

    Offline: the .venv is made beforehand to see this venv's packages (``offline_venv``), pip gets no index and
    builds with this venv's setuptools, and npm reads its cache (filled by this checkout's `npm ci`).
    """
    folder = tmp_path / "my-site"
    create_site(folder, source=str(ROOT))
    purelib = offline_venv(folder / ".venv")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV", "MAKEFLAGS")}
    env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", npm_config_offline="true", PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(["make", "--no-print-directory", "test"], cwd=folder, capture_output=True, text=True,
                            timeout=600, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout
    assert (purelib / "inferfolio" / "skeleton" / "site" / "mkdocs.yml").is_file(), "inferfolio was not installed"
    installed = json.loads((folder / "node_modules" / "pyodide" / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == PYODIDE_VERSION and not (folder / "node_modules" / "lighthouse").exists()
    again = subprocess.run(["make", "--no-print-directory", "-q", "install"], cwd=folder, timeout=60, env=env)
    assert again.returncode == 0, "install is not up to date after make test"


def test_skeleton_lock_is_this_repositorys_pyodide() -> None:
    """The new site's package-lock.json is cut from this repository's (regenerate it with inferfolio.skeleton.lockfile)."""
    shipped = json.loads((SKELETON / "package-lock.json").read_text(encoding="utf-8"))
    assert shipped == site_lock(json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8")))
    assert shipped["packages"]["node_modules/pyodide"]["version"] == PYODIDE_VERSION
    assert json.loads((SKELETON / "package.json").read_text(encoding="utf-8"))["name"] == shipped["name"]


def test_site_lock_follows_npms_lookup() -> None:
    lock = {"lockfileVersion": 3, "packages": {
        "": {}, "node_modules/a": {"version": "1", "dependencies": {"b": "^1", "c": "^1"}},
        "node_modules/a/node_modules/b": {"version": "1.5", "dependencies": {"c": "^1"}},
        "node_modules/b": {"version": "2"}, "node_modules/c": {"version": "1.1"}, "node_modules/d": {"version": "9"}}}
    assert list(site_lock(lock, "a")["packages"]) == ["", "node_modules/a", "node_modules/a/node_modules/b", "node_modules/c"]
    with pytest.raises(KeyError, match="e \\(needed by node_modules/a\\) is not locked"):
        site_lock({"lockfileVersion": 3, "packages": {"node_modules/a": {"dependencies": {"e": "1"}}}}, "a")


def test_skeleton_templates_are_this_sites_current_ones() -> None:
    """The skeleton links (not copies) the theme, so a new site starts from today's templates and styles."""
    repo_overrides = {p.relative_to(ROOT / "overrides").as_posix() for p in (ROOT / "overrides").rglob("*.html")}
    linked = {p.relative_to(SKELETON / "overrides").as_posix() for p in (SKELETON / "overrides").rglob("*.html")}
    assert linked == repo_overrides - {"404.html"}  # the 404 page names this site's own sections
    for name in linked:
        assert (SKELETON / "overrides" / name).resolve() == (ROOT / "overrides" / name).resolve()
    assert (SKELETON / "docs/assets/css/site.css").resolve() == (ROOT / "docs/assets/css/site.css").resolve()


def test_readme_walks_through_the_new_site() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your own site", 1)[1].split("\n## ", 1)[0]
    steps = [section.index(command) for command in ("make new-site DIR=", "make serve", "make test")]
    assert steps == sorted(steps)
    assert "--source" in section and "meta.inferfolio" in section


def test_new_site_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        create_site(tmp_path, source=str(ROOT))
    with pytest.raises(ValueError, match="'toml' is not allowed; allowed: jsonresume, native"):
        create_site(tmp_path / "new", source=str(ROOT), resume_format="toml")
    result = subprocess.run([sys.executable, "-m", "inferfolio.skeleton", str(tmp_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "not an empty folder" in result.stderr
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "mine" and len(list(tmp_path.iterdir())) == 1


#: `make` in this checkout without its `install` step (never a download in a test, even when pyproject.toml is newer).
MAKE_OFFLINE = ["make", "--no-print-directory", "-o", ".venv/.installed", "-C", str(ROOT)]


def test_make_new_site_prints_the_next_commands(tmp_path: Path) -> None:
    result = subprocess.run([*MAKE_OFFLINE, "new-site", f"DIR={tmp_path / 'site-a'}",
                             "RESUME=native"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "make serve" in result.stdout and "make test" in result.stdout
    assert (tmp_path / "site-a" / "docs" / "resume.yml").is_file() and not (tmp_path / "site-a" / "docs" / "resume.json").exists()
    usage = subprocess.run([*MAKE_OFFLINE, "new-site"], capture_output=True, text=True,
                           timeout=300)
    assert usage.returncode != 0 and "usage: make new-site DIR=" in usage.stdout
