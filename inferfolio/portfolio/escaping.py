"""Author text on its way into HTML: escaping and link hygiene.

MkDocs' Jinja environment does not autoescape, and Material prints a page's
``title`` and ``description`` front matter as they are (in ``<title>``, the
description meta tag, the blog index and its excerpts, the navigation).
Front matter is plain text, so :func:`escape_page_meta` turns those values
into ``markupsafe.Markup`` holding the escaped text: Material's templates then
print escaped text, and this project's templates (``{% autoescape true %}``)
do not escape it twice.

:func:`json_for_script` is JSON that is safe inside ``<script>`` and
:func:`add_noopener` gives every link to another site ``rel="noopener"``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

#: Front matter keys that are plain text and that templates print.
TEXT_META_KEYS = ("title", "description")


def escape_page_meta(meta: MutableMapping[str, Any]) -> None:
    """Replace the plain-text front matter values of *meta* with escaped ``Markup`` (idempotent)."""
    for key in TEXT_META_KEYS:
        value = meta.get(key)
        if isinstance(value, str) and not isinstance(value, Markup):
            meta[key] = Markup(html.escape(value, quote=True))


def plain_text(value: Any) -> str:
    """The author's text of a value that :func:`escape_page_meta` may have escaped."""
    return value.unescape() if isinstance(value, Markup) else str(value)


_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_for_script(data: Any) -> Markup:
    """JSON text of *data* that can sit inside ``<script>`` (JSON-LD) as it is.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes, so no ``</script>``,
    ``<!--`` or ``<script`` can appear in the element, and U+2028/U+2029 are
    escaped for old JavaScript parsers.  The JSON value is unchanged.
    """
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return Markup(re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group()], text))


_A_TAG = re.compile(r"""<a\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.IGNORECASE)
_ATTR = re.compile(r"""\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")


def _is_external(href: str, site_host: str) -> bool:
    parts = urlsplit(html.unescape(href).strip())
    return parts.scheme in ("http", "https") and parts.netloc.lower() != site_host


def add_noopener(page_html: str, site_url: str) -> str:
    """*page_html* with ``rel="noopener"`` on every ``<a>`` that leads to another site."""
    site_host = urlsplit(site_url).netloc.lower()

    def fix(match: re.Match[str]) -> str:
        tag = match.group()
        attrs = {name.lower(): value for name, value in _ATTR.findall(tag[2:-1])}
        href = attrs.get("href", "").strip("\"'")
        if not href or not _is_external(href, site_host):
            return tag
        rel = attrs.get("rel")
        if rel is None:
            return tag[:-1].rstrip("/ ") + ' rel="noopener">'
        words = rel.strip("\"'").split()
        if "noopener" in words:
            return tag
        return tag.replace(f"rel={rel}", f'rel="{" ".join(words + ["noopener"])}"', 1)

    return _A_TAG.sub(fix, page_html)
