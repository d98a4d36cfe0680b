"""Command-line entry point: ``python -m inferlab <command> ...``.

Each command lives in its own module exposing ``register(subparsers)``; that
function adds a sub-parser whose ``handler`` default takes the parsed
arguments and returns an exit code.  An ``InputError`` raised by the core is a
user error: it is printed on stderr and the exit code is 2.
"""

from __future__ import annotations

import argparse
from typing import NoReturn
import sys
from collections.abc import Sequence

from inferlab import __version__
from inferlab.inputs import InputError

#: Modules that each contribute sub-commands (see the module docstring).
COMMAND_MODULES = ("inferlab.cli.llamacpp", "inferlab.cli.simulate", "inferlab.cli.widgets")
#: Commands whose module is known without importing anything: only that module is loaded for them
#: (discovering every widget costs more than a short simulation).
STATIC_COMMANDS = {"simulate": "inferlab.cli.simulate"}

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors use exit code 2 and a one-line message."""

    def error(self, message: str) -> NoReturn:  # pragma: no cover - argparse path
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the top-level parser with every command module registered (only *command*'s, if static)."""
    import importlib

    parser = _Parser(prog="inferlab", description="Models of LLM inference systems.")
    parser.add_argument("--version", action="version", version=f"inferlab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    only = STATIC_COMMANDS.get(command or "")
    for name in (only,) if only else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with *argv* (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"inferlab {args.command}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:  # e.g. `inferlab quant --all | head`: the reader left early
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

