"""Write a file whole or not at all: the one place the build replaces a file by way of a temporary one.

The temporary file is made beside the target (same file system), so the
final step is a rename: a reader sees the old file or the new one, never
half of one, and a failure or an interruption leaves the old file as it was
and no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator


@contextmanager
def atomic_writer(path: Path | str) -> Iterator[BinaryIO]:
    """A binary file to write, which becomes `path` when the block ends without an error."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; give it the mode open() would
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path: Path | str, data: bytes) -> None:
    """Write `data` at `path` whole or not at all."""
    with atomic_writer(path) as stream:
        stream.write(data)


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
