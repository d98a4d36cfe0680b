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
import json
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


def options_from_block(block: Block) -> dict[str, Any]:
    """Validate *block*'s body against its widget's schema; return typed options.

    Raises ``inferlab.ui.OptionError`` (a ValueError) whose ``line`` is
    1-based within the body.
    """
    from inferlab.ui import parse_block, validate_options

    return validate_options(block.name, parse_block(block.body))


@functools.lru_cache(maxsize=64)
def _render_template(name: str, options_json: str) -> str:
    from inferlab.ui import render_widget

    return render_widget(name, json.loads(options_json), widget_id="__IFW_ID__")


def render_block(block: Block, widget_id: str, attrs: dict[str, str] | None = None) -> str:
    """The widget's pre-rendered HTML for *block* (cached by widget and options).

    The core computes the starting state (numbers, SVG, status line); *attrs*
    are extra attributes for the root element (runtime locations).
    """
    options = options_from_block(block)
    try:
        html = _render_template(block.name, json.dumps(options, sort_keys=True))
    except ValueError as err:
        if getattr(err, "line", None):
            raise
        raise _located(err, block) from None
    html = html.replace("__IFW_ID__", widget_id)
    if attrs:
        extra = "".join(f' {k}="{_attr(v)}"' for k, v in sorted(attrs.items()))
        html = html.replace(" data-widget=", extra + " data-widget=", 1)
    return html


class WidgetValueError(ValueError):
    """A value the core rejected while pre-rendering; ``line`` is 1-based in the body, or None."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def _located(err: ValueError, block: Block) -> WidgetValueError:
    """Point the core's ``ValueError("field: ...")`` at the block line that set that field."""
    from inferlab.ui import parse_block

    field = str(err).split(":", 1)[0].strip()
    line = next((n for n, name, _ in parse_block(block.body) if name == field), None)
    return WidgetValueError(f"widget {block.name}: {err}", line)


def clear_render_cache() -> None:
    """Forget rendered widgets (the core may have changed between builds)."""
    _render_template.cache_clear()


def _attr(value: str) -> str:
    return str(value).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
