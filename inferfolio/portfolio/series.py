"""Posts as a series with a reading order, declared in the posts' own front matter.

A post joins a series with two front matter fields::

    series: Inference from the inside
    series_order: 3

The order is declared once, next to each post's other metadata: reordering
the series means editing these numbers, and nothing else lists the parts.
:data:`FRONT_MATTER_FIELDS` and :func:`both_fields_or_neither` are part of
the post schema (``posts.front_matter_schema``); :func:`read_series` checks
what one file cannot show on its own: within a series the parts are numbered
1 to N with no number used twice and none skipped, and every post spells the
series' name the same way.  A mistake names the file and line.

Templates get, from :func:`series_context`:

* ``series_list`` – every series with its published parts in reading order
  (the blog index's and home page's "Start here" lists);
* ``series_nav`` – on a post of a series: its part number, the previous and
  next part and all parts with the current one marked.

Parts are numbered by their place among the *published* parts, so a draft
left out of a build leaves no hole in "Part N of M".  Titles and series
names stay plain text here; the templates escape them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .schema import Int, Problem, Str

#: The template a post of a series is drawn with (``overrides/blog-series-post.html``).
SERIES_POST_TEMPLATE = "blog-series-post.html"
#: Material's template for a post; only a post that uses it switches to the series template.
BLOG_POST_TEMPLATE = "blog-post.html"

#: Optional front matter fields of a post (see ``posts.front_matter_schema``).
FRONT_MATTER_FIELDS = {
    "series": Str(max_len=80),
    "series_order": Int(1, 999),
}


def both_fields_or_neither(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """Schema rule: ``series`` and ``series_order`` come together."""
    if "series" in meta and "series_order" not in meta:
        return [("series", "has no series_order; add 'series_order: N', the post's place in the reading order (1 is read first)")]
    if "series_order" in meta and "series" not in meta:
        return [("series_order", "has no series; add 'series: <name>', the same name on every post of the series")]
    return []


@dataclass(frozen=True)
class Entry:
    """One post's place in a series, with where it was declared."""

    order: int
    src_uri: str     # where the post is mounted, e.g. "blog/posts/kv-cache.md"
    title: str
    display: str     # the post's file as the author sees it, e.g. "posts/kv-cache.md"
    name_line: int   # line of ``series:``
    order_line: int  # line of ``series_order:``


@dataclass(frozen=True)
class Series:
    """A validated series: its name and its entries in reading order (drafts included)."""

    title: str
    entries: tuple[Entry, ...]


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _field_lines(source: Path) -> dict[str, int]:
    """1-based line of each top-level front matter key of the (already validated) post at *source*."""
    text = source.read_text(encoding="utf-8")
    match = re.match(r"\A---[ \t]*\r?\n(.*?\r?\n)?---", text, re.DOTALL)
    node = yaml.compose(match.group(1) or "", Loader=yaml.SafeLoader) if match else None
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: key.start_mark.line + 2 for key, _ in node.value if isinstance(key, yaml.ScalarNode)}


def read_series(posts: Iterable[Any], display: Callable[[Path], str]) -> list[Series]:
    """The series declared by *posts* (``posts.Post`` objects), each in reading order.

    Raises ``ValueError`` listing every duplicate or missing part number and
    every differently spelled series name, each with file and line.
    """
    groups: dict[str, list[Entry]] = {}
    names: dict[str, str] = {}
    problems: list[str] = []
    for post in posts:
        meta = post.meta
        if "series" not in meta:
            continue
        lines = _field_lines(post.source)
        entry = Entry(meta["series_order"], post.src_uri, meta["title"], display(post.source),
                      lines.get("series", 0), lines.get("series_order", 0))
        key = _norm(meta["series"])
        first = groups.get(key, [None])[0]
        if first is not None and names[key] != meta["series"]:
            problems.append(Problem(entry.name_line, "series", f"{meta['series']!r} is spelled differently from "
                                    f"{names[key]!r} in {first.display}:{first.name_line}; use one spelling on every post of the series").format(entry.display))
            continue
        names.setdefault(key, meta["series"])
        groups.setdefault(key, []).append(entry)
    result = []
    for key, entries in groups.items():
        entries.sort(key=lambda e: (e.order, e.display))
        problems += _numbering_problems(names[key], entries)
        result.append(Series(names[key], tuple(entries)))
    if problems:
        raise ValueError("the series' reading order is inconsistent:\n  " + "\n  ".join(problems))
    return sorted(result, key=lambda s: _norm(s.title))


def _numbering_problems(title: str, entries: Sequence[Entry]) -> list[str]:
    """Duplicate and skipped part numbers of one series (its *entries* sorted by order)."""
    problems = []
    for previous, entry in zip(entries, entries[1:]):
        if entry.order == previous.order:
            problems.append(Problem(entry.order_line, "series_order", f"{entry.order} is also the number of "
                                    f"{previous.display}:{previous.order_line} in series {title!r}; each part needs its own number").format(entry.display))
    expected = 1
    for entry in entries:
        if entry.order > expected:
            missing = f"{expected}" if entry.order == expected + 1 else f"{expected} to {entry.order - 1}"
            problems.append(Problem(entry.order_line, "series_order", f"{entry.order} leaves a gap: no post of series "
                                    f"{title!r} has series_order {missing}; number the parts 1 to {len(entries)} in reading order").format(entry.display))
        expected = max(expected, entry.order + 1)
    return problems


def use_series_template(meta: MutableMapping[str, Any], series: Sequence[Series], src_uri: str) -> None:
    """Draw a post of a series with the series template (a post set to another template keeps it)."""
    if meta.get("template", BLOG_POST_TEMPLATE) == BLOG_POST_TEMPLATE and _series_of(series, src_uri) is not None:
        meta["template"] = SERIES_POST_TEMPLATE


def _series_of(series: Sequence[Series], src_uri: str) -> Series | None:
    return next((s for s in series if any(e.src_uri == src_uri for e in s.entries)), None)


def series_context(series: Sequence[Series], published: Sequence[dict[str, Any]], src_uri: str) -> dict[str, Any]:
    """Template values for the page mounted at *src_uri*.

    *published* are the posts the build includes (dicts with ``src_uri``,
    ``url`` and ``title``, as ``PortfolioPlugin.published_posts`` returns).
    """
    urls = {post["src_uri"]: post["url"] for post in published}
    listing = []
    nav = None
    for one in series:
        parts = [{"number": n, "title": entry.title, "url": urls[entry.src_uri], "current": entry.src_uri == src_uri}
                 for n, entry in enumerate((e for e in one.entries if e.src_uri in urls), start=1)]
        if not parts:
            continue
        listing.append({"title": one.title, "parts": parts})
        index = next((i for i, part in enumerate(parts) if part["current"]), None)
        if index is not None:
            nav = {
                "title": one.title,
                "parts": parts,
                "current": parts[index],
                "previous": parts[index - 1] if index > 0 else None,
                "next": parts[index + 1] if index + 1 < len(parts) else None,
            }
    return {"series_list": listing, "series_nav": nav}
