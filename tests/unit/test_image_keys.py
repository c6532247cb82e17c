"""An image's cache key covers everything it is drawn from, and nothing that differs between machines."""

from dataclasses import fields, replace

from builder.render.drawing import Fonts, Palette, SocialPicture
from builder.render.images import PhotoRequest, SocialRequest, request_key

FONTS = Fonts("/themes/default/fonts/DejaVuSans.ttf", "/themes/default/fonts/DejaVuSans-Bold.ttf")
PALETTE = Palette("#0b4f8a", "#b4461a")
SOCIAL = SocialRequest(SocialPicture("Atlas", "A title", (("Organ", "lung"),), PALETTE, FONTS), ("a" * 64, "b" * 64))


def changed(value):
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, tuple):
        return value + (("Donor", "A109"),)
    if isinstance(value, Palette):
        return Palette("#000000", value.accent)
    raise AssertionError(f"a field of a new type: teach request_key and this test about {value!r}")


def test_every_field_of_a_drawn_picture_changes_its_key():
    request_ = SOCIAL
    key = request_key(request_)
    picture = request_.picture
    for field in fields(picture):
        if field.name == "fonts":
            moved = replace(picture, fonts=Fonts("/elsewhere/regular.ttf", "/elsewhere/bold.ttf"))
            assert request_key(replace(request_, picture=moved)) == key  # same fonts on another machine
            continue
        other = replace(request_, picture=replace(picture, **{field.name: changed(getattr(picture, field.name))}))
        assert request_key(other) != key, field.name
    assert request_key(replace(request_, picture=replace(picture, palette=Palette("#0b4f8a", "#000000")))) != key
    assert request_key(replace(request_, font_digests=("c" * 64, "b" * 64))) != key


def test_a_photo_is_keyed_by_its_bytes_not_its_path():
    assert request_key(PhotoRequest("/a/slice.png", "d" * 64)) == request_key(PhotoRequest("/b/copy.png", "d" * 64))
    assert request_key(PhotoRequest("/a/slice.png", "d" * 64)) != request_key(PhotoRequest("/a/slice.png", "e" * 64))
