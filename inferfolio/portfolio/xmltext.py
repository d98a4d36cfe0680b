"""Characters that XML 1.0 cannot carry.

The Atom feed (``feed.xml``) holds every post's title, description and body;
one form feed or vertical tab in a post makes it ill-formed, and readers drop
it.  :func:`xml_problems` finds such characters in an author's file and
reports each with its line and column, so the build fails where the mistake
is instead of writing a broken feed.  (The résumé goes through the same check:
its text reaches HTML and JSON-LD, where these characters are no better.)
"""

from __future__ import annotations

import re
import unicodedata

from .schema import Problem

#: Anything outside XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_NAMES = {"\x0b": "vertical tab", "\x0c": "form feed", "\x00": "NUL", "\x1b": "escape", "\x08": "backspace"}


def _describe(char: str) -> str:
    name = _NAMES.get(char) or unicodedata.name(char, "") or "a control character"
    return f"U+{ord(char):04X} ({name.lower()})"


def xml_problems(text: str, path: str = "", max_reported: int = 10) -> list[Problem]:
    """A :class:`Problem` (1-based line, column in the message) for each character XML cannot carry."""
    problems = []
    for match in _NOT_XML.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        problems.append(Problem(line, path, f"character {_describe(match.group())} at column {column} cannot appear "
                                            "in HTML or the XML feed; delete it or replace it with a space"))
        if len(problems) == max_reported:
            break
    return problems
