"""The core's wheel for the browser, written from the installed ``inferlab`` package.

The reader's Pyodide installs the core from a wheel: a zip of the package and
its ``.dist-info``.  This module writes that wheel itself, from the folder
Python imports ``inferlab`` from (``widgets/inferlab`` in this repository,
``site-packages/inferlab`` when inferfolio was installed with pip), so a site
that uses the widgets needs no checkout of this repository, no build backend
and no pip run at build time.  Members are written in a fixed order with a
fixed timestamp, so equal sources give equal bytes (and the Pyodide snapshot
made from them is reused).  Wheels are cached by a hash of the sources.

One function is shared by the site build, the test that runs the core's suite
inside Pyodide, and the benchmarks.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import shutil
import sys
import zipfile
from pathlib import Path

#: Timestamp of every member (2023-11-14 22:13:20, SOURCE_DATE_EPOCH 1700000000): equal sources, equal bytes.
_MEMBER_TIME = (2023, 11, 14, 22, 13, 20)

_METADATA = """Metadata-Version: 2.1
Name: inferlab
Version: {version}
Summary: Pure-Python models of LLM inference systems (the core of inferfolio's live widgets).
Requires-Python: >=3.11
License: MIT
"""

_WHEEL = """Wheel-Version: 1.0
Generator: inferfolio.widgets.wheel
Root-Is-Purelib: true
Tag: py3-none-any
"""


def core_package_dir() -> Path:
    """The folder of the ``inferlab`` package Python imports (without importing it)."""
    spec = importlib.util.find_spec("inferlab")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the inferlab package is not installed; install inferfolio (pip install <inferfolio>), "
                           "which ships it")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def package_dir(core_dir: Path | None = None) -> Path:
    """The ``inferlab`` package folder for *core_dir*: the package itself, or a folder holding it (``widgets/``)."""
    if core_dir is None:
        return core_package_dir()
    core_dir = Path(core_dir)
    return core_dir / "inferlab" if (core_dir / "inferlab" / "__init__.py").is_file() else core_dir


def source_files(core_dir: Path | None = None) -> list[Path]:
    """The package's files that go into the wheel (all but bytecode), sorted."""
    root = package_dir(core_dir)
    if not (root / "__init__.py").is_file():
        raise RuntimeError(f"{root} is not the inferlab package (no __init__.py)")
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and "__pycache__" not in p.relative_to(root).parts and p.suffix not in (".pyc", ".pyo"))


def source_hash(core_dir: Path | None = None) -> str:
    """A 16-hex-digit hash of the package's files (paths and contents) and of this writer."""
    root = package_dir(core_dir)
    digest = hashlib.sha256(_METADATA.encode() + _WHEEL.encode())
    for path in source_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def core_version(core_dir: Path | None = None) -> str:
    """``__version__`` of the package, read from its ``__init__.py`` (not imported)."""
    init = package_dir(core_dir) / "__init__.py"
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", init.read_text(encoding="utf-8"), re.M)
    if match is None:
        raise RuntimeError(f"{init}: no __version__ = '...' line")
    return match.group(1)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(dest_dir: Path, core_dir: Path | None = None) -> Path:
    """Write ``inferlab-<version>-py3-none-any.whl`` into *dest_dir*; return its path."""
    root = package_dir(core_dir)
    version = core_version(root)
    info = f"inferlab-{version}.dist-info"
    members = [(f"inferlab/{p.relative_to(root).as_posix()}", p.read_bytes()) for p in source_files(root)]
    members += [(f"{info}/METADATA", _METADATA.format(version=version).encode()), (f"{info}/WHEEL", _WHEEL.encode())]
    record = "\n".join([_record_line(name, data) for name, data in members] + [f"{info}/RECORD,,"]) + "\n"
    members.append((f"{info}/RECORD", record.encode()))
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"inferlab-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in members:
            member = zipfile.ZipInfo(name, date_time=_MEMBER_TIME)
            member.external_attr = 0o644 << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(member, data)
    return target


def build_core_wheel(dest_dir: Path, core_dir: Path | None = None, cache_dir: Path | None = None) -> Path:
    """The ``inferlab`` wheel in *dest_dir*; return its path.

    *core_dir* is the package (or a folder holding it); by default the one
    Python imports.  With *cache_dir*, a wheel of identical sources is copied
    from ``cache_dir/<source hash>/`` instead of written again.  Raises
    ``RuntimeError`` when there is no package to build from.
    """
    dest_dir = Path(dest_dir)
    if cache_dir is None:
        return write_wheel(dest_dir, core_dir)
    cached_dir = Path(cache_dir) / source_hash(core_dir)
    cached = sorted(cached_dir.glob("inferlab-*.whl"))
    wheel = cached[0] if cached else write_wheel(cached_dir, core_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / wheel.name
    if target.resolve() != wheel.resolve():
        shutil.copyfile(wheel, target)
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
