"""A small validator for author documents that reports *where* a value is wrong.

The résumé and post front matter are plain YAML, but an author who mistypes a
date should see ``docs/resume.yml:14: experience[0].start: '2023-13' is not a
date; expected YYYY or YYYY-MM`` rather than a stack trace.  PyYAML's node
tree (``yaml.compose``) keeps the line of every value, so validation walks the
nodes instead of the loaded objects.

A schema is built from the field types below; ``validate(text, schema)``
(YAML) or ``validate_node(node, schema)`` (any document read by
:mod:`.documents`, JSON included) returns the plain Python value or raises
:class:`SchemaError` listing every problem found (not just the first).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .documents import MAX_DEPTH, Problem, SchemaError, compose_yaml, depth_problem

__all__ = ["MAX_DEPTH", "Problem", "SchemaError"]  # re-exported: callers import them from here


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
class ResumeDate(Field):
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (JSON Resume's ``iso8601``); *allow_present* also accepts ``present``.

    Returned as written (a string), so a date keeps the precision its author chose.
    """

    allow_present: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "YYYY, YYYY-MM or YYYY-MM-DD" + (" or 'present'" if self.allow_present else "")

    def parse(self, node: yaml.ScalarNode) -> Any:
        text = node.value.strip()
        if self.allow_present and text.lower() == "present":
            return "present"
        match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
        if match is None or not 1900 <= int(match[1]) <= 2100:
            return _MISSING
        try:
            _dt.date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
        except ValueError:
            return _MISSING
        return text


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
    #: Checks keys not named above; ``None`` (the default) makes them errors.
    other: Field | None = None

    expected = "a mapping"

    def check(self, node: yaml.Node, path: str, ctx: _Context) -> Any:
        if not isinstance(node, yaml.MappingNode):
            keys = f" with keys {', '.join(self.required)}" if self.required else ""
            ctx.fail(node, path, f"{_shown(node)} is not allowed; expected a mapping{keys}")
            return _MISSING
        allowed = {**self.required, **self.optional}
        result: dict[str, Any] = {}
        nodes: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            sub = f"{path}.{key}" if path else key
            if key not in allowed and self.other is None:
                ctx.fail(key_node, sub, f"unknown field; allowed fields: {', '.join(allowed)}")
                continue
            if key in nodes:
                ctx.fail(key_node, sub, "appears twice")
                continue
            nodes[key] = value_node
            field = allowed.get(key, self.other)
            assert field is not None   # unknown keys without `other` were refused above
            result[key] = field.check(value_node, sub, ctx)
        for key, spec in self.required.items():
            if key not in nodes:
                ctx.fail(node, f"{path}.{key}" if path else key, f"is missing; expected {spec.expected}")
        if all(value is not _MISSING for value in result.values()) and all(k in nodes for k in self.required):
            for rule in self.rules:
                for key, message in rule(result):
                    ctx.fail(nodes.get(key, node), f"{path}.{key}" if path else key, message)
        return result


@dataclass
class MapOf(Field):
    """A mapping from names (text) to *value*s, with at most *max_items* entries."""

    value: Field
    max_items: int = 50

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a mapping of up to {self.max_items} names, each to {self.value.expected}"

    def check(self, node: yaml.Node, path: str, ctx: _Context) -> Any:
        if not isinstance(node, yaml.MappingNode):
            ctx.fail(node, path, f"{_shown(node)} is not allowed; expected {self.expected}")
            return _MISSING
        if len(node.value) > self.max_items:
            ctx.fail(node, path, f"{len(node.value)} entries are not allowed; expected at most {self.max_items}")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value.strip() if isinstance(key_node, yaml.ScalarNode) else ""
            sub = f"{path}.{key}" if key else path
            if not key:
                ctx.fail(key_node, path, f"{_shown(key_node)} is not allowed as a name; expected text")
            elif key in result:
                ctx.fail(key_node, sub, "appears twice")
            else:
                result[key] = self.value.check(value_node, sub, ctx)
        return result


class Plain(Field):
    """Any value, kept as it is (for tool settings that other programs own, like JSON Resume's ``meta``)."""

    expected = "any value"

    def check(self, node: yaml.Node, path: str, ctx: _Context) -> Any:
        return plain_value(node)


def plain_value(node: yaml.Node) -> Any:
    """The JSON-compatible Python value of *node*: text, numbers, booleans, null, lists and mappings."""
    if isinstance(node, yaml.SequenceNode):
        return [plain_value(child) for child in node.value]
    if isinstance(node, yaml.MappingNode):
        return {str(getattr(k, "value", k)): plain_value(v) for k, v in node.value}
    tag, text = node.tag, node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return text.lower() in ("true", "yes", "on")
    if tag == "tag:yaml.org,2002:int" and re.fullmatch(r"[-+]?\d{1,18}", text):
        return int(text)
    if tag == "tag:yaml.org,2002:float" and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        return float(text)
    return text


def validate_node(node: yaml.Node, schema: Field, filename: str, line_offset: int = 0) -> Any:
    """Check a composed document against *schema*; return its plain value or raise :class:`SchemaError`."""
    too_deep = depth_problem(node, line_offset)
    if too_deep is not None:
        raise SchemaError(filename, [too_deep])
    ctx = _Context(line_offset)
    value = schema.check(node, "", ctx)
    if ctx.problems:
        raise SchemaError(filename, ctx.problems)
    return value


def validate(text: str, schema: Field, filename: str, line_offset: int = 0) -> Any:
    """Parse YAML *text* and check it against *schema*.

    *line_offset* is added to reported line numbers (front matter starts one
    line into its file).  Returns the plain value; raises :class:`SchemaError`
    naming *filename*, the line, the field path, the bad value and what is
    expected.
    """
    return validate_node(compose_yaml(text, filename, line_offset), schema, filename, line_offset)
