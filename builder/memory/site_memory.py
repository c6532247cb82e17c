"""What a site's last build made, each piece with what it read, for the next build to keep.

A piece is named (kind, key): ("prepare", DOI), ("page", path). It is kept
if the previous build made it with the same code and settings (one
fingerprint for the site), the shared setup looks up what it did then, and
every key the piece looked up holds what it held (`lookups.py`). A
kept page is carried over from the published site without working out its
context.

The memory of a site lives in the cache folder, not in the site, and names
the digest of the manifest it was published with: it is only used while
that manifest is the published one, so it always describes the files there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Hashable

from builder.catalogue.records import Catalogue
from builder.memory.lookups import Lookups, Read, Recorder
from builder.memory.manifest import text_digest
from builder.memory.pickles import read_pickle, write_pickle


@dataclass
class Piece:
    reads: dict[Read, str | None]  # what it looked up, with fingerprints of what it found
    made: Any  # what the next build needs of what it made


@dataclass
class SiteMemory:
    fingerprint: str  # of the code and settings every piece is made with
    shared: dict[Read, str | None] = field(default_factory=dict)  # the lookups outside any piece
    pieces: dict[tuple[str, Hashable], Piece] = field(default_factory=dict)
    manifest: str = ""  # digest of the manifest published with the site it describes
    made_with: dict[str, str] = field(default_factory=dict)  # kind -> what all its pieces share, known only then


class MemoryKeeper:
    """The previous build's memory of a site, where it still holds, and the memory this build makes."""

    def __init__(self, previous: SiteMemory | None, fingerprint: str, lookups: Lookups, recorder: Recorder):
        self.lookups, self.recorder = lookups, recorder
        self.previous = previous if previous is not None and previous.fingerprint == fingerprint else None
        self._shared_unchanged: bool | None = None  # checked when first asked
        self.new_memory = SiteMemory(fingerprint)
        self.carried_over_count = self.made_count = 0

    @classmethod
    def without_previous(cls, catalogue: Catalogue) -> MemoryKeeper:
        """No previous build to keep anything from."""
        return cls(None, "", Lookups(catalogue), Recorder())

    def unchanged(self, kind: str, key: Hashable) -> Piece | None:
        """The previous build's piece, if every key it looked up holds what it held."""
        if self.previous is None:
            return None
        if self._shared_unchanged is None:
            self._shared_unchanged = self.lookups.unchanged(self.previous.shared)
        if not self._shared_unchanged or self.previous.made_with.get(kind) != self.new_memory.made_with.get(kind):
            return None
        piece = self.previous.pieces.get((kind, key))
        return piece if piece is not None and self.lookups.unchanged(piece.reads) else None

    def made_with(self, kind: str, fingerprint: str) -> None:
        """What every piece of `kind` is made with, known only once the build has come to them (as the asset URLs
        of pages): none is kept unless the previous build made them with the same."""
        self.new_memory.made_with[kind] = fingerprint

    def carry_over(self, kind: str, key: Hashable, piece: Piece) -> None:
        """Remember a piece kept from the previous build."""
        self.new_memory.pieces[(kind, key)] = piece
        self.carried_over_count += 1

    def add_made(self, kind: str, key: Hashable, piece: Piece) -> None:
        """Remember a piece made in this build."""
        self.new_memory.pieces[(kind, key)] = piece
        self.made_count += 1

    def add_made_from_reads(self, kind: str, key: Hashable, reads: set[Read], made: Any) -> None:
        """Remember a piece made in this build from what it looked up."""
        self.add_made(kind, key, Piece(self.lookups.fingerprints(reads), made))

    def finish(self, manifest_text: str) -> SiteMemory:
        """This build's memory, for the site published with `manifest_text`."""
        self.new_memory.shared = self.lookups.fingerprints(self.recorder.shared)
        self.new_memory.manifest = text_digest(manifest_text)
        return self.new_memory


def read_memory(folder: Path, site: str, manifest_digest: str) -> SiteMemory | None:
    """The memory of `site` if it describes the site published with the manifest of that digest."""
    memory = read_pickle(folder / f"{site}.pickle", SiteMemory)
    return memory if memory is not None and memory.manifest == manifest_digest else None


def write_memory(folder: Path, site: str, memory: SiteMemory) -> None:
    write_pickle(folder / f"{site}.pickle", memory)
