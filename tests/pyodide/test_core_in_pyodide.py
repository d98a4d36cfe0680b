"""The core's own test suite, run inside real Pyodide under Node.

The same inferlab wheel that the site ships (built by
``inferfolio.widgets.wheel.build_core_wheel``) is unpacked into the Pyodide
runtime from ``node_modules/pyodide`` and ``tests/core`` runs there, so "the
core runs in the browser" is checked, not assumed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from inferfolio.widgets.wheel import build_core_wheel

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "pyodide" / "run.mjs"
TEST_WHEELS = ROOT / ".cache" / "pyodide-wheels"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def core_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The inferlab wheel, built once for this module."""
    return build_core_wheel(tmp_path_factory.mktemp("wheel"))


def _run(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "pyodide" / "pyodide.mjs").exists():
        pytest.fail("node and node_modules/pyodide are required: run 'make install'")
    return subprocess.run([node, str(RUNNER), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_core_suite_passes_in_pyodide(core_wheel: Path) -> None:
    if not any(TEST_WHEELS.glob("pytest-*.whl")):
        pytest.fail(f"no pytest wheel in {TEST_WHEELS}: run 'make install'")
    result = _run("--wheel", str(core_wheel), "pytest", "tests/core", "-q", "-m", "not bench", "-p", "no:cacheprovider")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    assert " passed" in output, output[-2000:]


def test_runner_propagates_a_script_exit_code(core_wheel: Path, tmp_path: Path) -> None:
    script = tmp_path / "probe.py"
    script.write_text(
        "import sys, inferlab\n"
        "print('platform', sys.platform, 'inferlab', inferlab.__version__)\n"
        "raise SystemExit(3)\n"
    )
    result = _run("--wheel", str(core_wheel), "script", str(script), timeout=300)
    assert result.returncode == 3, result.stderr[-4000:]
    assert "platform emscripten inferlab" in result.stdout
