"""The Pyodide start-up snapshot: made once with Node, cached by what it depends on.

Pyodide's own start-up (booting CPython in WebAssembly and importing its
bootstrap modules) takes seconds on a slow machine, on every page load, warm
cache or not.  ``snapshot.mjs`` does that start-up once at build time, imports
the inferlab wheel, and saves the WebAssembly memory; the browser's worker
restores it instead of starting from scratch (see ``widgets/web/worker.js``,
which falls back to a plain start when the snapshot is missing or refused).

The snapshot depends on the exact Pyodide files, the wheel and the script, so
its cache key hashes all three: a change to the core makes a new one (the site
never restores stale code), and an unchanged tree reuses it.  Building takes a
few seconds, so the plugin starts it in the background when the wheel is ready
and waits for it only before the site's files are copied.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

#: The Node script that makes the snapshot.
SCRIPT = Path(__file__).with_name("snapshot.mjs")

#: The snapshot's path under the widgets' assets directory.
SITE_NAME = "pyodide/startup.bin.gz"

#: Snapshots kept in the cache (each ~7 MB); older ones are removed.
KEEP = 3

#: Longest a snapshot build may take before the site build gives up on it.
TIMEOUT_S = 300

#: Pyodide files the snapshot must match byte for byte.
_RUNTIME = ("package.json", "pyodide.asm.wasm", "pyodide.asm.mjs", "python_stdlib.zip")


def snapshot_key(wheel: Path, pyodide_dir: Path) -> str:
    """16 hex digits that change with the wheel, the Pyodide runtime or the script."""
    digest = hashlib.sha256()
    for path in (SCRIPT, wheel, *(pyodide_dir / name for name in _RUNTIME)):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class SnapshotJob:
    """A snapshot that exists (``process`` is None) or is being made by Node."""

    path: Path
    process: subprocess.Popen[str] | None = None
    figures: dict[str, float] = field(default_factory=dict)

    def wait(self, timeout: float = TIMEOUT_S) -> Path:
        """Block until the snapshot exists; return its path or raise ``RuntimeError`` saying why not."""
        if self.process is not None:
            try:
                out, err = self.process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()
                raise RuntimeError(f"making the Pyodide snapshot took over {timeout:.0f} s and was stopped") from None
            code, self.process = self.process.returncode, None
            if code != 0 or not self.path.is_file():
                detail = (err or out).strip().splitlines()[-12:]
                raise RuntimeError("making the Pyodide snapshot failed (node exit %d):\n%s" % (code, "\n".join(detail)))
            lines = out.strip().splitlines()
            self.figures = json.loads(lines[-1]) if lines else {}
            _prune(self.path.parent, keep=KEEP)
        return self.path


def start_snapshot(wheel: Path, pyodide_dir: Path, cache_dir: Path) -> SnapshotJob:
    """Return the cached snapshot for *wheel*, or start making it in the background.

    Raises ``RuntimeError`` when Node.js is not on PATH (the message says how to
    turn the snapshot off instead).
    """
    target = cache_dir / "snapshots" / f"{snapshot_key(wheel, pyodide_dir)}.bin.gz"
    if target.is_file():
        target.touch()  # most recently used: kept by _prune
        return SnapshotJob(target)
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("the Pyodide start-up snapshot is made with Node.js, and 'node' is not on PATH; "
                           "install Node.js 18 or later, or set 'snapshot: false' for the inferfolio/widgets plugin")
    target.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([node, str(SCRIPT), str(pyodide_dir), str(wheel), str(target)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return SnapshotJob(target, process)


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the *keep* most recently used snapshots in *folder*."""
    snapshots = sorted(folder.glob("*.bin.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in snapshots[keep:]:
        old.unlink(missing_ok=True)
