"""A site's memory of its last build: kept pieces, and when none may be kept."""

from __future__ import annotations

from dataclasses import replace

import pytest

from builder.memory.delta import load_whole
from builder.memory.lookups import Lookups, Recorder
from builder.memory.manifest import text_digest
from builder.memory.site_memory import MemoryKeeper, Piece, SiteMemory, read_memory, write_memory
from tests.conftest import SNAPSHOT


@pytest.fixture(scope="module")
def catalogue():
    return load_whole(str(SNAPSHOT), b"").catalogue


def remembered(catalogue, shared=frozenset()) -> tuple[SiteMemory, str]:
    """A memory of one page that read two datasets, as a build leaves it; and its dataset keys."""
    first, second = list(catalogue.datasets)[:2]
    memory = MemoryKeeper(None, "settings", Lookups(catalogue), Recorder())
    memory.recorder.shared.update(shared)
    memory.add_made_from_reads("page", "datasets/a/", {("datasets", first), ("datasets", second)}, "what it made")
    return memory.finish("the manifest"), second


def test_a_piece_is_kept_while_what_it_read_is_unchanged(catalogue):
    memory, second = remembered(catalogue)
    kept = MemoryKeeper(memory, "settings", Lookups(catalogue), Recorder()).unchanged("page", "datasets/a/")
    assert kept is not None and kept.made == "what it made"
    changed = replace(catalogue, digests={**catalogue.digests, second: "another record"})
    assert MemoryKeeper(memory, "settings", Lookups(changed), Recorder()).unchanged("page", "datasets/a/") is None


def test_nothing_is_kept_with_other_settings_or_another_shared_setup(catalogue):
    memory, _ = remembered(catalogue, shared={("parameter_types", "TOMO_energy")})
    other_settings = MemoryKeeper(memory, "other settings", Lookups(catalogue), Recorder())
    assert other_settings.unchanged("page", "datasets/a/") is None
    types = dict(catalogue.parameter_types)
    types["TOMO_energy"] = "another unit"
    changed = replace(catalogue, parameter_types=types)
    assert MemoryKeeper(memory, "settings", Lookups(changed), Recorder()).unchanged("page", "datasets/a/") is None


def test_a_memory_is_read_back_only_for_the_site_it_was_published_with(catalogue, tmp_path):
    memory, _ = remembered(catalogue)
    write_memory(tmp_path, "hoa", memory)
    read = read_memory(tmp_path, "hoa", text_digest("the manifest"))
    assert read is not None and read.pieces.keys() == memory.pieces.keys()
    assert isinstance(next(iter(read.pieces.values())), Piece)
    assert read_memory(tmp_path, "hoa", text_digest("another manifest")) is None
    assert read_memory(tmp_path, "paleo", text_digest("the manifest")) is None
    (tmp_path / "hoa.pickle").write_bytes(b"not a pickle")
    assert read_memory(tmp_path, "hoa", text_digest("the manifest")) is None
