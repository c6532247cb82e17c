"""Harvesting ICAT+ (a loopback double serving the HOA records) into a snapshot: fidelity, increments, faults."""

from __future__ import annotations

import json
import shutil

import pytest
from lxml import etree

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.icatschema import xml_schema
from builder.catalogue.snapshot import read_snapshot
from builder.cli import main
from builder.commands.harvest import HarvestOptions, harvest
from builder.errors import HarvestError
from builder.harvest.sources.hoa import hoa_snapshot, read_records
from tests.conftest import HOA_JSON, REPO, SNAPSHOT
from tests.doubles.icatplus import IcatPlusDouble

SHARED = "10.15151/ESRF-DC-572216900"  # a DOI of two datasets
SELECTED = (SHARED, "10.15151/ESRF-DC-1634390196", "10.15151/ESRF-DC-1659198604")


@pytest.fixture(scope="module")
def hoa():
    return hoa_snapshot([record for _, record in read_records(HOA_JSON)])


@pytest.fixture
def double(hoa):
    served = IcatPlusDouble(hoa, slow_seconds=1.5)
    yield served
    served.close()


@pytest.fixture
def few(tmp_path):
    """A project whose one collection selects three DOIs by name."""
    (tmp_path / "collections").mkdir()
    text = (REPO / "collections" / "hoa.yml").read_text(encoding="utf-8")
    dois = ", ".join(f'"{doi}"' for doi in SELECTED)
    (tmp_path / "collections" / "hoa.yml").write_text(text.replace("select:\n", f"select:\n  dois: [{dois}]\n", 1))
    return tmp_path


def _options(double, project, **more):
    return HarvestOptions(source="icatplus", url=double.url, project=project,
                          snapshot=project / "catalogue" / "snapshot.xml", **more)


def _facts(catalogue):
    """What a visitor sees of each dataset: its parameters, sample, DOIs, volume, beamline and technique."""
    return {d.name: (dict((k, p.value) for k, p in d.parameters.items()),
                     dict((k, p.value) for k, p in d.sample.parameters.items()) if d.sample else None,
                     d.doi_list, d.volume.source if d.volume else None, d.description,
                     [i.name for i in d.instruments], [t.name for t in d.techniques], d.investigation.title)
            for d in catalogue.datasets.values()}


def _citations(catalogue):
    """DataCite has no CRediT roles: the rest of a citation must survive."""
    return {doi: (p.title, [(c.name, c.orcid, c.is_organisation) for c in p.creators], p.licence, p.dates,
                  p.publisher)
            for doi, p in catalogue.publications.items()}


def test_a_full_harvest_holds_every_hoa_doi_and_its_datasets_with_the_same_facts(double, hoa, tmp_path):
    """ICAT+ serves the public, DOI-registered data: the six HOA records without a DOI are not in it."""
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    report = harvest(_options(double, tmp_path))
    path = tmp_path / "catalogue" / "snapshot.xml"
    assert xml_schema().validate(etree.parse(str(path))), xml_schema().error_log
    harvested, expected = catalogue_from_snapshot(read_snapshot(path)), catalogue_from_snapshot(hoa)
    assert len(harvested.datasets) == 372 and len(harvested.publications) == 369
    assert _facts(harvested) == {name: facts for name, facts in _facts(expected).items() if facts[2]}
    assert _citations(harvested) == _citations(expected)
    assert len(report.changes.new) == 369 and report.written
    assert read_snapshot(path).head.service == double.url


def test_harvesting_into_the_embedded_snapshot_replaces_the_hoa_entities_and_keeps_the_rest(double, few, tmp_path):
    target = few / "catalogue" / "snapshot.xml"
    target.parent.mkdir()
    shutil.copy(SNAPSHOT, target)
    report = harvest(_options(double, few))
    assert report.changes.new == () and report.changes.removed == ()
    merged, before = catalogue_from_snapshot(read_snapshot(target)), catalogue_from_snapshot(read_snapshot(SNAPSHOT))
    assert set(merged.publications) == set(before.publications)
    assert _facts(merged) == _facts(before)
    assert _citations(merged).keys() == _citations(before).keys()
    assert all(_citations(merged)[doi][4] == "European Synchrotron Radiation Facility" for doi in SELECTED)


def test_a_second_harvest_with_nothing_new_asks_only_for_the_list_and_writes_nothing(double, few):
    first = harvest(_options(double, few))
    path = few / "catalogue" / "snapshot.xml"
    before = path.read_bytes()
    assert sorted(first.changes.new) == sorted(SELECTED)
    double.paths.clear()
    second = harvest(_options(double, few))
    assert not second.changes and not second.written
    assert path.read_bytes() == before
    assert second.since == first.date
    assert not [p for p in double.paths if p.startswith("/doi/")]


def test_a_changed_doi_is_fetched_alone_and_reported_as_changed(double, few):
    harvest(_options(double, few))
    double.retitle(SHARED, "Lungs of donor A, corrected title", "2026-03-01T12:00:00+00:00")
    double.paths.clear()
    report = harvest(_options(double, few), )
    assert report.changes.changed == (SHARED,) and report.changes.new == () and report.changes.removed == ()
    assert {p.split("?")[0] for p in double.paths if p.startswith("/doi/")} == {
        f"/doi/{SHARED}/json-datacite", f"/doi/{SHARED}/datasets"}
    catalogue = catalogue_from_snapshot(read_snapshot(few / "catalogue" / "snapshot.xml"))
    assert catalogue.publications[SHARED].title == "Lungs of donor A, corrected title"
    assert catalogue.date == "2026-03-01T12:00:00+00:00"
    assert len(catalogue.publications) == 3


def test_a_withdrawn_doi_is_removed_with_its_datasets(double, few):
    harvest(_options(double, few))
    path = few / "catalogue" / "snapshot.xml"
    shared_datasets = {k for k in catalogue_from_snapshot(read_snapshot(path)).publications[SHARED].dataset_keys}
    double.withdraw(SHARED)
    report = harvest(_options(double, few), )
    assert report.changes.removed == (SHARED,)
    catalogue = catalogue_from_snapshot(read_snapshot(path))
    assert SHARED not in catalogue.publications and len(catalogue.publications) == 2
    assert not shared_datasets & set(catalogue.datasets)
    assert xml_schema().validate(etree.parse(str(path)))


def test_a_newly_published_doi_is_reported_as_new(double, few):
    double.withdraw(SHARED)
    first = harvest(_options(double, few))
    assert SHARED not in first.changes.new and len(first.changes.new) == 2
    double.publish(SHARED, "2026-02-20T08:30:00+00:00")
    report = harvest(_options(double, few))
    assert report.changes.new == (SHARED,) and report.changes.changed == ()
    assert report.date == "2026-02-20T08:30:00+00:00"
    catalogue = catalogue_from_snapshot(read_snapshot(few / "catalogue" / "snapshot.xml"))
    assert len(catalogue.publications[SHARED].dataset_keys) == 2


def test_collections_selecting_a_proposal_harvest_its_dois_only(double, hoa, tmp_path):
    (tmp_path / "collections").mkdir()
    text = (REPO / "collections" / "hoa.yml").read_text(encoding="utf-8")
    (tmp_path / "collections" / "hoa.yml").write_text(text.replace("select:\n",
                                                                   "select:\n  investigations: [md1373]\n"))
    report = harvest(_options(double, tmp_path))
    expected = {p.text("pid") for p in hoa.of_kind("dataPublication")
                if any(hoa.by_id[hoa.by_id[link.ref("dataset").id].ref("investigation").id].text("name") == "md1373"
                       for link in hoa.by_id[p.ref("content").id].many("dataCollectionDatasets"))}
    assert set(report.changes.new) == expected and len(expected) == 1


def test_the_same_harvest_writes_the_same_bytes(double, few, tmp_path):
    harvest(_options(double, few))
    other = tmp_path / "again.xml"
    harvest(HarvestOptions(source="icatplus", url=double.url, project=few, snapshot=other))
    assert other.read_bytes() == (few / "catalogue" / "snapshot.xml").read_bytes()


@pytest.mark.parametrize("fault", ["500", "reset", "slow", "truncated"])
def test_passing_faults_are_retried_and_the_harvest_succeeds(double, few, fault, caplog):
    double.fail(fault, route="/datasets", times=2)
    report = harvest(_options(double, few, timeout=0.5))
    assert sorted(report.changes.new) == sorted(SELECTED)
    assert sum("/datasets" in p for p in double.paths) == len(SELECTED) + 2
    retries = [r.getMessage() for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) == 2 and all("/datasets?skip=0&limit=100" in message for message in retries)


@pytest.mark.parametrize("fault, message", [
    ("500", "HTTP 500"), ("reset", "connection failed"), ("slow", "no answer within 0.5 s"),
    ("truncated", "not complete JSON"),
])
def test_lasting_faults_fail_clearly_and_leave_the_snapshot_as_it_was(double, few, fault, message):
    harvest(_options(double, few))
    path = few / "catalogue" / "snapshot.xml"
    before = path.read_bytes()
    double.retitle(SHARED, "A title that never arrives", "2026-03-01T12:00:00+00:00")
    double.fail(fault, route="/json-datacite", times=100)
    with pytest.raises(HarvestError) as caught:
        harvest(_options(double, few, timeout=0.5, retries=2))
    assert message in str(caught.value) and f"/doi/{SHARED}/json-datacite" in str(caught.value)
    assert "gave up after 3 tries" in str(caught.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["snapshot.xml"]


def test_an_answer_of_the_wrong_shape_is_an_error_not_an_empty_list(double, few):
    double.answer_instead("/datacollection", {"message": "maintenance"})
    with pytest.raises(HarvestError, match=r"/catalogue/\{sessionId\}/datacollection: expected a JSON list of objects, "
                                           r"got dict"):
        harvest(_options(double, few))
    assert not (few / "catalogue" / "snapshot.xml").exists()


def test_an_item_the_icat_plus_model_rejects_names_the_route(double, few):
    broken = {key: value for key, value in double.doi_datasets[SHARED][0].items() if key != "investigation"}
    double.answer_instead(f"/doi/{SHARED}/datasets", [broken])
    with pytest.raises(HarvestError, match=f"/doi/{SHARED}/datasets: an answer does not match ICAT\\+'s Dataset"):
        harvest(_options(double, few))


def test_an_expired_session_is_renewed_once(double, few):
    double.fail("expire", route="/samples", times=1)
    report = harvest(_options(double, few))
    assert len(report.changes.new) == 3 and double.logins == 2


def test_a_session_that_keeps_expiring_fails_with_the_403(double, few):
    double.fail("expire", route="/samples", times=100)
    with pytest.raises(HarvestError, match=r"HTTP 403 Session not found or expired"):
        harvest(_options(double, few))
    assert double.logins == 2
    assert not (few / "catalogue" / "snapshot.xml").exists()


def test_wrong_credentials_are_reported_without_retrying(double, few):
    with pytest.raises(HarvestError, match=r"/session: the service refused the request: HTTP 403 Authentication"):
        harvest(_options(double, few, username="someone", password="wrong"))
    assert double.paths == ["/session"]


def test_the_command_writes_the_report_and_exits_0_then_1_on_failure(double, few, capsys):
    report = few / "changes.json"
    snapshot = few / "catalogue" / "snapshot.xml"
    arguments = ["harvest", "--source", "icatplus", "--url", double.url, "--project", str(few),
                 "--snapshot", str(snapshot), "--report", str(report), "--quiet"]
    assert main(arguments) == 0
    written = json.loads(report.read_text())
    assert sorted(written["new"]) == sorted(SELECTED) and written["changed"] == [] and written["removed"] == []
    assert main(arguments) == 0  # nothing new is no failure
    assert json.loads(report.read_text())["new"] == []
    double.fail("500", times=100)
    before = snapshot.read_bytes()
    assert main(arguments + ["--retries", "1"]) == 1
    error = capsys.readouterr().err
    assert "HTTP 500" in error and "the previous snapshot is unchanged" in error
    assert snapshot.read_bytes() == before
