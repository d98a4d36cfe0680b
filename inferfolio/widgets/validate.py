"""Check every widget block of a page's source with its file and absolute line."""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from inferfolio.widgets.blocks import BlockSyntaxError, find_blocks, render_block


def check_source(source: str, path: str) -> int:
    """Validate (and pre-render) each widget block in *source*; return how many there are.

    *source* is the file's full text (front matter included) so line numbers
    are the file's own.  Raises ``PluginError`` reading
    ``path:line: widget NAME: option 'x': 'v' is not allowed; allowed: ...``.
    """
    lines = source.splitlines()
    try:
        blocks = find_blocks(lines)
    except BlockSyntaxError as err:
        raise PluginError(f"{path}:{err.line + 1}: {err}") from None
    for block in blocks:
        try:
            render_block(block, "ifw-check")
        except ValueError as err:
            line = getattr(err, "line", None)
            where = block.body_first_line + line if line else block.start + 1
            raise PluginError(f"{path}:{where}: {err}") from None
    return len(blocks)
