"""Finding widgets: by discovery, never by a list someone has to edit.

A widget lives in a ``widget`` or ``*_widget`` module of a model package
(``inferlab/llamacpp/widget.py``, ``inferlab/llamacpp/speed_widget.py``,
``inferlab/pipeline/widget.py``) or in any module of
:mod:`inferlab.explainers`.  :func:`discover` imports those
modules once; each widget class registers itself when it is defined
(:class:`inferlab.ui.widget.Widget.__init_subclass__`).
"""

from __future__ import annotations

import importlib
import pkgutil

from inferlab.inputs import InputError
from inferlab.ui.widget import REGISTERED, Widget

_discovered = False


def widget_modules() -> list[str]:
    """Names of the modules that may define widgets, sorted."""
    import inferlab

    found = []
    for info in pkgutil.iter_modules(inferlab.__path__, "inferlab."):
        if not info.ispkg:
            continue
        package = importlib.import_module(info.name)
        if info.name == "inferlab.explainers":
            found += [m.name for m in pkgutil.iter_modules(package.__path__, "inferlab.explainers.")]
        else:
            found += [f"{info.name}.{m.name}" for m in pkgutil.iter_modules(package.__path__)
                      if m.name == "widget" or m.name.endswith("_widget")]
    return sorted(found)


def discover() -> dict[str, type[Widget]]:
    """Import every widget module (once); return name -> widget class."""
    global _discovered
    if not _discovered:
        for name in widget_modules():
            importlib.import_module(name)
        _discovered = True
    return dict(REGISTERED)


def widget_names() -> list[str]:
    """The names a ``widget`` block may use, sorted."""
    return sorted(discover())


def widget_class(name: object, line: int | None = None) -> type[Widget]:
    """The widget called *name*; InputError listing the known names otherwise."""
    widgets = discover()
    if not isinstance(name, str) or name not in widgets:
        raise InputError("widget", name, ", ".join(sorted(widgets)), reason="is not a known widget", line=line)
    return widgets[name]
