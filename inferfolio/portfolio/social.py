"""Social card images: one 1200x630 PNG per page, drawn at build time.

Link previews (``og:image``) show the page's title and description on the
site's colours.  The card is drawn locally with Pillow and the font that
Pillow ships (``ImageFont.load_default``, FreeType), so the build asks no
service and downloads nothing.  Cards are cached under ``.cache/social/`` by a
hash of their text and of this renderer, so an unchanged page costs a file
copy.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
BACKGROUND = (40, 53, 147)      # Material indigo 800: white text on it is 10:1
ACCENT = (100, 255, 218)        # Material teal A200, the site's accent
FOREGROUND = (255, 255, 255)
MUTED = (197, 202, 233)         # indigo 100
#: Bump when the drawing changes, so cached cards are redrawn.
RENDERER_VERSION = "1"


@dataclass(frozen=True)
class Card:
    """What a page's social card shows."""

    title: str
    description: str
    site_name: str
    site_label: str   # the site's address without the scheme, printed at the bottom

    def key(self) -> str:
        text = "\x1f".join((RENDERER_VERSION, PIL.__version__, self.title, self.description, self.site_name, self.site_label))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int,
          max_lines: int) -> list[str]:
    """Greedy word wrap of *text* into at most *max_lines* lines of *width* pixels (the last ends in '…' if cut)."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + " …", font=font) > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last + " …"
    return lines


def draw_card(card: Card) -> bytes:
    """The PNG bytes of *card*."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    text_width = WIDTH - 2 * MARGIN
    draw.rectangle((0, 0, 16, HEIGHT), fill=ACCENT)
    draw.text((MARGIN, 64), card.site_name.upper(), font=_font(30), fill=ACCENT, stroke_width=1, stroke_fill=ACCENT)
    size = 72
    title_font = _font(size)
    lines = _wrap(draw, card.title, title_font, text_width, 3)
    while len(lines) == 3 and size > 52:   # long titles: a smaller size rather than a cut
        size -= 6
        title_font = _font(size)
        lines = _wrap(draw, card.title, title_font, text_width, 3)
    y = 140
    for line in lines:
        draw.text((MARGIN, y), line, font=title_font, fill=FOREGROUND, stroke_width=2, stroke_fill=FOREGROUND)
        y += int(size * 1.2)
    description_font = _font(32)
    for line in _wrap(draw, card.description, description_font, text_width, 3):
        y_line = y + 24
        if y_line > HEIGHT - 120:
            break
        draw.text((MARGIN, y_line), line, font=description_font, fill=MUTED)
        y += 44
    draw.text((MARGIN, HEIGHT - 80), card.site_label, font=_font(28), fill=ACCENT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write_card(card: Card, target: Path, cache_dir: Path) -> None:
    """Write the PNG of *card* to *target*, drawing it only if the cache does not hold it."""
    cached = cache_dir / f"{card.key()}.png"
    if not cached.is_file():
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".tmp")
        partial.write_bytes(draw_card(card))
        partial.replace(cached)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, target)
