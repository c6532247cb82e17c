"""Reading preview images safely: sizes, modes, orientation, and files too large to read."""

import struct
import zlib

import pytest
from PIL import Image

from builder.render.imaging import UnreadableImage, photo_versions, read_picture


def test_a_picture_claiming_more_than_600_megapixels_is_refused_before_decoding(tmp_path):
    path = tmp_path / "claims-30000.png"
    Image.new("L", (8, 8)).save(path)
    data = bytearray(path.read_bytes())
    header = struct.pack(">II", 30000, 30000) + bytes(data[24:29])  # IHDR: width, height, depth, type, ...
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    path.write_bytes(bytes(data))
    with pytest.raises(UnreadableImage, match="30000 x 30000 pixels is more than the 600 megapixels"):
        read_picture(path)


@pytest.mark.parametrize("size, widths", [((2400, 1600), [400, 800, 1600]), ((1000, 500), [400, 800, 1000]),
                                          ((300, 200), [300]), ((1600, 100), [400, 800, 1600])])
def test_versions_never_enlarge_a_picture(tmp_path, size, widths):
    Image.new("RGB", size, (30, 90, 160)).save(tmp_path / "p.png")
    versions = photo_versions(read_picture(tmp_path / "p.png"))
    for kind in ("image/webp", "image/jpeg"):
        made = [v for v in versions if v.mime == kind]
        assert [v.width for v in made] == widths
        assert all(v.height == max(1, round(size[1] * v.width / size[0])) for v in made)


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (300, 100), (200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    image.save(tmp_path / "turned.jpg", exif=exif)
    assert read_picture(tmp_path / "turned.jpg").size == (100, 300)


@pytest.mark.parametrize("mode", ["CMYK", "P", "1", "LA", "I", "F"])
def test_every_mode_becomes_eight_bits(tmp_path, mode):
    image = Image.linear_gradient("L").convert(mode)
    path = tmp_path / ("p.tiff" if mode in ("CMYK", "F", "I") else "p.png")
    image.save(path)
    assert read_picture(path).mode in ("L", "RGB", "RGBA")
