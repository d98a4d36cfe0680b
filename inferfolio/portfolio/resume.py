"""The résumé: one YAML file, validated on load, rendered by the home and résumé pages.

``load_resume(path, page_exists)`` returns the data as plain dicts and lists
(what Jinja templates read) or raises :class:`~.schema.SchemaError` naming the
file, line, field path, bad value and what is expected.  The schema below is
the reference for authors; the README shows an annotated example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .xmltext import xml_problems
from .schema import Email, Field, Int, ListOf, Problem, Record, SchemaError, Str, Url, YearMonth, _Context, validate

_SHORT = Str(max_len=120)
_TEXT = Str(max_len=600)


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


def _dates_in_order(entry: dict[str, Any]) -> list[tuple[str, str]]:
    end = entry["end"]
    if end != "present" and end < entry["start"]:
        return [("end", f"{end!r} is before start {entry['start']!r}; expected a date on or after the start, or 'present'")]
    return []


def _button_with_url(contact: dict[str, Any]) -> list[tuple[str, str]]:
    present = [key for key in ("button", "url") if key in contact]
    if len(present) == 1:
        missing = "url" if present == ["button"] else "button"
        return [(missing, "is missing; expected button and url together (the call to action and where it leads), or neither")]
    return []


def resume_schema(page_exists: Callable[[str], bool]) -> Record:
    """The résumé schema; *page_exists* tells whether a docs-relative page exists."""
    return Record(
        required={
            "name": _SHORT,
            "headline": Str(max_len=200),
            "summary": _TEXT,
            "stats": ListOf(Record({"value": Str(max_len=12), "label": _SHORT}), min_items=1, max_items=6),
            "experience": ListOf(
                Record(
                    required={
                        "company": _SHORT,
                        "role": _SHORT,
                        "start": YearMonth(),
                        "end": YearMonth(allow_present=True),
                        "summary": _TEXT,
                        "bullets": ListOf(_TEXT, min_items=1, max_items=8),
                    },
                    optional={"team": _SHORT},
                    rules=[_dates_in_order],
                ),
                max_items=20,
            ),
            "projects": ListOf(
                Record(
                    required={
                        "title": _SHORT,
                        "tagline": Str(max_len=200),
                        "summary": _TEXT,
                        "page": DocPage(page_exists),
                        "tags": ListOf(Str(max_len=40), max_items=10),
                    },
                    optional={"metric": Record({"value": Str(max_len=12), "label": _SHORT})},
                ),
                max_items=12,
            ),
            "radar": ListOf(Record({"skill": Str(max_len=40), "level": Int(0, 100)}), min_items=3, max_items=12),
            "skills": ListOf(Record({"category": Str(max_len=40), "items": ListOf(Str(max_len=60), max_items=30)}), max_items=12),
            "contact": Record(
                required={"heading": _SHORT, "text": _TEXT},
                optional={"button": Str(max_len=40), "url": Url()},
                rules=[_button_with_url],
            ),
        },
        optional={
            "kicker": _SHORT,
            "location": _SHORT,
            "email": Email(),
            "links": ListOf(Record({"label": Str(max_len=40), "url": Url()}), min_items=0, max_items=12),
        },
    )


def load_resume(path: Path, page_exists: Callable[[str], bool], display_name: str | None = None) -> dict[str, Any]:
    """Read and validate the résumé at *path*.

    *display_name* is the file name used in messages (default: *path*).
    Raises :class:`SchemaError` (also for a missing or unreadable file).
    """
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(name, [Problem(0, "", "file not found; create it (see README: 'Editing the résumé')")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(name, [Problem(0, "", f"cannot be read: {exc}")]) from None
    problems = xml_problems(text, "text")
    if problems:
        raise SchemaError(name, problems)
    return validate(text, resume_schema(page_exists), name)

