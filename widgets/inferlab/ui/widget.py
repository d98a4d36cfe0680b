"""The widget protocol: what a widget declares, and its two kinds.

A widget is a class.  It declares its inputs (``params``, one
:class:`~inferlab.inputs.Param` each), the numbers it shows (``metrics``,
keys of its result), its charts, actions and presets, and computes a
:class:`View` for the current values.  Everything else -- validation, the
static HTML, the live frames, the worker session, the CLI subcommand, the
option tables in ``widgets/README.md`` -- is generated from the declaration.

* :class:`Widget` (a calculator): inputs -> view.  ``update(values)`` and
  ``view()`` are all there is.
* :class:`Animated`: a running model.  It adds ``advance(dt)`` (simulated
  seconds), named ``actions`` and ``live`` inputs that change while it runs;
  changing any other input starts it again from the new values.

Defining a subclass with a ``name`` registers it (see :mod:`.registry`);
a widget module needs no edit anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from inferlab.formulas import Formula
from inferlab.inputs import InputError, Params

#: name -> widget class, filled by ``__init_subclass__`` (import a module to register its widgets).
REGISTERED: dict[str, type[Widget]] = {}


@dataclass(frozen=True)
class Metric:
    """One number the widget shows: ``key`` is a key of its result (and of its CLI ``--json``).

    ``fmt`` names a formatter of :data:`inferlab.units.FORMATS`.
    """

    key: str
    label: str
    fmt: str = "count"
    wide: bool = False


@dataclass(frozen=True)
class Chart:
    """A chart slot, filled with the SVG of the view's chart of the same name."""

    name: str
    caption: str


@dataclass(frozen=True)
class Action:
    """A button of an animated widget; ``hint`` may name inputs: ``"{spike}× for {spike_s} s"``."""

    name: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Group:
    """Controls shown together, and only while the view's ``show[name]`` is true (e.g. a custom shape)."""

    name: str
    legend: str
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Preset:
    """A labelled scenario ("what to try"): values over the page's starting options."""

    label: str
    values: Mapping[str, Any]


@dataclass
class Table:
    """The data behind a chart (downloadable as CSV)."""

    columns: list[str]
    rows: list[list[Any]]


@dataclass
class View:
    """What a widget computes for its current state.

    ``result`` holds every number (JSON-able; the CLI's ``--json``); the
    metrics pick their values from it.  ``status`` is one plain sentence,
    ``level`` one of ok / warn / bad.  ``charts`` maps chart names to SVG and
    ``tables`` to their data.  ``levels`` colours metrics; ``binds`` fills
    marked elements of a widget's own markup (``data-bind``: text,
    ``data-*``/``aria-*`` attributes, CSS variables); ``controls`` updates
    control attributes (``max``, ``placeholder``); ``show`` toggles
    ``data-show`` groups; ``env`` binds the names of the widget's formulas
    (default: ``result``).
    """

    result: dict[str, Any]
    status: str
    level: str = "ok"
    charts: dict[str, str] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    binds: dict[str, dict[str, Any]] = field(default_factory=dict)
    controls: dict[str, dict[str, Any]] = field(default_factory=dict)
    show: dict[str, bool] = field(default_factory=dict)
    env: dict[str, Any] | None = None
    announce: str | None = None


class Widget:
    """A calculator widget: inputs -> :class:`View`.  Subclasses declare the class attributes."""

    #: Block name (```` ```widget NAME ````), URL prefix and CLI subcommand.
    name: ClassVar[str]
    title: ClassVar[str]
    #: One line: what it answers (CLI help, docs).
    summary: ClassVar[str]
    params: ClassVar[Params]
    #: Inputs shown as controls, in order (None: every input).
    controls: ClassVar[tuple[str, ...] | None] = None
    metrics: ClassVar[tuple[Metric, ...]] = ()
    charts: ClassVar[tuple[Chart, ...]] = ()
    actions: ClassVar[tuple[Action, ...]] = ()
    groups: ClassVar[tuple[Group, ...]] = ()
    presets: ClassVar[tuple[Preset, ...]] = ()
    formulas: ClassVar[tuple[Formula, ...]] = ()
    #: CLI subcommand name (default: ``name``).
    command: ClassVar[str | None] = None
    #: One line saying how far the model is from named ground truth, computed at build time.
    fidelity: ClassVar[Callable[[], str] | None] = None
    kind: ClassVar[str] = "calculator"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if name:
            if name in REGISTERED and REGISTERED[name].__qualname__ != cls.__qualname__:
                raise ValueError(f"widget {name!r} is declared twice ({REGISTERED[name].__module__}, {cls.__module__})")
            REGISTERED[name] = cls

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    # -- the protocol ---------------------------------------------------------------------
    def view(self) -> View:
        """The view for the current values (raise InputError for a combination the model refuses)."""
        raise NotImplementedError

    def update(self, values: Mapping[str, Any]) -> None:
        """Take new (validated) values."""
        self.values = dict(values)

    def extra_html(self, view: View, widget_id: str) -> str:
        """Markup of the widget's own (e.g. a diagram), bound through ``view.binds``; none by default."""
        return ""

    # -- derived from the declaration ---------------------------------------------------------
    @classmethod
    def control_names(cls) -> tuple[str, ...]:
        """The inputs that get a control."""
        return cls.controls if cls.controls is not None else tuple(cls.params.names())

    @classmethod
    def command_name(cls) -> str:
        """The CLI subcommand."""
        return cls.command or cls.name

    @classmethod
    def parse(cls, values: Any) -> dict[str, Any]:
        """Every input, *values* (mapping or ``(line, name, value)`` triples) over the defaults; InputError."""
        return cls.params.parse(values)


class Animated(Widget):
    """A widget that runs: adds ``advance``, actions and live inputs."""

    kind: ClassVar[str] = "animated"
    #: Inputs that change while it runs; changing another input starts it again.
    live: ClassVar[tuple[str, ...]] = ()

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.start()

    def start(self) -> None:
        """Build the running state from ``self.values`` (e.g. a warm-up run)."""
        raise NotImplementedError

    def advance(self, dt: float) -> None:
        """Run *dt* more seconds of model time (the widget clamps it to what it allows)."""
        raise NotImplementedError

    def clock(self) -> float:
        """Model time now, seconds."""
        raise NotImplementedError

    def act(self, name: str) -> None:
        """Perform the action called *name*."""
        raise NotImplementedError

    def control(self, changes: Mapping[str, Any]) -> None:
        """Apply changed live inputs while running."""
        raise NotImplementedError

    def update(self, values: Mapping[str, Any]) -> None:
        changed = {k: v for k, v in values.items() if self.values.get(k) != v}
        if not changed:
            return
        if all(k in self.live for k in changed):
            self.control(changed)
            self.values.update(changed)
            return
        self.values = dict(values)
        self.start()

    def check_action(self, name: Any) -> str:
        """*name* if it is one of the declared actions; InputError otherwise."""
        names = [a.name for a in self.actions]
        if name not in names:
            raise InputError("action", name, ", ".join(names) or "none")
        return name
