"""Author files as node trees that remember where every value was written.

The résumé and post front matter are YAML; a résumé may also be JSON (JSON
Resume).  Both are read into PyYAML's node tree (``yaml.Node``), whose marks
keep the line of every value, so :mod:`.schema` can report
``docs/resume.json:14: work[0].startDate: ...`` whichever format the author
chose.  :func:`compose_yaml` uses PyYAML; :func:`compose_json` is a small
JSON reader that builds the same nodes (the standard ``json`` module keeps no
positions).  Syntax errors become a :class:`SchemaError` with the line.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

import yaml


@dataclass(frozen=True)
class Problem:
    """One invalid value: its 1-based *line*, dotted *path* and a *message*."""

    line: int
    path: str
    message: str

    def format(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where}: {self.path or '(document)'}: {self.message}"


class SchemaError(ValueError):
    """Raised with every :class:`Problem` found in one document."""

    def __init__(self, filename: str, problems: Sequence[Problem]) -> None:
        self.filename = filename
        self.problems = list(problems)
        lines = "\n  ".join(p.format(filename) for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} in {filename}:\n  {lines}")


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (``*name``).

    Author files have no use for them, and a walk over aliased nodes can be
    made to visit billions of nodes (nested aliases) or never end (an alias
    to its own parent).

    Lines are counted the way editors count them: YAML also breaks lines at
    NEL (U+0085) and the Unicode line and paragraph separators, which would
    point an error past the end of a file that contains one inside a string.
    """

    def forward(self, length: int = 1) -> None:
        if self.pointer + length + 1 >= len(self.buffer):
            self.update(length + 1)
        while length:
            ch = self.buffer[self.pointer]
            self.pointer += 1
            self.index += 1
            if ch == "\n" or (ch == "\r" and self.buffer[self.pointer] != "\n"):
                self.line += 1
                self.column = 0
            elif ch != "\ufeff":
                self.column += 1
            length -= 1

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not supported; write the value out", event.start_mark)
        return super().compose_node(parent, index)


#: Deeper nesting than this is refused (the walk is recursive, and no author file needs it).
MAX_DEPTH = 50


def depth_problem(node: yaml.Node, line_offset: int) -> Problem | None:
    """A problem for the first node nested deeper than MAX_DEPTH, found without recursion."""
    stack = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            return Problem(current.start_mark.line + 1 + line_offset, "", f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in current.value for child in pair)
    return None


def compose_yaml(text: str, filename: str, line_offset: int = 0) -> yaml.Node:
    """The node tree of YAML *text* (lines kept); raises :class:`SchemaError` for a syntax error or an empty file."""
    try:
        node = yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        raise SchemaError(filename, [_yaml_problem(exc, text, line_offset)]) from None
    except RecursionError:
        raise SchemaError(filename, [Problem(0, "", f"nested more than {MAX_DEPTH} levels deep")]) from None
    if node is None:
        raise SchemaError(filename, [Problem(1 + line_offset, "", "the document is empty")])
    return node


def _yaml_problem(exc: yaml.YAMLError, text: str, line_offset: int) -> Problem:
    """The line and text of a YAML syntax error: where PyYAML found the mistake."""
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        # A character YAML does not allow: PyYAML gives its position in the stream, not a mark.
        line = text.count("\n", 0, exc.position) + 1 + line_offset
        return Problem(line, "", f"invalid YAML: character U+{ord(exc.character) if isinstance(exc.character, str) else exc.character:04X} is not allowed in YAML")
    line = mark.line + 1 + line_offset if mark is not None else 0
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    detail = f" ({context} on line {context_mark.line + 1 + line_offset})" if context and context_mark and context_mark.line != (mark.line if mark else -1) else ""
    return Problem(line, "", f"invalid YAML: {problem}{detail}")


# -- JSON ------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_LITERALS = (("true", "bool"), ("false", "bool"), ("null", "null"))
_SPACE = " \t\n\r"
#: The json module's messages about a string, in the words of this project's other errors.
_STRING_ERRORS = (
    ("Unterminated string", "text in double quotes is not closed"),
    ("Invalid control character", "a line break or control character inside text; write it as \\n or \\t"),
    ("Invalid \\escape", "an unknown escape; allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
    ("Invalid \\uXXXX escape", "\\u must be followed by four hexadecimal digits"),
)


class _JsonSyntaxError(Exception):
    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


class _JsonReader:
    """Recursive descent over JSON text (RFC 8259), building YAML nodes with marks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def mark(self, position: int) -> yaml.Mark:
        line = bisect_right(self.line_starts, position) - 1
        # No buffer to quote: PyYAML accepts None there (its stubs say int).
        return yaml.Mark("json", position, line, position - self.line_starts[line], None, None)  # type: ignore[arg-type]

    def fail(self, position: int, message: str) -> NoReturn:
        raise _JsonSyntaxError(position, message)

    def skip(self, position: int) -> int:
        while position < len(self.text) and self.text[position] in _SPACE:
            position += 1
        return position

    def document(self) -> yaml.Node:
        node, end = self.value(0, 0)
        end = self.skip(end)
        if end < len(self.text):
            self.fail(end, "more text after the end of the JSON value; a file holds one value")
        return node

    def value(self, position: int, depth: int) -> tuple[yaml.Node, int]:
        if depth > MAX_DEPTH:
            self.fail(position, f"nested more than {MAX_DEPTH} levels deep")
        position = self.skip(position)
        if position >= len(self.text):
            self.fail(position, "the text ends where a value was expected")
        char = self.text[position]
        if char == "{":
            return self.mapping(position, depth)
        if char == "[":
            return self.sequence(position, depth)
        if char == '"':
            text, end = self.string(position)
            return yaml.ScalarNode(_TAG + "str", text, self.mark(position), self.mark(end), style='"'), end
        number = _NUMBER.match(self.text, position)
        if number is not None:
            kind = "float" if any(c in number.group() for c in ".eE") else "int"
            return yaml.ScalarNode(_TAG + kind, number.group(), self.mark(position), self.mark(number.end())), number.end()
        for word, kind in _LITERALS:
            if self.text.startswith(word, position):
                end = position + len(word)
                return yaml.ScalarNode(_TAG + kind, word, self.mark(position), self.mark(end)), end
        found = re.match(r"[^\s,:\[\]{}\"]{1,40}", self.text[position:])
        shown = repr(found.group() if found else char)
        self.fail(position, f"{shown} is not a JSON value; expected text in double quotes, a number, true, false, null, [ or {{")

    def string(self, position: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, position + 1, True)  # type: ignore[attr-defined]  # public, undeclared in typeshed
        except json.JSONDecodeError as exc:
            message = next((text for start, text in _STRING_ERRORS if exc.msg.startswith(start)), exc.msg)
            self.fail(exc.pos, message)

    def mapping(self, start: int, depth: int) -> tuple[yaml.Node, int]:
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        position = self.skip(start + 1)
        if self.text.startswith("}", position):
            return yaml.MappingNode(_TAG + "map", pairs, self.mark(start), self.mark(position + 1), flow_style=True), position + 1
        while True:
            position = self.skip(position)
            if not self.text.startswith('"', position):
                what = "a comma before '}' is not allowed" if self.text.startswith("}", position) else "expected a field name in double quotes"
                self.fail(position, what)
            key, end = self.string(position)
            key_node = yaml.ScalarNode(_TAG + "str", key, self.mark(position), self.mark(end), style='"')
            position = self.skip(end)
            if not self.text.startswith(":", position):
                self.fail(position, f"expected ':' after the field name {key!r}")
            value, position = self.value(position + 1, depth + 1)
            pairs.append((key_node, value))
            position = self.skip(position)
            if self.text.startswith(",", position):
                position += 1
            elif self.text.startswith("}", position):
                return yaml.MappingNode(_TAG + "map", pairs, self.mark(start), self.mark(position + 1), flow_style=True), position + 1
            else:
                self.fail(position, "expected ',' or '}' after a field's value")

    def sequence(self, start: int, depth: int) -> tuple[yaml.Node, int]:
        items: list[yaml.Node] = []
        position = self.skip(start + 1)
        if self.text.startswith("]", position):
            return yaml.SequenceNode(_TAG + "seq", items, self.mark(start), self.mark(position + 1), flow_style=True), position + 1
        while True:
            if self.text.startswith("]", self.skip(position)) and items:
                self.fail(self.skip(position), "a comma before ']' is not allowed")
            item, position = self.value(position, depth + 1)
            items.append(item)
            position = self.skip(position)
            if self.text.startswith(",", position):
                position += 1
            elif self.text.startswith("]", position):
                return yaml.SequenceNode(_TAG + "seq", items, self.mark(start), self.mark(position + 1), flow_style=True), position + 1
            else:
                self.fail(position, "expected ',' or ']' after a list item")


def compose_json(text: str, filename: str, line_offset: int = 0) -> yaml.Node:
    """The node tree of JSON *text*, like :func:`compose_yaml`'s; raises :class:`SchemaError` with line and column."""
    text = text.removeprefix("\ufeff")
    reader = _JsonReader(text)
    if not text.strip():
        raise SchemaError(filename, [Problem(1 + line_offset, "", "the document is empty")])
    try:
        return reader.document()
    except _JsonSyntaxError as exc:
        mark = reader.mark(min(exc.position, len(text)))
        raise SchemaError(filename, [Problem(mark.line + 1 + line_offset, "",
                                             f"invalid JSON at column {mark.column + 1}: {exc.message}")]) from None
