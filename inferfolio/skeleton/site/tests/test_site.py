"""`make test`: the site builds with --strict, and what a reader needs is in it.

Run by `make test` (pytest).  Add your own checks here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_site_builds_with_its_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    for page in ("index.html", "resume/index.html", "blog/index.html", "tags/index.html", "feed.xml"):
        assert (site / page).is_file(), page
    resume = json.loads((site / "resume" / "resume.json").read_text(encoding="utf-8"))
    assert resume["basics"]["name"]
    posts = list((site / "blog").glob("20*/**/index.html"))
    assert posts, "no post was built"
    assert any("data-widget=" in post.read_text(encoding="utf-8") for post in posts), "no post carries a widget"
