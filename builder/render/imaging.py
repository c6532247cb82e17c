"""Pillow work on pictures: read a preview image safely, make its web versions.

A preview image may be anything a facility keeps: 8-bit RGB, 16-bit
greyscale slices, PNGs with transparency, scans of tens of thousands of
pixels a side. Each is normalised to 8 bits (grey, RGB or RGBA), scaled down to a
few widths and encoded as WebP and JPEG. Nothing here knows about sites or
records; a file that cannot be read raises UnreadableImage with the reason.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

WIDTHS = (400, 800, 1600)  # the largest is enough for a full-width picture on a high-density screen
MAX_PIXELS = 600_000_000  # a 20,000 x 20,000 slice (400 Mpx) is read; larger ones are refused
JPEG_QUALITY = 82
WEBP_QUALITY = 80
PAPER = (255, 255, 255)  # what transparent parts become in a JPEG


class UnreadableImage(Exception):
    """A file that is no image Pillow can read, or one too large to read."""


@dataclass(frozen=True)
class Encoded:
    width: int
    height: int
    mime: str
    extension: str
    data: bytes


def read_picture(path: Path) -> Image.Image:
    """The picture in `path` as 8-bit grey, RGB or RGBA, upright; raises UnreadableImage."""
    try:
        with _pixel_limit(), Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise UnreadableImage(f"{width} x {height} pixels is more than the {MAX_PIXELS // 1_000_000} "
                                      "megapixels atlasgen reads")
            image.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))  # JPEG decodes at a fraction of its size
            image.load()
            return _eight_bit(ImageOps.exif_transpose(_reduced(image)))
    except UnidentifiedImageError:
        raise UnreadableImage("not an image Pillow can read") from None
    except UnreadableImage:
        raise
    except Exception as error:  # a damaged file can upset a decoder in many ways; none may stop the build
        raise UnreadableImage(str(error) or type(error).__name__) from None


@contextmanager
def _pixel_limit():
    """Pillow refuses images past its own limit (89 Mpx) as decompression bombs; ours is MAX_PIXELS."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _reduced(image: Image.Image) -> Image.Image:
    """Shrink a huge picture by a whole factor first (fast box filter) so later steps handle few pixels."""
    factor = image.width // (WIDTHS[-1] * 2)
    if factor >= 2 and image.mode not in ("P", "1"):
        return image.reduce(factor)
    return image


def _eight_bit(image: Image.Image) -> Image.Image:
    """8-bit grey or RGB, or RGBA where the picture has transparency."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _stretched(image)
    if mode == "P" and "transparency" in image.info:
        return image.convert("RGBA")
    if mode in ("LA", "PA", "La", "RGBa"):
        return image.convert("RGBA")
    if mode in ("RGBA", "RGB", "L"):
        return image
    return image.convert("RGB")


def _stretched(image: Image.Image) -> Image.Image:
    """16-bit or float data: its own range mapped onto 0..255, then 0.5 % clipped at both ends."""
    values = image.convert("F") if image.mode != "F" else image
    low, high = values.getextrema()
    scale = 255.0 / (high - low) if high > low else 0.0
    grey = values.point(lambda v: (v - low) * scale).convert("L")
    return ImageOps.autocontrast(grey, cutoff=0.5)


def sizes_for(width: int, height: int, widths: tuple[int, ...] = WIDTHS) -> list[tuple[int, int]]:
    """The (width, height) of each version: the standard widths below the picture's own, or its own size."""
    chosen = [w for w in widths if w < width] or [width]
    if width <= widths[-1] and chosen[-1] != width:
        chosen.append(width)  # a small picture also keeps its full size
    return [(w, max(1, round(height * w / width))) for w in chosen[:len(widths)]]


def photo_versions(picture: Image.Image) -> list[Encoded]:
    """WebP and JPEG versions at every size; WebP keeps transparency, JPEG gets a white background.

    Each size is scaled from the next larger one (largest first): as sharp, and far quicker on big pictures.
    """
    versions = []
    scaled = picture
    for width, height in reversed(sizes_for(picture.width, picture.height)):
        if (width, height) != scaled.size:
            scaled = scaled.resize((width, height), Image.LANCZOS)
        versions.append(Encoded(width, height, "image/webp", "webp",
                                _encode(scaled, "WEBP", quality=WEBP_QUALITY, method=2)))
        versions.append(Encoded(width, height, "image/jpeg", "jpg",
                                _encode(_flattened(scaled), "JPEG", quality=JPEG_QUALITY, optimize=True)))
    return sorted(versions, key=lambda v: (v.mime, v.width))


def _flattened(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, PAPER)
    background.paste(image, mask=image.getchannel("A"))
    return background


def _encode(image: Image.Image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    return _encode(image, "PNG", compress_level=3)  # level 6 is 2x slower for 15 % smaller files
