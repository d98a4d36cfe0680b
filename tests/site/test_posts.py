"""Post front matter: the blog's contract with authors, checked with file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from inferfolio.portfolio.posts import front_matter_schema, load_posts, read_post
from inferfolio.portfolio.schema import SchemaError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = front_matter_schema(["llama.cpp", "System Design"], ["harshit"])

GOOD = """---
title: A good post
date: 2026-10-18
description: A description that is long enough to be useful in search results and feeds.
categories: [llama.cpp]
tags: [gguf]
authors: [harshit]
---

Intro.

<!-- more -->

Body.
"""


def write(tmp_path: Path, text: str, name: str = "post.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_post(tmp_path: Path) -> None:
    meta = read_post(write(tmp_path, GOOD), "posts/post.md", SCHEMA)
    assert meta["date"] == dt.date(2026, 10, 18)
    assert meta["categories"] == ["llama.cpp"]


# (id, replace this, with this, field, message part, reported line)
BAD = [
    ("bad date", "date: 2026-10-18", "date: 18/10/2026", "date", "'18/10/2026' is not allowed; expected a date YYYY-MM-DD", 3),
    ("impossible date", "date: 2026-10-18", "date: 2026-02-30", "date", "'2026-02-30' is not allowed", 3),
    ("unknown category", "categories: [llama.cpp]", "categories: [Cooking]", "categories[0]", "'Cooking' is not allowed; expected one of llama.cpp, System Design", 5),
    ("unknown author", "authors: [harshit]", "authors: [bob]", "authors[0]", "'bob' is not allowed; expected one of harshit", 7),
    ("short description", "description: A description that is long enough to be useful in search results and feeds.", "description: Too short.", "description", "expected text of 50 to 300 characters", 4),
    ("missing title", "title: A good post\n", "", "title", "is missing", 2),
    ("typo", "tags: [gguf]", "tag: [gguf]", "tag", "unknown field; allowed fields: title, date", 6),
    ("draft not bool", "tags: [gguf]", "tags: [gguf]\ndraft: maybe", "draft", "'maybe' is not allowed; expected true or false", 7),
    ("bad slug", "tags: [gguf]", "tags: [gguf]\nslug: Not A Slug", "slug", "expected lowercase words joined by '-'", 7),
]


@pytest.mark.parametrize(("old", "new", "field", "message", "line"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_front_matter(tmp_path: Path, old: str, new: str, field: str, message: str, line: int) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SchemaError) as info:
        read_post(path, "posts/post.md", SCHEMA)
    problem = next(p for p in info.value.problems if p.path == field)
    assert message in problem.message
    assert problem.line == line
    assert f"posts/post.md:{line}: {field}: " in str(info.value)


def test_no_front_matter(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"posts/post.md:1: \(document\): no front matter"):
        read_post(write(tmp_path, "Just text\n"), "posts/post.md", SCHEMA)


def test_missing_excerpt_separator(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"posts/post.md:9: body: has no excerpt separator"):
        read_post(write(tmp_path, GOOD.replace("<!-- more -->", "")), "posts/post.md", SCHEMA)


def test_load_posts_reports_every_bad_post_and_mounts_assets(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "good.md")
    write(tmp_path, GOOD.replace("date: 2026-10-18", "date: soon"), "bad-one.md")
    write(tmp_path, GOOD.replace("authors: [harshit]", "authors: [x]"), "bad-two.md")
    with pytest.raises(ValueError) as info:
        load_posts(tmp_path, "blog", tmp_path, SCHEMA)
    assert "bad-one.md:3: date" in str(info.value) and "bad-two.md:7: authors[0]" in str(info.value)

    (tmp_path / "bad-one.md").unlink()
    (tmp_path / "bad-two.md").unlink()
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "chart.svg").write_text("<svg/>", encoding="utf-8")
    posts, assets = load_posts(tmp_path, "blog", tmp_path, SCHEMA)
    assert [p.src_uri for p in posts] == ["blog/posts/good.md"]
    assert [uri for _, uri in assets] == ["blog/posts/img/chart.svg"]


def test_the_sites_posts_are_valid() -> None:
    posts, _ = load_posts(ROOT / "posts", "blog", ROOT, front_matter_schema(["llama.cpp", "LLM Inference", "System Design", "Distributed Systems"], ["harshit"]))
    assert len(posts) >= 1
