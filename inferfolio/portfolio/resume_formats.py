"""The two résumé formats: their schemas, and the conversions the site needs.

JSON Resume is the hub.  A résumé in the site's YAML format is converted to
JSON Resume (:func:`to_jsonresume`); whichever format the author wrote, the
JSON Resume document is what the build publishes as ``resume.json``, and
:func:`to_view` turns it into the dict the templates read (the site's field
names, entries split by section, extras joined in).  A JSON Resume input is
therefore published as it was read, with nothing dropped.

Both schemas and both conversions are generated from the table in
:mod:`.resume_fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .resume_fields import (LABEL, SHORT, TALK_TYPES, TEXT, WORDS, Photo, Section, Spec, resume_sections,
                            site_extras)
from .schema import Email, ListOf, MapOf, Plain, Record, Str, Url

#: Where JSON Resume's tools read this site's additions.
EXTENSION = "inferfolio"
#: The JSON Resume schema the written file follows.
JSONRESUME_SCHEMA_URL = "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json"

PHONE = Str(max_len=40, pattern=r"[0-9+()./ \-x]+", expected_text="a phone number (digits, spaces and + ( ) . - /)")


def _dates_in_order(start: str, end: str) -> Callable[[dict[str, Any]], list[tuple[str, str]]]:
    def rule(entry: dict[str, Any]) -> list[tuple[str, str]]:
        first, last = entry.get(start), entry.get(end)
        if isinstance(first, str) and isinstance(last, str) and last != "present" and last < first:
            allowed = "a date on or after the start" + (", or 'present'" if end == "end" else "")
            return [(end, f"{last!r} is before start {first!r}; expected {allowed}")]
        return []
    return rule


def _entry_record(specs: tuple[Spec, ...], native: bool) -> Record:
    required: dict[str, Any] = {}
    optional: dict[str, Any] = {}
    for spec in specs:
        name = spec.native if native else spec.jsonresume
        if name is None or name in required or name in optional:
            continue
        kind = spec.kind if native else (spec.jsonresume_kind or spec.kind)
        is_required = spec.native_required if native else spec.jsonresume_required
        (required if is_required else optional)[name] = kind
    start, end = ("start", "end") if native else ("startDate", "endDate")
    return Record(required, optional, rules=[_dates_in_order(start, end)])


def _links() -> ListOf:
    return ListOf(Record({"label": LABEL, "url": Url()}, optional={"username": WORDS}), min_items=0, max_items=12)


def native_schema(page_exists: Callable[[str], bool], find_file: Callable[[str], Path | None]) -> Record:
    """The schema of the site's own YAML format (``docs/resume.yml``)."""
    optional: dict[str, Any] = {
        "kicker": site_extras()["kicker"], "location": SHORT, "email": Email(), "phone": PHONE, "url": Url(),
        "photo": Photo(find_file), "links": _links(),
    }
    optional.update((key, kind) for key, kind in site_extras().items() if key != "kicker")
    for section in resume_sections(page_exists):
        optional[section.native] = ListOf(_entry_record(section.specs, native=True), min_items=0, max_items=section.max_items)
    return Record(required={"name": SHORT, "headline": Str(max_len=200), "summary": TEXT}, optional=optional)


def jsonresume_schema(page_exists: Callable[[str], bool], find_file: Callable[[str], Path | None]) -> Record:
    """The schema of a JSON Resume v1.0.0 document as this site reads it.

    Stricter than JSON Resume's own in three ways: ``basics.name`` and
    ``basics.label`` are required (the page's heading), each entry needs the
    field that names it, and fields JSON Resume does not define are errors
    (typos), except in ``meta``, which belongs to tools.
    """
    sections = resume_sections(page_exists)
    lists: dict[str, tuple[Spec, ...]] = {}
    extensions: dict[str, tuple[Spec, ...]] = {}
    for section in sections:
        lists[section.jsonresume] = lists.get(section.jsonresume, ()) + section.specs
        if section.extension:
            extra = tuple(spec for spec in section.specs if spec.jsonresume is None)
            extensions[section.extension] = extensions.get(section.extension, ()) + extra
    location = Record({}, optional={"address": Str(max_len=300), "postalCode": LABEL, "city": SHORT,
                                    "countryCode": Str(max_len=2, min_len=2, pattern=r"[A-Za-z]{2}",
                                                       expected_text="a two-letter country code (ISO 3166-1), like US"),
                                    "region": SHORT})
    basics = Record(required={"name": SHORT, "label": Str(max_len=200)},
                    optional={"summary": TEXT, "email": Email(), "phone": PHONE, "url": Url(), "image": Photo(find_file),
                              "location": location,
                              "profiles": ListOf(Record({"network": LABEL}, optional={"username": WORDS, "url": Url()}),
                                                 min_items=0, max_items=12)})
    extension_fields: dict[str, Any] = dict(site_extras())
    for name, specs in extensions.items():
        fields = {spec.native: spec.kind for spec in specs if spec.native}
        extension_fields[name] = MapOf(Record({}, optional=fields))
    meta = Record({}, optional={"canonical": Url(), "version": LABEL, "lastModified": Str(max_len=40),
                                EXTENSION: Record({}, optional=extension_fields)}, other=Plain())
    optional: dict[str, Any] = {"$schema": Str(max_len=300)}
    for name, specs in lists.items():
        optional[name] = ListOf(_entry_record(specs, native=False), min_items=0, max_items=200)
    optional["meta"] = meta
    return Record(required={"basics": basics}, optional=optional)


def to_jsonresume(native: dict[str, Any], sections: tuple[Section, ...]) -> dict[str, Any]:
    """The JSON Resume document of a résumé in the site's format (validated)."""
    basics: dict[str, Any] = {"name": native["name"], "label": native["headline"]}
    for ours, theirs in (("summary", "summary"), ("email", "email"), ("phone", "phone"), ("url", "url"), ("photo", "image")):
        if ours in native:
            basics[theirs] = native[ours]
    if "location" in native:
        basics["location"] = {"city": native["location"]}
    if native.get("links"):
        basics["profiles"] = [{"network": link["label"], **({"username": link["username"]} if "username" in link else {}),
                               "url": link["url"]} for link in native["links"]]
    document: dict[str, Any] = {"basics": basics}
    extension = {key: native[key] for key in site_extras() if key in native}
    for section in sections:
        for entry in native.get(section.native, []):
            item: dict[str, Any] = {}
            extra: dict[str, Any] = {}
            for spec in section.specs:
                if spec.native is None or spec.native not in entry:
                    continue
                value = entry[spec.native]
                if spec.jsonresume is None:
                    extra[spec.native] = value
                elif not (section.present_end and spec.native == "end" and value == "present"):
                    item[spec.jsonresume] = value
            if section.jsonresume_type:
                item["type"] = section.jsonresume_type
            document.setdefault(section.jsonresume, []).append(item)
            if extra and section.extension:
                extension.setdefault(section.extension, {})[entry[section.key.native]] = extra
    if extension:
        document["meta"] = {EXTENSION: extension}
    return document


def _belongs(section: Section, entry: dict[str, Any]) -> bool:
    """Whether a JSON Resume entry of *section*'s list is shown in *section* (talks vs. projects)."""
    is_talk = str(entry.get("type", "")).lower() in TALK_TYPES
    if section.jsonresume_type:
        return is_talk
    return section.jsonresume != "projects" or not is_talk


def location_text(location: dict[str, str]) -> str:
    """How a JSON Resume location reads on the page: "City, Region, CC" (or its address)."""
    parts = [location[key] for key in ("city", "region", "countryCode") if location.get(key)]
    return ", ".join(parts) if parts else location.get("address", "").split("\n")[0]


def to_view(document: dict[str, Any], sections: tuple[Section, ...]) -> dict[str, Any]:
    """What the templates read: a JSON Resume document in the site's field names, sections split, extras joined."""
    basics = document["basics"]
    view: dict[str, Any] = {"name": basics["name"], "headline": basics["label"]}
    for ours, theirs in (("summary", "summary"), ("email", "email"), ("phone", "phone"), ("url", "url"), ("photo", "image")):
        if theirs in basics:
            view[ours] = basics[theirs]
    if basics.get("location") and location_text(basics["location"]):
        view["location"] = location_text(basics["location"])
    view["links"] = [{"label": p["network"], **{k: p[k] for k in ("url", "username") if k in p}}
                     for p in basics.get("profiles", [])]
    extension = (document.get("meta") or {}).get(EXTENSION) or {}
    view.update((key, extension[key]) for key in site_extras() if key in extension)
    for section in sections:
        extras = extension.get(section.extension, {}) if section.extension else {}
        entries = []
        for item in document.get(section.jsonresume, []):
            if not _belongs(section, item):
                continue
            extra = extras.get(item[section.key.jsonresume], {})
            entry = {}
            for spec in section.specs:
                if spec.native is not None:
                    value = extra.get(spec.native) if spec.jsonresume is None else item.get(spec.jsonresume)
                    if value is not None:
                        entry[spec.native] = value
            if section.present_end and "start" in entry and "end" not in entry:
                entry["end"] = "present"
            entries.append(entry)
        if entries:
            view[section.native] = entries
    return view
