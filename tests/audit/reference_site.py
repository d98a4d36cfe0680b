"""A stock Material for MkDocs site, the reference line of ``make audit``.

``build_reference_site(dest)`` writes a tiny project (Material's defaults:
no custom CSS, templates or plugins besides search) into *dest* and builds it
with the mkdocs-material installed here, so the audit compares this site with
what the same Material version gives out of the box.  The pages are generated
text of about the length of this site's pages (a home page and a long
article); ``font: false`` is the one change from the defaults, because the
audit runs offline and Google Fonts cannot load.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from buildtools import run_mkdocs_build  # noqa: E402

MKDOCS_YML = """\
site_name: Reference
site_url: http://127.0.0.1/
theme:
  name: material
  font: false
nav:
  - Home: index.md
  - Article: article.md
"""

PARAGRAPH = ("A request arrives at the gateway, waits in a queue, and is served by one of several workers; "
             "the time it spends waiting depends on how busy the workers are and on how variable the work is. ")


def _article(sections: int) -> str:
    parts = ["# A long article\n", PARAGRAPH * 2 + "\n"]
    for number in range(1, sections + 1):
        parts.append(f"## Section {number}\n")
        parts.append((PARAGRAPH * 3).strip() + "\n")
        parts.append("- first point of the section\n- second point of the section\n- third point\n")
        parts.append("```python\ndef utilization(arrival_rate, service_rate, servers):\n"
                     "    return arrival_rate / (service_rate * servers)\n```\n")
        parts.append("| quantity | value |\n| --- | --- |\n| arrivals | 22 /s |\n| workers | 32 |\n")
    return "\n".join(parts)


def build_reference_site(dest: Path) -> Path:
    """Write and build the reference project under *dest*; return its built site folder."""
    docs = dest / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    (dest / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (docs / "index.md").write_text("# Reference\n\n" + PARAGRAPH * 4 + "\n\n[The long article](article.md)\n", encoding="utf-8")
    (docs / "article.md").write_text(_article(sections=14), encoding="utf-8")
    site = dest / "site"
    result = run_mkdocs_build(site, dest / "mkdocs.yml")
    if result.returncode != 0:
        raise RuntimeError(f"the reference site did not build:\n{result.stderr[-3000:]}")
    return site
