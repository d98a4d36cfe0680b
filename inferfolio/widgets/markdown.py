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

Options (the plugin sets them): ``build`` (a cache-busting id the browser
appends to runtime URLs), ``wheel`` (the core wheel's file name),
``snapshot`` (the Pyodide start-up snapshot's path under the widget assets,
empty for none) and ``manifest`` (the SHA-256, size and gzip size of each runtime
file: the worker checks the hashes, the page states the download).
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from inferfolio.widgets.blocks import BlockSyntaxError, find_blocks, find_numbers, instance_keys, render_block


class WidgetPreprocessor(Preprocessor):
    """Replace each widget block by a stashed HTML placeholder."""

    def __init__(self, md: Markdown, ext: WidgetExtension) -> None:
        super().__init__(md)
        self.ext = ext

    def run(self, lines: list[str]) -> list[str]:
        from inferlab.inputs import InputError  # the core as loaded now (the plugin reloads it per build)

        try:
            blocks = find_blocks(lines)
        except BlockSyntaxError as err:
            raise ValueError(f"line {err.line + 1}: {err}") from None
        lines = self.numbers(lines)
        if not blocks:
            return lines
        out: list[str] = []
        cursor = 0
        for block, key in zip(blocks, instance_keys(blocks)):
            out.extend(lines[cursor:block.start])
            try:
                html = render_block(block, key, self.ext.root_attrs())
            except InputError as err:
                where = block.body_first_line + err.line if err.line else block.start + 1
                raise ValueError(f"line {where}: widget {block.name}: {err}") from None
            placeholder = self.md.htmlStash.store(html)
            out.extend(["", block.indent + placeholder, ""])
            cursor = block.end + 1
        out.extend(lines[cursor:])
        return out


    @staticmethod
    def numbers(lines: list[str]) -> list[str]:
        """*lines* with each prose number ``{{ widget.metric ... }}`` replaced by its text."""
        from inferlab.inputs import InputError
        from inferlab.ui.prose import evaluate

        found = find_numbers(lines)
        if not found:
            return lines
        out = list(lines)
        for n in reversed(found):
            try:
                _, text = evaluate(n.call)
            except InputError as err:
                raise ValueError(f"line {n.line + 1}: {{{{ {n.call} }}}}: {err}") from None
            out[n.line] = out[n.line][:n.start] + text + out[n.line][n.end:]
        return out


class WidgetExtension(Extension):
    """Registers :class:`WidgetPreprocessor` before fenced code and raw HTML."""

    def __init__(self, **kwargs: object) -> None:
        self.config = {
            "build": ["", "cache-busting id appended to runtime URLs (set by the inferfolio/widgets plugin)"],
            "wheel": ["", "file name of the inferlab wheel in the site's assets (set by the plugin)"],
            "snapshot": ["", "Pyodide start-up snapshot under the site's widget assets, or '' (set by the plugin)"],
            "manifest": ["", "JSON: SHA-256 integrity and size of each runtime file the worker fetches (set by the plugin)"],
        }
        super().__init__(**kwargs)

    def root_attrs(self) -> dict[str, str]:
        """Extra attributes for each widget's root element."""
        return root_attrs({k: str(self.getConfig(k)) for k in RUNTIME_KEYS})

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown API
        md.registerExtension(self)
        # After normalize_whitespace (30), before fenced_code_block (25) and html_block (20).
        md.preprocessors.register(WidgetPreprocessor(md, self), "inferfolio_widget", 29)


#: Extension options that become attributes of every widget's root (``manifest`` -> ``data-manifest``).
RUNTIME_KEYS = ("build", "wheel", "snapshot", "manifest")


def root_attrs(config: dict[str, str]) -> dict[str, str]:
    """The runtime locations and checks a widget's root carries (``data-build``, ``data-manifest``...)."""
    return {f"data-{k.replace('_', '-')}": str(v) for k, v in config.items() if k in RUNTIME_KEYS and v}


def makeExtension(**kwargs: object) -> WidgetExtension:  # noqa: N802 - Python-Markdown API
    """Entry point used by ``markdown_extensions: [inferfolio.widgets.markdown]``."""
    return WidgetExtension(**kwargs)
