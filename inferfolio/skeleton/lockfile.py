"""The new site's ``package-lock.json``: Pyodide and what it needs, as this repository locks them.

A new site installs one npm package, ``pyodide`` at the version the widgets
pin.  Its lock file is cut from this repository's ``package-lock.json`` (the
same versions and integrity hashes the project is tested with), so the new
site's ``npm ci`` installs exactly those files, with no registry look-up
beyond the tarballs.  Regenerate it after changing the pin:

    python -m inferfolio.skeleton.lockfile package-lock.json > inferfolio/skeleton/site/package-lock.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

#: The new site's npm package name (``site/package.json`` says the same).
SITE_PACKAGE = "my-inferfolio-site"


def _resolve(packages: dict[str, Any], requirer: str, name: str) -> str:
    """Where npm finds *name* for the package at *requirer*: its own node_modules, then each folder up."""
    base = requirer
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in packages:
            return candidate
        if not base:
            raise KeyError(f"package-lock.json: {name} (needed by {requirer or 'the root'}) is not locked")
        base = base.rsplit("/node_modules/", 1)[0] if "/node_modules/" in base else ""


def site_lock(repo_lock: dict[str, Any], package: str = "pyodide") -> dict[str, Any]:
    """A lock file for a site whose one dependency is *package*, with the entries *repo_lock* gives it and its needs."""
    packages = repo_lock["packages"]
    top = _resolve(packages, "", package)
    wanted, todo = {}, [top]
    while todo:
        path = todo.pop()
        if path in wanted:
            continue
        wanted[path] = packages[path]
        todo.extend(_resolve(packages, path, dep) for dep in packages[path].get("dependencies", {}))
    # The lock keeps each entry where it sits in this repository's tree, so nested copies stay nested.
    root = {"name": SITE_PACKAGE, "dependencies": {package: packages[top]["version"]}}
    return {"name": SITE_PACKAGE, "lockfileVersion": repo_lock["lockfileVersion"], "requires": True,
            "packages": {"": root, **dict(sorted(wanted.items()))}}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m inferfolio.skeleton.lockfile path/to/package-lock.json", file=sys.stderr)
        return 2
    lock = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    print(json.dumps(site_lock(lock), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
