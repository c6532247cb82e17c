"""Text drawn on generated images: whatever the catalogue holds, a picture is drawn, and quickly."""

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.render import drawing
from tests.conftest import REPO

FONTS = drawing.Fonts(str(REPO / "themes/default/fonts/DejaVuSans.ttf"),
                      str(REPO / "themes/default/fonts/DejaVuSans-Bold.ttf"))
PALETTE = drawing.Palette("#1f4e79", "#f2a900")
BREAKS = ["\n", "\r", "\r\n", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x00", "\x1b[31m"]


def social(title: str, value: str) -> object:
    return drawing.social_picture(drawing.SocialPicture("Atlas", title, (("Organ", value), ("Size", value)),
                                                        PALETTE, FONTS))


def test_line_breaks_and_controls_in_drawn_text_are_drawn():
    for mark in BREAKS:
        assert social(f"Title{mark}two", f"x{mark}y").size == drawing.SOCIAL_SIZE


def test_a_long_unbroken_string_is_cut_quickly():
    run = "x" * 200_000
    started = time.perf_counter()
    social(run, run)
    assert time.perf_counter() - started < 5


def test_drawn_text_is_one_line_of_at_most_the_cap():
    assert drawing.drawn_text("Lung\r\n\u2029 left\x85lobe") == "Lung left lobe"
    cut = drawing.drawn_text("y" * 10_000)
    assert len(cut) == drawing.MOST_DRAWN and cut.endswith("…")


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=400))
def test_any_text_is_drawn(text):
    social(text, text)
