"""Every résumé field, declared once for both formats the site reads.

A résumé is either this site's own YAML (``docs/resume.yml``: ``name``,
``headline``, ``experience`` ...) or a JSON Resume v1.0.0 document (``basics``,
``work`` ..., as JSON or YAML; https://jsonresume.org/schema).  Each
:class:`Section` lists its :class:`Spec`\\ s: the key in the site's format,
the key in JSON Resume, the check, and whether the field is required in each.
From this one table come both schemas (:mod:`.resume_formats`) and the
conversions between the formats.

Fields that JSON Resume has no place for (a project's page on this site, its
headline metric, a publication's authors) have ``jsonresume=None``: in a JSON
Resume they live in the extension block ``meta.inferfolio``, under the
entry's name (``meta.inferfolio.projects["<project name>"].page``).  JSON
Resume keeps ``meta`` for tools' own settings, so the file stays valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .schema import Field, Int, ListOf, Record, ResumeDate, Str, Url, _Context

SHORT = Str(max_len=120)
TEXT = Str(max_len=1000)
LABEL = Str(max_len=40)
WORDS = Str(max_len=60)
#: Links shown by their label ("Slides", "arXiv"), never by their address.
LINKS = ListOf(Record({"label": LABEL, "url": Url()}), min_items=1, max_items=8)
METRIC = Record({"value": Str(max_len=12), "label": SHORT})

#: JSON Resume project types shown as talks (the schema's own examples for a project's ``type``).
TALK_TYPES = ("talk", "presentation")

#: Photo file types (what browsers show and Pillow reads and writes).
PHOTO_FORMATS = {"JPEG": ".jpg/.jpeg", "PNG": ".png", "WEBP": ".webp"}
PHOTO_MIN_PX = 160


@dataclass
class DocPage(Field):
    """A docs-relative Markdown path (``projects/x.md``) that must exist in the site."""

    exists: Callable[[str], bool]

    expected = "the path of a page under docs/, like projects/my-project.md"

    def check(self, node: yaml.Node, path: str, ctx: _Context) -> Any:
        value = Str(pattern=r"[\w./-]+\.md", expected_text=self.expected).check(node, path, ctx)
        if isinstance(value, str) and not self.exists(value):
            ctx.fail(node, path, f"{value!r} is not a page of this site; expected {self.expected}")
        return value


@dataclass
class Photo(Field):
    """A docs-relative image file (JPEG, PNG or WebP), at least PHOTO_MIN_PX on its short side.

    *find_file* maps a docs-relative path to the file, or ``None`` when the site has no such file.
    """

    find_file: Callable[[str], Path | None]

    expected = f"an image file under docs/, like images/photo.jpg ({', '.join(PHOTO_FORMATS.values())})"

    def check(self, node: yaml.Node, path: str, ctx: _Context) -> Any:
        value = Str(max_len=300).check(node, path, ctx)
        if not isinstance(value, str):
            return value
        if "://" in value or value.startswith(("//", "data:")):
            ctx.fail(node, path, f"{value!r} is not allowed: the site makes no request to other hosts; "
                                 f"expected {self.expected} (the build makes the sizes it serves)")
            return value
        file = self.find_file(value.lstrip("/"))
        if file is None:
            ctx.fail(node, path, f"{value!r} is not a file of this site; expected {self.expected}")
            return value
        problem = photo_problem(file)
        if problem:
            ctx.fail(node, path, f"{value!r} {problem}")
        return value.lstrip("/")


def photo_problem(file: Path) -> str | None:
    """Why *file* cannot be the résumé photo, or ``None`` when it can."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(file) as image:
            kind, size = image.format, image.size
    except (OSError, UnidentifiedImageError, ValueError):
        return f"is not an image Pillow can read; expected {', '.join(PHOTO_FORMATS)}"
    if kind not in PHOTO_FORMATS:
        return f"is a {kind} image; expected {', '.join(PHOTO_FORMATS)}"
    if min(size) < PHOTO_MIN_PX:
        return f"is {size[0]}x{size[1]} pixels; expected at least {PHOTO_MIN_PX} on the short side"
    return None


@dataclass(frozen=True)
class Spec:
    """One field of a résumé entry in both formats.

    *native* is its key in the site's YAML (``None``: JSON Resume only),
    *jsonresume* its key in JSON Resume (``None``: kept in ``meta.inferfolio``
    under the entry's name).  *jsonresume_kind* replaces *kind* in JSON
    Resume when that format is looser (a list that may be empty).
    """

    native: str | None
    jsonresume: str | None
    kind: Field
    native_required: bool = False
    jsonresume_required: bool = False
    jsonresume_kind: Field | None = None


@dataclass(frozen=True)
class Section:
    """A list of entries: ``experience`` in the site's format is ``work`` in JSON Resume."""

    native: str
    jsonresume: str
    specs: tuple[Spec, ...]
    max_items: int = 30
    #: ``end: present`` in the site's format is a missing ``endDate`` in JSON Resume.
    present_end: bool = False
    #: Entries of a shared JSON Resume list told apart by ``type`` (talks are projects of type "talk").
    jsonresume_type: str | None = None
    #: Where its ``jsonresume=None`` fields live in ``meta.inferfolio``.
    extension: str | None = None

    @property
    def key(self) -> Spec:
        """The field that names an entry (and keys its extension fields)."""
        return self.specs[0]


def resume_sections(page_exists: Callable[[str], bool]) -> tuple[Section, ...]:
    """The résumé's list sections, in the order the résumé page shows them."""
    date, end = ResumeDate(), ResumeDate(allow_present=True)
    bullets = ListOf(TEXT, min_items=1, max_items=8)
    loose_bullets = ListOf(TEXT, min_items=0, max_items=12)
    tags = ListOf(Str(max_len=40), min_items=0, max_items=10)
    return (
        Section("experience", "work", (
            Spec("company", "name", SHORT, True, True),
            Spec("role", "position", SHORT, True, True),
            Spec("start", "startDate", date, True, True),
            Spec("end", "endDate", end, True, jsonresume_kind=date),
            Spec("summary", "summary", TEXT, True),
            Spec("bullets", "highlights", bullets, True, jsonresume_kind=loose_bullets),
            Spec("location", "location", SHORT),
            Spec("description", "description", SHORT),
            Spec("url", "url", Url()),
        ), max_items=20, present_end=True),
        Section("education", "education", (
            Spec("institution", "institution", SHORT, True, True),
            Spec("degree", "studyType", SHORT),
            Spec("area", "area", SHORT),
            Spec("start", "startDate", date),
            Spec("end", "endDate", date),
            Spec("score", "score", LABEL),
            Spec("courses", "courses", ListOf(SHORT, min_items=1, max_items=20)),
            Spec("url", "url", Url()),
        ), max_items=12),
        Section("projects", "projects", (
            Spec("title", "name", SHORT, True, True),
            Spec("tagline", None, Str(max_len=200), True),
            Spec("summary", "description", TEXT, True),
            Spec("page", None, DocPage(page_exists), True),
            Spec("tags", "keywords", tags, True, jsonresume_kind=ListOf(Str(max_len=40), min_items=0, max_items=20)),
            Spec("metric", None, METRIC),
            Spec("bullets", "highlights", loose_bullets),
            Spec("start", "startDate", date),
            Spec("end", "endDate", date),
            Spec("url", "url", Url()),
            Spec("links", None, LINKS),
            Spec(None, "roles", ListOf(SHORT, min_items=0, max_items=10)),
            Spec(None, "entity", SHORT),
            Spec(None, "type", LABEL),
        ), max_items=12, extension="projects"),
        Section("publications", "publications", (
            Spec("title", "name", Str(max_len=300), True, True),
            Spec("authors", None, ListOf(SHORT, min_items=1, max_items=50)),
            Spec("venue", "publisher", SHORT),
            Spec("date", "releaseDate", date),
            Spec("summary", "summary", TEXT),
            Spec("url", "url", Url()),
            Spec("links", None, LINKS),
        ), max_items=100, extension="publications"),
        Section("talks", "projects", (
            Spec("title", "name", SHORT, True, True),
            Spec("event", "entity", SHORT, True),
            Spec("date", "startDate", date, True),
            Spec("summary", "description", TEXT),
            Spec("url", "url", Url()),
            Spec("links", None, LINKS),
        ), max_items=50, jsonresume_type="talk", extension="projects"),
        Section("awards", "awards", (
            Spec("title", "title", Str(max_len=200), True, True),
            Spec("awarder", "awarder", SHORT),
            Spec("date", "date", date),
            Spec("summary", "summary", TEXT),
        )),
        Section("certificates", "certificates", (
            Spec("name", "name", Str(max_len=200), True, True),
            Spec("issuer", "issuer", SHORT),
            Spec("date", "date", FULL_DATE),
            Spec("url", "url", Url()),
        )),
        Section("volunteer", "volunteer", (
            Spec("organization", "organization", SHORT, True, True),
            Spec("role", "position", SHORT),
            Spec("start", "startDate", date),
            Spec("end", "endDate", end, jsonresume_kind=date),
            Spec("summary", "summary", TEXT),
            Spec("bullets", "highlights", bullets, jsonresume_kind=loose_bullets),
            Spec("url", "url", Url()),
        ), max_items=20, present_end=True),
        Section("skills", "skills", (
            Spec("category", "name", LABEL, True, True),
            Spec("items", "keywords", ListOf(WORDS, min_items=0, max_items=30), True),
            Spec("level", "level", LABEL),
        ), max_items=12),
        Section("languages", "languages", (
            Spec("language", "language", WORDS, True, True),
            Spec("fluency", "fluency", WORDS),
        ), max_items=20),
        Section("interests", "interests", (
            Spec("name", "name", WORDS, True, True),
            Spec("items", "keywords", ListOf(WORDS, min_items=0, max_items=20)),
        ), max_items=20),
        Section("references", "references", (
            Spec("name", "name", SHORT, True, True),
            Spec("reference", "reference", Str(max_len=1500), True),
        ), max_items=10),
    )


#: JSON Resume's certificate ``date`` is a full date (``format: date``), unlike its other dates.
FULL_DATE = Str(pattern=r"(19|20|21)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", expected_text="a date YYYY-MM-DD")


def site_extras() -> dict[str, Field]:
    """The site's own additions (home page and contact), the same in both formats.

    In the site's format they are top-level keys; in a JSON Resume they sit in
    ``meta.inferfolio``.
    """

    def button_with_url(contact: dict[str, Any]) -> list[tuple[str, str]]:
        present = [key for key in ("button", "url") if key in contact]
        if len(present) == 1:
            missing = "url" if present == ["button"] else "button"
            return [(missing, "is missing; expected button and url together (the call to action and where it leads), or neither")]
        return []

    entry = Record(required={"title": Str(max_len=200)},
                   optional={"subtitle": SHORT, "date": ResumeDate(), "url": Url(), "summary": TEXT,
                             "bullets": ListOf(TEXT, min_items=1, max_items=8), "links": LINKS})
    return {
        "kicker": SHORT,
        "stats": ListOf(Record({"value": Str(max_len=12), "label": SHORT}), min_items=1, max_items=6),
        "radar": ListOf(Record({"skill": Str(max_len=40), "level": Int(0, 100)}), min_items=3, max_items=12),
        "contact": Record(required={"heading": SHORT, "text": Str(max_len=600)},
                          optional={"button": LABEL, "url": Url()}, rules=[button_with_url]),
        # Custom sections: a heading and its entries (anything the built-in sections do not cover).
        "sections": ListOf(Record({"title": Str(max_len=60), "entries": ListOf(entry, min_items=1, max_items=30)}),
                           min_items=1, max_items=8),
    }
