"""Build the core's pure-Python wheel with standard tooling, cached by source hash.

One function is shared by the site build (the wheel the browser loads), the
test that runs the core's suite inside Pyodide, and the benchmarks.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: The core's source tree: ``widgets/`` (``pyproject.toml`` + ``inferlab/``).
CORE_DIR = Path(__file__).resolve().parents[2] / "widgets"

#: Files whose content goes into the wheel (and so into its cache key).
_SOURCE_GLOBS = ("pyproject.toml", "README.md", "inferlab/**/*.py")

#: Fixed timestamp for the archive members, so equal sources give equal bytes.
_SOURCE_DATE_EPOCH = "1700000000"


def source_files(core_dir: Path = CORE_DIR) -> list[Path]:
    """Return the core's source files that end up in the wheel, sorted."""
    found: set[Path] = set()
    for pattern in _SOURCE_GLOBS:
        found.update(p for p in core_dir.glob(pattern) if p.is_file() and "__pycache__" not in p.parts)
    return sorted(found)


def source_hash(core_dir: Path = CORE_DIR) -> str:
    """Return a 16-hex-digit hash of the core's sources (paths and contents)."""
    digest = hashlib.sha256()
    for path in source_files(core_dir):
        digest.update(path.relative_to(core_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def build_core_wheel(dest_dir: Path, core_dir: Path = CORE_DIR, cache_dir: Path | None = None) -> Path:
    """Build the ``inferlab`` wheel into *dest_dir*; return the wheel's path.

    The wheel is made by ``pip wheel --no-deps --no-build-isolation`` with the
    core's own build backend (flit_core, which must be installed).  When
    *cache_dir* is given, a wheel already built from identical sources is
    copied from ``cache_dir/<source hash>/`` instead of rebuilding, which
    keeps ``mkdocs serve`` rebuilds fast.  Raises ``RuntimeError`` with pip's
    output when the build fails.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    cached_dir = Path(cache_dir) / source_hash(core_dir) if cache_dir is not None else None
    if cached_dir is not None:
        cached = sorted(cached_dir.glob("inferlab-*.whl"))
        if cached:
            return _copy_into(cached[0], dest_dir)
    with tempfile.TemporaryDirectory(prefix="inferlab-wheel-") as tmp:
        env = dict(os.environ, SOURCE_DATE_EPOCH=_SOURCE_DATE_EPOCH, PIP_DISABLE_PIP_VERSION_CHECK="1")
        result = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--no-index", "--wheel-dir", tmp, str(core_dir)],
            env=env, capture_output=True, text=True, timeout=300,
        )
        wheels = sorted(Path(tmp).glob("inferlab-*.whl"))
        if result.returncode != 0 or len(wheels) != 1:
            raise RuntimeError(f"building the inferlab wheel from {core_dir} failed:\n{result.stdout}{result.stderr}")
        if cached_dir is not None:
            cached_dir.mkdir(parents=True, exist_ok=True)
            _copy_into(wheels[0], cached_dir)
        return _copy_into(wheels[0], dest_dir)


def _copy_into(path: Path, dest_dir: Path) -> Path:
    """Copy *path* into *dest_dir* (readable by all); return the copy's path."""
    target = dest_dir / path.name
    if target.resolve() != path.resolve():
        shutil.copyfile(path, target)
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m inferfolio.widgets.wheel DEST [CACHE]``: build, print the wheel's path."""
    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print("usage: python -m inferfolio.widgets.wheel DEST_DIR [CACHE_DIR]", file=sys.stderr)
        return 2
    cache = Path(args[1]) if len(args) == 2 else None
    print(build_core_wheel(Path(args[0]), cache_dir=cache))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
