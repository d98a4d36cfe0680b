"""The core (and the plugin modules [tool.mypy] lists) type-check clean under mypy's project settings.

mypy runs as a separate process (``python -m mypy``) from the repository
root, so it reads the project's own configuration and checks the files it
lists.  Inside Pyodide (tests/pyodide runs tests/core there) mypy is not
installed and these tests are skipped.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (it is a test extra: pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "pyproject.toml"


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(CONFIG), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error:" in line]


def test_core_has_no_type_errors() -> None:
    result = _mypy()
    output = result.stdout + result.stderr
    errors = _errors(output)
    assert not errors, f"mypy found {len(errors)} error(s):\n" + "\n".join(errors)
    assert result.returncode == 0, output
    assert "Success: no issues found" in result.stdout, output


def test_the_project_settings_catch_errors(tmp_path: Path) -> None:
    """The same command fails on a file with errors the settings exist for (so the test above can fail)."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def untyped_body():\n"
        "    return 1 + 'one'\n"  # found only with check_untyped_defs
        "\n"
        "\n"
        "def half_typed(x, y: int) -> int:\n"  # disallow_incomplete_defs
        "    return y\n"
    )
    result = _mypy("--cache-dir", str(tmp_path / "cache"), str(probe))
    errors = _errors(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    assert any(":2: error: Unsupported operand types" in e for e in errors), errors
    assert any(":5: error: Function is missing a type annotation" in e for e in errors), errors
