"""Catalogues updated from an earlier snapshot's: each is compared with the whole parse of the same file.

The snapshots are the embedded one, edited through the snapshot model and
written by write_snapshot, as a harvest writes them. Where an edit touches
few records the update must be the path taken, or the speed it is for is
lost without a sign; where it reaches many, either path is right, as long
as the catalogue is the same.
"""

from __future__ import annotations

import copy
import re

import pytest

from builder.catalogue.snapshot import Entity, Ref, Snapshot, read_snapshot, write_snapshot
from builder.errors import SnapshotError
from builder.memory.catalogue_cache import Source, cached_catalogue
from builder.memory.delta import load, load_whole
from tests.conftest import SNAPSHOT

DATASET = "Dataset_A109_lung_VOI-02b_4.14um_bm18"
DATAFILE = "Datafile_A109_lung_VOI-02b_4.14um_bm18"
COLLECTION = "DataCollection_10.15151_ESRF-DC-2317551834"
PUBLICATION = "DataPublication_10.15151_ESRF-DC-2317551834"
DOI = "10.15151/ESRF-DC-2317551834"


@pytest.fixture(scope="module")
def base():
    return load_whole(str(SNAPSHOT), SNAPSHOT.read_bytes())


def harvested(tmp_path, edit, source=SNAPSHOT, name="snapshot.xml"):
    """The snapshot at `source` changed by `edit(entities by id)`, written as a harvest writes it."""
    snapshot = read_snapshot(source)
    entities = {entity.id: entity for entity in snapshot.entities}
    edit(entities)
    path = tmp_path / name
    write_snapshot(Snapshot(snapshot.head, list(entities.values())), path)
    return path


def updated_and_whole(base, path):
    data = path.read_bytes()
    updated, was_updated = load(str(path), data, base)
    whole = load_whole(str(path), data)
    assert updated.catalogue == whole.catalogue
    assert updated.index == whole.index  # so the next update from this one starts right
    return updated, was_updated


def copy_of(entity: Entity, new_id: str, **texts: str) -> Entity:
    made = copy.deepcopy(entity)
    made.id = new_id
    made.values.update(texts)
    return made


def add_dataset_with_doi(entities, suffix="z"):
    """A new zoom of donor A109's lung with its own DOI: dataset, datafile, collection and publication."""
    name = f"A109_lung_VOI-02{suffix}_4.14um_bm18"
    doi = f"10.15151/ESRF-DC-99999999{ord(suffix)}"
    dataset = copy_of(entities[DATASET], f"Dataset_{name}", name=name)
    datafile = copy_of(entities[DATAFILE], f"Datafile_{name}")
    datafile.values["dataset"] = Ref(dataset.id)
    collection = copy_of(entities[COLLECTION], f"DataCollection_{doi}")
    collection.values["dataCollectionDatasets"][0].values["dataset"] = Ref(dataset.id)
    publication = copy_of(entities[PUBLICATION], f"DataPublication_{doi}", pid=doi, title=f"New zoom {suffix}")
    publication.values["content"] = Ref(collection.id)
    for made in (dataset, datafile, collection, publication):
        entities[made.id] = made
    return name, doi


def test_a_new_dataset_with_its_doi_is_an_update(base, tmp_path):
    added = {}
    path = harvested(tmp_path, lambda entities: added.update(zip(("name", "doi"), add_dataset_with_doi(entities))))
    updated, was_updated = updated_and_whole(base, path)
    assert was_updated
    assert updated.catalogue.publications[added["doi"]].title == "New zoom z"
    kept = [key for key in base.catalogue.datasets if "VOI-02z" not in key]
    assert all(updated.catalogue.datasets[key] is base.catalogue.datasets[key] for key in kept)  # the same objects


def test_a_changed_description_is_an_update(base, tmp_path):
    path = harvested(tmp_path, lambda entities: entities[DATASET].values.update(description="Edited"))
    updated, was_updated = updated_and_whole(base, path)
    assert was_updated
    assert next(d for d in updated.catalogue.datasets.values() if d.name.endswith("02b_4.14um_bm18")).description \
        == "Edited"


def test_a_withdrawn_doi_and_its_dataset_are_an_update(base, tmp_path):
    def withdraw(entities):
        for entity_id in (DATASET, DATAFILE, COLLECTION, PUBLICATION):
            del entities[entity_id]

    updated, was_updated = updated_and_whole(base, harvested(tmp_path, withdraw))
    assert was_updated
    assert DOI not in updated.catalogue.publications


def test_a_new_file_of_an_existing_dataset_is_an_update(base, tmp_path):
    def add_file(entities):
        made = copy_of(entities[DATAFILE], "Datafile_extra", name="extra.png", location="extra.png")
        entities[made.id] = made

    updated, was_updated = updated_and_whole(base, harvested(tmp_path, add_file))
    assert was_updated
    dataset = next(d for d in updated.catalogue.datasets.values() if d.name.endswith("02b_4.14um_bm18"))
    assert "extra.png" in [f.name for f in dataset.files]


def test_a_file_removed_from_an_existing_dataset_is_an_update(base, tmp_path):
    updated, was_updated = updated_and_whole(base, harvested(tmp_path, lambda entities: entities.pop(DATAFILE)))
    assert was_updated
    dataset = next(d for d in updated.catalogue.datasets.values() if d.name.endswith("02b_4.14um_bm18"))
    assert dataset.files == ()


def test_a_new_doi_of_an_existing_dataset_is_an_update(base, tmp_path):
    def cite_again(entities):
        collection = copy_of(entities[COLLECTION], "DataCollection_again")
        publication = copy_of(entities[PUBLICATION], "DataPublication_again", pid="10.15151/ESRF-DC-AGAIN")
        publication.values["content"] = Ref(collection.id)
        entities.update({collection.id: collection, publication.id: publication})

    updated, was_updated = updated_and_whole(base, harvested(tmp_path, cite_again))
    assert was_updated
    dataset = next(d for d in updated.catalogue.datasets.values() if d.name.endswith("02b_4.14um_bm18"))
    assert "10.15151/ESRF-DC-AGAIN" in dataset.doi_list


@pytest.mark.parametrize("edit", [
    pytest.param(lambda e: e["User_orcid_0000-0003-3769-3392"].values.update(familyName="Walsh-Renamed"),
                 id="a person named in many DOIs"),
    pytest.param(lambda e: next(v for k, v in e.items() if k.startswith("ParameterType_")).values.update(units="mm"),
                 id="the units of a parameter type"),
    pytest.param(lambda e: next(v for k, v in e.items() if k.startswith("Investigation_")).values.update(title="T"),
                 id="an investigation's title"),
    pytest.param(lambda e: e.pop(next(k for k in e if k.startswith("DataPublicationType_")), None) and None,
                 id="an entity many refer to, removed"),
])
def test_changes_that_reach_many_records_give_the_whole_parse_catalogue(base, tmp_path, edit):
    try:
        path = harvested(tmp_path, edit)
    except SnapshotError:
        return  # a removal that leaves references to nothing is not writable: nothing to compare
    data = path.read_bytes()
    try:
        whole = load_whole(str(path), data)
    except SnapshotError as error:
        with pytest.raises(SnapshotError) as caught:
            load(str(path), data, base)
        assert str(caught.value) == str(error)
        return
    assert load(str(path), data, base)[0].catalogue == whole.catalogue


def test_updates_chain(base, tmp_path):
    first = harvested(tmp_path, lambda entities: add_dataset_with_doi(entities, "y"), name="first.xml")
    once, _ = updated_and_whole(base, first)
    second = harvested(tmp_path, lambda entities: entities[DATASET].values.update(description="Again"), source=first,
                       name="second.xml")
    _, was_updated = updated_and_whole(once, second)
    assert was_updated


def test_a_new_reference_to_nothing_is_the_whole_parse_error_and_caches_nothing(tmp_path):
    cache = tmp_path / "cache"
    cached_catalogue(SNAPSHOT, cache)
    entries = sorted(p.name for p in cache.iterdir())

    def dangle(entities):
        add_dataset_with_doi(entities, "x")
        entities["Datafile_A109_lung_VOI-02x_4.14um_bm18"].values["dataset"] = Ref("Dataset_nowhere")

    path = harvested(tmp_path, dangle)
    with pytest.raises(SnapshotError) as updating:
        cached_catalogue(path, cache)
    with pytest.raises(SnapshotError) as parsing:
        read_snapshot(path)
    assert str(updating.value) == str(parsing.value)
    line = int(re.search(r"snapshot\.xml:(\d+):", str(updating.value)).group(1))
    assert 'ref="Dataset_nowhere"' in path.read_text().splitlines()[line - 1]
    assert sorted(p.name for p in cache.iterdir()) == entries


def test_a_broken_new_entity_names_its_line(base, tmp_path):
    path = harvested(tmp_path, lambda entities: entities[DATASET].values.update(description="BROKEN"))
    text = path.read_text()
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace("<description>BROKEN</description>", "<description>BROKEN</descr>"))
    with pytest.raises(SnapshotError) as caught:
        load(str(broken), broken.read_bytes(), base)
    line = int(re.search(r"broken\.xml:(\d+):", str(caught.value)).group(1))
    assert "BROKEN" in text.splitlines()[line - 1]


def test_the_cache_says_where_each_catalogue_came_from(tmp_path):
    cache = tmp_path / "cache"
    path = harvested(tmp_path, lambda entities: entities[DATASET].values.update(description="Edited"))
    assert cached_catalogue(SNAPSHOT, cache)[1] is Source.PARSED
    assert cached_catalogue(SNAPSHOT, cache)[1] is Source.CACHED
    catalogue, source = cached_catalogue(path, cache)
    assert source is Source.UPDATED
    assert catalogue == load_whole(str(path), path.read_bytes()).catalogue
    assert cached_catalogue(path, cache)[1] is Source.UPDATED  # updates are not stored, but made again
    assert len(list(cache.glob("catalogue-*.pickle"))) == 1
