"""Command-line flags generated from :class:`~inferlab.inputs.Param` declarations.

Every flag takes text and is parsed by its Param after argparse, so a bad
value gets the same message as in a widget or a Markdown block
(``ctx: '0' is not allowed; allowed: ...``) and the exit code 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from inferlab.inputs import Param, Params


def add_params(parser: argparse.ArgumentParser, params: Params, title: str = "inputs") -> None:
    """Add one flag per Param (``--name-with-dashes`` and its aliases) to *parser*."""
    group = parser.add_argument_group(title)
    for p in params:
        kwargs: dict[str, Any] = {"dest": p.name, "default": None, "help": _help(p)}
        if p.kind == "bool":
            kwargs.update(nargs="?", const="on", metavar="on|off")
        elif p.kind == "choice":
            kwargs["metavar"] = p.name.upper()
        else:
            kwargs["metavar"] = (p.unit or p.name).split()[0].upper().strip("(),") or "VALUE"
        group.add_argument(p.cli_flag(), *p.aliases, **kwargs)


def values_from(args: argparse.Namespace, params: Params) -> dict[str, Any]:
    """The parsed inputs: the flags given, over the defaults; InputError names the input."""
    given = {p.name: getattr(args, p.name) for p in params if getattr(args, p.name, None) is not None}
    return params.parse(given)


def _help(p: Param) -> str:
    default = "" if p.default is None else f" (default {p.text(p.default)})"
    extra = f"; {p.help}" if p.help else ""
    text = f"{p.label}: {p.allowed()}{default}{extra}"
    return text.replace("%", "%%")
