"""The ``inferfolio/widgets`` MkDocs plugin (see the package docstring)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from jinja2 import Environment
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from inferfolio.widgets import assets, snapshot, validate
from inferfolio.widgets.blocks import clear_render_cache
from inferfolio.widgets.config import WidgetsConfig
from inferfolio.widgets.markdown import root_attrs
from inferfolio.widgets.wheel import build_core_wheel, core_version, package_dir, source_hash

log = logging.getLogger("mkdocs.plugins.inferfolio.widgets")

EXTENSION = "inferfolio.widgets.markdown"


class WidgetsPlugin(BasePlugin[WidgetsConfig]):
    """Validate widget blocks with file:line, ship the core wheel and the Pyodide runtime."""

    supports_multiple_instances = False

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        # `mkdocs serve` rebuilds in the same process: forget the previous core so
        # the pre-render (and the wheel) use the sources as they are now.
        for name in [m for m in sys.modules if m == "inferlab" or m.startswith("inferlab.")]:
            del sys.modules[name]
        clear_render_cache()
        root = Path(config.config_file_path).parent
        self.pyodide_dir = root / self.config.pyodide_dir
        self.cache_dir = root / self.config.cache_dir
        self.root = root
        try:
            # By default the core Python imports and the browser files installed with this package.
            self.core_dir = package_dir(root / self.config.core_dir if self.config.core_dir else None)
            self.web_dir = root / self.config.web_dir if self.config.web_dir else assets.WEB_DIR
            version = assets.pyodide_version(self.pyodide_dir)
        except (FileNotFoundError, ValueError, RuntimeError) as err:
            raise PluginError(f"inferfolio/widgets: {err}") from None
        self.wheel_name = f"inferlab-{core_version(self.core_dir)}-py3-none-any.whl"
        self.build = assets.build_id(source_hash(self.core_dir), self.web_dir, version)
        self.has_extension = EXTENSION in config.markdown_extensions
        if self.has_extension:
            mdx = config.mdx_configs.setdefault(EXTENSION, {})
            mdx.pop("manifest", None)
            mdx.update(build=self.build, wheel=self.wheel_name,
                       snapshot=snapshot.SITE_NAME if self.config.snapshot else "")
        base = self.config.assets_dir.strip("/")
        script = {"path": f"{base}/boot.js", "type": "module"}
        config.extra_javascript.append(_script(script))
        config.extra_css.append(f"{base}/widgets.css")
        self.pages_with_widgets: list[str] = []
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        try:
            wheel = build_core_wheel(self.cache_dir / "site", self.core_dir, cache_dir=self.cache_dir)
        except RuntimeError as err:
            raise PluginError(f"inferfolio/widgets: {err}") from None
        if wheel.name != self.wheel_name:
            raise PluginError(f"inferfolio/widgets: built {wheel.name}, expected {self.wheel_name}")
        base = self.config.assets_dir.strip("/")
        for file in assets.runtime_files(config, base, self.web_dir, self.pyodide_dir, wheel):
            files.append(file)
        self.runtime_bytes = assets.fetched_runtime(self.pyodide_dir, wheel)
        self.manifest: dict[str, dict[str, object]] | None = None
        self.snapshot_job = None
        if self.config.snapshot:
            try:
                self.snapshot_job = snapshot.start_snapshot(wheel, self.pyodide_dir, self.cache_dir)
            except RuntimeError as err:
                raise PluginError(f"inferfolio/widgets: {err}") from None
            files.append(File.generated(config, f"{base}/{snapshot.SITE_NAME}",
                                        abs_src_path=str(self.snapshot_job.path)))
        return files

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment | None:
        # The snapshot is made while the pages render; it must exist before files are copied.
        if self.config.enabled:
            self._wait_for_snapshot()
        return None

    def _wait_for_snapshot(self) -> None:
        if self.snapshot_job is None:
            return
        try:
            self.snapshot_job.wait()
        except RuntimeError as err:
            raise PluginError(f"inferfolio/widgets: {err}") from None
        if self.snapshot_job.figures:
            log.info("inferfolio/widgets: made the Pyodide snapshot (%s)", self.snapshot_job.figures)
            self.snapshot_job.figures = {}

    def _runtime_manifest(self) -> dict[str, dict[str, object]]:
        """Hash and size of every file the worker fetches (the first page with a widget waits for the snapshot)."""
        if self.manifest is None:
            files = dict(self.runtime_bytes)
            if self.snapshot_job is not None:
                self._wait_for_snapshot()
                files[snapshot.SITE_NAME.rsplit("/", 1)[-1]] = self.snapshot_job.path.read_bytes()
            self.manifest = assets.manifest_entries(files, self.cache_dir)
        return self.manifest

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if not self.config.enabled:
            return None
        source = page.file.content_string if page.file.abs_src_path or page.file.generated_by else markdown
        path = _display_path(page, self.root)
        if self.has_extension and "widget" in source:
            mdx = config.mdx_configs[EXTENSION]
            if "manifest" not in mdx:
                manifest = self._runtime_manifest()
                mdx["manifest"] = json.dumps({k: {"integrity": v["integrity"], "size": v["size"], "gzip": v["gzip_size"]}
                                              for k, v in manifest.items()}, separators=(",", ":"))
        count = validate.check_source(source, path, root_attrs(config.mdx_configs.get(EXTENSION, {})))
        if count:
            if not self.has_extension:
                raise PluginError(f"{path}: has {count} widget block(s) but markdown_extensions lacks {EXTENSION}")
            self.pages_with_widgets.append(page.file.src_uri)
        return None

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.config.enabled:
            log.info("inferfolio/widgets: %d page(s) with widgets; runtime build %s",
                     len(self.pages_with_widgets), self.build)


def _script(value: dict[str, str]) -> Any:
    from mkdocs.config.config_options import ExtraScriptValue

    script = ExtraScriptValue(value["path"])
    script.type = value["type"]
    return script


def _display_path(page: Page, root: Path) -> str:
    """The page's source path relative to the project root (what an author opens)."""
    abs_src = page.file.abs_src_path
    if not abs_src:
        return page.file.src_uri
    try:
        return os.path.relpath(abs_src, root)
    except ValueError:
        return abs_src
