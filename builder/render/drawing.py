"""Pictures atlasgen draws itself: social (Open Graph) images of dataset and DOI pages.

They are drawn as one 8-bit "ink" layer and coloured through a palette: ink 0
is the theme's colour, ink 254 white, the values between their blends (so
text stays smooth), and 255 the accent. The result is a small 8-bit PNG,
cheap to make: a large site draws thousands of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

SOCIAL_SIZE = (1200, 630)  # what Open Graph and Twitter cards show best
WHITE, SOFT, FAINT, ACCENT = 254, 190, 26, 255
MOST_DRAWN = 300  # characters of one text: more never fits, and each is laid out and measured


@dataclass(frozen=True)
class Fonts:
    regular: str  # paths of TrueType files
    bold: str


@dataclass(frozen=True)
class Palette:
    colour: str  # '#rrggbb': the background
    accent: str


@dataclass(frozen=True)
class SocialPicture:
    """A page's social image: the site, the page title and a few labelled facts."""

    site: str
    title: str
    facts: tuple[tuple[str, str], ...]
    palette: Palette
    fonts: Fonts


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=8)
def _palette_values(palette: Palette) -> tuple[int, ...]:
    background, accent = _rgb(palette.colour), _rgb(palette.accent)
    ramp = [round(background[c] + (255 - background[c]) * ink / WHITE) for ink in range(WHITE + 1) for c in range(3)]
    return tuple(ramp) + accent


def _coloured(ink: Image.Image, palette: Palette) -> Image.Image:
    picture = Image.frombytes("P", ink.size, ink.tobytes())
    picture.putpalette(_palette_values(palette))
    return picture


def drawn_text(text: str) -> str:
    """The text as one line that can be drawn: line and paragraph breaks, controls and other unprintable
    characters (Pillow's layout fails on some) become spaces, runs of spaces one, and at most MOST_DRAWN
    characters are kept."""
    text = " ".join("".join(c if c.isprintable() else " " for c in text[:MOST_DRAWN * 4]).split())
    return text if len(text) <= MOST_DRAWN else text[:MOST_DRAWN - 1].rstrip() + "…"


def social_picture(spec: SocialPicture) -> Image.Image:
    spec = replace(spec, site=drawn_text(spec.site), title=drawn_text(spec.title),
                   facts=tuple((drawn_text(label), drawn_text(value)) for label, value in spec.facts))
    width, height = SOCIAL_SIZE
    margin = 72
    ink = Image.new("L", SOCIAL_SIZE, 0)  # plain: thousands are drawn, and flat colour compresses fast
    draw = ImageDraw.Draw(ink)
    draw.rectangle((margin, 64, margin + 96 - 1, 64 + 8 - 1), fill=ACCENT)
    site = _fitted(spec.site.upper(), spec.fonts.bold, 30, 20, width - 2 * margin)
    draw.text((margin, 120), site[0], font=site[1], fill=SOFT, anchor="ls")
    lines, font = _wrapped(spec.title, spec.fonts.bold, width - 2 * margin)
    y = 200
    for line in lines:
        draw.text((margin, y), line, font=font, fill=WHITE, anchor="ls")
        y += round(font.size * 1.22)
    facts = spec.facts[:4]
    column = (width - 2 * margin) // 2
    label_font, value_font = _font(spec.fonts.regular, 26), _font(spec.fonts.bold, 30)
    for index, (label, value) in enumerate(facts):
        x = margin + (index % 2) * column
        row_y = height - 120 + (index // 2) * 56 - (56 if len(facts) > 2 else 0)
        shown_label = _ellipsis(label, label_font, column // 2 - 24)
        draw.text((x, row_y), shown_label, font=label_font, fill=SOFT, anchor="ls")
        offset = label_font.getlength(shown_label) + 16
        draw.text((x + offset, row_y), _ellipsis(value, value_font, column - offset - 24), font=value_font,
                  fill=WHITE, anchor="ls")
    return _coloured(ink, spec.palette)


def _fitted(text: str, font_path: str, largest: int, smallest: int, width: int) -> tuple[str, ImageFont.FreeTypeFont]:
    """The text on one line at the largest size that fits, else cut with an ellipsis at the smallest."""
    for size in range(largest, smallest - 1, -8):
        font = _font(font_path, size)
        if font.getlength(text) <= width:
            return text, font
    font = _font(font_path, smallest)
    return _ellipsis(text, font, width), font


def _wrapped(text: str, font_path: str, width: int) -> tuple[list[str], ImageFont.FreeTypeFont]:
    """A title in at most 3 lines (4 at the smallest size), the last one cut with an ellipsis if need be."""
    words = re.split(r"\s+", text.strip()) or [""]
    for size, most in ((64, 3), (56, 3), (48, 4)):
        font = _font(font_path, size)
        lines = _lines(words, font, width)
        if len(lines) <= most:
            return lines, font
    lines = lines[:most]
    lines[-1] = _ellipsis(lines[-1] + " …", font, width)
    return lines, font


def _lines(words: list[str], font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in words:
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(_ellipsis(word, font, width))
    return lines


def _ellipsis(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """The text, or its longest start that fits with an ellipsis: found by halving, a few measures each."""
    if font.getlength(text) <= width:
        return text
    fits, too_long = 0, len(text)  # the longest start known to fit, the shortest known not to
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if font.getlength(text[:middle] + "…") <= width:
            fits = middle
        else:
            too_long = middle
    return text[:fits].rstrip() + "…"
