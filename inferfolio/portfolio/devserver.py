"""``make serve``: MkDocs' live-reloading dev server, with two things it lacks.

* A port in use is reported in one line *before* the first build (MkDocs
  builds the whole site, then dies with a traceback).
* A failed build shows in the browser: every page answers with the error
  (the build log's warnings and errors, which name file and line) and the
  live-reload script, so the page reloads to the site on the next good save.
  MkDocs alone keeps the old epoch after a failed rebuild, and every request
  waits for a build that never arrives: the browser hangs.

Run: ``python -m inferfolio.portfolio.devserver [--dev-addr HOST:PORT] [--strict] [-f mkdocs.yml]``.
The rest is MkDocs' own ``serve`` (same config loading, plugin events and
watched paths), on a temporary site folder.
"""

from __future__ import annotations

import argparse
import errno
import html
import logging
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer, _serve_url

log = logging.getLogger("mkdocs.inferfolio.devserver")

ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build failed</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#111;background:#fff}}
h1{{color:#b00020;font-size:1.4rem}}pre{{white-space:pre-wrap;background:#f5f5f5;padding:1rem;border-left:4px solid #b00020}}</style>
</head><body><h1>The site did not build</h1>
<p>Fix the problem below and save: this page reloads by itself when the build succeeds.</p>
<pre id="build-error">{error}</pre></body></html>
"""


def port_in_use(host: str, port: int) -> bool:
    """True if nothing can listen on *host*:*port* (another server has it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


class _Capture(logging.Handler):
    """Keeps the warnings and errors logged during one build."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname} - {record.getMessage()}")


class ErrorPageServer(LiveReloadServer):
    """A LiveReloadServer that serves the last build error, if any, instead of the pages."""

    build_error: str | None = None

    def _serve_request(self, environ: dict, start_response: Callable) -> Iterable[bytes] | None:
        path = environ["PATH_INFO"]
        is_page = path.endswith(("/", ".html"))
        if self.build_error is not None and is_page and not path.startswith("/livereload/"):
            with self._epoch_cond:
                self._epoch_cond.wait_for(lambda: self._visible_epoch == self._wanted_epoch)
                epoch = self._visible_epoch
            error = self.build_error
            if error is not None:
                body = self._inject_js_into_html(ERROR_PAGE.format(error=html.escape(error)).encode("utf-8"), epoch)
                start_response("500 Internal Server Error",
                               [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
                return [body]
        return super()._serve_request(environ, start_response)


def guarded(build_site: Callable[[], None], server: ErrorPageServer) -> Callable[[], None]:
    """*build_site* that never raises: a failure is logged and kept in ``server.build_error``."""

    def builder() -> None:
        capture = _Capture()
        mkdocs_log = logging.getLogger("mkdocs")
        mkdocs_log.addHandler(capture)
        try:
            build_site()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure is the author's to see
            lines = [m for m in capture.messages if "Aborted with" not in m]
            server.build_error = "\n".join(lines or [f"{type(exc).__name__}: {exc}"])
            log.error("The build failed; the browser shows the error until the next good save.")
        else:
            server.build_error = None
        finally:
            mkdocs_log.removeHandler(capture)

    return builder


def serve(config_file: str | None, dev_addr: str, strict: bool) -> int:
    host, _, port_text = dev_addr.rpartition(":")
    host, port = host or "localhost", int(port_text)
    if port_in_use(host, port):
        print(f"make serve: port {port} on {host} is in use (is another server running?); "
              f"stop it or pick another port: PORT={port + 1} make serve", file=sys.stderr)
        return 1
    site_dir = tempfile.mkdtemp(prefix="mkdocs_")

    def get_config():
        return load_config(config_file=config_file, site_dir=site_dir, strict=strict, dev_addr=dev_addr)

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=False)
    mount_path = urlsplit(config.site_url or "/").path
    serve_url = _serve_url(host, port, mount_path)
    config.site_url = serve_url

    def build_site(fresh: bool = True) -> None:
        nonlocal config
        if fresh:
            config = get_config()
            config.site_url = serve_url
        build(config, serve_url=serve_url)

    server = ErrorPageServer(builder=lambda: None, host=host, port=port, root=site_dir, mount_path=mount_path)
    server.builder = guarded(build_site, server)
    try:
        guarded(lambda: build_site(fresh=False), server)()
        server.watch(config.docs_dir)
        if config.config_file_path:
            server.watch(config.config_file_path)
        server = config.plugins.on_serve(server, config=config, builder=server.builder)
        for item in config.watch:
            server.watch(item)
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()
    finally:
        config.plugins.on_shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--config-file", default=None)
    parser.add_argument("-a", "--dev-addr", default="localhost:8000")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    return serve(args.config_file, args.dev_addr, args.strict)


if __name__ == "__main__":
    sys.exit(main())
