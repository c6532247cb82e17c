"""Merging a harvest into a snapshot, on small snapshots made by hand."""

from __future__ import annotations

import pytest
from lxml import etree

from builder.catalogue.icatschema import xml_schema
from builder.catalogue.snapshot import Entity, Head, Ref, Snapshot, snapshot_bytes
from builder.errors import HarvestError
from builder.harvest.merge import merge
from builder.harvest.sources.entities import entity_id

HEAD = Head(date="2026-03-01T00:00:00+00:00", generator="test", service="http://icatplus.test")


def _catalogue(datasets: dict[str, list[str]], files: dict[str, str] | None = None,
               titles: dict[str, str] | None = None) -> list[Entity]:
    """A facility, one investigation, datasets by name with their files, and DOIs listing their datasets."""
    entities = [Entity("facility", {"name": "ESRF"}, "Facility_ESRF"),
                Entity("investigation", {"name": "md1", "title": "Proposal", "visitId": "v1",
                                         "facility": Ref("Facility_ESRF")}, "Investigation_md1_v1")]
    names = sorted({name for members in datasets.values() for name in members})
    entities.append(Entity("datasetType", {"name": "processed", "facility": Ref("Facility_ESRF")},
                           "DatasetType_processed"))
    entities += [Entity("dataset", {"complete": "true", "name": name, "investigation": Ref("Investigation_md1_v1"),
                                    "type": Ref("DatasetType_processed")}, f"Dataset_{name}")
                 for name in names]
    entities += [Entity("datafile", {"name": file, "dataset": Ref(f"Dataset_{owner}")}, f"Datafile_{file}")
                 for file, owner in (files or {}).items()]
    for doi, members in datasets.items():
        links = [Entity("dataCollectionDataset", {"dataset": Ref(f"Dataset_{name}")}) for name in members]
        collection = entity_id("dataCollection", doi)
        entities.append(Entity("dataCollection", {"dataCollectionDatasets": links}, collection))
        entities.append(Entity("dataPublication", {"pid": doi, "title": (titles or {}).get(doi, doi),
                                                   "content": Ref(collection), "facility": Ref("Facility_ESRF")},
                               entity_id("dataPublication", doi)))
    return entities


def _snapshot(entities: list[Entity]) -> Snapshot:
    return Snapshot(HEAD, entities)


def test_a_harvested_dataset_replaces_the_old_one_and_its_files_go_unless_harvested_again():
    previous = _snapshot(_catalogue({"10.1/a": ["a"], "10.1/b": ["b"]}, files={"a1": "a", "a2": "a", "b1": "b"}))
    harvested = _snapshot(_catalogue({"10.1/a": ["a"]}, files={"a2": "a"}, titles={"10.1/a": "A, corrected"}))
    merged = merge(previous, harvested, ["10.1/a", "10.1/b"], None, HEAD)
    files = sorted(e.text("name") for e in merged.snapshot.of_kind("datafile"))
    assert files == ["a2", "b1"]
    assert merged.snapshot.by_id["DataPublication_10.1_a"].text("title") == "A, corrected"
    assert merged.changes.changed == ("10.1/a",) and merged.changes.new == () and merged.changes.removed == ()
    assert xml_schema().validate(etree.fromstring(snapshot_bytes(merged.snapshot))), xml_schema().error_log


def test_a_lost_file_alone_makes_its_doi_changed():
    previous = _snapshot(_catalogue({"10.1/a": ["a"]}, files={"a1": "a", "a2": "a"}))
    harvested = _snapshot(_catalogue({"10.1/a": ["a"]}, files={"a1": "a"}))
    assert merge(previous, harvested, ["10.1/a"], None, HEAD).changes.changed == ("10.1/a",)


def test_a_removed_doi_takes_its_datasets_but_not_those_another_doi_uses():
    previous = _snapshot(_catalogue({"10.1/a": ["a", "shared"], "10.1/b": ["b", "shared"]}, files={"a1": "a"}))
    merged = merge(previous, _snapshot([]), ["10.1/b"], None, HEAD)
    assert merged.changes.removed == ("10.1/a",)
    assert sorted(e.text("name") for e in merged.snapshot.of_kind("dataset")) == ["b", "shared"]
    assert merged.snapshot.of_kind("datafile") == []
    assert [e.text("pid") for e in merged.snapshot.of_kind("dataPublication")] == ["10.1/b"]


def test_only_dois_in_scope_are_removed():
    previous = _snapshot(_catalogue({"10.1/a": ["a"], "10.1/b": ["b"]}))
    merged = merge(previous, _snapshot([]), [], {"10.1/a"}, HEAD)
    assert merged.changes.removed == ("10.1/a",)
    assert [e.text("pid") for e in merged.snapshot.of_kind("dataPublication")] == ["10.1/b"]


def test_new_dois_are_reported_and_merging_the_same_again_changes_nothing():
    previous = _snapshot(_catalogue({"10.1/a": ["a"]}))
    harvested = _snapshot(_catalogue({"10.1/a": ["a"], "10.1/c": ["c"]}))
    first = merge(previous, harvested, ["10.1/a", "10.1/c"], None, HEAD)
    assert first.changes.new == ("10.1/c",) and first.changes.changed == ()
    again = merge(first.snapshot, harvested, ["10.1/a", "10.1/c"], None, HEAD)
    assert not again.changes
    assert snapshot_bytes(again.snapshot) == snapshot_bytes(first.snapshot)


def test_a_harvest_pointing_at_what_nobody_has_is_refused():
    harvested = _snapshot([Entity("dataset", {"name": "x", "investigation": Ref("Investigation_nowhere")},
                                  "Dataset_x")])
    with pytest.raises(HarvestError, match="Dataset_x: dataset.investigation: refers to 'Investigation_nowhere'"):
        merge(_snapshot([]), harvested, [], None, HEAD)


def test_a_harvested_entity_without_id_is_refused():
    harvested = _snapshot([Entity("facility", {"name": "ESRF"})])
    with pytest.raises(HarvestError, match="facility: a harvested entity needs an id"):
        merge(_snapshot([]), harvested, [], None, HEAD)
