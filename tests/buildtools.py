"""Building and serving the site from tests and benchmarks (imported by conftest.py).

``serve_directory`` serves a built site the way a static host does: gzip for
text files when the browser accepts it (so byte counts are transfer sizes),
the site's ``404.html`` for missing pages, and, with ``host_headers=True``,
the response headers of the site's ``_headers`` file (the Netlify / Cloudflare
Pages format the build writes, e.g. the Content-Security-Policy).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import re
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

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


def site_to_measure(given: Path | None, scratch: Path) -> Path | None:
    """*given* (an already built site), or a fresh ``--strict`` build in *scratch*/site; None when it fails (printed)."""
    if given is not None:
        return given
    site = scratch / "site"
    result = run_mkdocs_build(site)
    if result.returncode != 0:
        print(result.stderr[-4000:], file=sys.stderr)
        return None
    return site


#: Content types a static host compresses (GitHub Pages, Netlify and Cloudflare all gzip these).
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
                    "application/wasm", "application/manifest+json")


def parse_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Rules of a Netlify-style ``_headers`` file: ``[(path pattern, [(name, value), ...]), ...]``."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif rules and ":" in line:
            name, value = line.strip().split(":", 1)
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


def _pattern_matches(pattern: str, path: str) -> bool:
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), path) is not None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    host_headers: list[tuple[str, list[tuple[str, str]]]] = []

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

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0]
        for pattern, headers in self.host_headers:
            if _pattern_matches(pattern, path):
                for name, value in headers:
                    self.send_header(name, value)
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        if not path.exists():
            return self._not_found()
        ctype = self.guess_type(str(path))
        if path.is_file() and "gzip" in self.headers.get("Accept-Encoding", "") and ctype.startswith(COMPRESSED_TYPES):
            return self._send(200, ctype, _gzipped(path, path.stat().st_mtime_ns), encoding="gzip")
        return super().do_GET()

    def _not_found(self) -> None:
        page = Path(self.directory) / "404.html"
        if not page.is_file():
            return self.send_error(404)
        body = page.read_bytes()
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            return self._send(404, "text/html", _gzipped(page, page.stat().st_mtime_ns), encoding="gzip")
        return self._send(404, "text/html", body)

    def _send(self, status: int, ctype: str, body: bytes, encoding: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith("text/") else ""))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@functools.lru_cache(maxsize=512)
def _gzipped(path: Path, mtime_ns: int) -> bytes:
    """*path* compressed as a static host would (gzip level 6); cached per modification time."""
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):   # a browser that closed the connection early
            super().handle_error(request, client_address)


def serve_directory(directory: Path, port: int = 0, host_headers: bool = False) -> tuple[_Server, str]:
    """Start a background HTTP server for *directory* (on *port*, 0 = any free one); return it and its base URL.

    With *host_headers*, responses carry the headers of ``directory/_headers``.
    """
    rules = parse_headers_file((directory / "_headers").read_text(encoding="utf-8")) if host_headers else []
    handler_class = type("_SiteHandler", (_QuietHandler,), {"host_headers": rules})
    handler = functools.partial(handler_class, directory=str(directory))
    server = _Server(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def post_path(name: str) -> str:
    """The built URL path of ``posts/<name>.md`` (``blog/YYYY/MM/DD/<slug>/``), from its front matter."""
    import re

    text = (ROOT / "posts" / f"{name}.md").read_text(encoding="utf-8")
    front = text.split("---", 2)[1]
    date = re.search(r"^date:\s*[\"']?(\d{4})-(\d{2})-(\d{2})", front, re.M)
    slug = re.search(r"^slug:\s*[\"']?([^\"'\s]+)", front, re.M)
    if date is None:
        raise ValueError(f"posts/{name}.md: no date in the front matter")
    year, month, day = date.groups()
    return f"blog/{year}/{month}/{day}/{slug.group(1) if slug else name}/"
