"""Shared fixtures: the site built once per test session, and a local server.

``built_site`` runs the same ``mkdocs build --strict`` as ``make build`` into
a temporary folder; ``site_server`` serves that folder on 127.0.0.1 (a
threaded ``http.server`` with correct MIME types for ``.mjs`` and ``.wasm``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from buildtools import ROOT, run_mkdocs_build, serve_directory


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once for the whole session; returns the site folder."""
    site_dir = tmp_path_factory.mktemp("site")
    result = run_mkdocs_build(site_dir)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stderr[-6000:]}")
    return site_dir


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[str]:
    """Base URL (ending in ``/``) of the built site served on localhost."""
    server, url = serve_directory(built_site)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    """A writable copy of the project sources (no venv, no node_modules) for builds that must fail."""
    skipped_anywhere = {"__pycache__", ".pytest_cache", ".hypothesis", ".git"}
    skipped_at_root = {".venv", "node_modules", "site", ".cache", ".bench"}

    def ignore(directory: str, names: list[str]) -> set[str]:
        at_root = Path(directory) == ROOT
        return {n for n in names if n in skipped_anywhere or (at_root and n in skipped_at_root)}

    dest = tmp_path / "project"
    shutil.copytree(ROOT, dest, ignore=ignore)
    # The widget plugin reads the Pyodide runtime from node_modules: link it rather than copy 14 MB.
    if (ROOT / "node_modules").exists():
        (dest / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    if (ROOT / ".cache").exists():
        (dest / ".cache").symlink_to(ROOT / ".cache", target_is_directory=True)
    return dest
