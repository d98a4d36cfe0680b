"""A clean start: a new site's skeleton, with none of this site's content.

``python -m inferfolio.skeleton DIR`` (or ``make new-site DIR=...`` in the
inferfolio repository) copies the folder ``site/`` next to this module into
*DIR*: a ``mkdocs.yml``, a placeholder résumé (JSON Resume by default, or the
site's own YAML format), one example post with a widget, a project page, the
templates and styles, a ``Makefile`` whose ``make serve`` and ``make test``
set everything up, and a test.  The new site installs inferfolio (the MkDocs
plugins and the ``inferlab`` core) with pip from *source*, the copy of
inferfolio it was made from, and Pyodide from npm at the version this
inferfolio pins (``package-lock.json``: see :mod:`.lockfile`).

The templates (``overrides/``) and ``site.css`` in ``site/`` are links to
this repository's own, so a new site starts from the current ones and owns
its copy from then on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: The skeleton's files (package data).
SKELETON = Path(__file__).with_name("site")

#: The résumé file of each format; the other one is left out.
RESUME_FILES = {"jsonresume": "docs/resume.json", "native": "docs/resume.yml"}

#: Files stored under another name here (a .gitignore would apply to this repository itself).
RENAMED = {"gitignore": ".gitignore"}

#: Files whose text carries placeholders.
TEMPLATED = ("mkdocs.yml", "Makefile", "package.json", "README.md")


def repository_source() -> str | None:
    """The inferfolio checkout this package runs from (an editable install), or ``None`` when installed."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "widgets" / "inferlab" / "__init__.py").is_file():
        return str(root)
    return None


def create_site(target: Path, source: str, resume_format: str = "jsonresume") -> list[Path]:
    """Write the skeleton into *target* (missing or empty); return the files written.

    *source* is what the new site's ``make install`` gives pip to install
    inferfolio from (a path or a ``git+`` URL).  Raises ``ValueError`` for an
    unknown *resume_format* and ``FileExistsError`` when *target* has files.
    """
    from inferfolio.widgets.assets import PYODIDE_VERSION

    if resume_format not in RESUME_FILES:
        raise ValueError(f"resume format {resume_format!r} is not allowed; allowed: {', '.join(RESUME_FILES)}")
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} already exists and is not an empty folder; choose a new one")
    values = {"@@INFERFOLIO_SOURCE@@": source, "@@PYODIDE_VERSION@@": PYODIDE_VERSION,
              "@@RESUME_FILE@@": RESUME_FILES[resume_format]}
    left_out = {name for fmt, name in RESUME_FILES.items() if fmt != resume_format}
    written = []
    for path in sorted(SKELETON.rglob("*")):
        rel = path.relative_to(SKELETON).as_posix()
        if not path.is_file() or rel in left_out or "__pycache__" in path.parts:
            continue
        dest = target / RENAMED.get(rel, rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if rel in TEMPLATED:
            text = path.read_text(encoding="utf-8")
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            dest.write_text(text, encoding="utf-8")
        else:
            dest.write_bytes(path.read_bytes())  # through the links: a real copy
        written.append(dest)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inferfolio.skeleton",
                                     description="Create a new site: a placeholder résumé, one post with a widget, "
                                                 "and `make serve` / `make test` ready to run.")
    parser.add_argument("directory", type=Path, help="the new site's folder (created; must not have files)")
    parser.add_argument("--resume", choices=sorted(RESUME_FILES), default="jsonresume",
                        help="the placeholder résumé's format (default: jsonresume, a docs/resume.json)")
    parser.add_argument("--source", help="where the new site's `make install` installs inferfolio from "
                                         "(a path or git+https://... URL; default: this repository)")
    args = parser.parse_args(argv)
    source = args.source or repository_source()
    if source is None:
        parser.error("--source is required when inferfolio is not an editable install of a repository: "
                     "give the path or git+ URL that pip should install inferfolio from")
    try:
        files = create_site(args.directory, source, args.resume)
    except (FileExistsError, ValueError) as exc:
        print(f"new site: {exc}", file=sys.stderr)
        return 2
    print(f"Created {args.directory} ({len(files)} files). Next:\n"
          f"  cd {args.directory}\n"
          f"  make serve   # installs inferfolio from {source} and Pyodide from npm, then serves on http://localhost:8000\n"
          f"  make test    # builds the site with --strict and checks it\n"
          f"Then edit {RESUME_FILES[args.resume]}, mkdocs.yml (site_name, site_url) and posts/.")
    return 0
