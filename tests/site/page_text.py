"""Readable text of the site's sources and built pages, cut into segments, for the content tests.

A *segment* is a run of prose that a reader sees as one piece: a paragraph,
a heading, a list item, a table cell, one YAML value.  Word runs are only
compared inside a segment, so a tag list or a table row never reads as one
long sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

#: Elements that end a run of prose in built HTML (and SVG).
BLOCK_TAGS = {
    "p", "li", "ul", "ol", "dt", "dd", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "table",
    "div", "section", "article", "header", "footer", "nav", "aside", "main", "figure", "figcaption", "blockquote",
    "pre", "br", "hr", "title", "desc", "text", "button", "label", "option", "select", "summary", "details",
    "caption", "form", "output", "meter", "math", "script", "style", "svg", "noscript",
}
#: Elements whose text is never prose a reader reads as the page's words.
SKIPPED_TAGS = {"script", "style", "pre", "code", "math", "svg"}


class _Segments(HTMLParser):
    def __init__(self, skip: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = skip
        self.depth = 0
        self.parts: list[str] = []
        self.current: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.parts.append(text)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.skip:
            self.depth += 1
        if tag in BLOCK_TAGS:
            self._flush()
        else:
            self.current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self._flush()
        else:
            self.current.append(" ")
        if tag in self.skip and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.current.append(data)


def html_segments(html: str, skip: set[str] = SKIPPED_TAGS) -> list[str]:
    """Prose segments of an HTML document (code, scripts, styles and SVG left out by default)."""
    parser = _Segments(skip)
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.parts


def main_segments(html: str) -> list[str]:
    """Segments of the page's own content: Material's article, or the whole body of a custom template."""
    start = html.find('<div class="md-content"')
    end = html.find('<footer class="md-footer"')
    body = html[start:end] if start >= 0 and end > start else html
    return html_segments(body)


_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.M | re.S)
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def markdown_segments(text: str) -> list[str]:
    """Prose segments of a Markdown file: its front matter's values, then the body without fenced code."""
    segments: list[str] = []
    front = _FRONT_MATTER.match(text)
    if front:
        segments += yaml_segments(front.group(1))
        text = text[front.end():]
    text = _FENCE.sub("\n\n", text)
    text = re.sub(r"`[^`\n]*`", " ", text)          # inline code
    text = re.sub(r"<[^>]+>", "\n\n", text)          # HTML and SVG tags end a segment
    text = re.sub(r"\[\^[^\]]+\]:?", " ", text)      # footnote markers
    text = re.sub(r"\]\([^)]*\)", "] ", text)        # link targets
    for block in re.split(r"\n\s*\n", text):
        for piece in re.split(r"\n(?=\s*(?:[-*+] |\d+\. |#|>|\|))|\|", block):
            piece = " ".join(piece.split())
            if piece:
                segments.append(piece)
    return segments


def yaml_segments(text: str) -> list[str]:
    """Every string value of a YAML document, one segment each."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(text))
    return out


def template_segments(text: str) -> list[str]:
    """The literal prose of a Jinja template: comments, expressions and statements end a segment."""
    text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", "\n<br>\n", text, flags=re.S)
    return html_segments(text, skip={"script", "style"})


def source_files() -> Iterator[tuple[str, list[str]]]:
    """(repository-relative path, segments) of every page source whose words are the site's own."""
    docs = ROOT / "docs"
    for path in sorted([docs / "index.md", docs / "resume.md", docs / "blog" / "index.md",
                        *(docs / "projects").glob("*.md"), *(ROOT / "posts").glob("*.md")]):
        yield path.relative_to(ROOT).as_posix(), markdown_segments(path.read_text(encoding="utf-8"))
    yield "docs/resume.yml", yaml_segments((docs / "resume.yml").read_text(encoding="utf-8"))
    for name in ("home.html", "resume.html"):
        path = ROOT / "overrides" / name
        yield path.relative_to(ROOT).as_posix(), template_segments(path.read_text(encoding="utf-8"))


def built_pages(site: Path) -> Iterator[tuple[str, Path]]:
    """(site-relative path, file) of the home page, the résumé, the project pages, the blog index and every post."""
    candidates = [site / "index.html", site / "resume" / "index.html", site / "blog" / "index.html",
                  *sorted((site / "projects").glob("**/index.html")),
                  *sorted((site / "blog").glob("[0-9][0-9][0-9][0-9]/*/*/*/index.html"))]
    for path in candidates:
        if path.is_file():
            yield path.relative_to(site).as_posix(), path
