"""Hostile author text: escaped wherever it lands, or refused with file and line.

One build of a copy of the project whose newest post and résumé carry markup,
quotes, comment openers and ``</script>`` in every text field; no page may
then contain an element or attribute the author did not write as content, the
JSON-LD must parse back to the author's exact text, and the feed must stay
well-formed.  Control characters that XML cannot carry, and quotes or markup
in URLs, fail the build (or the loader) with file and line.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from buildtools import run_mkdocs_build
from inferfolio.portfolio.posts import front_matter_schema, read_post
from inferfolio.portfolio.resume import load_resume
from inferfolio.portfolio.schema import SchemaError

PROBE_TAG = "xss-probe"
PROBE_ATTR = "data-xss"
TITLE = f'Hostile "title" <{PROBE_TAG} {PROBE_ATTR}=1> & </script><!--<script> end'
DESCRIPTION = (f'A hostile description with "quotes" {PROBE_ATTR}="1" and <{PROBE_TAG} {PROBE_ATTR}=1> '
               "plus </script> and <!--<script> and U+2028 \u2028 to check escaping everywhere.")
NAME = f'Ann <{PROBE_TAG} {PROBE_ATTR}=1> "Q" </script><!--<script>'
HEADLINE = f"Engineer' onmouseover='x' <{PROBE_TAG}> & </script>"
HOSTILE = f'<{PROBE_TAG} {PROBE_ATTR}=1> "q" \' & </script><!--<script>'


def _hostile(field: str) -> str:
    """Author text for *field* that would become markup if printed unescaped (found again by its field name)."""
    return f"{field} {HOSTILE}"


#: Every text field of the résumé sections beyond this site's own (education, publications, talks ...).
HOSTILE_SECTIONS = {
    "location": _hostile("location"),
    "links": [{"label": _hostile("link")[:40], "url": "https://example.org/profile"}],
    "education": [{"institution": _hostile("institution"), "degree": _hostile("degree"), "area": _hostile("area"),
                   "score": _hostile("score")[:40], "courses": [_hostile("course")], "start": "2010", "end": "2014"}],
    "publications": [{"title": _hostile("paper"), "authors": [_hostile("author")], "venue": _hostile("venue"),
                      "date": "2019", "summary": _hostile("abstract"),
                      "links": [{"label": _hostile("pdf")[:40], "url": "https://example.org/paper.pdf"}]}],
    "talks": [{"title": _hostile("talk"), "event": _hostile("event"), "date": "2023-10", "summary": _hostile("talk summary")}],
    "awards": [{"title": _hostile("award"), "awarder": _hostile("awarder"), "summary": _hostile("award summary")}],
    "certificates": [{"name": _hostile("certificate"), "issuer": _hostile("issuer")}],
    "volunteer": [{"organization": _hostile("organization"), "role": _hostile("volunteer role"), "start": "2018",
                   "bullets": [_hostile("volunteer bullet")]}],
    "languages": [{"language": _hostile("language")[:60], "fluency": _hostile("fluency")[:60]}],
    "interests": [{"name": _hostile("interest")[:60], "items": [_hostile("hobby")[:60]]}],
    "references": [{"name": _hostile("referee"), "reference": _hostile("reference")}],
    "sections": [{"title": _hostile("section")[:60], "entries": [{"title": _hostile("entry"), "subtitle": _hostile("subtitle"),
                                                                 "summary": _hostile("entry summary"),
                                                                 "bullets": [_hostile("entry bullet")]}]}],
}


class _Collector(HTMLParser):
    """Every start tag and attribute name of a page; the text of its JSON-LD scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)
        self._in_jsonld = tag == "script" and ("type", "application/ld+json") in attrs

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_jsonld = False


def _set_front_matter(post: Path, key: str, value: str) -> None:
    text = post.read_text(encoding="utf-8")
    text, count = re.subn(rf"(?m)^{key}: .*$", lambda _: f"{key}: {json.dumps(value)}", text, count=1)
    assert count == 1
    post.write_text(text, encoding="utf-8")


def _set_resume(resume: Path, key: str, value: str) -> None:
    text, count = re.subn(rf"(?m)^{key}: .*$", lambda _: f"{key}: {json.dumps(value)}", resume.read_text(encoding="utf-8"), count=1)
    assert count == 1
    resume.write_text(text, encoding="utf-8")


def _newest_post(project: Path) -> Path:
    return max((project / "posts").glob("*.md"), key=lambda p: re.search(r"(?m)^date: (.*)$", p.read_text()).group(1))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    project = request.getfixturevalue("hostile_project")
    site = project / "site"
    result = run_mkdocs_build(site, project / "mkdocs.yml")
    assert result.returncode == 0, result.stderr[-4000:]
    return site


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from buildtools import ROOT

    dest = tmp_path_factory.mktemp("hostile") / "project"
    skipped = {".venv", "node_modules", "site", ".cache", ".bench", ".git", "__pycache__", ".pytest_cache", ".hypothesis"}
    shutil.copytree(ROOT, dest, ignore=lambda d, names: {n for n in names if n in skipped})
    for shared in ("node_modules", ".cache"):
        if (ROOT / shared).exists():
            (dest / shared).symlink_to(ROOT / shared, target_is_directory=True)
    post = _newest_post(dest)
    _set_front_matter(post, "title", TITLE)
    _set_front_matter(post, "description", DESCRIPTION)
    resume = dest / "docs" / "resume.yml"
    _set_resume(resume, "name", NAME)
    _set_resume(resume, "headline", HEADLINE)
    text = re.sub(r"(?m)^links: \[\]\n", "", resume.read_text(encoding="utf-8"))
    from PIL import Image  # a photo, whose alt text carries the hostile name into an attribute

    Image.new("RGB", (300, 300), (200, 120, 40)).save(dest / "docs" / "assets" / "images" / "hostile-photo.png")
    extra = {**HOSTILE_SECTIONS, "photo": "assets/images/hostile-photo.png"}
    resume.write_text(text + "\n" + yaml.safe_dump(extra, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest


def test_no_page_carries_injected_markup(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 10
    shown = {"title": 0, "name": 0}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        collector = _Collector()
        collector.feed(text)
        rel = page.relative_to(hostile_site).as_posix()
        assert PROBE_TAG not in collector.tags, f"{rel}: author text became an element"
        assert PROBE_ATTR not in collector.attrs and "onmouseover" not in collector.attrs, f"{rel}: author text became an attribute"
        for block in collector.jsonld:
            assert "<" not in block and ">" not in block and "\u2028" not in block, f"{rel}: raw markup in JSON-LD"
            json.loads(block)
        shown["title"] += "Hostile &#34;title&#34;" in text or "Hostile &quot;title&quot;" in text
        shown["name"] += "Ann &lt;xss-probe" in text
    # The text is there, escaped: on the post, the blog index, the home page, the feed ...
    assert shown["title"] >= 3 and shown["name"] >= 2, shown


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) and PROBE_TAG in value else []


def test_every_resume_section_shows_the_text_escaped(hostile_site: Path) -> None:
    page = (hostile_site / "resume" / "index.html").read_text(encoding="utf-8")
    texts = _strings(HOSTILE_SECTIONS)
    assert len(texts) >= 30
    for text in texts:
        field = text.split(" <", 1)[0]
        assert f"{field} &lt;{PROBE_TAG} {PROBE_ATTR}=1&gt;" in page, f"{field}: not on the résumé page, escaped"
    class Images(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.alts: list[str | None] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "img" and ("class", "if-photo") in attrs:
                self.alts.append(dict(attrs).get("alt"))

    images = Images()
    images.feed(page)
    assert images.alts == [f"Photo of {NAME}"]
    assert not (hostile_site / "assets" / "images" / "hostile-photo.png").exists()  # the source is not published
    # resume.json (JSON Resume) carries the author's exact text.
    published = json.loads((hostile_site / "resume" / "resume.json").read_text(encoding="utf-8"))
    assert set(texts) <= set(_strings(published)) and published["basics"]["name"] == NAME


def test_jsonld_keeps_the_exact_author_text(hostile_site: Path) -> None:
    home = _Collector()
    home.feed((hostile_site / "index.html").read_text(encoding="utf-8"))
    person = json.loads(home.jsonld[0])
    assert person["name"] == NAME and person["description"] == HEADLINE
    posting = next(
        json.loads(block)
        for page in hostile_site.glob("blog/2*/**/index.html")
        for block in _jsonld(page)
        if json.loads(block).get("@type") == "BlogPosting" and json.loads(block)["headline"] == TITLE
    )
    assert posting["description"] == DESCRIPTION


@pytest.mark.parametrize("page", ["index.html", "resume/index.html"])
def test_person_jsonld_of_the_new_sections_keeps_the_exact_text(hostile_site: Path, page: str) -> None:
    (person,) = [data for data in map(json.loads, _jsonld(hostile_site / page)) if data.get("@type") == "Person"]
    assert person["name"] == NAME and person["address"]["addressLocality"] == HOSTILE_SECTIONS["location"]
    assert person["alumniOf"] == [{"@type": "EducationalOrganization", "name": _hostile("institution")}]
    assert person["award"] == [_hostile("award")]
    assert person["hasCredential"] == [{"@type": "EducationalOccupationalCredential", "name": _hostile("certificate"),
                                        "recognizedBy": {"@type": "Organization", "name": _hostile("issuer")}}]
    assert person["knowsLanguage"] == [_hostile("language")[:60]]


def _jsonld(page: Path) -> list[str]:
    collector = _Collector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector.jsonld


def test_share_metadata_holds_the_whole_description(hostile_site: Path) -> None:
    class Meta(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: dict[str, str] = {}

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "meta" and (values.get("property") or values.get("name")):
                self.found[values.get("property") or values.get("name")] = values.get("content") or ""

    pages = []
    for path in hostile_site.glob("blog/2*/**/index.html"):
        parsed = Meta()
        parsed.feed(path.read_text(encoding="utf-8"))
        pages.append(parsed)
    meta = next(p for p in pages if p.found.get("og:title") == TITLE)
    for key in ("description", "og:description", "twitter:description"):
        assert meta.found[key] == DESCRIPTION, key
    assert meta.found["og:title"] == TITLE


def test_feed_stays_well_formed_with_the_exact_text(hostile_site: Path) -> None:
    root = ET.fromstring((hostile_site / "feed.xml").read_text(encoding="utf-8"))
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [entry.findtext(f"{atom}title") for entry in root.findall(f"{atom}entry")]
    assert TITLE in titles


# -- refused inputs ---------------------------------------------------------------

SCHEMA = front_matter_schema(["llama.cpp"], ["harshit"])
POST = """---
title: {title}
date: 2026-10-18
description: A description that is long enough to be useful in search results and feeds.
categories: [llama.cpp]
tags: [{tag}]
authors: [harshit]
---

Intro.

<!-- more -->

Body{body}.
"""


@pytest.mark.parametrize(("char", "name"), [("\x0c", "form feed"), ("\x0b", "vertical tab"), ("\x00", "nul"), ("\ufffe", "U+FFFE")])
def test_post_body_with_a_character_xml_cannot_carry_is_refused(tmp_path: Path, char: str, name: str) -> None:
    post = tmp_path / "post.md"
    post.write_text(POST.format(title="Fine", tag="gguf", body=f" with a {char} inside"), encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        read_post(post, "posts/post.md", SCHEMA)
    assert f"posts/post.md:14: text: character U+{ord(char):04X}" in str(info.value)
    assert "column 13" in str(info.value)


def test_post_title_with_a_vertical_tab_is_refused_at_its_line(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text(POST.format(title="Bad\x0btitle", tag="gguf", body=""), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"posts/post.md:2: text: character U\+000B \(vertical tab\) at column 11"):
        read_post(post, "posts/post.md", SCHEMA)


@pytest.mark.parametrize("tag", ["<b>", 'a"b', "x&y"])
def test_tags_with_markup_are_refused(tmp_path: Path, tag: str) -> None:
    post = tmp_path / "post.md"
    post.write_text(POST.format(title="Fine", tag=json.dumps(tag), body=""), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"posts/post.md:6: tags\[0\]: .* is not allowed; expected a tag"):
        read_post(post, "posts/post.md", SCHEMA)


@pytest.mark.parametrize("url", ['https://example.org/"onmouseover="x', "https://example.org/<script>", "javascript:alert(1)"])
def test_resume_url_with_quotes_or_markup_is_refused(tmp_path: Path, url: str) -> None:
    source = Path(__file__).resolve().parents[2] / "docs" / "resume.yml"
    text = source.read_text(encoding="utf-8")
    # the contact button and its URL are optional (the owner has not given one): add them with the hostile URL
    text, count = re.subn(r"(?m)^contact:\n", lambda m: f"contact:\n  button: Write to me\n  url: {json.dumps(url)}\n",
                          text, count=1)
    assert count == 1
    line = text[: text.index(json.dumps(url))].count("\n") + 1
    path = tmp_path / "resume.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match=rf"resume.yml:{line}: contact.url: .* is not allowed; expected an absolute URL"):
        load_resume(path, page_exists=lambda uri: True, display_name="resume.yml")


def test_resume_with_a_form_feed_is_refused_with_line_and_column(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2] / "docs" / "resume.yml"
    lines = source.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("headline:"))
    lines[number] = "headline: Engineer\x0cof things"
    path = tmp_path / "resume.yml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SchemaError, match=rf"resume.yml:{number + 1}: text: character U\+000C \(form feed\) at column 19"):
        load_resume(path, page_exists=lambda uri: True, display_name="resume.yml")


def test_form_feed_in_a_post_fails_the_whole_build_with_file_and_line(site_copy: Path) -> None:
    post = _newest_post(site_copy)
    lines = post.read_text(encoding="utf-8").split("\n")
    number = len(lines) - 3
    lines[number] = "A line with a \x0c form feed."
    post.write_text("\n".join(lines), encoding="utf-8")
    result = run_mkdocs_build(site_copy / "site", site_copy / "mkdocs.yml")
    assert result.returncode != 0
    assert f"posts/{post.name}:{number + 1}: text: character U+000C (form feed) at column 15" in result.stderr
    assert not (site_copy / "site" / "feed.xml").exists()
