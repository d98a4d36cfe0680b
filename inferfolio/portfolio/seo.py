"""Structured data for search engines and link previews.

``person_jsonld`` turns the résumé into a schema.org ``Person`` (JSON-LD for
the home and résumé pages); ``blog_posting_jsonld`` describes a post as a
schema.org ``BlogPosting``.  Both return JSON text that is safe inside
``<script>`` (:func:`~.escaping.json_for_script`).  The OpenGraph and Twitter
tags themselves are written by ``overrides/main.html``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from markupsafe import Markup

from .escaping import json_for_script


def person_data(resume: dict[str, Any], site_url: str, image: str | None = None) -> dict[str, Any]:
    """The schema.org Person of the résumé view, as a dict (*image*: the photo's address)."""
    current = next((e for e in resume.get("experience", []) if e["end"] == "present"), None)
    areas = [axis["skill"] for axis in resume.get("radar", [])] or [group["category"] for group in resume.get("skills", [])]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": resume["name"],
        "description": resume["headline"],
        "url": site_url,
        "sameAs": [link["url"] for link in resume.get("links", []) if link.get("url", "").startswith("http")],
        "knowsAbout": areas,
    }
    if image:
        data["image"] = image
    if "email" in resume:
        data["email"] = f"mailto:{resume['email']}"
    if "location" in resume:
        data["address"] = {"@type": "PostalAddress", "addressLocality": resume["location"]}
    if current is not None:
        data["jobTitle"] = current["role"]
        data["worksFor"] = {"@type": "Organization", "name": current["company"]}
    data.update(_person_sections(resume))
    return data


def _person_sections(resume: dict[str, Any]) -> dict[str, Any]:
    """The schema.org Person properties of the résumé's sections beyond work (only those it has)."""
    properties = {
        "alumniOf": [{"@type": "EducationalOrganization", "name": entry["institution"]}
                     for entry in resume.get("education", [])],
        "award": [entry["title"] for entry in resume.get("awards", [])],
        "hasCredential": [{"@type": "EducationalOccupationalCredential", "name": entry["name"],
                           **({"recognizedBy": {"@type": "Organization", "name": entry["issuer"]}} if "issuer" in entry else {})}
                          for entry in resume.get("certificates", [])],
        "knowsLanguage": [entry["language"] for entry in resume.get("languages", [])],
    }
    return {name: value for name, value in properties.items() if value}


def person_jsonld(resume: dict[str, Any], site_url: str, image: str | None = None) -> Markup:
    """JSON-LD text of a schema.org Person, safe to place inside ``<script>``."""
    return json_for_script(person_data(resume, site_url, image))


def blog_posting_jsonld(meta: dict[str, Any], url: str, author: str, site_url: str, image: str | None = None) -> Markup:
    """JSON-LD text of a schema.org BlogPosting for a post's validated front matter *meta*.

    *url* is the post's absolute address, *author* the author's name, *image*
    the absolute address of its social card (optional).
    """
    published: _dt.date = meta["date"]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": meta["title"],
        "description": meta["description"],
        "datePublished": published.isoformat(),
        "dateModified": published.isoformat(),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "author": {"@type": "Person", "name": author, "url": site_url},
        "keywords": list(meta.get("tags", [])),
        "articleSection": list(meta.get("categories", [])),
        "inLanguage": "en",
    }
    if image:
        data["image"] = image
    return json_for_script(data)
