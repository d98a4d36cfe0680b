"""The command line: ``python -m inferlab <command> ...`` (see :mod:`inferlab.cli.main`)."""

from inferlab.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
