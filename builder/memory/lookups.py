"""What each piece of a site's work looks up in the catalogue and the site's links.

A piece of work (a dataset's view, a page, a DOI's citations) gets the
catalogue, the links and the other shared mappings through wrappers that
note every key looked up. What a piece read, with a fingerprint of what it
found, is all its input besides the site's code and settings: a later build
in which each of those keys holds the same can keep what the piece made
(`site_memory.py`). A lookup made outside any piece, in the shared setup, is an
input of every piece.

Only lookups in mappings are noted; so everything a piece reads must come
through them, or be a plain argument the caller compares itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Container, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import Any, Hashable

from builder.catalogue.records import Catalogue

Read = tuple[str, Hashable]  # (mapping name, key looked up); the key EVERYTHING: the mapping read whole
EVERYTHING = ("*",)  # not a key any mapping holds
RECORDS = ("datasets", "publications")  # mappings of records: fingerprinted by the catalogue's digests


class Recorder:
    """Notes the lookups of the piece of work running; outside any, those of the shared setup."""

    def __init__(self) -> None:
        self.shared: set[Read] = set()
        self.current = self.shared

    def note(self, name: str, key: Hashable) -> None:
        self.current.add((name, key))

    @contextmanager
    def piece(self) -> Iterator[set[Read]]:
        """The lookups made inside the `with` block, and only there."""
        outer, self.current = self.current, set()
        try:
            yield self.current
        finally:
            self.current = outer

    def remembered(self, cache: dict, key: Hashable, compute: Callable[[], Any]) -> Any:
        """compute() once per key; each later call notes the lookups the first one made, as if made again."""
        found = cache.get(key)
        if found is None:
            with self.piece() as reads:
                value = compute()
            found = cache[key] = (value, frozenset(reads))
        self.current.update(found[1])
        return found[0]


class Recorded(Mapping):
    """A mapping that notes the keys looked up in it."""

    __slots__ = ("name", "mapping", "recorder")

    def __init__(self, name: str, mapping: Mapping, recorder: Recorder):
        self.name, self.mapping, self.recorder = name, mapping, recorder

    def __getitem__(self, key):
        self.recorder.note(self.name, key)
        return self.mapping[key]

    def get(self, key, default=None):
        self.recorder.note(self.name, key)
        return self.mapping.get(key, default)

    def __contains__(self, key) -> bool:
        self.recorder.note(self.name, key)
        return key in self.mapping

    def __iter__(self):
        self.recorder.note(self.name, EVERYTHING)
        return iter(self.mapping)

    def __len__(self) -> int:
        self.recorder.note(self.name, EVERYTHING)
        return len(self.mapping)


class RecordedSet(Container):
    """A set that notes the members asked for."""

    __slots__ = ("name", "members", "recorder")

    def __init__(self, name: str, members: Container, recorder: Recorder):
        self.name, self.members, self.recorder = name, members, recorder

    def __contains__(self, key) -> bool:
        self.recorder.note(self.name, key)
        return key in self.members


def recorded(holder: Any, recorder: Recorder, prefix: str = "") -> Any:
    """A copy of the dataclass `holder` whose mappings note their lookups, each named prefix + its field."""
    return replace(holder, **{name: Recorded(prefix + name, mapping, recorder)
                              for name, mapping in _mappings(holder).items()})


def recorded_catalogue(catalogue: Catalogue, recorder: Recorder) -> Catalogue:
    return recorded(catalogue, recorder)


def _mappings(holder: Any) -> dict[str, Mapping]:
    return {f.name: getattr(holder, f.name) for f in fields(holder) if isinstance(getattr(holder, f.name), Mapping)}


class Lookups:
    """What each key of the build's mappings holds now, as a fingerprint that survives pickling."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.mappings: dict[str, Mapping | Container] = dict(_mappings(catalogue))
        self._known: dict[Read, str | None] = {}  # many pieces look up the same keys: each is worked out once

    def add(self, name: str, mapping: Mapping | Container) -> None:
        """A mapping pieces look up in under `name`, once it is made."""
        self.mappings[name] = mapping

    def add_fields(self, holder: Any, prefix: str) -> None:
        """The mappings of the dataclass `holder`, as `recorded(holder, recorder, prefix)` names them."""
        for name, mapping in _mappings(holder).items():
            self.add(prefix + name, mapping)

    def fingerprints(self, reads: set[Read]) -> dict[Read, str | None]:
        return {read: self.fingerprint(read) for read in reads}

    def unchanged(self, fingerprints: Mapping[Read, str | None]) -> bool:
        return all(found != UNKNOWN and self.fingerprint(read) == found for read, found in fingerprints.items())

    def fingerprint(self, read: Read) -> str | None:
        """None: the key holds nothing."""
        found = self._known.get(read, _MISSING)
        if found is _MISSING:
            found = self._known[read] = self._fingerprint(*read)
        return found

    def _fingerprint(self, name: str, key: Hashable) -> str | None:
        mapping = self.mappings.get(name)
        if mapping is None:
            return UNKNOWN  # a mapping this build has not made: what read it cannot be kept
        if key == EVERYTHING:
            keys = sorted(mapping, key=repr)  # type: ignore[call-overload]
            return _digest(repr([(k, self.fingerprint((name, k))) for k in keys]))
        if name in RECORDS:
            return self.catalogue.digests.get(key) if key in mapping else None  # type: ignore[arg-type]
        if not isinstance(mapping, Mapping):
            return "in" if key in mapping else None
        value = mapping.get(key, _MISSING)
        return None if value is _MISSING else _digest(repr(value))


_MISSING: Any = object()
UNKNOWN = "?"  # unlike any fingerprint a build stores


def _digest(text: str) -> str:
    """The text itself where short, else a SHA-256 of it."""
    if len(text) < 40:
        return "=" + text
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]
