"""A cache of loaded catalogues, keyed by the snapshot's bytes and the code that reads it.

Parsing a large ICAT dump is most of a build's work when little else has
changed. The records of a snapshot are stored once, as a pickle named by
the SHA-256 of the snapshot and of the modules that turn it into records;
a change to either makes a new entry. A snapshot not in the cache is loaded
by updating the newest entry's catalogue where only some entities differ
(`builder/memory/delta.py`), else parsed whole and stored. An updated catalogue is
not stored: after a harvest the next snapshot is new again, and updating
from the same entry costs little more the more harvests it is behind (a
twentieth of the records changed, and the snapshot is parsed and stored
anew). The cache is only ever written by atlasgen itself, so reading its
pickles is safe.
"""

from __future__ import annotations

import hashlib
import os
from enum import Enum
from pathlib import Path

from builder.catalogue.records import Catalogue
from builder.memory.delta import LoadedCatalogue, load, load_whole
from builder.memory.fingerprint import code_fingerprint
from builder.memory.pickles import read_pickle, write_pickle

# The modules that turn a snapshot into records (with all they import): a change makes new entries.
CODE = ("builder.memory.catalogue_cache", "builder.memory.delta", "builder.catalogue.from_snapshot")
KEEP = 3  # cached catalogues kept per folder


class Source(str, Enum):
    """Where a build's catalogue came from."""

    CACHED = "cached"  # the same snapshot was loaded before
    UPDATED = "updated"  # the catalogue of an earlier snapshot, with the records of what differs made again
    PARSED = "parsed"  # the whole snapshot parsed


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cached_catalogue(snapshot: Path, folder: Path | None) -> tuple[Catalogue, Source]:
    """The snapshot's catalogue, and where it came from; raises SnapshotError for a broken snapshot."""
    if folder is None or not snapshot.is_file():
        return load_whole(str(snapshot), b"").catalogue, Source.PARSED
    data = snapshot.read_bytes()
    entry = folder / f"{_prefix()}{hashlib.sha256(data).hexdigest()[:40]}.pickle"
    found = _read(entry)
    if found is not None:
        os.utime(entry)  # the newest entry is the base of the next update
        return found.catalogue, Source.CACHED
    loaded, updated = load(str(snapshot), data, _newest(folder))
    if not updated:  # an update is stored no more: the next one from the same base costs about as much as reading it
        _store(folder, entry, loaded)
    return loaded.catalogue, Source.UPDATED if updated else Source.PARSED


def _prefix() -> str:
    """Entries are named by the code that made them: only those of this code can be updated from."""
    return f"catalogue-{code_fingerprint(*CODE)[:16]}-"


def _entries(folder: Path, prefix: str = "catalogue-") -> list[Path]:
    """Cached catalogues, newest first."""
    return sorted(folder.glob(f"{prefix}*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)


def _newest(folder: Path) -> LoadedCatalogue | None:
    entries = _entries(folder, _prefix()) if folder.is_dir() else []
    return _read(entries[0]) if entries else None


def _read(entry: Path) -> LoadedCatalogue | None:
    loaded = read_pickle(entry, LoadedCatalogue)
    if loaded is None:
        entry.unlink(missing_ok=True)  # damaged or from another version: made again
    return loaded


def _store(folder: Path, entry: Path, loaded: LoadedCatalogue) -> None:
    if not write_pickle(entry, loaded):
        return
    for old in _entries(folder)[KEEP:]:
        old.unlink(missing_ok=True)
