"""Posts as a series: the reading order declared once (front matter), validated, and shown.

The order lives in each post's ``series`` / ``series_order`` front matter
(``inferfolio/portfolio/series.py``).  These tests check the validation
(duplicates, gaps, spellings, a field without its partner: each with file and
line), the "Part N of M" navigation on every part of the built site, the
"Start here" lists on the blog index and home page, and that a hostile series
name is escaped wherever it lands.
"""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

from buildtools import ROOT, run_mkdocs_build
from inferfolio.portfolio.posts import front_matter_schema, load_posts, parse_post
from inferfolio.portfolio.schema import SchemaError
from inferfolio.portfolio.series import read_series, series_context

CATEGORIES = ["llama.cpp", "LLM Inference", "System Design", "Distributed Systems"]
SCHEMA = front_matter_schema(CATEGORIES, ["harshit"])


def _post(title: str, series: str | None = None, order: int | str | None = None) -> str:
    lines = ["---", f"title: {json.dumps(title)}", "date: 2026-11-29",
             'description: "A description that is long enough to pass the schema of the blog posts."',
             "categories: [System Design]", "tags: [test]", "authors: [harshit]"]
    if series is not None:
        lines.append(f"series: {json.dumps(series)}")
    if order is not None:
        lines.append(f"series_order: {order}")
    return "\n".join([*lines, "---", "", "Intro.", "", "<!-- more -->", "", "Body.", ""])


def _series_of(tmp_path: Path, posts: dict[str, str]):
    for name, text in posts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    loaded, _ = load_posts(tmp_path, "blog", tmp_path, SCHEMA)
    return loaded, read_series(loaded, lambda path: path.relative_to(tmp_path).as_posix())


# -- validation ----------------------------------------------------------------


def test_series_is_read_in_declared_order(tmp_path: Path) -> None:
    _, series = _series_of(tmp_path, {"a.md": _post("A", "S", 2), "b.md": _post("B", "S", 1),
                                      "c.md": _post("C", "S", 3), "d.md": _post("D")})
    assert [(s.title, [e.title for e in s.entries]) for s in series] == [("S", ["B", "A", "C"])]
    assert {e.order_line for e in series[0].entries} == {9}  # the line of series_order in each file


def test_duplicate_order_names_both_files_and_lines(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as error:
        _series_of(tmp_path, {"a.md": _post("A", "S", 1), "b.md": _post("B", "S", 2), "c.md": _post("C", "S", 2)})
    assert "c.md:9: series_order: 2 is also the number of b.md:9 in series 'S'; each part needs its own number" in str(error.value)


def test_missing_order_number_names_the_file_after_the_gap(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as error:
        _series_of(tmp_path, {"a.md": _post("A", "S", 1), "b.md": _post("B", "S", 4)})
    assert ("b.md:9: series_order: 4 leaves a gap: no post of series 'S' has series_order 2 to 3; "
            "number the parts 1 to 2 in reading order") in str(error.value)


def test_series_without_a_first_part_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"a\.md:9: series_order: 2 leaves a gap: no post of series 'S' has series_order 1;"):
        _series_of(tmp_path, {"a.md": _post("A", "S", 2)})


def test_differently_spelled_series_name_is_refused_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as error:
        _series_of(tmp_path, {"a.md": _post("A", "Inference, inside out", 1), "b.md": _post("B", "inference,  Inside out", 2)})
    assert "b.md:8: series: 'inference,  Inside out' is spelled differently from 'Inference, inside out' in a.md:8" in str(error.value)


@pytest.mark.parametrize(("series", "order", "message"), [
    ("S", None, "8: series: has no series_order"),
    (None, 3, "8: series_order: has no series"),
    ("S", 0, "9: series_order: '0' is not allowed; expected an integer from 1 to 999"),
    ("S", "two", "9: series_order: 'two' is not allowed; expected an integer from 1 to 999"),
    ("", 1, "8: series: '' is not allowed; expected text of 1 to 80 characters"),
])
def test_bad_series_fields_are_refused_at_their_line(series: str | None, order: object, message: str) -> None:
    with pytest.raises(SchemaError) as error:
        parse_post(_post("A", series, order), "posts/a.md", SCHEMA)
    assert f"posts/a.md:{message}" in str(error.value)


def test_a_part_left_out_of_the_build_leaves_no_hole_in_the_numbering(tmp_path: Path) -> None:
    loaded, series = _series_of(tmp_path, {"a.md": _post("A", "S", 1), "b.md": _post("B", "S", 2), "c.md": _post("C", "S", 3)})
    published = [{"src_uri": p.src_uri, "url": f"{p.src_uri[:-3]}/", "title": p.meta["title"]} for p in loaded if p.meta["title"] != "B"]
    context = series_context(series, published, "blog/posts/c.md")
    nav = context["series_nav"]
    assert (nav["current"]["number"], len(nav["parts"])) == (2, 2)
    assert nav["previous"]["title"] == "A" and nav["next"] is None
    assert [p["title"] for p in context["series_list"][0]["parts"]] == ["A", "C"]
    assert series_context(series, published, "blog/index.md")["series_nav"] is None


# -- this site's series ------------------------------------------------------------

POSTS = sorted((ROOT / "posts").glob("*.md"))


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("\n---", 1)[0].removeprefix("---"))


def _site_series():
    posts, _ = load_posts(ROOT / "posts", "blog", ROOT, SCHEMA)
    return read_series(posts, lambda path: path.relative_to(ROOT).as_posix())


def test_every_post_is_a_part_of_the_one_series() -> None:
    series = _site_series()
    assert len(series) == 1
    assert sorted(e.src_uri for e in series[0].entries) == sorted(f"blog/posts/{p.name}" for p in POSTS)
    assert [e.order for e in series[0].entries] == list(range(1, len(POSTS) + 1))


def test_reading_order_is_declared_once_in_the_front_matter() -> None:
    """No other file lists the parts: the templates, mkdocs.yml and the blog index name none of the posts."""
    slugs = [p.stem for p in POSTS]
    for other in [ROOT / "mkdocs.yml", ROOT / "docs" / "blog" / "index.md", *sorted((ROOT / "overrides").rglob("*.html"))]:
        text = other.read_text(encoding="utf-8")
        named = [slug for slug in slugs if slug in text]
        assert not named, f"{other.relative_to(ROOT)} names posts {named}: the order belongs in their front matter"
    for post in POSTS:
        text = post.read_text(encoding="utf-8")
        assert text.count("\nseries_order:") == 1 and text.count("\nseries:") == 1, post.name


def test_reading_order_goes_from_memory_to_system_design() -> None:
    order = [Path(e.src_uri).stem for e in _site_series()[0].entries]
    # Each post comes after the posts it builds on.
    before = [("kv-cache", "attention-mechanisms"), ("kv-cache", "paged-attention-vllm"),
              ("llama-cpp-optimization-parameters", "logits-sampling-token-selection"),
              ("prefill-and-decode", "speculative-decoding"), ("prefill-and-decode", "disaggregated-inference"),
              ("llm-orchestration-pipeline", "code-completion-backend"), ("vector-search-rag", "order-support-agent-case-study")]
    for first, later in before:
        assert order.index(first) < order.index(later), (first, later)
    assert order[-1] == "genai-system-design-framework"  # it links every other part


# -- the built site ---------------------------------------------------------------------


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """The series markup of a page: the series <nav>, its links, aria-current, the Start here lists."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.navs: list[dict] = []
        self.starts: list[dict] = []
        self.tags: set[str] = set()
        self.attrs: set[str] = set()

    def _inside(self, cls: str) -> bool:
        return any(cls in a.get("class", "").split() for _, a in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        self.attrs.update(values)
        classes = values.get("class", "").split()
        if tag == "nav" and "if-series" in classes:
            self.navs.append({"label": values.get("aria-label"), "text": "", "links": [], "current": []})
        if tag == "section" and "if-series-start" in classes:
            self.starts.append({"text": "", "links": []})
        if tag == "a" and self._inside("if-series") and self.navs:
            self.navs[-1]["links"].append((self._role(), values["href"]))
            if values.get("aria-current") == "page":
                self.navs[-1]["current"].append(values["href"])
        if tag == "a" and self._inside("if-series-start") and self.starts:
            self.starts[-1]["links"].append(values["href"])
        if tag not in VOID:
            self.stack.append((tag, values))

    def _role(self) -> str:
        for _, attrs in reversed(self.stack):
            for role in ("previous", "next", "all"):
                if f"if-series__{role}" in attrs.get("class", "").split():
                    return role
        return "none"

    def handle_endtag(self, tag: str) -> None:
        if any(open_tag == tag for open_tag, _ in self.stack):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._inside("if-series") and self.navs:
            self.navs[-1]["text"] += data
        if self._inside("if-series-start") and self.starts:
            self.starts[-1]["text"] += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _post_urls(site: Path) -> dict[str, str]:
    """Post file stem -> site-relative URL of its built page (blog/YYYY/MM/DD/slug/)."""
    slugs = {_front_matter(p)["slug"]: p.stem for p in POSTS}
    urls = {}
    for index in site.glob("blog/[0-9]*/*/*/*/index.html"):
        urls[slugs[index.parent.name]] = index.parent.relative_to(site).as_posix() + "/"
    return urls


def _resolve(page_url: str, href: str) -> str:
    return urljoin("https://site.test/" + page_url, href).removeprefix("https://site.test/")


def test_every_part_has_the_series_navigation(built_site: Path) -> None:
    order = [Path(e.src_uri).stem for e in _site_series()[0].entries]
    urls = _post_urls(built_site)
    assert sorted(urls) == sorted(order), "a post of the series was not built"
    total = len(order)
    for number, stem in enumerate(order, start=1):
        page = _parse(built_site / urls[stem] / "index.html")
        assert len(page.navs) == 1, f"{stem}: expected one series <nav>, found {len(page.navs)}"
        nav = page.navs[0]
        assert nav["label"] == "Series: LLM inference from the inside out", stem
        assert f"Part {number} of {total}" in nav["text"], stem
        links = {}
        for role, href in nav["links"]:
            links.setdefault(role, []).append(_resolve(urls[stem], href))
        assert links.get("previous", []) == ([urls[order[number - 2]]] if number > 1 else []), stem
        assert links.get("next", []) == ([urls[order[number]]] if number < total else []), stem
        assert links["all"] == [urls[s] for s in order], f"{stem}: the disclosure lists the parts out of order"
        assert [_resolve(urls[stem], href) for href in nav["current"]] == [urls[stem]], f"{stem}: aria-current"
        html = (built_site / urls[stem] / "index.html").read_text(encoding="utf-8")
        assert re.search(r'<details class="if-series__all">\s*<summary>All %d parts in reading order</summary>' % total, html)
        assert ('class="if-series-next"' in html) == (number < total), stem


def test_blog_index_and_home_list_the_reading_order(built_site: Path) -> None:
    order = [Path(e.src_uri).stem for e in _site_series()[0].entries]
    urls = _post_urls(built_site)
    index = _parse(built_site / "blog" / "index.html")
    assert len(index.starts) == 1 and "Start here: LLM inference from the inside out" in index.starts[0]["text"]
    assert [_resolve("blog/", href) for href in index.starts[0]["links"]] == [urls[s] for s in order]
    for later in sorted(built_site.glob("blog/page/*/index.html")):
        assert not _parse(later).starts, f"{later.relative_to(built_site)}: Start here belongs on the first page only"
    home = _parse(built_site / "index.html")
    assert len(home.starts) == 1
    links = [_resolve("", href) for href in home.starts[0]["links"]]
    assert links[:-1] == [urls[s] for s in order[:len(links) - 1]] and len(links) - 1 < len(order)
    assert links[-1] == "blog/#series-start-1"
    assert f"all {len(order)} parts" in home.starts[0]["text"]


# -- build errors and hostile text ------------------------------------------------


def _copy_project(dest: Path) -> Path:
    skipped = {".venv", "node_modules", "site", ".cache", ".bench", ".git", "__pycache__", ".pytest_cache", ".hypothesis"}
    shutil.copytree(ROOT, dest, ignore=lambda d, names: {n for n in names if n in skipped})
    for shared in ("node_modules", ".cache"):
        if (ROOT / shared).exists():
            (dest / shared).symlink_to(ROOT / shared, target_is_directory=True)
    return dest


def _set_field(post: Path, key: str, value: str) -> int:
    """Replace front matter *key* of *post* with *value* (YAML text); return its 1-based line."""
    lines = post.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(f"{key}:"))
    lines[number] = f"{key}: {value}"
    post.write_text("\n".join(lines), encoding="utf-8")
    return number + 1


def test_duplicate_order_fails_the_build_with_file_and_line(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    first, second = project / "posts" / "kv-cache.md", project / "posts" / "attention-mechanisms.md"
    line = _set_field(second, "series_order", "1")
    first_line = next(i for i, text in enumerate(first.read_text().split("\n"), 1) if text.startswith("series_order:"))
    result = run_mkdocs_build(project / "site", project / "mkdocs.yml")
    assert result.returncode != 0
    # Parts with one number are reported in file-name order: the message names both files and lines.
    assert (f"posts/kv-cache.md:{first_line}: series_order: 1 is also the number of posts/attention-mechanisms.md:{line}"
            in result.stderr), result.stderr[-2000:]
    assert "posts/paged-attention-vllm.md" in result.stderr and "leaves a gap" in result.stderr


HOSTILE = 'Inside <script>alert("x")</script><img src=x onerror=alert(1)> & "quoted"'


def test_hostile_series_name_is_escaped_everywhere(tmp_path: Path) -> None:
    project = _copy_project(tmp_path / "project")
    for post in sorted((project / "posts").glob("*.md")):
        _set_field(post, "series", json.dumps(HOSTILE))
    site = project / "site"
    result = run_mkdocs_build(site, project / "mkdocs.yml")
    assert result.returncode == 0, result.stderr[-3000:]
    escaped_label = 'aria-label="Series: Inside &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quoted&#34;'
    seen = 0
    for path in [site / "index.html", site / "blog" / "index.html", *sorted(site.glob("blog/[0-9]*/*/*/*/index.html"))]:
        page = _parse(path)
        assert "onerror" not in page.attrs, f"{path}: the series name became an attribute"
        html = path.read_text(encoding="utf-8")
        assert "<img src=x" not in html and '<script>alert("x")' not in html, path
        for nav in page.navs:
            assert nav["label"] == "Series: " + HOSTILE, path
            assert escaped_label in html
        for start in page.starts:
            assert "Start here: " + HOSTILE in start["text"], path
        seen += len(page.navs) + len(page.starts)
    assert seen == len(POSTS) + 2
