"""Options of the ``inferfolio/widgets`` plugin."""

from __future__ import annotations

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config


class WidgetsConfig(Config):
    """``plugins: - inferfolio/widgets: {...}``; paths are relative to mkdocs.yml."""

    enabled = opt.Type(bool, default=True)

    # Where things come from.  Empty means what the inferfolio package ships: the inferlab
    # core Python imports, and the browser files installed with the plugin.
    core_dir = opt.Type(str, default="")                         # the inferlab package, or a folder holding it
    web_dir = opt.Type(str, default="")                          # boot, drivers, client, worker, CSS
    pyodide_dir = opt.Type(str, default="node_modules/pyodide")  # the npm package, at assets.PYODIDE_VERSION
    cache_dir = opt.Type(str, default=".cache/inferlab-wheels")  # built wheels and snapshots, by content hash

    # Restore a build-time Pyodide memory snapshot in the browser instead of
    # starting Python from scratch (needs Node.js at build time; ~7 MB gzip).
    snapshot = opt.Type(bool, default=True)

    # Where they go in the site
    assets_dir = opt.Type(str, default="assets/widgets")
