"""Find ``widget`` blocks in Markdown text and turn them into widget HTML.

A block is a fenced block whose info string is ``widget NAME``::

    ```widget pipeline
    workers: 8
    cache: on
    ```

Fences of other kinds are skipped whole, so a code block that *shows* the
syntax (e.g. inside a four-backtick fence) is left alone.  Both the Markdown
extension and the plugin's file:line validation use :func:`find_blocks`, so
they always agree on what is a block.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_WIDGET_INFO = re.compile(r"^\s*widget(?=\s|$)(?:\s+(?P<name>\S+))?\s*(?P<rest>.*?)\s*$")


@dataclass(frozen=True)
class Block:
    """One widget block: ``start``/``end`` are 0-based line indexes of its fences."""

    name: str
    body: str
    start: int
    end: int
    indent: str

    @property
    def body_first_line(self) -> int:
        """0-based index of the first body line (the line after the opening fence)."""
        return self.start + 1


class BlockSyntaxError(ValueError):
    """A widget block that cannot be read (no closing fence, no name); ``line`` is 0-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def find_blocks(lines: Sequence[str]) -> list[Block]:
    """Return the widget blocks in *lines*, in order; raise BlockSyntaxError."""
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent = match["fence"], match["indent"]
        close = _closing_fence(lines, i + 1, fence, indent)
        info = _WIDGET_INFO.match(match["info"])
        if info and not match["info"].startswith(fence[0]):
            if not info["name"]:
                raise BlockSyntaxError("widget block without a widget name (write ```widget NAME)", i)
            if info["rest"]:
                raise BlockSyntaxError(f"widget {info['name']}: unexpected {info['rest']!r} after the widget name; "
                                       "put options on the lines inside the block", i)
            if close is None:
                raise BlockSyntaxError(f"widget {info['name']}: the block has no closing {fence}", i)
            body = "\n".join(_dedent(line, indent) for line in lines[i + 1:close])
            blocks.append(Block(info["name"], body, i, close, indent))
        i = (close if close is not None else len(lines) - 1) + 1
    return blocks


def _closing_fence(lines: Sequence[str], start: int, fence: str, indent: str) -> int | None:
    for j in range(start, len(lines)):
        stripped = lines[j].strip()
        if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
            return j
    return None


def _dedent(line: str, indent: str) -> str:
    return line[len(indent):] if line.startswith(indent) else line.lstrip()


@dataclass(frozen=True)
class Number:
    """A prose number ``{{ widget.metric name=value }}``: 0-based line, the span within it, the call."""

    line: int
    start: int
    end: int
    call: str


_NUMBER = re.compile(r"\{\{\s*(?P<call>[^{}]*?)\s*\}\}")


def find_numbers(lines: Sequence[str]) -> list[Number]:
    """The prose numbers in *lines*, outside fenced blocks and inline code spans."""
    found: list[Number] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence:
            close = _closing_fence(lines, i + 1, fence["fence"], fence["indent"])
            i = (close if close is not None else len(lines) - 1) + 1
            continue
        for m in _NUMBER.finditer(lines[i]):
            if lines[i][:m.start()].count("`") % 2 == 0:  # not inside `code`
                found.append(Number(i, m.start(), m.end(), m["call"]))
        i += 1
    return found


def instance_keys(blocks: Sequence[Block]) -> list[str]:
    """Each block's key on its page: the widget's name for the first of its kind, then ``name-2``, ``name-3``...

    The key prefixes the widget's settings in the URL (``?quant.ctx=8192``,
    ``?quant-2.ctx=8192``), so old links keep reaching the first widget of a
    kind, and it makes the element id (``ifw-quant-2``).
    """
    seen: dict[str, int] = {}
    keys = []
    for block in blocks:
        seen[block.name] = seen.get(block.name, 0) + 1
        n = seen[block.name]
        keys.append(block.name if n == 1 else f"{block.name}-{n}")
    return keys


@functools.lru_cache(maxsize=64)
def _render(name: str, body: str, key: str, attrs: tuple[tuple[str, str], ...]) -> str:
    from inferlab.ui import render_widget

    return render_widget(name, body, widget_id=f"ifw-{key}", key=key, attrs=dict(attrs))


def render_block(block: Block, key: str, attrs: dict[str, str] | None = None) -> str:
    """The widget's pre-rendered HTML for *block* with instance *key* (cached, so checking then rendering costs one).

    Raises ``inferlab.inputs.InputError`` whose ``line`` is 1-based within the
    body: the line of the bad option, or of the option the core rejected.
    """
    from inferlab.inputs import InputError

    try:
        return _render(block.name, block.body, key, tuple(sorted((attrs or {}).items())))
    except InputError as err:
        if err.line is None:
            raise err.at(line=_line_of(err.field, block)) from None
        raise


def _line_of(field: str, block: Block) -> int | None:
    """The body line (1-based) that sets *field*, if one does."""
    from inferlab.inputs import parse_lines

    return next((n for n, name, _ in parse_lines(block.body) if name == field), None)


def clear_render_cache() -> None:
    """Forget rendered widgets and prose numbers (the core may have changed between builds)."""
    _render.cache_clear()
