"""What pieces of work look up, and whether it still holds what it held."""

from __future__ import annotations

from dataclasses import replace

import pytest

from builder.memory.delta import load_whole
from builder.memory.lookups import EVERYTHING, Lookups, Recorded, RecordedSet, Recorder, recorded_catalogue
from tests.conftest import SNAPSHOT


@pytest.fixture(scope="module")
def catalogue():
    return load_whole(str(SNAPSHOT), b"").catalogue


def test_each_way_of_looking_up_a_key_is_noted_and_only_inside_its_piece():
    recorder = Recorder()
    mapping = Recorded("titles", {"a": "A", "b": "B"}, recorder)
    members = RecordedSet("invalid", frozenset({"x"}), recorder)
    with recorder.piece() as first:
        assert mapping["a"] == "A" and mapping.get("c") is None and "b" in mapping and "x" in members
    with recorder.piece() as second:
        assert sorted(mapping) == ["a", "b"]
    assert mapping["a"] == "A"  # outside any piece: the shared setup's
    assert first == {("titles", "a"), ("titles", "c"), ("titles", "b"), ("invalid", "x")}
    assert second == {("titles", EVERYTHING)}
    assert recorder.shared == {("titles", "a")}


def test_a_remembered_result_notes_what_making_it_looked_up(catalogue):
    recorder = Recorder()
    mapping = Recorded("titles", {"a": "A"}, recorder)
    cache: dict = {}
    with recorder.piece() as first:
        recorder.remembered(cache, "key", lambda: mapping["a"])
    with recorder.piece() as second:
        assert recorder.remembered(cache, "key", lambda: pytest.fail("made twice")) == "A"
    assert first == second == {("titles", "a")}


def test_fingerprints_change_with_what_a_key_holds(catalogue):
    key = next(iter(catalogue.datasets))
    doi = next(iter(catalogue.publications))
    recorder = Recorder()
    with recorder.piece() as reads:
        recorded = recorded_catalogue(catalogue, recorder)
        recorded.datasets[key], recorded.publications.get(doi), recorded.same_sample.get(key)
        recorded.children.get("no such dataset")
    before = Lookups(catalogue).fingerprints(reads)
    assert before[("datasets", key)] == catalogue.digests[key]
    assert before[("children", "no such dataset")] is None
    assert Lookups(catalogue).unchanged(before)
    retitled = replace(catalogue, publications={**catalogue.publications,
                                                doi: replace(catalogue.publications[doi], title="Another")},
                       digests={**catalogue.digests, doi: "another digest"})
    assert not Lookups(retitled).unchanged(before)
    fewer = replace(catalogue, same_sample={k: v for k, v in catalogue.same_sample.items() if k != key})
    assert Lookups(fewer).unchanged(before) == (key not in catalogue.same_sample)


def test_a_mapping_this_build_has_not_made_never_matches(catalogue):
    lookups = Lookups(catalogue)
    lookups.add("citations", {"10.1/x": ("a",)})
    stored = lookups.fingerprints({("citations", "10.1/x")})
    assert Lookups(catalogue).unchanged(stored) is False  # no "citations" in this one
    assert Lookups(catalogue).unchanged({("citations", "10.1/x"): "?"}) is False
