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
too; any problem raises :class:`MathError` naming the file and line (under
MkDocs; the line in the Markdown text otherwise), the formula and what is
wrong, which fails the build.  Output is wrapped in an element with
Material's ``arithmatex`` class, which makes wide display formulas scroll
sideways on narrow screens instead of widening the page; a display formula
takes keyboard focus (``tabindex="0"``) so a reader without a pointer can
scroll it too.

Enable with ``markdown_extensions: [inferfolio.mathml]`` in mkdocs.yml.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
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
#: latex2mathml's exception names, in words.
CONVERTER_ERRORS = {
    "MissingSuperScriptOrSubscriptError": "a ^ or _ has nothing after it",
    "DoubleSuperscriptsError": "two ^ on one base",
    "DoubleSubscriptsError": "two _ on one base",
    "ExtraLeftOrMissingRightError": "a \\left has no matching \\right",
    "MissingEndError": "a \\begin has no matching \\end",
    "NoAvailableTokensError": "a command is missing its argument",
    "InvalidStyleForGenfracError": "a \\genfrac style is not 0 to 3",
    "InvalidWidthError": "a width is not a valid length",
    "InvalidAlignmentError": "an alignment is not one of l, c or r",
    "DenominatorNotFoundError": "a fraction has no denominator",
    "NumeratorNotFoundError": "a fraction has no numerator",
    "LimitsMustFollowMathOperatorError": "\\limits follows something that is not an operator",
}
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
        except Exception as exc:  # latex2mathml raises its own exception types, most with no message
            name = type(exc).__name__
            problem = CONVERTER_ERRORS.get(name, f"{name} {exc}".strip())
        else:
            problem = _structure_problem(mathml)
            if problem is None:
                return mathml
    raise MathError(f"{tex!r} is not allowed: {problem}; expected LaTeX math that latex2mathml converts "
                    "(balanced braces, known commands, every argument given)")


class _SourceKeeper(Preprocessor):
    """Remembers the page source, so an error can name the line its formula is on."""

    def run(self, lines: list[str]) -> list[str]:
        setattr(self.md, "math_source", "\n".join(lines))   # noqa: B010 - an attribute Markdown does not declare
        return lines


def _source_file(md: Markdown) -> str | None:
    """The page's file when MkDocs renders it (its link processor carries the File), else None."""
    for processor in md.treeprocessors:
        path = getattr(getattr(processor, "file", None), "abs_src_path", None)
        if path:
            return str(path)
    return None


def _fail(md: Markdown, tex: str, error: MathError) -> MathError:
    """*error* with where the formula is: ``file:line`` of the page's own file under MkDocs, else the line."""
    path = _source_file(md)
    if path is not None:
        try:
            source = Path(path).read_text(encoding="utf-8")
        except OSError:
            path = None
    if path is None:
        source = getattr(md, "math_source", "")
    at = source.find(tex)
    line = source.count("\n", 0, at) + 1 if at >= 0 else 0
    if path is not None:
        shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path
        return MathError(f"{shown}:{line}: math: {error}")
    return MathError(f"math: line {line}: {error}" if line else f"math: {error}")


class _InlineMath(InlineProcessor):
    # Markdown's stubs declare InlineProcessor.handleMatch against Pattern's older signature.
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Any, int, int]:  # type: ignore[override]  # noqa: N802
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
        placeholder = self.md.htmlStash.store(f'<div class="arithmatex" tabindex="0">{mathml}</div>')
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
