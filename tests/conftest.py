"""Shared fixtures: the site built once per test session, and a local server.

``built_site`` runs the same ``mkdocs build --strict`` as ``make build`` into
a temporary folder; ``site_server`` serves that folder on 127.0.0.1 (a
threaded ``http.server`` with correct MIME types for ``.mjs`` and ``.wasm``).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_mkdocs_build(site_dir: Path, config: Path = ROOT / "mkdocs.yml") -> subprocess.CompletedProcess[str]:
    """Run ``mkdocs build --strict`` for *config* into *site_dir*; return the process."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONWARNINGS="ignore")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site_dir)],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once for the whole session; returns the site folder."""
    site_dir = tmp_path_factory.mktemp("site")
    result = run_mkdocs_build(site_dir)
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stderr[-6000:]}")
    return site_dir


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
        ".whl": "application/zip",
        ".zip": "application/zip",
        ".svg": "image/svg+xml",
        ".xml": "application/xml",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve_directory(directory: Path) -> tuple[_Server, str]:
    """Start a background HTTP server for *directory*; return it and its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[str]:
    """Base URL (ending in ``/``) of the built site served on localhost."""
    server, url = serve_directory(built_site)
    yield url
    server.shutdown()


@pytest.fixture
def site_copy(tmp_path: Path) -> Path:
    """A writable copy of the project sources (no venv, no node_modules) for builds that must fail."""
    ignore = shutil.ignore_patterns(".venv", "node_modules", "site", ".git", ".cache", "__pycache__", ".pytest_cache", ".hypothesis")
    dest = tmp_path / "project"
    shutil.copytree(ROOT, dest, ignore=ignore)
    # The widget plugin reads the Pyodide runtime from node_modules: link it rather than copy 14 MB.
    if (ROOT / "node_modules").exists():
        (dest / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    if (ROOT / ".cache").exists():
        (dest / ".cache").symlink_to(ROOT / ".cache", target_is_directory=True)
    return dest
