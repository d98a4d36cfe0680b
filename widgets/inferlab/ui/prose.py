"""Numbers in prose, computed by the core when the page is built.

A post writes ``{{ kvcache.kv_cache_bytes model=llama-3-70b ctx=8192 }}`` and
the reader sees ``2.50 GiB``: the widget ``kvcache`` is evaluated with those
inputs over its defaults, and its metric ``kv_cache_bytes`` is printed with the
metric's own formatter -- the same text the widget shows -- so a sentence and
a widget can never disagree.  ``| fmt`` picks another formatter of
:data:`inferlab.units.FORMATS`, and then any key of the widget's result may be
named (``{{ quant.kv_cache_bytes_per_token | bytes }}``).

A bad call raises :class:`~inferlab.inputs.InputError` naming what is wrong
and what is allowed; the site build reports it with the file and line.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from inferlab.inputs import InputError
from inferlab.units import FORMATS
from inferlab.ui.frame import make_frame
from inferlab.ui.registry import widget_class

#: ``{{ widget.key name=value ... [| fmt] }}``; values are single words (no spaces).
PATTERN = re.compile(r"\{\{\s*(?P<call>[^{}]*?)\s*\}\}")
_CALL = re.compile(r"^(?P<widget>[a-z][a-z0-9_]*)\.(?P<key>[a-z][a-z0-9_]*)(?P<args>(?:\s+[^\s|=]+=[^\s|]+)*)"
                   r"\s*(?:\|\s*(?P<fmt>\S+))?$")


def evaluate(call: str) -> tuple[Any, str]:
    """*call* (the text between the braces) -> ``(value, text)``; InputError for a bad call."""
    return _evaluate(" ".join(call.split()))


@functools.lru_cache(maxsize=512)
def _evaluate(call: str) -> tuple[Any, str]:
    match = _CALL.match(call)
    if not match:
        raise InputError("number", call, "'widget.metric name=value ... [| format]'")
    cls = widget_class(match["widget"])
    pairs = [(None, *arg.split("=", 1)) for arg in match["args"].split()]
    widget = cls(cls.params.parse(pairs))
    view = widget.view()
    key, fmt = match["key"], match["fmt"]
    metrics = {m.key: m for m in cls.metrics}
    if fmt is None:
        if key not in metrics:
            raise InputError(f"{cls.name}.{key}", key, ", ".join(metrics) + " (or any result key with | format)",
                             reason="is not a metric of the widget")
        return make_frame(widget, view)["metrics"][key]["value"], FORMATS[metrics[key].fmt](view.result.get(key))
    if fmt not in FORMATS:
        raise InputError("format", fmt, ", ".join(FORMATS))
    if key not in view.result:
        raise InputError(f"{cls.name}.{key}", key, ", ".join(sorted(view.result)), reason="is not in the result")
    return view.result[key], FORMATS[fmt](view.result[key])


def clear_cache() -> None:
    """Forget evaluated numbers (the core may have changed between builds)."""
    _evaluate.cache_clear()
