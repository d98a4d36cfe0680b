"""Python-Markdown extension: ``widget`` blocks -> pre-rendered live widgets.

Usage (``mkdocs.yml``)::

    markdown_extensions:
      - inferfolio.widgets.markdown

then, in a page::

    ```widget quant
    model: llama-3-8b
    quant: Q4_K_M
    ```

The block becomes the widget's HTML with its starting state computed by the
core at build time.  It needs no MkDocs (any Python-Markdown builder can use
it); the ``inferfolio/widgets`` plugin adds the runtime assets and reports
errors with the file and absolute line.  Standalone, an error names the line
within the Markdown text.

Options: ``build`` (a cache-busting id the browser appends to runtime URLs),
``wheel`` (the core wheel's file name) and ``snapshot`` (the Pyodide start-up
snapshot's path under the widget assets, empty for none); the plugin sets them.
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from inferfolio.widgets.blocks import BlockSyntaxError, find_blocks, render_block


class WidgetPreprocessor(Preprocessor):
    """Replace each widget block by a stashed HTML placeholder."""

    def __init__(self, md: Markdown, ext: WidgetExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        try:
            blocks = find_blocks(lines)
        except BlockSyntaxError as err:
            raise ValueError(f"line {err.line + 1}: {err}") from None
        if not blocks:
            return lines
        out: list[str] = []
        cursor = 0
        for block in blocks:
            out.extend(lines[cursor:block.start])
            self.ext.counter += 1
            widget_id = f"ifw-{block.name}-{self.ext.counter}"
            try:
                html = render_block(block, widget_id, self.ext.root_attrs())
            except ValueError as err:
                line = getattr(err, "line", None)
                where = block.body_first_line + line if line else block.start + 1
                raise ValueError(f"line {where}: {err}") from None
            placeholder = self.md.htmlStash.store(html)
            out.extend(["", block.indent + placeholder, ""])
            cursor = block.end + 1
        out.extend(lines[cursor:])
        return out


class WidgetExtension(Extension):
    """Registers :class:`WidgetPreprocessor` before fenced code and raw HTML."""

    def __init__(self, **kwargs: object) -> None:
        self.config = {
            "build": ["", "cache-busting id appended to runtime URLs (set by the inferfolio/widgets plugin)"],
            "wheel": ["", "file name of the inferlab wheel in the site's assets (set by the plugin)"],
            "snapshot": ["", "Pyodide start-up snapshot under the site's widget assets, or '' (set by the plugin)"],
        }
        self.counter = 0
        super().__init__(**kwargs)

    def root_attrs(self) -> dict[str, str]:
        """Extra attributes for each widget's root element."""
        attrs = {}
        if self.getConfig("build"):
            attrs["data-build"] = str(self.getConfig("build"))
        if self.getConfig("wheel"):
            attrs["data-wheel"] = str(self.getConfig("wheel"))
        if self.getConfig("snapshot"):
            attrs["data-snapshot"] = str(self.getConfig("snapshot"))
        return attrs

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown API
        md.registerExtension(self)
        # After normalize_whitespace (30), before fenced_code_block (25) and html_block (20).
        md.preprocessors.register(WidgetPreprocessor(md, self), "inferfolio_widget", 29)

    def reset(self) -> None:
        self.counter = 0


def makeExtension(**kwargs: object) -> WidgetExtension:  # noqa: N802 - Python-Markdown API
    """Entry point used by ``markdown_extensions: [inferfolio.widgets.markdown]``."""
    return WidgetExtension(**kwargs)
