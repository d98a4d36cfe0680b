"""The widget runtime as site files: browser modules, Pyodide, the core wheel.

Everything is served from the site's own origin under ``assets/widgets/``:

* ``boot.js`` (the only script on every page, ~1 KB) and ``widgets.css``;
* ``widgets.js`` (the two generic drivers), ``client.js`` and ``worker.js`` —
  fetched only by pages that have a widget;
* ``pyodide/`` — the runtime files of the pinned npm package, fetched only
  when a widget goes live;
* ``inferlab-<version>-py3-none-any.whl`` — the core, built from source.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File

#: The npm ``pyodide`` version the worker and the snapshot are written for (package.json pins the same;
#: another site installs it with ``npm install pyodide@<this>``).
PYODIDE_VERSION = "314.0.7"

#: Runtime files Pyodide 314 loads (checked against the npm package's contents).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")

#: The browser modules and styles, shipped inside the package (a link to widgets/web in the repository).
WEB_DIR = Path(__file__).parent / "web"

#: Browser modules and styles shipped from the web folder.
WEB_SUFFIXES = (".js", ".css")


def pyodide_version(pyodide_dir: Path) -> str:
    """The version of the npm package in *pyodide_dir*.

    Raises FileNotFoundError naming what is missing, or ValueError when it is
    not PYODIDE_VERSION (each says the npm command that fixes it).
    """
    install = f"npm install pyodide@{PYODIDE_VERSION}"
    missing = [name for name in ("package.json", *PYODIDE_FILES, "pyodide-lock.json") if not (pyodide_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{pyodide_dir}: missing {', '.join(missing)} (run '{install}' next to mkdocs.yml, "
                                "or set the plugin's pyodide_dir)")
    version = json.loads((pyodide_dir / "package.json").read_text(encoding="utf-8"))["version"]
    if version != PYODIDE_VERSION:
        raise ValueError(f"{pyodide_dir}: pyodide {version} is not allowed; the widgets need {PYODIDE_VERSION} "
                         f"(run '{install}')")
    return version


def trimmed_lockfile(pyodide_dir: Path) -> str:
    """``pyodide-lock.json`` without the package index (the widgets load no Pyodide packages).

    The full lock lists ~350 packages (~120 KB) that the site never serves;
    keeping only ``info`` saves that download and makes a stray
    ``loadPackage`` fail loudly instead of reaching for a CDN.
    """
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    return json.dumps({"info": lock["info"], "packages": {}}, separators=(",", ":"))


def web_files(web_dir: Path) -> list[Path]:
    """The browser modules and CSS in *web_dir*, sorted."""
    return sorted(p for p in web_dir.iterdir() if p.is_file() and p.suffix in WEB_SUFFIXES)


def build_id(core_hash: str, web_dir: Path, version: str) -> str:
    """A short id that changes whenever the core, the web files or Pyodide change."""
    digest = hashlib.sha256(f"{core_hash}\0{version}\0".encode())
    for path in web_files(web_dir):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def runtime_files(config: MkDocsConfig, assets_dir: str, web_dir: Path, pyodide_dir: Path, wheel: Path) -> list[File]:
    """Generated ``File``\\ s for every runtime asset (see the module docstring)."""
    files = [File.generated(config, f"{assets_dir}/{p.name}", abs_src_path=str(p)) for p in web_files(web_dir)]
    files += [File.generated(config, f"{assets_dir}/pyodide/{name}", abs_src_path=str(pyodide_dir / name))
              for name in PYODIDE_FILES]
    files.append(File.generated(config, f"{assets_dir}/pyodide/pyodide-lock.json", content=trimmed_lockfile(pyodide_dir)))
    files.append(File.generated(config, f"{assets_dir}/{wheel.name}", abs_src_path=str(wheel)))
    return files


def integrity(data: bytes) -> str:
    """The Subresource Integrity value of *data* (``sha256-<base64>``)."""
    import base64

    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def compressed_size(data: bytes, cache_dir: Path) -> int:
    """Bytes *data* takes gzip-compressed (what a compressing static host sends), cached by content hash."""
    import gzip

    if data[:2] == b"\x1f\x8b":  # already gzip (the snapshot)
        return len(data)
    key = hashlib.sha256(data).hexdigest()[:24]
    memo = cache_dir / "gzip-sizes" / key
    if memo.is_file():
        return int(memo.read_text())
    size = len(gzip.compress(data, compresslevel=6))
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(str(size))
    return size


def manifest_entries(files: dict[str, bytes], cache_dir: Path) -> dict[str, dict[str, object]]:
    """``{name: {integrity, size, gzip_size}}`` for the runtime files the worker fetches (see worker.js)."""
    return {name: {"integrity": integrity(data), "size": len(data), "gzip_size": compressed_size(data, cache_dir)}
            for name, data in sorted(files.items())}


def fetched_runtime(pyodide_dir: Path, wheel: Path) -> dict[str, bytes]:
    """The runtime files the worker fetches with an integrity check, by name (the snapshot is added later)."""
    files = {name: (pyodide_dir / name).read_bytes() for name in ("pyodide.asm.wasm", "python_stdlib.zip")}
    files["pyodide-lock.json"] = trimmed_lockfile(pyodide_dir).encode("utf-8")
    files[wheel.name] = wheel.read_bytes()
    return files
