"""The ``inferfolio/widgets`` MkDocs plugin and the ``widget`` Markdown block.

* :mod:`.markdown` — the Python-Markdown extension that turns a ``widget``
  block into the widget's pre-rendered HTML (portable to any Python-Markdown
  builder);
* :mod:`.plugin` — validates every block with its file and line, builds the
  core's wheel and copies it, the Pyodide runtime and the browser modules into
  the site's assets;
* :mod:`.wheel` — builds (and caches) the pure-Python ``inferlab`` wheel;
* :mod:`.snapshot` — makes (with Node, in the background) and caches the
  Pyodide memory snapshot the browser restores instead of starting Python;
* :mod:`.assets` — the list of runtime files and the generated ``File``\\ s.
"""
