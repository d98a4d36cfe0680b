"""A small validator for YAML documents that reports *where* a value is wrong.

The résumé and post front matter are plain YAML, but an author who mistypes a
date should see ``docs/resume.yml:14: experience[0].start: '2023-13' is not a
date; expected YYYY or YYYY-MM`` rather than a stack trace.  PyYAML's node
tree (``yaml.compose``) keeps the line of every value, so validation walks the
nodes instead of the loaded objects.

A schema is built from the field types below; ``validate(node, schema)``
returns the plain Python value or raises :class:`SchemaError` listing every
problem found (not just the first).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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


def _shown(node: yaml.Node) -> str:
    """The value of *node* as the author wrote it, for error messages."""
    if isinstance(node, yaml.ScalarNode):
        text = node.value if len(node.value) <= 60 else node.value[:57] + "..."
        return repr(text)
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "a mapping"


class _Context:
    """Collects problems while a document is walked; *line_offset* shifts line numbers."""

    def __init__(self, line_offset: int) -> None:
        self.line_offset = line_offset
        self.problems: list[Problem] = []

    def fail(self, node: yaml.Node | None, path: str, message: str) -> None:
        line = node.start_mark.line + 1 + self.line_offset if node is not None else 0
        self.problems.append(Problem(line, path, message))


_MISSING = object()


class Field:
    """Base class: turns a node into a value, or reports a problem and returns ``_MISSING``.

    Scalar fields only implement :meth:`parse`; containers override :meth:`check`.
    """

    expected = "a value"

    def parse(self, node: yaml.ScalarNode) -> Any:
        """The value of a scalar *node*, or ``_MISSING`` if it is not allowed."""
        raise NotImplementedError

    def check(self, node: yaml.Node, path: str, ctx: _Context) -> Any:
        value = self.parse(node) if isinstance(node, yaml.ScalarNode) else _MISSING
        if value is _MISSING:
            ctx.fail(node, path, f"{_shown(node)} is not allowed; expected {self.expected}")
        return value


@dataclass
class Str(Field):
    """A non-empty string of at most *max_len* characters (optionally matching *pattern*)."""

    min_len: int = 1
    max_len: int = 2000
    pattern: str | None = None
    expected_text: str | None = None

    @property
    def expected(self) -> str:  # type: ignore[override]
        if self.expected_text:
            return self.expected_text
        return f"text of {self.min_len} to {self.max_len} characters"

    def parse(self, node: yaml.ScalarNode) -> Any:
        value = node.value.strip()
        if node.tag == "tag:yaml.org,2002:null" or not self.min_len <= len(value) <= self.max_len:
            return _MISSING
        if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
            return _MISSING
        return value


def Url() -> Str:  # noqa: N802 - reads like a type in schemas
    """An absolute http(s) URL or a mailto: link."""
    return Str(pattern=r"(https?://[^\s/\"'<>]+\.[^\s\"'<>]+|mailto:[^\s@\"'<>]+@[^\s@\"'<>]+)", expected_text="an absolute URL (https://...) or mailto:")


def Email() -> Str:  # noqa: N802
    return Str(pattern=r"[^\s@]+@[^\s@]+\.[^\s@]+", expected_text="an e-mail address like name@example.com")


@dataclass
class Int(Field):
    """An integer between *minimum* and *maximum* inclusive."""

    minimum: int
    maximum: int

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"an integer from {self.minimum} to {self.maximum}"

    def parse(self, node: yaml.ScalarNode) -> Any:
        # At most 18 digits: int() of thousands of digits is slow, and refused past 4300.
        if re.fullmatch(r"[-+]?\d{1,18}", node.value.strip()) and self.minimum <= int(node.value) <= self.maximum:
            return int(node.value)
        return _MISSING


@dataclass
class Bool(Field):
    expected = "true or false"

    def parse(self, node: yaml.ScalarNode) -> Any:
        if node.tag == "tag:yaml.org,2002:bool":
            return node.value.lower() in ("true", "yes", "on")
        return _MISSING


@dataclass
class Choice(Field):
    """One of *choices* (strings)."""

    choices: Sequence[str]

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(self.choices)

    def parse(self, node: yaml.ScalarNode) -> Any:
        return node.value if node.value in self.choices else _MISSING


@dataclass
class YearMonth(Field):
    """``YYYY`` or ``YYYY-MM`` (a résumé date); *allow_present* also accepts ``present``."""

    allow_present: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "YYYY or YYYY-MM" + (" or 'present'" if self.allow_present else "")

    def parse(self, node: yaml.ScalarNode) -> Any:
        text = node.value.strip()
        if self.allow_present and text.lower() == "present":
            return "present"
        match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text)
        if match and 1950 <= int(match[1]) <= 2100 and (match[2] is None or 1 <= int(match[2]) <= 12):
            return text
        return _MISSING


@dataclass
class Date(Field):
    """A calendar date ``YYYY-MM-DD`` (returned as :class:`datetime.date`)."""

    expected = "a date YYYY-MM-DD"

    def parse(self, node: yaml.ScalarNode) -> Any:
        text = node.value.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            try:
                return _dt.date.fromisoformat(text)
            except ValueError:
                pass
        return _MISSING


@dataclass
class ListOf(Field):
    """A list of *item*, with *min_items* to *max_items* entries."""

    item: Field
    min_items: int = 1
    max_items: int = 100

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a list of {self.min_items} to {self.max_items} entries, each {self.item.expected}"

    def check(self, node: yaml.Node, path: str, ctx: _Context) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            ctx.fail(node, path, f"{_shown(node)} is not allowed; expected {self.expected}")
            return _MISSING
        if not self.min_items <= len(node.value) <= self.max_items:
            ctx.fail(node, path, f"a list of {len(node.value)} entries is not allowed; expected {self.min_items} to {self.max_items} entries")
        return [self.item.check(child, f"{path}[{i}]", ctx) for i, child in enumerate(node.value)]


@dataclass
class Record(Field):
    """A mapping with *required* and *optional* keys; unknown keys are errors (typos)."""

    required: Mapping[str, Field]
    optional: Mapping[str, Field] = field(default_factory=dict)
    #: Called with the checked mapping; returns extra ``(key, message)`` problems.
    rules: Sequence[Callable[[dict[str, Any]], list[tuple[str, str]]]] = ()

    expected = "a mapping"

    def check(self, node: yaml.Node, path: str, ctx: _Context) -> Any:
        if not isinstance(node, yaml.MappingNode):
            ctx.fail(node, path, f"{_shown(node)} is not allowed; expected a mapping with keys {', '.join(self.required)}")
            return _MISSING
        allowed = {**self.required, **self.optional}
        result: dict[str, Any] = {}
        nodes: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            sub = f"{path}.{key}" if path else key
            if key not in allowed:
                ctx.fail(key_node, sub, f"unknown field; allowed fields: {', '.join(allowed)}")
                continue
            if key in nodes:
                ctx.fail(key_node, sub, "appears twice")
                continue
            nodes[key] = value_node
            result[key] = allowed[key].check(value_node, sub, ctx)
        for key, spec in self.required.items():
            if key not in nodes:
                ctx.fail(node, f"{path}.{key}" if path else key, f"is missing; expected {spec.expected}")
        if all(value is not _MISSING for value in result.values()) and all(k in nodes for k in self.required):
            for rule in self.rules:
                for key, message in rule(result):
                    ctx.fail(nodes.get(key, node), f"{path}.{key}" if path else key, message)
        return result


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (``*name``).

    Author files have no use for them, and a walk over aliased nodes can be
    made to visit billions of nodes (nested aliases) or never end (an alias
    to its own parent).
    """

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not supported; write the value out", event.start_mark)
        return super().compose_node(parent, index)


#: Deeper nesting than this is refused (the walk is recursive, and no author file needs it).
MAX_DEPTH = 50


def _depth_problem(node: yaml.Node, line_offset: int) -> Problem | None:
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


def validate(text: str, schema: Field, filename: str, line_offset: int = 0) -> Any:
    """Parse YAML *text* and check it against *schema*.

    *line_offset* is added to reported line numbers (front matter starts one
    line into its file).  Returns the plain value; raises :class:`SchemaError`
    naming *filename*, the line, the field path, the bad value and what is
    expected.
    """
    ctx = _Context(line_offset)
    try:
        node = yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        raise SchemaError(filename, [_yaml_problem(exc, text, line_offset)]) from None
    except RecursionError:
        raise SchemaError(filename, [Problem(0, "", f"nested more than {MAX_DEPTH} levels deep")]) from None
    if node is None:
        raise SchemaError(filename, [Problem(1 + line_offset, "", "the document is empty")])
    too_deep = _depth_problem(node, line_offset)
    if too_deep is not None:
        raise SchemaError(filename, [too_deep])
    value = schema.check(node, "", ctx)
    if ctx.problems:
        raise SchemaError(filename, ctx.problems)
    return value


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
