"""Blog posts: written in top-level ``posts/``, mounted into Material's blog.

Authors keep posts outside ``docs/`` so the blog reads like a folder of
articles.  ``mount_posts`` validates each post's front matter (reporting file
and line) and adds it to MkDocs' file collection as a generated file under
``<blog_dir>/posts/``, which Material's blog plugin (running after this
plugin's ``on_files``) treats as its own.  Images and other files next to the
posts are mounted the same way.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .series import FRONT_MATTER_FIELDS as SERIES_FIELDS, both_fields_or_neither
from .schema import Bool, Choice, Date, Int, ListOf, Problem, Record, SchemaError, Str, validate
from .xmltext import xml_problems

#: Material's default excerpt separator (blog plugin option ``post_excerpt_separator``).
EXCERPT_SEPARATOR = "<!-- more -->"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Post:
    """A validated post: where it lives and its front matter (``meta``)."""

    source: Path          # absolute path of the Markdown file in posts/
    src_uri: str          # where it is mounted, e.g. "blog/posts/kv-cache.md"
    meta: dict[str, Any]  # validated front matter (title, date, description, ...)

    @property
    def date(self) -> _dt.date:
        return self.meta["date"]

    @property
    def draft(self) -> bool:
        return bool(self.meta.get("draft", False))


#: A tag: it becomes a link, an anchor and a heading on the tags page, so no markup characters.
TAG = Str(max_len=40, pattern=r"[\w .+#/-]+", expected_text="a tag of up to 40 letters, digits, spaces and . + # / -")


def front_matter_schema(categories: Sequence[str], authors: Sequence[str]) -> Record:
    """Schema of a post's front matter; empty *categories* means any category is allowed."""
    category = Choice(list(categories)) if categories else Str(max_len=40)
    author = Choice(list(authors)) if authors else Str(max_len=40)
    return Record(
        required={
            "title": Str(max_len=120),
            "date": Date(),
            "description": Str(min_len=50, max_len=300),
            "categories": ListOf(category, max_items=5),
            "tags": ListOf(TAG, max_items=12),
            "authors": ListOf(author, max_items=5),
        },
        optional={
            "draft": Bool(),
            "pin": Bool(),
            "slug": Str(max_len=80, pattern=r"[a-z0-9]+(-[a-z0-9]+)*", expected_text="lowercase words joined by '-'"),
            "readtime": Int(1, 180),
            "comments": Bool(),
            **SERIES_FIELDS,
        },
        rules=[both_fields_or_neither],
    )


def split_front_matter(text: str, filename: str) -> tuple[str, str]:
    """Return (front matter YAML, body) of a post; error if there is no front matter."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise SchemaError(filename, [Problem(1, "", "no front matter; a post starts with '---', its metadata (title, date, description, categories, tags, authors) and '---'")])
    return match.group(1) or "", text[match.end():]


def read_post(source: Path, display_name: str, schema: Record) -> dict[str, Any]:
    """Validate the front matter and body of the post at *source*; return the metadata."""
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SchemaError(display_name, [Problem(0, "", f"is not UTF-8 text: {exc}")]) from None
    return parse_post(text, display_name, schema)


def parse_post(text: str, display_name: str, schema: Record) -> dict[str, Any]:
    """Validate the text of a post (front matter and body); return the metadata or raise :class:`SchemaError`."""
    problems = xml_problems(text, "text")
    if problems:
        raise SchemaError(display_name, problems)
    yaml_text, body = split_front_matter(text, display_name)
    meta = validate(yaml_text, schema, display_name, line_offset=1)
    if EXCERPT_SEPARATOR not in body:
        body_line = text[: len(text) - len(body)].count("\n") + 1
        raise SchemaError(display_name, [Problem(body_line, "body", f"has no excerpt separator; add a line '{EXCERPT_SEPARATOR}' after the introduction")])
    return meta


def find_posts(posts_dir: Path) -> tuple[list[Path], list[Path]]:
    """(Markdown posts, other files) under *posts_dir*, sorted; hidden files are skipped."""
    markdown: list[Path] = []
    other: list[Path] = []
    for path in sorted(posts_dir.rglob("*")):
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(posts_dir).parts):
            continue
        (markdown if path.suffix == ".md" else other).append(path)
    return markdown, other


def load_posts(posts_dir: Path, blog_dir: str, root: Path, schema: Record) -> tuple[list[Post], list[tuple[Path, str]]]:
    """Validate every post in *posts_dir*.

    Returns the posts and ``(path, src_uri)`` pairs of the other files to
    mount.  Raises ``ValueError`` with the problems of every invalid post at
    once (each a :class:`SchemaError` message with file and line).
    """
    markdown, other = find_posts(posts_dir)
    posts: list[Post] = []
    errors: list[str] = []
    for source in markdown:
        rel = source.relative_to(posts_dir).as_posix()
        try:
            meta = read_post(source, _display(source, root), schema)
        except SchemaError as exc:
            errors.append(str(exc))
            continue
        posts.append(Post(source, f"{blog_dir}/posts/{rel}", meta))
    if errors:
        raise ValueError("\n".join(errors))
    assets = [(path, f"{blog_dir}/posts/{path.relative_to(posts_dir).as_posix()}") for path in other]
    return posts, assets


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
