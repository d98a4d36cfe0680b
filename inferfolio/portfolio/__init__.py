"""The ``inferfolio/portfolio`` MkDocs plugin: résumé, posts, feed, SEO."""
