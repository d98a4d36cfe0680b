"""The résumé photo: responsive sizes made at build time from one local file.

The author gives one image under ``docs/`` (``photo:`` in the site's format,
``basics.image`` in JSON Resume).  The build crops it to a square around its
centre, turns it upright (EXIF orientation), and writes JPEGs at 1x, 2x and
3x of the size the page shows, with no metadata (a phone photo's EXIF can
carry where it was taken; the source file itself is not published).  The
page serves them from the site itself, with ``srcset``, so a phone never
fetches the largest and nothing is asked of another host.  Sizes are cached
under ``.cache/photos/`` by a hash of the source and of this code.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageOps

#: The photo's width on the page in CSS pixels (``.if-photo`` in site.css), and the widths made (1x-3x).
DISPLAY_PX = 128
WIDTHS = (DISPLAY_PX, 2 * DISPLAY_PX, 3 * DISPLAY_PX)
JPEG_QUALITY = 84
#: Bump when the output changes, so cached sizes are made again.
RENDERER_VERSION = "1"


@dataclass(frozen=True)
class PhotoSize:
    """One made size: its path in the site, its width (= height) in pixels, its bytes."""

    path: str
    width: int
    data: bytes


def _square_jpeg(source: Image.Image, width: int) -> bytes:
    image = ImageOps.exif_transpose(source)
    if image.mode not in ("RGB", "L"):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    side = min(width, *image.size)  # never upscale
    square = ImageOps.fit(image.convert("RGB"), (side, side), method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out = io.BytesIO()
    square.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def photo_sizes(source: Path, site_dir: str, cache_dir: Path) -> list[PhotoSize]:
    """The sizes of *source* to publish under *site_dir* (e.g. ``assets/images``), smallest first.

    Sizes larger than the source are not made (no upscaling); at least the smallest always is.
    """
    data = source.read_bytes()
    key = hashlib.sha256(data + f"\0{RENDERER_VERSION}\0{PIL.__version__}\0{WIDTHS}".encode()).hexdigest()[:16]
    sizes: list[PhotoSize] = []
    with Image.open(io.BytesIO(data)) as image:
        short_side = min(ImageOps.exif_transpose(image).size)
        for width in WIDTHS:
            if width > short_side and sizes:
                break
            cached = cache_dir / f"{key}-{width}.jpg"
            if cached.is_file():
                made = cached.read_bytes()
            else:
                made = _square_jpeg(image, width)
                cache_dir.mkdir(parents=True, exist_ok=True)
                cached.write_bytes(made)
            sizes.append(PhotoSize(f"{site_dir}/photo-{key}-{width}.jpg", min(width, short_side), made))
    return sizes
