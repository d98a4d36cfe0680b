"""Math is MathML in the built page: converted at build time, checked, and a bad formula fails the build."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import markdown
import pytest

from buildtools import run_mkdocs_build
from inferfolio.mathml import MathError, to_mathml
from page_text import main_segments

MATHML = "{http://www.w3.org/1998/Math/MathML}"


def convert(text: str) -> str:
    return markdown.Markdown(extensions=["inferfolio.mathml", "pymdownx.superfences", "footnotes"]).convert(text)


def math_elements(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<math\b.*?</math>", html, re.S)]


def test_inline_math_becomes_inline_mathml() -> None:
    html = convert(r"Utilization is $\rho = \lambda / (c\mu)$ here.")
    [math] = math_elements(html)
    assert math.get("display") == "inline"
    assert [el.text for el in math.iter(f"{MATHML}mi")] == ["ρ", "λ", "c", "μ"]
    assert html.startswith("<p>Utilization is <span class=\"arithmatex\"><math")
    assert html.endswith("</math></span> here.</p>")


def test_display_math_becomes_a_block_with_a_fraction() -> None:
    html = convert("Before.\n\n$$\nW_q = \\frac{C(c, a)}{c\\mu - \\lambda}\n$$\n\nAfter.")
    assert '<div class="arithmatex" tabindex="0"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
    [math] = math_elements(html)
    [fraction] = list(math.iter(f"{MATHML}mfrac"))
    assert len(fraction) == 2
    assert "<p><div" not in html and "$$" not in html


@pytest.mark.parametrize("text", [
    "It costs $5 and $10 a month.",            # closing dollar followed by a digit: money, not math
    "A shell variable: `$HOME` and `$x$`.",     # code spans keep their dollars
    "An escaped \\$3 stays a dollar.",
    "Spaces inside: $ x $ is not math.",
    "```bash\necho $HOME $$ $PATH\n```",        # fenced code is left alone
])
def test_dollars_that_are_not_math_stay_text(text: str) -> None:
    html = convert(text)
    assert "<math" not in html
    assert "$" in html


@pytest.mark.parametrize(("tex", "problem"), [
    (r"\frac{a}", r"\frac is missing an argument"),
    (r"\foo{x}", r"unknown command \foo"),
    (r"x^{2", "'{' never closed"),
    (r"a}", "closes a brace that was never opened"),
    (r"x^", "a ^ or _ has nothing after it"),
    (r"\left( x", r"a \left has no matching \right"),
])
def test_broken_latex_is_refused_with_the_formula_and_the_reason(tex: str, problem: str) -> None:
    with pytest.raises(MathError) as info:
        to_mathml(tex, display=False)
    message = str(info.value)
    assert repr(tex) in message and problem in message and "expected LaTeX math" in message


def test_an_error_names_the_line_of_the_formula() -> None:
    with pytest.raises(MathError, match=r"^math: line 4: '\\\\frac\{1\}' is not allowed"):
        convert("Intro.\n\nMore text,\nand then $\\frac{1}$ here.")
    with pytest.raises(MathError, match=r"^math: line 3: '\$\$' is not allowed: a display formula opened with \$\$ is not closed"):
        convert("Intro.\n\n$$\nx = 1\n\nmore\n$$")


def test_posts_render_their_formulas_as_mathml_without_leftover_tex(built_site: Path) -> None:
    posts = sorted((built_site / "blog").glob("[0-9][0-9][0-9][0-9]/*/*/*/index.html"))
    counts = {}
    for path in posts:
        html = path.read_text(encoding="utf-8")
        maths = math_elements(html)
        counts[path.parent.name] = len(maths)
        for segment in main_segments(html):
            # a dollar sign before a digit is money ("$4.92 per hour"); anything else is a delimiter left over
            assert not re.search(r"\$\$|\$(?![\d\s])|\\[a-zA-Z]{2,}|_\{|\^\{", segment), \
                f"{path.parent.name}: TeX left in: {segment[:120]}"
        assert not re.search(r"mathjax|katex", html, re.I), "math needs no script"
    assert counts["llm-orchestration-pipeline"] >= 20
    assert counts["llama-cpp-optimization-parameters"] >= 2


def test_a_bad_formula_fails_the_build_with_file_and_line(site_copy: Path) -> None:
    post = site_copy / "posts" / "llm-orchestration-pipeline.md"
    lines = post.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("**Little's law.**"))
    lines.insert(number, "A broken formula: $\\frac{L}$ here.")
    post.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_mkdocs_build(site_copy / "site", site_copy / "mkdocs.yml")
    assert result.returncode != 0
    assert f"posts/llm-orchestration-pipeline.md:{number + 1}: math: '\\\\frac{{L}}' is not allowed" in result.stderr
