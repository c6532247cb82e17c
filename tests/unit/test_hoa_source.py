import json
import zipfile

import pytest

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.snapshot import read_snapshot, snapshot_bytes
from builder.errors import SnapshotError
from builder.harvest.sources.hoa import (
    DONOR_PARAMETERS,
    PREPARATION_PARAMETERS,
    SCAN_PARAMETERS,
    hoa_snapshot,
    read_records,
)
from scripts.import_hoa_metadata import main as import_main
from tests.conftest import HOA_JSON, SNAPSHOT


@pytest.fixture(scope="module")
def records():
    return [record for _, record in read_records(HOA_JSON)]


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_from_snapshot(read_snapshot(SNAPSHOT))


def test_the_importer_writes_the_same_bytes_every_time(tmp_path):
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    assert import_main([str(HOA_JSON), "-o", str(first)]) == 0
    assert import_main([str(HOA_JSON), "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    alone = catalogue_from_snapshot(read_snapshot(first))
    assert len(alone.datasets) == 378 and len(alone.publications) == 369


def test_every_record_becomes_a_dataset_and_every_doi_a_publication(records, catalogue):
    """The embedded snapshot holds the HOA records beside the curated ones (catalogue/sources/curated/)."""
    hoa = {d.name for d in catalogue.datasets.values() if d.investigation.name in {r["proposal"]["proposal_number"]
                                                                                 for r in records}}
    assert hoa == {r["name"] for r in records}
    assert len(records) == 378
    dois = {r["citation"]["doi"] for r in records if r["citation"]["doi"]}
    assert dois <= set(catalogue.publications)
    assert len(dois) == 369


def _by_name(catalogue):
    return {d.name: d for d in catalogue.datasets.values()}


def test_scan_donor_and_preparation_facts_survive(records, catalogue):
    datasets = _by_name(catalogue)
    for record in records:
        dataset = datasets[record["name"]]
        for section, mapping in (("scan", SCAN_PARAMETERS), ("donor", DONOR_PARAMETERS),
                                 ("sample", PREPARATION_PARAMETERS)):
            for key, name in mapping.items():
                value = record[section][key]
                parameter = dataset.parameter(name)
                if value is None:
                    assert parameter is None, (record["name"], name)
                elif isinstance(value, bool):
                    assert parameter.text == ("yes" if value else "no")
                elif isinstance(value, (int, float)):
                    assert parameter.number == pytest.approx(value), (record["name"], name)
                elif value.startswith(("<", ">")):  # '<18': an open range
                    bound = float(value[1:])
                    assert (parameter.high if value[0] == "<" else parameter.low) == bound
                else:
                    assert parameter.text == value, (record["name"], name)
        assert dataset.start_date.startswith(record["scan"]["date"])
        assert [i.name for i in dataset.instruments] == [record["scan"]["beamline"]]
        assert [t.name for t in dataset.techniques] == [record["scan"]["technique"]]
        assert dataset.investigation.name == record["proposal"]["proposal_number"]
        assert dataset.investigation.title == record["proposal"]["title"]


def test_volumes_keep_source_voxel_size_and_shape(records, catalogue):
    datasets = _by_name(catalogue)
    for record in records:
        volume = datasets[record["name"]].volume
        assert volume.source == record["data"]["gcs_url"]
        assert volume.voxel_size_um == (record["data"]["voxel_size_um"],) * 3
        assert list(volume.shape) == record["data"]["shape"]


def test_registrations_survive(records, catalogue):
    datasets = _by_name(catalogue)
    registered = [r for r in records if r.get("registration")]
    assert len(registered) == 238
    for record in registered:
        registration = datasets[record["name"]].registration
        assert registration.target == record["registration"]["target_dataset"]
        assert list(registration.translation) == pytest.approx(record["registration"]["translation"])
        assert registration.rotation == pytest.approx(record["registration"]["rotation"])
        assert registration.scale == pytest.approx(record["registration"]["scale"])


def test_citations_keep_creators_in_order_with_orcids_and_roles(records, catalogue):
    datasets = _by_name(catalogue)
    for record in records:
        citation = record["citation"]
        assert datasets[record["name"]].description == citation["title"]
        if not citation["doi"]:
            continue
        publication = catalogue.publications[citation["doi"]]
        titles = {r["citation"]["title"] for r in records if r["citation"]["doi"] == citation["doi"]}
        assert publication.title in titles
        assert [p.name for p in publication.creators] == citation["author_list"]
        assert [p.orcid for p in publication.creators] == [c["orcid"] for c in citation["contributors"]]
        assert [list(p.roles) for p in publication.creators] == [c["roles"] for c in citation["contributors"]]


def test_shared_and_missing_dois_stay_as_published(records, catalogue):
    shared = catalogue.publications["10.15151/ESRF-DC-572216900"]
    assert sorted(key.rsplit("/", 1)[1] for key in shared.dataset_keys) == [
        "LADAF-2020-27_lung_left_FSC-A_2.51um_bm05", "LADAF-2020-27_lung_left_FSC-B_2.51um_bm05"]
    without = [r["name"] for r in records if not r["citation"]["doi"]]
    datasets = _by_name(catalogue)
    assert len(without) == 6
    assert all(datasets[name].doi_list == () for name in without)


def test_a_downloaded_wheel_is_a_source_too(tmp_path, records):
    wheel = tmp_path / "hoa_tools-2.0.0-py3-none-any.whl"
    names = sorted(HOA_JSON.glob("*.json"))[:3]
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in names:
            archive.write(path, f"hoa_tools/data/metadata/metadata/{path.name}")
    from_wheel = hoa_snapshot([r for _, r in read_records(wheel)])
    from_folder = hoa_snapshot([json.loads(p.read_text()) for p in names])
    assert snapshot_bytes(from_wheel) == snapshot_bytes(from_folder)


def test_broken_json_names_the_file_and_line(tmp_path):
    (tmp_path / "good.json").write_text((next(HOA_JSON.glob("*.json"))).read_text())
    (tmp_path / "bad.json").write_text('{\n  "name": "x",\n  oops\n}')
    with pytest.raises(SnapshotError, match=r"bad.json:3: not valid JSON"):
        read_records(tmp_path)


def test_a_folder_without_records_is_an_error(tmp_path):
    with pytest.raises(SnapshotError, match="no HOA metadata JSON files"):
        read_records(tmp_path)
