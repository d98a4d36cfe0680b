"""Options of the ``inferfolio/portfolio`` plugin (``plugins:`` in mkdocs.yml)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class PortfolioConfig(Config):
    enabled = c.Type(bool, default=True)

    # Résumé data: one YAML file, relative to mkdocs.yml.
    resume = c.Type(str, default="docs/resume.yml")

    # Posts: a folder of Markdown files (relative to mkdocs.yml) mounted into
    # Material's blog; the blog plugin's ``blog_dir`` says where.
    posts_dir = c.Type(str, default="posts")
    posts_blog_dir = c.Type(str, default="blog")
    posts_on_home = c.Type(int, default=3)

    # Feed: an Atom file at the site root.
    feed_enabled = c.Type(bool, default=True)
    feed_path = c.Type(str, default="feed.xml")
    feed_limit = c.Type(int, default=20)

    # Social card images (og:image), drawn at build time; cached by content hash.
    social_cards = c.Type(bool, default=True)
    social_cards_dir = c.Type(str, default="assets/images/social")
    social_cards_cache = c.Type(str, default=".cache/social")

    # Content-Security-Policy meta tag and _headers file, written after the build (not under `mkdocs serve`).
    csp = c.Type(bool, default=True)
