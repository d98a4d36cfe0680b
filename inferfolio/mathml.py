"""Math in Markdown, rendered to MathML when the page is built: no script, no font, no request.

Syntax (the one pymdownx.arithmatex, GitHub and most Markdown tools read, so
posts stay portable):

- inline: ``$\\rho = \\lambda / (c\\mu)$`` -- no space just inside the dollars, and
  the closing dollar not followed by a digit, so prices like "$5 and $10" stay
  text; ``\\$`` is a literal dollar sign;
- display: a paragraph that starts with ``$$`` and ends with ``$$``.

The LaTeX is converted by the pure-Python ``latex2mathml`` package.  Because
it accepts some broken input silently (an unknown command becomes an
identifier, a missing argument an empty fraction), the result is checked
too; any problem raises :class:`MathError` with the line in the Markdown
source, the formula and what is wrong.  Output is wrapped in an element with
Material's ``arithmatex`` class, which makes wide display formulas scroll
sideways on narrow screens instead of widening the page.

Enable with ``markdown_extensions: [inferfolio.mathml]`` in mkdocs.yml.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from markdown import Extension, Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

from latex2mathml.converter import convert

MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
#: MathML elements and the number of children each must have.
ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "mroot": 2, "munder": 2, "mover": 2, "msubsup": 3, "munderover": 3}
#: After the backtick pattern (190), so code spans keep their dollars; before backslash escapes (180).
INLINE_PRIORITY = 185
INLINE_MATH = r"(?<![\\$])\$(?![\s$])((?:\\.|[^\\$\n])+?)(?<![\s\\])\$(?![\d$])"


class MathError(ValueError):
    """A formula that does not convert to valid MathML."""


def _braces_balanced(tex: str) -> str | None:
    depth = 0
    for match in re.finditer(r"\\.|[{}]", tex):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return "a '}' closes a brace that was never opened"
    return None if depth == 0 else f"{depth} '{{' never closed"


def _structure_problem(mathml: str) -> str | None:
    root = ET.fromstring(mathml)
    for element in root.iter():
        tag = element.tag.removeprefix(MATHML_NS)
        text = element.text or ""
        if tag in ("mi", "mo") and text.startswith("\\"):
            return f"unknown command {text}"
        if tag in ARITY and len(element) != ARITY[tag]:
            return f"\\{'frac' if tag == 'mfrac' else tag} is missing an argument"
    return None


def to_mathml(tex: str, display: bool) -> str:
    """MathML for the LaTeX *tex*; :class:`MathError` (without a line) if it is not valid."""
    problem = _braces_balanced(tex)
    if problem is None:
        try:
            mathml = convert(tex, display="block" if display else "inline")
        except Exception as exc:  # latex2mathml raises its own exception types, some with no message
            problem = f"{type(exc).__name__} {exc}".strip()
        else:
            problem = _structure_problem(mathml)
            if problem is None:
                return mathml
    raise MathError(f"{tex!r} is not allowed: {problem}; expected LaTeX math that latex2mathml converts "
                    "(balanced braces, known commands, every argument given)")


class _SourceKeeper(Preprocessor):
    """Remembers the page source, so an error can name the line its formula is on."""

    def run(self, lines: list[str]) -> list[str]:
        self.md.math_source = "\n".join(lines)  # type: ignore[attr-defined]
        return lines


def _fail(md: Markdown, tex: str, error: MathError) -> MathError:
    source = getattr(md, "math_source", "")
    at = source.find(tex)
    where = f"line {source.count(chr(10), 0, at) + 1}: " if at >= 0 else ""
    return MathError(f"math: {where}{error}")


class _InlineMath(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, int, int]:  # noqa: N802 - Markdown's API
        tex = m.group(1)
        try:
            mathml = to_mathml(tex, display=False)
        except MathError as exc:
            raise _fail(self.md, tex, exc) from None
        html = f'<span class="arithmatex">{mathml}</span>'
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


class _DisplayMath(BlockProcessor):
    def __init__(self, parser: BlockParser, md: Markdown) -> None:
        super().__init__(parser)
        self.md = md

    def test(self, parent: ET.Element, block: str) -> bool:
        return block.lstrip().startswith("$$")

    def run(self, parent: ET.Element, blocks: list[str]) -> bool:
        block = blocks.pop(0).strip()
        if len(block) < 4 or not block.endswith("$$"):
            first = block.splitlines()[0]
            raise _fail(self.md, first, MathError(
                f"{first!r} is not allowed: a display formula opened with $$ is not closed; "
                "expected the paragraph to end with $$ (no blank line inside a formula)"))
        tex = block[2:-2].strip()
        try:
            mathml = to_mathml(tex, display=True)
        except MathError as exc:
            raise _fail(self.md, tex, exc) from None
        placeholder = self.md.htmlStash.store(f'<div class="arithmatex">{mathml}</div>')
        paragraph = ET.SubElement(parent, "p")
        paragraph.text = placeholder
        return True


class MathMLExtension(Extension):
    """``$...$`` and ``$$...$$`` to MathML at build time."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API
        md.registerExtension(self)
        if "$" not in md.ESCAPED_CHARS:
            md.ESCAPED_CHARS.append("$")
        md.preprocessors.register(_SourceKeeper(md), "mathml_source", 100)
        md.parser.blockprocessors.register(_DisplayMath(md.parser, md), "mathml_block", 180)
        md.inlinePatterns.register(_InlineMath(INLINE_MATH, md), "mathml_inline", INLINE_PRIORITY)


def makeExtension(**kwargs: Any) -> MathMLExtension:  # noqa: N802 - Markdown's entry point name
    return MathMLExtension(**kwargs)
