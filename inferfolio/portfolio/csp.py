"""A strict Content-Security-Policy for the built site.

The policy allows only the site's own origin.  Scripts: files from the site
and, by hash, the few inline scripts Material's templates write (the storage
scope in ``<head>``, the palette and tab restore in ``<body>``); no
``'unsafe-inline'`` for scripts and no ``eval``.  ``'wasm-unsafe-eval'`` lets
Pyodide compile its WebAssembly.  Styles keep ``'unsafe-inline'``: Material
and the widgets set ``style`` attributes, which cannot execute code.

:func:`apply_policy` runs at the end of a build (not under ``mkdocs serve``,
whose live-reload script is injected into every page): it hashes every inline
script of every built page, puts the one policy for the whole site in a
``<meta http-equiv>`` tag at the top of each page's ``<head>`` (instant
navigation keeps the first page's policy, so every page must allow the inline
scripts of all pages) and writes ``_headers`` (Netlify and Cloudflare Pages
read it) with the same policy as a response header, which also covers the
widget's Web Worker.  README: "Content-Security-Policy".
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

#: ``<script>`` elements without ``src``: the browser executes these unless their type is a data block.
_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>(?P<body>.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_EXECUTABLE_TYPES = {"", "text/javascript", "application/javascript", "module"}
_META_CHARSET = re.compile(r"<meta charset=[\"']?utf-8[\"']?\s*/?>", re.IGNORECASE)
META_MARKER = 'http-equiv="Content-Security-Policy"'

#: Directives besides ``script-src`` (which gets the inline hashes).  frame-ancestors only works as a header.
BASE_DIRECTIVES = (
    ("default-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("worker-src", "'self'"),
    ("manifest-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)
HEADER_ONLY_DIRECTIVES = (("frame-ancestors", "'self'"),)


def inline_scripts(page_html: str) -> list[str]:
    """The text of every inline script of *page_html* that a browser would execute."""
    scripts = []
    for match in _INLINE_SCRIPT.finditer(page_html):
        attrs = match.group("attrs")
        if re.search(r"\ssrc\s*=", attrs, re.IGNORECASE):
            continue
        kind = _TYPE.search(attrs)
        if (kind.group(1).lower() if kind else "") in _EXECUTABLE_TYPES:
            scripts.append(match.group("body"))
    return scripts


def script_hash(text: str) -> str:
    """The CSP source expression ``'sha256-…'`` of an inline script's text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def policy(hashes: list[str], for_header: bool = False) -> str:
    """The policy text; *hashes* are the allowed inline scripts."""
    script_src = " ".join(["'self'", "'wasm-unsafe-eval'", *sorted(set(hashes))])
    directives = [BASE_DIRECTIVES[0], ("script-src", script_src), *BASE_DIRECTIVES[1:]]
    if for_header:
        directives += list(HEADER_ONLY_DIRECTIVES)
    return "; ".join(f"{name} {value}" for name, value in directives)


def with_meta(page_html: str, policy_text: str) -> str:
    """*page_html* with the policy as the first element after ``<meta charset>`` (or at the top of ``<head>``)."""
    tag = f'<meta {META_MARKER} content="{policy_text}">'
    match = _META_CHARSET.search(page_html)
    if match:
        return page_html[: match.end()] + "\n    " + tag + page_html[match.end():]
    head = re.search(r"<head[^>]*>", page_html, re.IGNORECASE)
    if head is None:
        return page_html
    return page_html[: head.end()] + tag + page_html[head.end():]


def apply_policy(site_dir: Path) -> str:
    """Hash the inline scripts of every page under *site_dir*, add the meta tag, write ``_headers``; return the policy."""
    pages = sorted(site_dir.rglob("*.html"))
    texts = {path: path.read_text(encoding="utf-8") for path in pages}
    hashes = [script_hash(body) for text in texts.values() for body in inline_scripts(text)]
    meta_policy = policy(hashes)
    for path, text in texts.items():
        if META_MARKER not in text:
            path.write_text(with_meta(text, meta_policy), encoding="utf-8")
    (site_dir / "_headers").write_text(headers_file(policy(hashes, for_header=True)), encoding="utf-8")
    return meta_policy


def headers_file(header_policy: str) -> str:
    """A Netlify / Cloudflare Pages ``_headers`` file that sends the policy with every response."""
    return (
        "# Written by the inferfolio/portfolio plugin at build time (README: Content-Security-Policy).\n"
        "/*\n"
        f"  Content-Security-Policy: {header_policy}\n"
        "  X-Content-Type-Options: nosniff\n"
        "  Referrer-Policy: strict-origin-when-cross-origin\n"
    )
