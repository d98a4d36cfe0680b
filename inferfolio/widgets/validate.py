"""Check every widget block of a page's source with its file and absolute line."""

from __future__ import annotations

from mkdocs.exceptions import PluginError

from inferfolio.widgets.blocks import BlockSyntaxError, find_blocks, find_numbers, instance_keys, render_block


def check_source(source: str, path: str, attrs: dict[str, str]) -> int:
    """Validate (and pre-render) each widget block in *source*; return how many there are.

    *source* is the file's full text (front matter included) so line numbers
    are the file's own; *attrs* are the root attributes the Markdown
    extension adds, so its render of the same block is a cache hit.  Raises ``PluginError`` reading
    ``path:line: widget NAME: x: 'v' is not allowed; allowed: ...``.
    """
    from inferlab.inputs import InputError  # the core as reloaded for this build (see plugin.on_config)

    lines = source.splitlines()
    try:
        blocks = find_blocks(lines)
    except BlockSyntaxError as err:
        raise PluginError(f"{path}:{err.line + 1}: {err}") from None
    for block, key in zip(blocks, instance_keys(blocks)):
        try:
            render_block(block, key, attrs)
        except InputError as err:
            where = block.body_first_line + err.line if err.line else block.start + 1
            raise PluginError(f"{path}:{where}: widget {block.name}: {err}") from None
    from inferlab.ui.prose import evaluate

    for n in find_numbers(lines):
        try:
            evaluate(n.call)
        except InputError as err:
            raise PluginError(f"{path}:{n.line + 1}: {{{{ {n.call} }}}}: {err}") from None
    return len(blocks)
