"""One subcommand per widget, generated from its declaration.

``python -m inferlab <command> [--input value ...] [--json]`` computes the
widget's view for those inputs.  ``--json`` prints the view's result -- the
numbers behind every metric the widget shows -- and the text output lists
the metrics as the widget labels them, then its status line.  A widget whose
command wants a richer text report registers it in :data:`TEXT_REPORTS`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from inferlab.cli.flags import add_params, values_from
from inferlab.inputs import InputError
from inferlab.ui.frame import make_frame
from inferlab.ui.registry import discover
from inferlab.ui.widget import View, Widget
from inferlab.units import render_pairs

#: command -> a function printing its text report from the view's result (default: the metrics).
TEXT_REPORTS: dict[str, Callable[[dict[str, Any]], str]] = {}


def register(subparsers: Any) -> None:
    """Add a subcommand for every widget."""
    for cls in sorted(discover().values(), key=lambda c: c.command_name()):
        p = subparsers.add_parser(cls.command_name(), help=cls.summary, description=f"{cls.title}: {cls.summary}")
        add_params(p, cls.params)
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.set_defaults(handler=_handler(cls))


def _handler(cls: type[Widget]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            widget = cls(values_from(args, cls.params))
            view = widget.view()
        except InputError as err:  # name the flag the reader typed
            raise err.at(field=cls.params[err.field].cli_flag()) if err.field in cls.params else err from None
        if args.json:
            print(json.dumps(make_frame(widget, view)["result"], allow_nan=False))
            return 0
        report = TEXT_REPORTS.get(cls.command_name())
        print(report(view.result) if report else text_report(widget, view))
        return 0

    return run


def text_report(widget: Widget, view: View) -> str:
    """The metrics as the widget labels them, then the status line."""
    frame = make_frame(widget, view)
    pairs = [(m.label, frame["metrics"][m.key]["text"]) for m in widget.metrics]
    return f"{render_pairs(pairs)}\n\n{view.status}"
