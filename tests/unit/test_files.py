"""The one atomic write: the new file whole, or the old one as it was, and never a temporary file left."""

from __future__ import annotations

import os
import stat

import pytest

from builder.files import atomic_writer, write_atomically


def test_writes_the_bytes_making_the_folder_with_the_mode_open_would_give(tmp_path):
    target = tmp_path / "new" / "folder" / "data.bin"
    write_atomically(target, b"\x00payload")
    assert target.read_bytes() == b"\x00payload"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in target.parent.iterdir()] == ["data.bin"]


def test_until_the_block_ends_readers_see_the_old_file(tmp_path):
    target = tmp_path / "snapshot.xml"
    target.write_bytes(b"old")
    with atomic_writer(target) as stream:
        stream.write(b"new, first half")
        stream.flush()
        assert target.read_bytes() == b"old"
        stream.write(b", second half")
    assert target.read_bytes() == b"new, first half, second half"
    assert [p.name for p in tmp_path.iterdir()] == ["snapshot.xml"]


@pytest.mark.parametrize("error", [ValueError("the data went wrong"), KeyboardInterrupt()])
def test_an_error_while_writing_leaves_the_old_file_and_no_temporary_one(tmp_path, error):
    target = tmp_path / "memory.pickle"
    target.write_bytes(b"the previous build's")
    with pytest.raises(type(error)):
        with atomic_writer(target) as stream:
            stream.write(b"half of the new")
            raise error
    assert target.read_bytes() == b"the previous build's"
    assert [p.name for p in tmp_path.iterdir()] == ["memory.pickle"]


def test_a_path_that_cannot_be_a_file_raises_and_changes_nothing(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_bytes(b"a file where the folder should be")
    with pytest.raises(OSError):
        write_atomically(blocker / "results.json", b"lost")
    assert blocker.read_bytes() == b"a file where the folder should be"
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]
