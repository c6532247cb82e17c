"""atlasgen's own caches on disk: each a pickle written whole or not at all, and read back as nothing if damaged.

Only atlasgen writes them, so reading them is safe. A cache that cannot be
read or written only costs time: the build makes what it holds again.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, TypeVar

from builder.files import atomic_writer

T = TypeVar("T")
DAMAGED = (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError)  # or another version


def read_pickle(path: Path, kind: type[T]) -> T | None:
    """The `kind` pickled at `path`; None if there is none, or what is there is damaged or of another kind."""
    try:
        with open(path, "rb") as stream:
            found = pickle.load(stream)
    except (OSError, *DAMAGED):
        return None
    return found if isinstance(found, kind) else None


def write_pickle(path: Path, value: Any) -> bool:
    """Pickle `value` at `path`, whole or not at all; False if it cannot be written."""
    try:
        with atomic_writer(path) as stream:
            pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        return False
    return True
