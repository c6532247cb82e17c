"""A cache of loaded catalogues, keyed by the snapshot's bytes and the code that reads it.

Parsing a large ICAT dump is most of a build's work when little else has
changed. The records of a snapshot are stored once, as a pickle named by
the SHA-256 of the snapshot and of the modules that turn it into records;
a change to either makes a new entry. The cache is only ever written by
atlasgen itself, so reading its pickles is safe.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path
from typing import Callable

from .records import Catalogue

# The modules and data files whose change changes the records of a snapshot.
CODE = ("records.py", "snapshot.py", "icatschema.py", "vocabulary.py", "schema/icatdata-5.0.xsd",
        "schema/esrf-icat-parameters.tsv", "schema/atlasgen-parameters.tsv")
KEEP = 3  # cached catalogues kept per folder


@cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for name in CODE:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_catalogue(snapshot: Path, folder: Path | None, load: Callable[[Path], Catalogue]) -> tuple[Catalogue, bool]:
    """The snapshot's catalogue, from the cache when it is there; (catalogue, came from cache)."""
    if folder is None or not snapshot.is_file():
        return load(snapshot), False
    key = hashlib.sha256((file_digest(snapshot) + code_fingerprint()).encode()).hexdigest()[:40]
    entry = folder / f"catalogue-{key}.pickle"
    try:
        with open(entry, "rb") as stream:
            return pickle.load(stream), True
    except FileNotFoundError:
        pass
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        entry.unlink(missing_ok=True)  # damaged or from another version: rebuild it
    catalogue = load(snapshot)
    _store(folder, entry, catalogue)
    return catalogue, False


def _store(folder: Path, entry: Path, catalogue: Catalogue) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".catalogue-", dir=folder)
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(catalogue, stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
    except OSError:
        return  # a cache that cannot be written only costs time
    entries = sorted(folder.glob("catalogue-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
