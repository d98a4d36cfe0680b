"""The résumé: one file, validated on load, rendered by the home and résumé pages.

The file is either the site's own YAML format (``docs/resume.yml``) or a JSON
Resume v1.0.0 document (JSON, or the same structure in YAML).  A document
with ``basics``, ``work``, ``meta`` or ``$schema`` at the top, or any
``.json`` file, is read as JSON Resume.  :func:`read_resume` returns a
:class:`Resume`: the JSON Resume document (what ``resume.json`` publishes)
and the view the templates read; any mistake raises
:class:`~.schema.SchemaError` naming the file, line, field path, bad value
and what is allowed (JSON included: :mod:`.documents` keeps lines).

The fields of both formats are in :mod:`.resume_fields`; the README's
"Editing the résumé" shows an annotated example.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .documents import compose_json, compose_yaml
from .resume_fields import resume_sections
from .resume_formats import EXTENSION, JSONRESUME_SCHEMA_URL, jsonresume_schema, native_schema, to_jsonresume, to_view
from .schema import Problem, Record, SchemaError, validate_node
from .xmltext import xml_problems

#: Top-level keys that mark a JSON Resume document (its site-format counterpart has none of them).
JSONRESUME_KEYS = ("basics", "work", "meta", "$schema")


def _no_file(uri: str) -> Path | None:
    return None


def resume_schema(page_exists: Callable[[str], bool], find_file: Callable[[str], Path | None] = _no_file) -> Record:
    """The schema of the site's own format (kept under this name for callers and tests)."""
    return native_schema(page_exists, find_file)


@dataclass
class Resume:
    """A validated résumé: *jsonresume* is the document ``resume.json`` publishes, *view* what templates read."""

    jsonresume: dict[str, Any]
    view: dict[str, Any]
    source_format: str  # "native" or "jsonresume"

    @property
    def photo(self) -> str | None:
        """The docs-relative path of the photo file, if the résumé has one."""
        return self.view.get("photo")


def read_resume(path: Path, page_exists: Callable[[str], bool], display_name: str | None = None,
                find_file: Callable[[str], Path | None] = _no_file) -> Resume:
    """Read and validate the résumé at *path*.

    *page_exists* tells whether a docs-relative page exists (project pages);
    *find_file* maps a docs-relative path to its file (the photo).
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
    is_json = path.suffix.lower() == ".json"
    node = compose_json(text, name) if is_json else compose_yaml(text, name)
    is_jsonresume = is_json or (isinstance(node, yaml.MappingNode) and any(
        getattr(key, "value", None) in JSONRESUME_KEYS for key, _ in node.value))
    schema = (jsonresume_schema if is_jsonresume else native_schema)(page_exists, find_file)
    data = validate_node(node, schema, name)
    problems = _name_problems(node, is_jsonresume)
    if problems:
        raise SchemaError(name, problems)
    sections = resume_sections(page_exists)
    document = data if is_jsonresume else to_jsonresume(data, sections)
    return Resume(document, to_view(document, sections), "jsonresume" if is_jsonresume else "native")


def load_resume(path: Path, page_exists: Callable[[str], bool], display_name: str | None = None,
                find_file: Callable[[str], Path | None] = _no_file) -> dict[str, Any]:
    """The view of the résumé at *path* (see :func:`read_resume`)."""
    return read_resume(path, page_exists, display_name, find_file).view


# -- names that key the extension block ------------------------------------------

def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if getattr(key_node, "value", None) == key:
                return value
    return None


def _name_problems(root: yaml.Node, is_jsonresume: bool) -> list[Problem]:
    """Entries whose extras are looked up by name must have names of their own, and every extra a named entry."""
    if is_jsonresume:
        groups = {"projects": [("projects", "name")], "publications": [("publications", "name")]}
    else:
        groups = {"projects": [("projects", "title"), ("talks", "title")], "publications": [("publications", "title")]}
    problems: list[Problem] = []
    for extension, lists in groups.items():
        seen: dict[str, str] = {}
        for list_key, name_key in lists:
            items = _get(root, list_key)
            for index, item in enumerate(items.value if isinstance(items, yaml.SequenceNode) else []):
                name_node = _get(item, name_key)
                if not isinstance(name_node, yaml.ScalarNode):
                    continue
                where = f"{list_key}[{index}]"
                name = name_node.value.strip()
                if name in seen:
                    problems.append(Problem(name_node.start_mark.line + 1, f"{where}.{name_key}",
                                            f"{name!r} is also the name of {seen[name]}; expected a name of its own "
                                            "(the site finds each entry's extras by its name)"))
                seen.setdefault(name, where)
        extras = _get(_get(_get(root, "meta"), EXTENSION), extension) if is_jsonresume else None
        for key_node, _ in extras.value if isinstance(extras, yaml.MappingNode) else []:
            key = str(getattr(key_node, "value", "")).strip()
            if key and key not in seen:
                names = ", ".join(repr(n) for n in list(seen)[:8]) or "none yet"
                problems.append(Problem(key_node.start_mark.line + 1, f"meta.{EXTENSION}.{extension}.{key}",
                                        f"no entry of {extension} is named {key!r}; expected one of the names in "
                                        f"{extension} ({names})"))
    return problems


# -- the published file ----------------------------------------------------------

def jsonresume_text(document: dict[str, Any], image_url: str | None = None, canonical_url: str | None = None) -> str:
    """``resume.json``: the JSON Resume document, naming its schema, with the photo's and its own address.

    *image_url* replaces ``basics.image`` (a path under docs/ in the source)
    with the address of the photo the build made; *canonical_url* becomes
    ``meta.canonical`` unless the author set one.
    """
    out = {"$schema": JSONRESUME_SCHEMA_URL, **copy.deepcopy(document)}
    if image_url and "image" in out["basics"]:
        out["basics"]["image"] = image_url
    if canonical_url:
        out.setdefault("meta", {}).setdefault("canonical", canonical_url)
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"
