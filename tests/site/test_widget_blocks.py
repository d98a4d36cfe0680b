"""inferfolio.widgets.blocks and the Markdown extension on its own (no MkDocs)."""

from __future__ import annotations

import markdown
import pytest

from inferfolio.widgets.blocks import BlockSyntaxError, find_blocks


@pytest.mark.parametrize(("text", "expected"), [
    ("```widget quant\nquant: Q8_0\n```", [("quant", "quant: Q8_0", 0, 2)]),
    ("intro\n\n~~~~ widget pipeline\nworkers: 8\n~~~~\n", [("pipeline", "workers: 8", 2, 4)]),
    ("```python\n```widget quant\n```\n", []),  # inside another fence: not a block
    ("````markdown\n```widget quant\nquant: Q9\n```\n````\n", []),
    ("    ```widget quant\n    ctx: 2048\n    ```", [("quant", "ctx: 2048", 0, 2)]),  # indented (admonition, tab)
    ("```widget-like\n```", []),
])
def test_find_blocks(text: str, expected: list) -> None:
    found = [(b.name, b.body, b.start, b.end) for b in find_blocks(text.splitlines())]
    assert found == expected


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a\n```widget quant\nctx: 1\n", 1, "no closing"),
    ("```widget\n```", 0, "without a widget name"),
    ("```widget quant extra\n```", 0, "unexpected 'extra'"),
])
def test_block_syntax_errors(text: str, line: int, message: str) -> None:
    with pytest.raises(BlockSyntaxError, match=message) as info:
        find_blocks(text.splitlines())
    assert info.value.line == line


def test_extension_renders_the_static_widget() -> None:
    html = markdown.markdown("# Title\n\n```widget quant\nquant: Q8_0\n```\n\nAfter.",
                             extensions=["inferfolio.widgets.markdown"],
                             extension_configs={"inferfolio.widgets.markdown": {"build": "abc", "wheel": "w.whl"}})
    assert 'data-build="abc"' in html and 'data-wheel="w.whl"' in html
    assert 'id="ifw-quant"' in html and 'data-widget="quant" data-key="quant"' in html
    assert "7.95 GiB" in html and "<p>After.</p>" in html


def test_two_widgets_of_one_kind_get_their_own_keys() -> None:
    html = markdown.markdown("```widget quant\n```\n\n```widget quant\nctx: 2048\n```\n\n```widget pipeline\nwarmup_s: 5\n```",
                             extensions=["inferfolio.widgets.markdown"])
    assert html.count('data-key="quant"') == 1 and html.count('data-key="quant-2"') == 1
    assert 'id="ifw-quant-2"' in html and 'data-key="pipeline"' in html


def test_extension_error_names_the_markdown_line() -> None:
    with pytest.raises(ValueError, match=r"line 4: widget quant: quant: 'Q9' is not allowed"):
        markdown.markdown("text\n\n```widget quant\nquant: Q9\n```", extensions=["inferfolio.widgets.markdown"])


def test_prose_numbers_are_replaced_outside_code() -> None:
    text = ("The file is {{ quant.file_bytes quant=Q8_0 }} on disk.\n\n"
            "`{{ quant.file_bytes }}` stays code.\n\n```text\n{{ quant.file_bytes }}\n```\n")
    html = markdown.markdown(text, extensions=["inferfolio.widgets.markdown", "fenced_code"])
    assert "The file is 7.95 GiB on disk." in html
    assert html.count("{{ quant.file_bytes }}") == 2


def test_a_bad_prose_number_names_its_line() -> None:
    with pytest.raises(ValueError, match=r"line 3: \{\{ quant.file_bytes quant=Q9 \}\}: quant: 'Q9' is not allowed"):
        markdown.markdown("a\n\nsee {{ quant.file_bytes quant=Q9 }}", extensions=["inferfolio.widgets.markdown"])
