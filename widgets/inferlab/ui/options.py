"""Widget option schemas: parsing a ``widget`` block, validating values.

One schema per widget, shared by the three places a widget's settings come
from: the ``widget`` block in Markdown (build time), the controls and the URL
(browser, through the worker).  Values may arrive typed (JSON) or as text
(Markdown, URL); :func:`validate_options` accepts both and returns typed
values with every default filled in.

A bad value raises :class:`OptionError` (a ``ValueError``) whose message names
the widget, the option, the value and what is allowed, e.g.
``widget quant: option 'quant': 'Q9' is not allowed; allowed: F32, F16, ...``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_TRUE = ("on", "true", "yes", "1")
_FALSE = ("off", "false", "no", "0")


class OptionError(ValueError):
    """A widget name, option name or option value that is not allowed.

    ``line`` is the 1-based line within the block's body when known.
    """

    def __init__(self, widget: str | None, option: str | None, value: Any, allowed: str, line: int | None = None,
                 reason: str = "is not allowed") -> None:
        self.widget = widget
        self.option = option
        self.value = value
        self.allowed = allowed
        self.line = line
        self.reason = reason
        super().__init__(self._text())

    def _text(self) -> str:
        head = f"widget {self.widget}: " if self.widget else ""
        if self.option is None:
            return f"{head}widget {self.value!r} {self.reason}; allowed: {self.allowed}"
        return f"{head}option {self.option!r}: {self.value!r} {self.reason}; allowed: {self.allowed}"


@dataclass(frozen=True)
class Option:
    """One widget option: its type, range or choices, default and label.

    ``kind`` is ``"int"``, ``"float"``, ``"bool"`` or ``"choice"``;
    ``choices`` is a sequence or a function returning one (read lazily from
    the core, so the lists are never written twice).  ``unit`` names the unit
    of a number (shown next to the control).
    """

    name: str
    kind: str
    default: Any
    label: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    unit: str = ""
    choices: Sequence[str] | Callable[[], Sequence[str]] = ()
    help: str = ""
    empty_ok: bool = False  # empty text (a cleared number field) means the default

    def choice_list(self) -> list[str]:
        """The allowed values of a ``choice`` option."""
        found = self.choices() if callable(self.choices) else self.choices
        return list(found)

    def allowed_text(self) -> str:
        """What is allowed, in words (used in error messages)."""
        if self.kind == "bool":
            return "on, off"
        if self.kind == "choice":
            return ", ".join(self.choice_list())
        what = "an integer" if self.kind == "int" else "a number"
        unit = f" ({self.unit})" if self.unit else ""
        return f"{what} from {_num(self.low)} to {_num(self.high)}{unit}"

    def coerce(self, value: Any, widget: str | None = None, line: int | None = None) -> Any:
        """Return *value* (typed or text) converted to this option's type; raise OptionError."""
        bad = OptionError(widget, self.name, value, self.allowed_text(), line)
        if self.empty_ok and (value is None or (isinstance(value, str) and not value.strip())):
            return self.default
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise bad
        if self.kind == "choice":
            allowed = self.choice_list()
            text = str(value).strip()
            if text in allowed:
                return text
            folded = {a.lower(): a for a in allowed}
            if text.lower() in folded:
                return folded[text.lower()]
            raise bad
        number = _to_number(value)
        if number is None:
            raise bad
        if self.kind == "int":
            if not float(number).is_integer():
                raise bad
            number = int(number)
        else:
            number = float(number)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise bad
        return number

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able description (for control rendering and the docs)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "default": self.default, "label": self.label}
        if self.kind in ("int", "float"):
            out.update(low=self.low, high=self.high, step=self.step, unit=self.unit)
        if self.kind == "choice":
            out["choices"] = self.choice_list()
        return out


@dataclass(frozen=True)
class Schema:
    """The options of one widget, in display order."""

    widget: str
    options: tuple[Option, ...]
    check: Callable[[dict[str, Any]], None] | None = field(default=None, compare=False)

    def names(self) -> list[str]:
        """Option names in display order."""
        return [o.name for o in self.options]

    def get(self, name: str) -> Option:
        """The option called *name*; raise OptionError listing the allowed names."""
        for option in self.options:
            if option.name == name:
                return option
        raise _unknown_option(self.widget, name, self.names())

    def defaults(self) -> dict[str, Any]:
        """Every option's default value."""
        return {o.name: o.default for o in self.options}


def _unknown_option(widget: str, name: str, allowed: Iterable[str], line: int | None = None) -> OptionError:
    err = OptionError(widget, name, name, ", ".join(allowed), line)
    err.args = (f"widget {widget}: unknown option {name!r}; allowed: {', '.join(allowed)}",)
    return err


def _num(value: float | None) -> str:
    if value is None:
        return "any"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _to_number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if math.isfinite(value) else None
    text = str(value).strip().replace("_", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# -- registry -----------------------------------------------------------------

_SCHEMAS: dict[str, Schema] = {}


def register(schema: Schema) -> Schema:
    """Add *schema* to the registry (called by the widget modules)."""
    _SCHEMAS[schema.widget] = schema
    return schema


def widget_names() -> list[str]:
    """Names of the widgets a ``widget`` block may name, sorted."""
    _load_schemas()
    return sorted(_SCHEMAS)


def schema_for(widget: str, line: int | None = None) -> Schema:
    """The schema of *widget*; raise OptionError naming the known widgets."""
    _load_schemas()
    if widget not in _SCHEMAS:
        raise OptionError(None, None, widget, ", ".join(sorted(_SCHEMAS)), line)
    return _SCHEMAS[widget]


def _load_schemas() -> None:
    if not _SCHEMAS:
        from inferlab.ui import pipeline_options, quant_options  # noqa: F401  (they register)


# -- parsing and validation ---------------------------------------------------

def parse_block(text: str) -> list[tuple[int, str, str]]:
    """Split a block body into ``(line, name, raw value)`` triples.

    Each non-blank line is ``name: value``; ``#`` starts a comment.  ``line``
    is 1-based within *text*.  A malformed line raises OptionError.
    """
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            err = OptionError(None, None, raw.strip(), "'option: value' lines", number)
            err.args = (f"line {raw.strip()!r} is not 'option: value'",)
            raise err
        entries.append((number, name, value))
    return entries


def validate_options(widget: str, values: Mapping[str, Any] | Iterable[tuple[int, str, Any]],
                     *, partial: bool = False) -> dict[str, Any]:
    """Return *widget*'s options with *values* applied over the defaults, typed.

    *values* is a mapping ``name -> value`` or the triples of
    :func:`parse_block` (so errors carry the line).  Unknown names, repeated
    names and bad values raise :class:`OptionError`.  With ``partial`` only
    the given options are returned (no defaults, no cross-option checks).
    """
    schema = schema_for(widget)
    triples = [(None, k, v) for k, v in values.items()] if isinstance(values, Mapping) else list(values)
    out: dict[str, Any] = {} if partial else schema.defaults()
    seen: set[str] = set()
    names = schema.names()
    for line, name, value in triples:
        if name not in names:
            raise _unknown_option(widget, name, names, line)
        if name in seen:
            err = OptionError(widget, name, value, "each option once", line, reason="is repeated")
            raise err
        seen.add(name)
        out[name] = schema.get(name).coerce(value, widget, line)
    if not partial and schema.check is not None:
        schema.check(out)
    return out


def describe(widget: str) -> list[dict[str, Any]]:
    """JSON-able descriptions of *widget*'s options (see :meth:`Option.as_dict`)."""
    return [o.as_dict() for o in schema_for(widget).options]
