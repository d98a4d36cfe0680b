"""The ``inferfolio/portfolio`` MkDocs plugin.

Hooks, in build order:

* ``on_config``  – locate the résumé and posts; read the blog plugin's options.
* ``on_files``   – validate the résumé (the site's YAML format or JSON Resume),
  make the photo's sizes and keep the source files out of the site; validate
  and mount ``posts/`` into the blog (this runs before Material's blog
  plugin, which then sees the posts).
* ``on_nav`` / ``on_page_markdown`` – escape the plain-text front matter
  that Material prints (``escaping.escape_page_meta``).
* ``on_page_context`` – give templates ``resume``, ``radar_svg``,
  ``latest_posts``, ``person_jsonld``, ``post_jsonld`` and ``social_card``
  (drawing the page's card image).
* ``on_page_content`` – keep each post's HTML for the feed.
* ``on_post_page`` – ``rel="noopener"`` on links to other sites; keep the
  text of the résumé-drawn pages for search.
* ``on_post_build`` – write the Atom feed and ``resume.json`` (JSON Resume,
  next to the résumé page), add the résumé pages to the search index, apply
  the Content-Security-Policy (not under ``mkdocs serve``).

Every author error becomes a ``PluginError`` whose message names the file,
line, field, bad value and what is allowed.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from markupsafe import Markup

from . import a11y, csp, search_sections
from .photo import PhotoSize, photo_sizes
from .widget_sections import static_widgets, without_widgets
from .config import PortfolioConfig
from .escaping import add_noopener, escape_page_meta, plain_text
from .feed import FeedEntry, FeedInfo, atom_feed
from .posts import Post, front_matter_schema, load_posts
from .radar import radar_svg
from .resume import Resume, jsonresume_text, read_resume
from .seo import blog_posting_jsonld, person_jsonld
from .series import Series, read_series, series_context, use_series_template
from .social import HEIGHT, WIDTH, Card, write_card

#: Templates drawn from the résumé rather than from Markdown.
RESUME_TEMPLATES = ("home.html", "resume.html")

log = get_plugin_logger(__name__)


class PortfolioPlugin(BasePlugin[PortfolioConfig]):
    def __init__(self) -> None:
        self.resume: dict[str, Any] = {}
        self.resume_data: Resume | None = None
        self.photo: list[PhotoSize] = []
        self.resume_json_path = "resume.json"
        self.posts: list[Post] = []
        self.series: list[Series] = []
        self.post_html: dict[str, str] = {}
        self.files: Files | None = None
        self.serving = False
        self.search_pages: dict[str, list[dict[str, str]]] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    # -- configuration --------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        self.root = Path(config.config_file_path).resolve().parent
        self.resume_path = self.root / self.config.resume
        self.posts_path = self.root / self.config.posts_dir
        blog = config.plugins.get("material/blog")
        blog_options = blog.config if blog is not None else {}
        self.blog_dir = posixpath.normpath(blog_options.get("blog_dir", self.config.posts_blog_dir))
        self.categories = list(blog_options.get("categories_allowed", []) or [])
        self.authors_file = Path(config.docs_dir) / blog_options.get("authors_file", "{blog}/.authors.yml").format(blog=self.blog_dir)
        self.post_html = {}
        self.search_pages = {}
        self.resume_json_path = "resume.json"
        self.authors = self._authors()
        return config

    # -- files ----------------------------------------------------------------

    @event_priority(50)  # mounts posts/ before the blog plugin collects its posts
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return None
        self.files = files
        self._load_resume(files, config)
        if self.posts_path.is_dir():
            self._mount_posts(files, config)
        else:
            log.warning("posts_dir %s does not exist; the blog has no posts", self._display(self.posts_path))
        if self.config.feed_enabled:
            # A placeholder, so that Markdown links to the feed validate; the
            # real feed is written over it in on_post_build.
            files.append(File.generated(config, self.config.feed_path, content=""))
        return files

    def _load_resume(self, files: Files, config: MkDocsConfig) -> None:
        """Validate the résumé; publish its photo's sizes instead of the source files."""

        def find_file(uri: str) -> Path | None:
            file = files.get_file_from_path(uri)
            return Path(file.abs_src_path) if file is not None and file.abs_src_path else None

        try:
            self.resume_data = read_resume(self.resume_path, page_exists=lambda uri: files.get_file_from_path(uri) is not None,
                                           display_name=self._display(self.resume_path), find_file=find_file)
        except ValueError as exc:
            raise PluginError(f"résumé: {exc}") from None
        self.resume = self.resume_data.view
        sources = [self._docs_uri(self.resume_path, config), self.resume_data.photo]
        self.photo = []
        photo_source = find_file(self.resume_data.photo) if self.resume_data.photo else None
        if photo_source is not None:   # read_resume has checked that a named photo exists among the docs
            self.photo = photo_sizes(photo_source, self.config.photo_dir.strip("/"), self.root / self.config.photo_cache)
        for uri in filter(None, sources):  # the résumé file and the photo's original (with its metadata) stay private
            file = files.get_file_from_path(uri)
            if file is not None:
                files.remove(file)
        for size in self.photo:
            files.append(File.generated(config, size.path, content=size.data))

    def _docs_uri(self, path: Path, config: MkDocsConfig) -> str | None:
        try:
            return path.resolve().relative_to(Path(config.docs_dir).resolve()).as_posix()
        except ValueError:
            return None

    def _mount_posts(self, files: Files, config: MkDocsConfig) -> None:
        schema = front_matter_schema(self.categories, self._author_ids())
        try:
            self.posts, assets = load_posts(self.posts_path, self.blog_dir, self.root, schema)
            self.series = read_series(self.posts, self._display)
        except ValueError as exc:
            raise PluginError(f"posts: {exc}") from None
        mounts = [(post.source, post.src_uri) for post in self.posts] + assets
        for source, src_uri in mounts:
            if files.get_file_from_path(src_uri) is not None:
                raise PluginError(
                    f"posts: {self._display(source)} would be mounted at docs/{src_uri}, "
                    "which already exists; keep posts in one place (posts/)"
                )
            files.append(File.generated(config, src_uri, abs_src_path=str(source)))

    def _authors(self) -> dict[str, str]:
        """Author id -> name, from the blog's ``.authors.yml``."""
        if not self.authors_file.is_file():
            return {}
        data = yaml.safe_load(self.authors_file.read_text(encoding="utf-8")) or {}
        return {key: str((value or {}).get("name", key)) for key, value in (data.get("authors") or {}).items()}

    def _author_ids(self) -> list[str]:
        return sorted(self.authors)

    # -- escaping -------------------------------------------------------------

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation | None:
        # Posts were read by the blog plugin in on_files: escape before any template or excerpt uses them.
        if self.config.enabled:
            for file in files.documentation_pages():
                if file.page is not None and file.page.meta:
                    escape_page_meta(file.page.meta)
        return nav

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if self.config.enabled:
            escape_page_meta(page.meta)
            use_series_template(page.meta, self.series, page.file.src_uri)
        return markdown

    # -- pages ----------------------------------------------------------------

    # MkDocs types the context as a TypedDict of its own keys; this plugin adds keys of its own to it.
    def on_page_context(self, context: dict[str, Any], *, page: Page, config: MkDocsConfig,  # type: ignore[override]
                        nav: Navigation) -> dict[str, Any]:
        if not self.config.enabled:
            return context
        context["resume"] = self.resume
        site_url = config.site_url or ""
        template = page.meta.get("template")
        if template in RESUME_TEMPLATES:
            context["radar_svg"] = radar_svg(self.resume["radar"]) if self.resume.get("radar") else ""
            context["latest_posts"] = self.published_posts()[: self.config.posts_on_home]
            context["person_jsonld"] = person_jsonld(self.resume, site_url, self._photo_url(site_url))
            context["resume_photo"] = self._photo_context()
        if template == "resume.html":
            self.resume_json_path = posixpath.join(posixpath.dirname(page.file.dest_uri), "resume.json")
            context["resume_json"] = self.resume_json_path
        card = self._social_card(page, config) if self.config.social_cards and site_url else None
        context["social_card"] = card
        context.update(series_context(self.series, self.published_posts(), page.file.src_uri))
        post = self._post_of(page)
        if post is not None and site_url:
            author = self.authors.get(next(iter(post.meta["authors"]), ""), config.site_author or config.site_name)
            context["post_jsonld"] = blog_posting_jsonld(post.meta, page.canonical_url or site_url + page.url, author,
                                                         site_url, card["url"] if card else None)
        return context

    def _photo_context(self) -> dict[str, Any] | None:
        """What the templates need to show the photo: its sizes (for srcset), display size and alt text."""
        if not self.photo:
            return None
        from .photo import DISPLAY_PX

        return {"sizes": [{"path": size.path, "width": size.width} for size in self.photo],
                "src": self.photo[0].path, "display": DISPLAY_PX, "alt": f"Photo of {self.resume['name']}"}

    def _photo_url(self, site_url: str) -> str | None:
        """The largest photo size's address (absolute when the site's URL is known)."""
        return site_url + self.photo[-1].path if self.photo else None

    def _post_of(self, page: Page) -> Post | None:
        return next((post for post in self.posts if post.src_uri == page.file.src_uri), None)

    def _social_card(self, page: Page, config: MkDocsConfig) -> dict[str, Any]:
        """Draw (or copy from the cache) the page's card into the site; its template values."""
        meta = page.meta
        if meta.get("title"):
            title = plain_text(meta["title"])
        elif page.title and not page.is_homepage:
            title = Markup(page.title).striptags()
        else:
            title = config.site_name
        description = plain_text(meta.get("description") or config.site_description or "")
        site_url = config.site_url or ""
        card = Card(title, description, config.site_name, site_url.split("://", 1)[-1].rstrip("/"))
        path = f"{self.config.social_cards_dir}/{page.file.dest_uri.removesuffix('.html')}.png"
        write_card(card, Path(config.site_dir) / path, self.root / self.config.social_cards_cache)
        return {"url": site_url + path, "width": WIDTH, "height": HEIGHT, "alt": f"{title}: {description}"}

    @event_priority(50)  # before the blog plugin computes the reading time
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if not self.config.enabled:
            return html
        if page.file.src_uri.startswith(f"{self.blog_dir}/posts/"):
            self.post_html[page.file.src_uri] = html
            self._set_readtime(html, page, config)
        return a11y.focusable_tables(html)

    @staticmethod
    def _set_readtime(html: str, page: Page, config: MkDocsConfig) -> None:
        """The blog's reading time, counted on the prose: a widget's controls and numbers are not read."""
        blog = config.plugins.get("material/blog")
        if blog is None or not blog.config.post_readtime or page.meta.get("readtime"):
            return
        from material.plugins.blog.readtime import readtime

        post: Any = page   # a blog post (material.plugins.blog.structure.Post), which has its own config
        post.config.readtime = readtime(without_widgets(html), blog.config.post_readtime_words_per_minute)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        if not self.config.enabled:
            return output
        output = a11y.label_post_navigation(add_noopener(output, config.site_url or ""))
        if page.meta.get("template") in RESUME_TEMPLATES:
            title = plain_text(page.meta.get("title") or page.title or config.site_name)
            self.search_pages[page.url] = search_sections.sections(output, page.url, title)
        return output

    def published_posts(self) -> list[dict[str, Any]]:
        """Posts that the blog builds (drafts excluded when not serving), newest first."""
        result = []
        for post in sorted(self.posts, key=lambda p: p.date, reverse=True):
            file = self.files.get_file_from_path(post.src_uri) if self.files else None
            if file is None or file.inclusion.is_excluded():
                continue
            result.append({**post.meta, "url": file.url, "src_uri": post.src_uri})
        return result

    # -- feed -----------------------------------------------------------------

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled:
            return
        site_dir = Path(config.site_dir)
        search_sections.merge_into_index(site_dir / "search" / "search_index.json", self.search_pages)
        self._write_resume_json(site_dir, config.site_url or "")
        if self.config.feed_enabled:
            self._write_feed(config)
        if self.config.csp and not self.serving:
            csp.apply_policy(site_dir)

    def _write_resume_json(self, site_dir: Path, site_url: str) -> None:
        """The résumé as JSON Resume, next to the résumé page, for the JSON Resume ecosystem's tools and themes."""
        if self.resume_data is None:
            return
        target = site_dir / self.resume_json_path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = jsonresume_text(self.resume_data.jsonresume, image_url=self._photo_url(site_url),
                               canonical_url=site_url + self.resume_json_path if site_url else None)
        target.write_text(text, encoding="utf-8")

    def _write_feed(self, config: MkDocsConfig) -> None:
        site_url = config.site_url or ""
        if not site_url:
            log.warning("site_url is not set: the feed needs absolute links, so it was not written")
            return
        posts = self.published_posts()[: self.config.feed_limit]
        entries = [
            FeedEntry(
                title=post["title"],
                url=site_url + post["url"],
                published=post["date"],
                summary=post["description"],
                content_html=static_widgets(self.post_html.get(post["src_uri"], ""), site_url + post["url"]),
                categories=post["categories"],
            )
            for post in posts
        ]
        info = FeedInfo(
            title=f"{config.site_name} — blog",
            site_url=site_url,
            feed_url=site_url + self.config.feed_path,
            author=config.site_author or config.site_name,
            subtitle=config.site_description or "",
        )
        target = Path(config.site_dir) / self.config.feed_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(atom_feed(info, entries), encoding="utf-8")

    def _display(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)
