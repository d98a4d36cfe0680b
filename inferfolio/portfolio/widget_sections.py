"""The widgets in a page's HTML, as the core marks them up.

Every widget is one ``<section ... data-widget="NAME" ... data-search-exclude>``
(see :mod:`inferlab.ui.render`); :func:`replace_widgets` walks the page's
``<section>`` tags with balanced nesting and hands each widget's root tag to a
function that returns what to put in its place.  The feed swaps widgets for
static figures and the reading time leaves them out; search skips them too.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

_SECTION_TAG = re.compile(r"<section\b[^>]*>|</section\s*>", re.IGNORECASE)
_ATTR = re.compile(r'([\w-]+)(?:="([^"]*)")?')


def root_attrs(tag: str) -> dict[str, str]:
    """The attributes of an opening tag, unescaped."""
    return {k: html.unescape(v or "") for k, v in _ATTR.findall(tag[len("<section"):-1])}


def replace_sections(page_html: str, marker: str, replace: Callable[[dict[str, str], str], str]) -> str:
    """*page_html* with every ``<section>`` whose opening tag has attribute *marker* replaced by
    ``replace(attributes, whole_section_html)`` (nested sections balanced)."""
    out, depth, start, pos = [], 0, None, 0
    attrs: dict[str, str] = {}
    for tag in _SECTION_TAG.finditer(page_html):
        opening = not tag.group().startswith("</")
        if start is None:
            if opening and marker in root_attrs(tag.group()):
                out.append(page_html[pos:tag.start()])
                start, depth, attrs = tag.start(), 1, root_attrs(tag.group())
            continue
        depth += 1 if opening else -1
        if depth == 0:
            out.append(replace(attrs, page_html[start:tag.end()]))
            start, pos = None, tag.end()
    out.append(page_html[pos:] if start is None else "")
    return "".join(out)


def without_widgets(page_html: str) -> str:
    """*page_html* without its widgets."""
    return replace_sections(page_html, "data-widget", lambda attrs, section: "")


def static_widgets(page_html: str, page_url: str) -> str:
    """*page_html* with each widget replaced by the core's static figure and a link to the live one."""
    from inferlab.ui.render import render_static

    def figure(attrs: dict[str, str], section: str) -> str:
        title = re.search(r'<h3 class="ifw__title"[^>]*>(.*?)</h3>', section, re.S)
        options: Any = json.loads(attrs.get("data-options") or "{}")
        return render_static(attrs["data-widget"], options, title=html.unescape(title.group(1)) if title else "",
                             link=f"{page_url}#{attrs.get('id', '')}")

    return replace_sections(page_html, "data-widget", figure)
