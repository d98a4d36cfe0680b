"""inferfolio: a portfolio and technical-blog site generator on MkDocs + Material.

Two MkDocs plugins live here:

* ``inferfolio/portfolio`` (:mod:`inferfolio.portfolio`): résumé data -> home
  and résumé pages, ``posts/`` -> Material's blog, the Atom feed, SEO data.
* ``inferfolio/widgets`` (:mod:`inferfolio.widgets`): widget blocks in Markdown
  -> pre-rendered HTML, the inferlab wheel and Pyodide -> site assets.
"""
