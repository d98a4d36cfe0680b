"""The shapes JSON Resume v1.0.0 requires, written out from its schema.json, and a checker.

Source: jsonresume/resume-schema, tag v1.0.0, ``schema.json`` (draft-04):
the top level allows no other properties; ``basics``, every list item and
``meta`` allow extra properties; dates match the ``iso8601`` definition;
``email``, ``uri`` and ``date`` formats apply where the schema names them.
The check runs offline (no validator package, no download of the schema).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

#: ``definitions.iso8601.pattern`` of the v1.0.0 schema.
ISO8601 = re.compile(r"^([1-2][0-9]{3}-[0-1][0-9]-[0-3][0-9]|[1-2][0-9]{3}-[0-1][0-9]|[1-2][0-9]{3})$")

TEXT, URI, EMAIL, DATE, FULL_DATE = "text", "uri", "email", "iso8601", "date"


def obj(extra: bool = True, **properties: Any) -> dict[str, Any]:
    return {"object": properties, "extra": extra}


def arr(item: Any) -> dict[str, Any]:
    return {"array": item}


def _entry(**properties: Any) -> dict[str, Any]:
    return arr(obj(**properties))


SCHEMA = obj(
    extra=False,
    **{"$schema": URI},
    basics=obj(name=TEXT, label=TEXT, image=TEXT, email=EMAIL, phone=TEXT, url=URI, summary=TEXT,
               location=obj(address=TEXT, postalCode=TEXT, city=TEXT, countryCode=TEXT, region=TEXT),
               profiles=_entry(network=TEXT, username=TEXT, url=URI)),
    work=_entry(name=TEXT, location=TEXT, description=TEXT, position=TEXT, url=URI, startDate=DATE, endDate=DATE,
                summary=TEXT, highlights=arr(TEXT)),
    volunteer=_entry(organization=TEXT, position=TEXT, url=URI, startDate=DATE, endDate=DATE, summary=TEXT,
                     highlights=arr(TEXT)),
    education=_entry(institution=TEXT, url=URI, area=TEXT, studyType=TEXT, startDate=DATE, endDate=DATE, score=TEXT,
                     courses=arr(TEXT)),
    awards=_entry(title=TEXT, date=DATE, awarder=TEXT, summary=TEXT),
    certificates=_entry(name=TEXT, date=FULL_DATE, url=URI, issuer=TEXT),
    publications=_entry(name=TEXT, publisher=TEXT, releaseDate=DATE, url=URI, summary=TEXT),
    skills=_entry(name=TEXT, level=TEXT, keywords=arr(TEXT)),
    languages=_entry(language=TEXT, fluency=TEXT),
    interests=_entry(name=TEXT, keywords=arr(TEXT)),
    references=_entry(name=TEXT, reference=TEXT),
    projects=_entry(name=TEXT, description=TEXT, highlights=arr(TEXT), keywords=arr(TEXT), startDate=DATE,
                    endDate=DATE, url=URI, roles=arr(TEXT), entity=TEXT, type=TEXT),
    meta=obj(canonical=URI, version=TEXT, lastModified=TEXT),
)


def _format_problem(value: str, kind: str) -> str | None:
    if kind == DATE and not ISO8601.match(value):
        return "does not match the iso8601 pattern"
    if kind == FULL_DATE and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "is not a full date"
    if kind == EMAIL and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return "is not an e-mail address"
    if kind == URI and not (urlsplit(value).scheme and not re.search(r"\s", value)):
        return "is not an absolute URI"
    return None


def problems(value: Any, spec: Any = SCHEMA, path: str = "") -> list[str]:
    """Every way *value* breaks the v1.0.0 schema's shapes (empty when it follows them)."""
    where = path or "(document)"
    if isinstance(spec, str):
        if not isinstance(value, str):
            return [f"{where}: {type(value).__name__} is not a string"]
        problem = _format_problem(value, spec)
        return [f"{where}: {value!r} {problem}"] if problem else []
    if "array" in spec:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__} is not an array"]
        return [p for i, item in enumerate(value) for p in problems(item, spec["array"], f"{path}[{i}]")]
    if not isinstance(value, dict):
        return [f"{where}: {type(value).__name__} is not an object"]
    found = []
    for key, item in value.items():
        sub = f"{path}.{key}" if path else key
        if key in spec["object"]:
            found += problems(item, spec["object"][key], sub)
        elif not spec["extra"]:
            found.append(f"{sub}: additional property not allowed")
    return found
