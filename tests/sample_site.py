"""New sites made from the skeleton (``inferfolio.skeleton``), for tests.

``new_site`` writes the skeleton into a folder and links this checkout's
``node_modules`` (Pyodide) and ``.cache`` (wheels, snapshots, cards) into it,
which is what the new site's own ``make install`` and first build would make.
With ``complete=True`` its résumé is the JSON Resume sample with every
section (``tests/fixtures/jsonresume/complete.json``), with a photo and the
project page the sample links to.  ``offline_venv`` makes a virtual
environment that installs and builds without a package index.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from buildtools import ROOT
from inferfolio.skeleton import create_site

SAMPLE = ROOT / "tests" / "fixtures" / "jsonresume" / "complete.json"


def sample_photo(path: Path) -> None:
    """A portrait-shaped test image (a head and shoulders in flat colours) at *path*."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 1200), (90, 120, 170))
    draw = ImageDraw.Draw(image)
    draw.ellipse((250, 250, 650, 650), fill=(240, 200, 170))
    draw.rectangle((200, 700, 700, 1200), fill=(40, 60, 90))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def new_site(dest: Path, resume_format: str = "jsonresume", complete: bool = False) -> Path:
    """The skeleton in *dest*, ready to build with this checkout's packages; returns *dest*."""
    create_site(dest, source=str(ROOT), resume_format=resume_format)
    for shared in ("node_modules", ".cache"):
        if (ROOT / shared).exists():
            (dest / shared).symlink_to(ROOT / shared, target_is_directory=True)
    if complete:
        shutil.copyfile(SAMPLE, dest / "docs" / "resume.json")
        sample_photo(dest / "docs" / "images" / "rosa.jpg")
        (dest / "docs" / "projects" / "walcheck.md").write_text(
            "---\ntitle: walcheck\ndescription: A checker for write-ahead log files.\n---\n\n# walcheck\n\n"
            "A placeholder page for the sample's project.\n", encoding="utf-8")
        config = dest / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("      - projects/example-project.md\n",
                                       "      - projects/example-project.md\n      - projects/walcheck.md\n"),
                          encoding="utf-8")
    return dest


def offline_venv(venv: Path) -> Path:
    """A new virtual environment at *venv* that sees this venv's packages (pip, setuptools, MkDocs ...) behind its own.

    Made without pip of its own, so ``venv/bin/python -m pip`` is this venv's pip
    and builds with this venv's setuptools (``--no-build-isolation``) need no
    index.  The packages come through a path file listing this venv's
    site-packages as a plain folder: its editable-install hooks do not run, so
    ``inferfolio`` is importable there only once installed into *venv*.
    Returns the new environment's site-packages folder.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    (purelib / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return purelib
