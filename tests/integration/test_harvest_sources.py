"""The file sources (an ICAT dump, a folder of HOA metadata) and what the collection schemas select."""

from __future__ import annotations

import json
import shutil

import pytest
from lxml import etree

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.icatschema import xml_schema
from builder.catalogue.snapshot import read_snapshot
from builder.commands.harvest import HarvestOptions, harvest, selection
from builder.errors import ConfigError, HarvestError
from scripts.import_hoa_metadata import main as import_hoa
from tests.conftest import FIXTURES, HOA_JSON, REPO, SNAPSHOT

EXAMPLE = FIXTURES / "python-icat-example-5.0.xml"


@pytest.fixture
def embedded(tmp_path):
    """A project with the repository's collections and a copy of the embedded snapshot."""
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    (tmp_path / "catalogue").mkdir()
    shutil.copy(SNAPSHOT, tmp_path / "catalogue" / "esrf-public.xml")
    return tmp_path


def test_merging_a_dump_adds_its_doi_and_keeps_every_other(embedded):
    report = harvest(HarvestOptions(source="dump", url=str(EXAMPLE), project=embedded))
    path = embedded / "catalogue" / "esrf-public.xml"
    assert report.changes.new == ("00.0815/pub-00027",) and report.changes.removed == ()
    merged, before = catalogue_from_snapshot(read_snapshot(path)), catalogue_from_snapshot(read_snapshot(SNAPSHOT))
    assert set(merged.publications) == set(before.publications) | {"00.0815/pub-00027"}
    assert set(before.datasets) < set(merged.datasets)
    assert xml_schema().validate(etree.parse(str(path))), xml_schema().error_log


def test_merging_the_same_dump_twice_writes_nothing_the_second_time(embedded):
    options = HarvestOptions(source="dump", url=str(EXAMPLE), project=embedded)
    harvest(options)
    path = embedded / "catalogue" / "esrf-public.xml"
    before = path.read_bytes()
    again = harvest(options)
    assert not again.written and not again.changes and path.read_bytes() == before


def test_the_hoa_source_makes_what_the_importer_makes(tmp_path):
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    harvested = tmp_path / "harvested.xml"
    report = harvest(HarvestOptions(source="hoa", url=str(HOA_JSON), project=tmp_path, snapshot=harvested))
    assert len(report.changes.new) == 369
    assert import_hoa([str(HOA_JSON), "-o", str(tmp_path / "imported.xml")]) == 0
    ours, theirs = (catalogue_from_snapshot(read_snapshot(p)) for p in (harvested, tmp_path / "imported.xml"))
    assert ours.datasets == theirs.datasets and ours.publications == theirs.publications


def test_a_broken_hoa_record_names_its_file_and_leaves_the_snapshot(embedded, tmp_path):
    folder = tmp_path / "hoa"
    shutil.copytree(HOA_JSON, folder)
    broken = sorted(folder.glob("*.json"))[3]
    broken.write_text(broken.read_text()[:500])
    with pytest.raises(HarvestError, match=f"{broken.name}:[0-9]+: not valid JSON"):
        harvest(HarvestOptions(source="hoa", url=str(folder), project=embedded))
    assert (embedded / "catalogue" / "esrf-public.xml").read_bytes() == SNAPSHOT.read_bytes()


def test_a_missing_dump_is_an_error_naming_it(embedded):
    with pytest.raises(HarvestError, match="nowhere.xml: snapshot file not found"):
        harvest(HarvestOptions(source="dump", url=str(embedded / "nowhere.xml"), project=embedded))


def test_file_sources_need_a_url_and_sources_must_exist(embedded):
    with pytest.raises(HarvestError, match="the dump source needs --url"):
        harvest(HarvestOptions(source="dump", project=embedded))
    with pytest.raises(HarvestError, match="unknown source 'icatx': expected one of dump, hoa, icat, icatplus"):
        harvest(HarvestOptions(source="icatx", project=embedded))


def _collection(folder, name, select: str) -> None:
    text = (REPO / "collections" / "hoa.yml").read_text(encoding="utf-8")
    start = text.index("select:\n")
    end = text.index("\n\n", start)
    (folder / f"{name}.yml").write_text(text[:start] + select + text[end:], encoding="utf-8")


def test_the_selection_is_the_union_of_the_collections_dois_and_proposals(tmp_path):
    _collection(tmp_path, "one", 'select:\n  dois: ["https://doi.org/10.1/B", "10.1/a"]')
    _collection(tmp_path, "two", "select:\n  investigations: [md1373]\n  dois: [10.1/a]")
    assert selection(tmp_path) == (("10.1/B", "10.1/a"), ("md1373",))


def test_one_collection_selecting_by_technique_needs_every_doi(tmp_path):
    _collection(tmp_path, "one", "select:\n  dois: [10.1/a]")
    shutil.copy(REPO / "collections" / "hoa.yml", tmp_path / "hoa.yml")
    assert selection(tmp_path) == ((), ())


def test_a_bad_collection_stops_the_harvest_with_its_line(tmp_path):
    _collection(tmp_path, "one", "select:\n  doi: [10.1/a]")
    with pytest.raises(ConfigError, match=r"one.yml:1[0-9]:[0-9]+: select.doi"):
        selection(tmp_path)


def test_the_report_file_lists_the_changes(embedded):
    report = embedded / "out" / "report.json"
    harvest(HarvestOptions(source="dump", url=str(EXAMPLE), project=embedded, report=report))
    written = json.loads(report.read_text())
    assert written["new"] == ["00.0815/pub-00027"] and written["changed"] == [] and written["removed"] == []
    assert written["written"] is True and written["service"] == str(EXAMPLE)
