"""The built site: each page a reader lands on carries its key content and metadata."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from markupsafe import escape


def esc(text: str) -> str:
    """*text* as the templates print it (autoescaped)."""
    return str(escape(text))


ROOT = Path(__file__).resolve().parents[2]
RESUME = yaml.safe_load((ROOT / "docs" / "resume.yml").read_text(encoding="utf-8"))
SITE_URL = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").split("\ntheme:")[0])["site_url"]
ATOM = "{http://www.w3.org/2005/Atom}"


def read(site: Path, rel: str) -> str:
    path = site / rel
    assert path.is_file(), f"{rel} was not built"
    return path.read_text(encoding="utf-8")


def meta(html: str, key: str) -> str:
    match = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', html)
    assert match, f"no <meta {key}>"
    return match.group(1)


def post_pages(site: Path) -> dict[str, str]:
    """Built post pages keyed by their site-relative URL (blog/YYYY/MM/DD/slug/)."""
    pages = {}
    for path in (site / "blog").glob("[0-9][0-9][0-9][0-9]/*/*/*/index.html"):
        pages[path.parent.relative_to(site).as_posix() + "/"] = path.read_text(encoding="utf-8")
    return pages


def test_home_page_is_rendered_from_the_resume(built_site: Path) -> None:
    html = read(built_site, "index.html")
    assert f">{esc(RESUME['name'])}</h1>" in html
    assert esc(RESUME["headline"]) in html
    for stat in RESUME["stats"]:
        assert f'<strong class="if-stat__value">{esc(stat["value"])}</strong>' in html
    for job in RESUME["experience"]:
        assert esc(job["role"]) in html and esc(job["bullets"][0]) in html
    for project in RESUME["projects"]:
        url = project["page"].replace(".md", "/")
        assert f'href="{url}">{esc(project["title"])}</a>' in html
    for group in RESUME["skills"]:
        assert f"<dt>{esc(group['category'])}</dt>" in html
    assert esc(RESUME["contact"]["heading"]) in html


def test_home_page_radar_has_svg_title_description_and_table(built_site: Path) -> None:
    html = read(built_site, "index.html")
    svg = re.search(r'<svg class="if-radar".*?</svg>', html, re.S)
    assert svg, "no radar SVG"
    assert 'role="img"' in svg.group(0) and "<title" in svg.group(0) and "<desc" in svg.group(0)
    table = re.search(r'<div class="if-visually-hidden"><table class="if-radar-table">.*?</table>', html, re.S)
    assert table
    for axis in RESUME["radar"]:
        assert f"<th scope=\"row\">{esc(axis['skill'])}</th><td>{axis['level']}</td>" in table.group(0)


def test_home_page_lists_latest_posts_and_person_jsonld(built_site: Path) -> None:
    html = read(built_site, "index.html")
    posts = post_pages(built_site)
    assert posts
    listed = re.search(r'<ul class="if-posts">(.*?)</ul>', html, re.S).group(1)  # the text may link a post too
    assert sum(f'href="{url}"' in listed for url in posts) == min(len(posts), 3)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Person" and data["name"] == RESUME["name"]
    assert data["jobTitle"] == RESUME["experience"][0]["role"]


def test_resume_page(built_site: Path) -> None:
    html = read(built_site, "resume/index.html")
    assert f"<h1>{esc(RESUME['name'])}</h1>" in html
    for job in RESUME["experience"]:
        for bullet in job["bullets"]:
            assert esc(bullet) in html
    assert meta(html, "description").startswith("Résumé of")


@pytest.mark.parametrize("project", RESUME["projects"], ids=lambda p: p["page"])
def test_project_pages_separate_the_record_from_sourced_explanation(built_site: Path, project: dict) -> None:  # type: ignore[type-arg]
    html = read(built_site, project["page"].replace(".md", "/index.html"))
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)
    assert headings and re.sub(r"<[^>]+>", "", headings[0]).strip().startswith("The project"), headings
    assert len(headings) >= 3, "the explanation of the technique is missing"
    assert len(set(re.findall(r'href="#fn:([^"]+)"', html))) >= 2, "the explanation cites fewer than two sources"
    assert re.search(r'<svg[^>]*role="img"', html), "no accessible diagram"
    assert 40 <= len(meta(html, "description")) <= 200


@pytest.mark.parametrize("project", RESUME["projects"], ids=lambda p: p["page"])
def test_project_pages_show_their_tags_once(built_site: Path, project: dict) -> None:  # type: ignore[type-arg]
    source = (ROOT / "docs" / project["page"]).read_text(encoding="utf-8")
    tags = yaml.safe_load(source.split("---\n")[1])["tags"]
    html = read(built_site, project["page"].replace(".md", "/index.html"))
    article = html[html.index('<article'):html.index('</article>')]
    assert not re.search(r"<h2[^>]*>\s*Tags", article), "a second, hand-written tag list"
    shown = re.findall(r'<(?:a|span)[^>]*class="md-tag[^"]*"[^>]*>\s*([^<]*?)\s*</(?:a|span)>', article)
    assert sorted(shown) == sorted(tags), shown
    for tag in tags:
        assert f"<code>{tag}</code>" not in article, f"tag {tag!r} is listed a second time"


def test_blog_index_archive_categories_and_posts(built_site: Path) -> None:
    index_pages = [built_site / "blog" / "index.html", *sorted((built_site / "blog" / "page").glob("*/index.html"))]
    html = "".join(p.read_text(encoding="utf-8") for p in index_pages)  # the index is paginated
    posts = post_pages(built_site)
    assert len(posts) >= 1
    assert any((built_site / "blog" / "archive").rglob("index.html"))
    assert any((built_site / "blog" / "category").rglob("index.html"))
    # the index is paginated: every post is on page 1 or on blog/page/N/
    pages = [html, *(p.read_text(encoding="utf-8") for p in (built_site / "blog" / "page").glob("*/index.html"))]
    for url in posts:
        tail = url[len("blog/"):]
        assert any(f'href="../{url}"' in h or f'href="{tail}"' in h or f'href="../../{tail}"' in h for h in pages), url


def test_llama_cpp_post(built_site: Path) -> None:
    posts = post_pages(built_site)
    url, html = next((u, h) for u, h in posts.items() if "llama" in u)
    for needle in ("Q4_K_M", "Q8_0", "-ngl", "-tb", "top-p", "Metal", "CUDA"):
        assert needle in html, needle
    assert 'class="footnote"' in html, "figures must cite sources"
    assert "min read" in html, "reading time"
    assert meta(html, "og:type") == "article"
    assert meta(html, "og:url") == SITE_URL + url


def test_atom_feed(built_site: Path) -> None:
    root = ET.fromstring(read(built_site, "feed.xml"))
    entries = root.findall(f"{ATOM}entry")
    posts = post_pages(built_site)
    assert {e.find(f"{ATOM}link").get("href") for e in entries} == {SITE_URL + u for u in posts}
    assert all(e.findtext(f"{ATOM}summary") for e in entries)
    assert all(e.findtext(f"{ATOM}content") for e in entries)
    assert '<link rel="alternate" type="application/atom+xml"' in read(built_site, "index.html")


@pytest.mark.parametrize("rel", ["index.html", "resume/index.html", "blog/index.html", "projects/index.html"])
def test_every_page_has_sharing_and_canonical_metadata(built_site: Path, rel: str) -> None:
    html = read(built_site, rel)
    url = SITE_URL + rel.removesuffix("index.html")
    assert f'<link rel="canonical" href="{url}">' in html
    assert meta(html, "og:url") == url
    for key in ("description", "og:title", "og:description", "twitter:card", "twitter:title"):
        assert meta(html, key)
    assert '<link rel="icon" href="' in html and "favicon.svg" in html


def test_sitemap_lists_every_page(built_site: Path) -> None:
    sitemap = read(built_site, "sitemap.xml")
    for rel in ("", "resume/", "projects/hadoop-dynamic-scaling/", "blog/"):
        assert f"<loc>{SITE_URL}{rel}</loc>" in sitemap


def test_404_page_helps(built_site: Path) -> None:
    html = read(built_site, "404.html")
    assert "This page isn't here" in html
    for target in ('href="/blog/"', 'href="/resume/"', 'href="/projects/"'):
        assert target in html


def test_no_stray_source_files(built_site: Path) -> None:
    assert not (built_site / "resume.yml").exists()
    assert (built_site / "assets" / "images" / "favicon.svg").is_file()
