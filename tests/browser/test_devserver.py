"""``make serve``'s dev server: a port in use, and a build error shown in the browser until it is fixed."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.slow]

START_TIMEOUT_S = 240


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _devserver(project: Path, port: int, log: object = subprocess.PIPE) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "inferfolio.portfolio.devserver", "--strict", "--dev-addr", f"127.0.0.1:{port}",
         "--config-file", str(project / "mkdocs.yml")],
        cwd=project, stdout=log, stderr=subprocess.STDOUT, text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin", "HOME": str(project)},
    )


def test_port_in_use_is_one_line_before_any_build(site_copy: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        process = _devserver(site_copy, port)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    lines = output.strip().splitlines()
    assert lines == [f"make serve: port {port} on 127.0.0.1 is in use (is another server running?); "
                     f"stop it or pick another port: PORT={port + 1} make serve"], output
    assert time.monotonic() - started < 30 and not (site_copy / "site").exists()


@pytest.fixture
def running(site_copy: Path) -> Iterator[tuple[Path, str]]:
    port = _free_port()
    log_path = site_copy.parent / "devserver.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = _devserver(site_copy, port, log)
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Serving on" not in log_path.read_text(encoding="utf-8"):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait(timeout=30)
                pytest.fail("the dev server did not start:\n" + log_path.read_text(encoding="utf-8"))
            time.sleep(0.5)
        yield site_copy, f"http://127.0.0.1:{port}/"
        process.terminate()
        process.wait(timeout=30)


def test_build_error_shows_in_the_page_and_clears_on_the_next_good_save(chromium: object, running: tuple[Path, str]) -> None:
    project, url = running
    post = next((project / "posts").glob("*.md"))
    good = post.read_text(encoding="utf-8")
    line = next(i for i, text in enumerate(good.splitlines(), 1) if text.startswith("date:"))
    context = chromium.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        page.goto(url + "resume/")
        page.wait_for_selector(".if-resume")
        post.write_text(re.sub(r"(?m)^date: .*$", "date: next tuesday", good, count=1), encoding="utf-8")
        # Live reload brings the error into the open page: file, line, field and value.
        page.wait_for_selector("#build-error", timeout=START_TIMEOUT_S * 1000)
        error = page.inner_text("#build-error")
        assert f"posts/{post.name}:{line}: date: 'next tuesday' is not allowed" in error
        post.write_text(good, encoding="utf-8")
        page.wait_for_selector(".if-resume", timeout=START_TIMEOUT_S * 1000)
        assert page.query_selector("#build-error") is None
    finally:
        context.close()
        post.write_text(good, encoding="utf-8")
