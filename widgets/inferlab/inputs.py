"""Inputs: the one error type and the one declaration of every input.

:class:`InputError` is the only exception the core lets out for bad input.
It carries the field, the value and what is allowed, and renders them in one
message format::

    ctx: -5 is not allowed; allowed: an integer from 1 to 131072 (tokens)

Callers that need the field read ``err.field``; nobody parses message text.

:class:`Param` declares one input once -- name, kind, default, unit, range
or choices, label, help and the source of its default -- and every place an
input arrives is generated from it: validation (:meth:`Param.parse`),
command-line flags (:mod:`inferlab.cli.flags`), widget controls and URL
values (:mod:`inferlab.ui`), and the option tables of ``widgets/README.md``.
:class:`Params` is an ordered set of them with the checks every caller
needs (unknown names, repeats, defaults).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

#: Longest text accepted for any input (a 100 KB string is refused, not parsed).
MAX_TEXT = 200
#: Characters of a bad value quoted back in a message.
QUOTE_CHARS = 60

_TRUE = ("on", "true", "yes", "1")
_FALSE = ("off", "false", "no", "0")
_NONE = ("", "none", "null", "auto", "default")
#: Multipliers accepted after a number where a Param allows them ("70B", "1.5M").
SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
#: Token counts read "8k" as 8,192 and "1M" as 1,048,576, as context lengths are spoken of.
BINARY_SUFFIXES = {"k": 2.0**10, "m": 2.0**20}


def quote(value: Any) -> str:
    """*value* as it is quoted in a message: ``repr``, shortened to :data:`QUOTE_CHARS`."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still reported
        text = f"<{type(value).__name__}>"
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS - 1] + "…"
    return text


class InputError(ValueError):
    """A value the core does not accept.

    ``field`` names the input (a dotted path for nested data), ``value`` is
    what arrived, ``allowed`` says what would be accepted; ``reason`` is the
    verb phrase between them and ``line`` the 1-based line of a text source
    (a widget block, a YAML file) when known.
    """

    def __init__(self, field: str, value: Any, allowed: str, *, reason: str = "is not allowed",
                 line: int | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.reason = reason
        self.line = line
        super().__init__(self.message())

    def message(self) -> str:
        """``field: value reason; allowed: ...`` (the one format every caller shows)."""
        return f"{self.field}: {quote(self.value)} {self.reason}; allowed: {self.allowed}"

    def short(self) -> str:
        """The message without the field (shown next to the field's own control)."""
        return f"{quote(self.value)} {self.reason}; allowed: {self.allowed}"

    def at(self, line: int | None = None, field: str | None = None) -> InputError:
        """A copy located at *line* and/or renamed to *field* (e.g. a CLI flag)."""
        return InputError(field or self.field, self.value, self.allowed, reason=self.reason,
                          line=self.line if line is None else line)


def _number_text(value: float | None) -> str:
    if value is None:
        return "any"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}"
    return f"{value:g}"


@dataclass(frozen=True)
class Param:
    """One input, declared once.

    ``kind`` is ``"int"``, ``"float"``, ``"bool"``, ``"choice"`` or ``"text"``.
    Numbers lie in ``low..high`` (``low_open``: strictly above ``low``);
    ``choices`` is a sequence or a function returning one (read lazily, so
    catalogue lists are never written twice) and ``labels`` maps a choice to
    its display name.  ``optional`` admits ``None`` (written as an empty
    field, ``none`` or ``auto``), whose meaning ``none_means`` states.
    ``suffixes`` accepts ``70B`` / ``1.5M`` for counts (a value kept in units
    of ``per``, e.g. billions, reads ``70B`` as 70); ``suffixes="binary"``
    reads token counts the way context lengths are quoted (``8k`` = 8,192).  ``source`` says where
    the default (or range) comes from.  ``flag``/``aliases`` are its CLI
    spellings (default ``--name-with-dashes``); ``control`` picks the widget
    control (``range``, ``number``, ``select``, ``switch``; default by kind)
    and ``ui_low``/``ui_high`` a slider's span when narrower than the range.
    """

    name: str
    kind: str
    default: Any
    label: str = ""
    unit: str = ""
    help: str = ""
    source: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    step: float | None = None
    choices: Sequence[str] | Callable[[], Sequence[str]] = ()
    labels: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = field(default=None, compare=False)
    optional: bool = False
    none_means: str = ""
    suffixes: bool | str = False
    per: float = 1.0
    flag: str | None = None
    aliases: tuple[str, ...] = ()
    control: str = ""
    ui_low: float | None = None
    ui_high: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("int", "float", "bool", "choice", "text"):
            raise ValueError(f"Param {self.name}: kind {self.kind!r} is not one of int, float, bool, choice, text")
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " ").capitalize())

    # -- what is allowed -------------------------------------------------------------
    def choice_list(self) -> list[str]:
        """The allowed values of a ``choice`` input."""
        found = self.choices() if callable(self.choices) else self.choices
        return list(found)

    def choice_labels(self) -> dict[str, str]:
        """Display name of each choice (the choice itself where none is declared)."""
        given = self.labels() if callable(self.labels) else (self.labels or {})
        return {c: given.get(c, c) for c in self.choice_list()}

    def allowed(self) -> str:
        """What is allowed, in words."""
        if self.kind == "bool":
            text = "on or off"
        elif self.kind == "choice":
            text = ", ".join(self.choice_list())
        elif self.kind == "text":
            text = f"text of at most {MAX_TEXT} characters"
        else:
            what = "an integer" if self.kind == "int" else "a number"
            if self.low is not None and self.high is not None:
                low = f"above {_number_text(self.low)}" if self.low_open else f"from {_number_text(self.low)}"
                text = f"{what} {low} to {_number_text(self.high)}"
            elif self.low is not None:
                text = f"{what} {'above' if self.low_open else 'of at least'} {_number_text(self.low)}"
            elif self.high is not None:
                text = f"{what} of at most {_number_text(self.high)}"
            else:
                text = what
            if self.unit:
                text += f" ({self.unit})"
            if self.suffixes == "binary":
                text += "; 8k = 8,192"
            elif self.suffixes:
                text += "; k, M, B suffixes accepted"
        if self.optional:
            text += f", or empty for {self.none_means or 'none'}"
        return text

    def error(self, value: Any) -> InputError:
        """The InputError for a bad *value* of this input."""
        return InputError(self.name, value, self.allowed())

    # -- parsing ---------------------------------------------------------------------
    def parse(self, value: Any) -> Any:
        """*value* (typed, or text from Markdown, a URL or a flag) as this input's type; raise InputError."""
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise self.error(value)
            value = value.strip()
        if self.optional and (value is None or (isinstance(value, str) and value.lower() in _NONE)):
            return None
        if self.kind == "bool":
            return self._parse_bool(value)
        if self.kind == "choice":
            return self._parse_choice(value)
        if self.kind == "text":
            if not isinstance(value, str) or not value:
                raise self.error(value)
            return value
        return self._parse_number(value)

    def _parse_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE:
            return True
        if isinstance(value, str) and value.lower() in _FALSE:
            return False
        raise self.error(value)

    def _parse_choice(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self.error(value)
        allowed = self.choice_list()
        if value in allowed:
            return value
        folded = {a.lower(): a for a in allowed}
        if value.lower() in folded:
            return folded[value.lower()]
        raise self.error(value)

    def _parse_number(self, value: Any) -> int | float:
        number = self._to_number(value)
        if number is None:
            raise self.error(value)
        if self.kind == "int":
            if not float(number).is_integer():
                raise self.error(value)
            number = int(number)
        else:
            number = float(number)
        low_bad = self.low is not None and (number <= self.low if self.low_open else number < self.low)
        if low_bad or (self.high is not None and number > self.high):
            raise self.error(value)
        return number

    def _to_number(self, value: Any) -> int | float | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value if abs(value) < 10**300 else None
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        if not isinstance(value, str):
            return None
        text = value.replace("_", "").replace(",", "")
        scale = 1.0
        table = BINARY_SUFFIXES if self.suffixes == "binary" else SUFFIXES if self.suffixes else {}
        if text and text[-1].lower() in table:
            scale, text = table[text[-1].lower()] / self.per, text[:-1]
        try:
            number = float(text) * scale
        except (ValueError, OverflowError):
            return None
        if not math.isfinite(number):
            return None
        if self.kind == "int" and number.is_integer():
            return int(number)
        return number

    # -- presentation ----------------------------------------------------------------
    def cli_flag(self) -> str:
        """The command-line flag (``--name-with-dashes`` unless declared)."""
        return self.flag or "--" + self.name.replace("_", "-")

    def control_kind(self) -> str:
        """The widget control this input gets."""
        if self.control:
            return self.control
        return {"bool": "switch", "choice": "select", "text": "text"}.get(self.kind, "number")

    def text(self, value: Any) -> str:
        """*value* written the way :meth:`parse` reads it back (URL, flag, block)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, float):
            return repr(value) if not value.is_integer() else str(int(value)) if abs(value) < 1e15 else repr(value)
        return str(value)

    def with_(self, **changes: Any) -> Param:
        """A copy with *changes* (e.g. a tighter slider span for one widget)."""
        return replace(self, **changes)


class Params:
    """An ordered set of :class:`Param`, with the checks every caller shares."""

    def __init__(self, params: Iterable[Param]) -> None:
        self._params = tuple(params)
        self._by_name = {p.name: p for p in self._params}
        if len(self._by_name) != len(self._params):
            raise ValueError("Params: each name once")

    def __iter__(self) -> Iterator[Param]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Param:
        return self._by_name[name]

    def names(self) -> list[str]:
        """Names in declaration order."""
        return [p.name for p in self._params]

    def get(self, name: str, line: int | None = None) -> Param:
        """The input called *name*; an InputError listing the known names otherwise."""
        if not isinstance(name, str) or name not in self._by_name:
            raise InputError(name if isinstance(name, str) else "option", name, ", ".join(self.names()),
                             reason="is not a known option", line=line)
        return self._by_name[name]

    def defaults(self) -> dict[str, Any]:
        """Every input's default."""
        return {p.name: p.default for p in self._params}

    def parse(self, values: Mapping[str, Any] | Iterable[tuple[int | None, str, Any]], *,
              base: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """*values* over *base* (default: the defaults), each parsed; raise the first InputError.

        *values* is a mapping or ``(line, name, value)`` triples (so an error
        carries its line).  Unknown and repeated names are errors.
        """
        out = dict(self.defaults() if base is None else base)
        seen: set[str] = set()
        for line, name, value in _triples(values):
            param = self.get(name, line)
            if name in seen:
                raise InputError(name, value, "each option once", reason="is repeated", line=line)
            seen.add(name)
            try:
                out[name] = param.parse(value)
            except InputError as err:
                raise err.at(line=line) from None
        return out

    def parse_each(self, values: Mapping[str, Any], base: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, InputError]]:
        """Apply each of *values* over *base*, keeping the good ones; return the values and the errors by name.

        Unknown names are ignored (a stale link or a foreign URL parameter
        must not break a widget).
        """
        out = dict(base)
        errors: dict[str, InputError] = {}
        for name, value in values.items():
            if name not in self._by_name:
                continue
            try:
                out[name] = self._by_name[name].parse(value)
            except InputError as err:
                errors[name] = err
        return out, errors


def _triples(values: Mapping[str, Any] | Iterable[tuple[int | None, str, Any]]) -> list[tuple[int | None, str, Any]]:
    if isinstance(values, Mapping):
        return [(None, k, v) for k, v in values.items()]
    return list(values)


def parse_lines(text: str) -> list[tuple[int, str, str]]:
    """Split ``name: value`` lines into ``(line, name, value)`` triples (1-based lines; ``#`` comments).

    A line that is not ``name: value`` raises InputError with its line.
    """
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise InputError("line", raw.strip(), "'option: value' lines", reason="is not 'option: value'",
                             line=number)
        entries.append((number, name, value))
    return entries


# -- checks for values that arrive already typed (the core's keyword arguments) -------------
def check_int(field: str, value: Any, low: int | None = None, high: int | None = None, hint: str = "") -> int:
    """*value* as an int when it is a whole number in ``low..high``; InputError otherwise."""
    return Param(field, "int", None, low=low, high=high, unit=hint.strip(" ()")).parse(_typed(field, value, hint))


def check_number(field: str, value: Any, low: float | None = None, high: float | None = None,
                 low_open: bool = False, hint: str = "") -> float:
    """*value* as a finite float in the range; InputError otherwise."""
    return Param(field, "float", None, low=low, high=high, low_open=low_open,
                 unit=hint.strip(" ()")).parse(_typed(field, value, hint))


def check_choice(field: str, value: Any, allowed: Iterable[str]) -> str:
    """*value* when it is exactly one of *allowed*; InputError otherwise."""
    allowed = list(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise InputError(field, value, ", ".join(map(str, allowed)))
    return value


def _typed(field: str, value: Any, hint: str) -> Any:
    """Refuse text where the core expects a typed number (the CLI and widgets parse text first)."""
    if isinstance(value, str):
        raise InputError(field, value, f"a number{hint}")
    return value
