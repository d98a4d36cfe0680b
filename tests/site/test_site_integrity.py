"""The built site as a whole: links resolve, sharing data and the policy are in place, search covers everything.

* every internal link and image of every page points at a built file, and
  every ``#anchor`` at an id on the target page (the link check run in CI);
* every link to another site carries ``rel="noopener"``;
* the Content-Security-Policy meta tag comes before any script and allows
  exactly the inline scripts the pages hold (by hash); ``_headers`` carries
  the same policy for hosts that read it;
* search finds the home page's and the résumé's text (rendered from
  resume.yml, outside Markdown);
* ``/tags/`` lists every tag of every post; each page has a social card PNG
  and each post BlogPosting JSON-LD.
"""

from __future__ import annotations

import json
import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

from inferfolio.portfolio import csp

ROOT = Path(__file__).resolve().parents[2]
SITE_URL = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\ntheme:")[0])["site_url"]
SITE_HOST = urlsplit(SITE_URL).netloc


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, dict[str, str]]] = []   # (url, attributes) of <a>, <link>, <img>, <script>
        self.meta: dict[str, str] = {}
        self.jsonld: list[str] = []
        self._jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        for key in ("href", "src"):
            if key in values and tag in ("a", "link", "img", "script", "source"):
                self.links.append((values[key], {"tag": tag, **values}))
        if tag == "meta" and ("property" in values or "name" in values):
            self.meta[values.get("property") or values["name"]] = values.get("content", "")
        self._jsonld = tag == "script" and values.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._jsonld:
            self.jsonld.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._jsonld = False


@pytest.fixture(scope="module")
def pages(built_site: Path) -> dict[str, _Page]:
    parsed = {}
    for path in sorted(built_site.rglob("*.html")):
        page = _Page()
        page.feed(path.read_text(encoding="utf-8"))
        parsed[path.relative_to(built_site).as_posix()] = page
    return parsed


def _target(built_site: Path, rel: str, url: str) -> tuple[Path, str] | None:
    """The built file and fragment an internal *url* on page *rel* points at (None for other sites)."""
    base = "https://" + SITE_HOST + "/" + rel
    if rel == "404.html":   # served at any depth: its links are absolute paths
        base = "https://" + SITE_HOST + "/"
    resolved = urlsplit(urljoin(base, url))
    if resolved.scheme not in ("http", "https") or resolved.netloc != SITE_HOST:
        return None
    path = unquote(resolved.path.lstrip("/"))
    target = built_site / path
    if path == "" or path.endswith("/"):
        target = target / "index.html"
    return target, unquote(resolved.fragment)


def test_every_internal_link_and_anchor_resolves(built_site: Path, pages: dict[str, _Page]) -> None:
    broken = []
    checked = 0
    for rel, page in pages.items():
        for url, _attrs in page.links:
            if url.startswith(("mailto:", "data:", "javascript:")) or url == "":
                continue
            found = _target(built_site, rel, url)
            if found is None:
                continue
            target, fragment = found
            checked += 1
            if not target.is_file():
                broken.append(f"{rel}: {url} -> {target.relative_to(built_site)} does not exist")
                continue
            if fragment and target.suffix == ".html":
                target_rel = target.relative_to(built_site).as_posix()
                if fragment not in pages[target_rel].ids:
                    broken.append(f"{rel}: {url} -> no id {fragment!r} on {target_rel}")
    assert checked > 200
    assert broken == []


def test_links_to_other_sites_carry_noopener(pages: dict[str, _Page]) -> None:
    external = [(rel, url, attrs) for rel, page in pages.items() for url, attrs in page.links
                if attrs["tag"] == "a" and urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != SITE_HOST]
    assert external, "the site links to other sites (GitHub, LinkedIn, sources)"
    missing = [f"{rel}: {url}" for rel, url, attrs in external if "noopener" not in attrs.get("rel", "").split()]
    assert missing == []


def test_content_security_policy_allows_exactly_the_inline_scripts(built_site: Path) -> None:
    policies = set()
    all_hashes: set[str] = set()
    for path in built_site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        head = text[: text.index("</head>")]
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
        assert meta, f"{path}: no CSP meta tag"
        assert "<script" not in head[: meta.start()], f"{path}: a script runs before the policy"
        policies.add(meta.group(1))
        all_hashes.update(csp.script_hash(body) for body in csp.inline_scripts(text))
    assert len(policies) == 1, "one policy for the whole site (instant navigation keeps the first page's)"
    policy = policies.pop()
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    script_src = directives["script-src"].split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert set(script_src) == {"'self'", "'wasm-unsafe-eval'", *all_hashes}
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    headers = (built_site / "_headers").read_text(encoding="utf-8")
    assert f"Content-Security-Policy: {policy}; frame-ancestors 'self'" in headers


def test_search_covers_the_home_page_and_the_resume(built_site: Path) -> None:
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    resume = yaml.safe_load((ROOT / "docs" / "resume.yml").read_text(encoding="utf-8"))
    by_page: dict[str, str] = {}
    for doc in index["docs"]:
        page = doc["location"].split("#")[0]
        by_page[page] = by_page.get(page, "") + " " + doc["title"] + " " + doc["text"]
    for page in ("", "resume/"):
        text = by_page[page]
        for job in resume["experience"]:
            assert job["company"].split()[0] in text, (page, job["company"])
        for group in resume["skills"]:
            assert group["items"][0].split()[0] in text
    assert "Alexa" in by_page[""] and "Bedrock" in by_page["resume/"]
    titles = {doc["location"]: doc["title"] for doc in index["docs"]}
    assert titles["resume/"] == "Résumé"
    assert any(loc.startswith("resume/#") for loc in titles)


def test_tags_page_lists_every_post_tag(built_site: Path) -> None:
    html = (built_site / "tags" / "index.html").read_text(encoding="utf-8")
    for post in (ROOT / "posts").glob("*.md"):
        meta = yaml.safe_load(post.read_text(encoding="utf-8").split("---")[1])
        for tag in meta["tags"]:
            assert f'class="md-tag">{tag}<' in html or f">{tag}</" in html, tag


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_page_has_a_social_card(built_site: Path, pages: dict[str, _Page]) -> None:
    for rel, page in pages.items():
        if rel == "404.html":   # not a page anyone shares
            continue
        image = page.meta.get("og:image", "")
        assert image.startswith(SITE_URL), rel
        assert _png_size(built_site / image[len(SITE_URL):]) == (1200, 630)
        assert page.meta["twitter:card"] == "summary_large_image"


def test_posts_carry_blog_posting_structured_data(pages: dict[str, _Page]) -> None:
    posts = {rel: page for rel, page in pages.items() if re.match(r"blog/\d{4}/\d\d/\d\d/", rel)}
    assert posts
    for rel, page in posts.items():
        data = [json.loads(block) for block in page.jsonld]
        posting = next(d for d in data if d["@type"] == "BlogPosting")
        assert posting["headline"] == page.meta["og:title"]
        assert posting["url"] == SITE_URL + rel.removesuffix("index.html")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", posting["datePublished"])
        assert posting["author"]["name"] and posting["image"] == page.meta["og:image"]
