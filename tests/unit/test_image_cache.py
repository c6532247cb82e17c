"""The cache of made images: its one-file index, and damaged entries."""

from builder.render import imaging
from builder.render.images import ImageCache

KEY = "ab" + "0" * 62


def stored(folder):
    cache = ImageCache(folder)
    made = cache.store(KEY, [imaging.Encoded(2, 1, "image/png", "png", b"not really a png")])
    cache.remember(made)
    cache.save_index()
    return made


def test_an_indexed_entry_is_found_without_reading_its_meta(tmp_path):
    made = stored(tmp_path)
    (tmp_path / KEY[:2] / KEY / "meta.json").unlink()
    assert ImageCache(tmp_path).load(KEY) == made


def test_an_entry_missing_from_the_index_is_read_from_its_meta(tmp_path):
    made = stored(tmp_path)
    (tmp_path / ImageCache.INDEX).unlink()
    assert ImageCache(tmp_path).load(KEY) == made


def test_an_indexed_entry_whose_file_is_gone_is_made_again(tmp_path):
    made = stored(tmp_path)
    (tmp_path / KEY[:2] / KEY / made.files[-1].name).unlink()
    assert ImageCache(tmp_path).load(KEY) is None


def test_a_damaged_index_is_an_empty_one(tmp_path):
    made = stored(tmp_path)
    (tmp_path / ImageCache.INDEX).write_bytes(b"not a pickle")
    assert ImageCache(tmp_path).load(KEY) == made
