"""Structured data for search engines and link previews.

``person_jsonld`` turns the résumé into a schema.org ``Person`` (JSON-LD for
the home page).  The OpenGraph and Twitter tags themselves are written by
``overrides/main.html`` from each page's title and description.
"""

from __future__ import annotations

import json
from typing import Any


def person_jsonld(resume: dict[str, Any], site_url: str) -> str:
    """JSON-LD text of a schema.org Person, safe to place inside ``<script>``."""
    current = next((e for e in resume["experience"] if e["end"] == "present"), None)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": resume["name"],
        "description": resume["headline"],
        "url": site_url,
        "sameAs": [link["url"] for link in resume.get("links", []) if link["url"].startswith("http")],
        "knowsAbout": [axis["skill"] for axis in resume["radar"]],
    }
    if "email" in resume:
        data["email"] = f"mailto:{resume['email']}"
    if "location" in resume:
        data["address"] = {"@type": "PostalAddress", "addressLocality": resume["location"]}
    if current is not None:
        data["jobTitle"] = current["role"]
        data["worksFor"] = {"@type": "Organization", "name": current["company"]}
    # "</" must not appear inside a <script> element.
    return json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
