"""The icat source, run as a user runs it: python-icat's real Client talking SOAP to a loopback ICAT.

The double serves the embedded snapshot's records; a harvest must read back into the same
records, and meet every fault the double plays by succeeding after retries or failing clearly.
"""

from __future__ import annotations

import shutil
import socket
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.icatschema import xml_schema
from builder.catalogue.snapshot import read_snapshot, snapshot_bytes, write_snapshot
from builder.commands.harvest import HarvestOptions
from builder.commands.harvest import harvest as harvest_command
from builder.errors import HarvestError
from builder.harvest.merge import merge
from builder.harvest.sources.hoa import read_records
from builder.harvest.sources.icat import Backoff, harvest_icat
from builder.harvest.sources.request import HarvestRequest
from tests.conftest import HOA_JSON, REPO, SNAPSHOT
from tests.doubles.icat_soap import IcatDouble
from tests.doubles.icat_store import CREATED

QUICK = Backoff(first=0.01, longest=0.05, jitter=0.01)
LATER = CREATED + timedelta(days=30)


@pytest.fixture(scope="module")
def embedded():
    return read_snapshot(SNAPSHOT)


@pytest.fixture(scope="module")
def embedded_catalogue(embedded):
    return catalogue_from_snapshot(embedded)


@pytest.fixture(scope="module")
def hoa_dois() -> tuple[str, ...]:
    """Real HOA DOIs read from the HOA metadata itself: every 40th, and one several datasets share."""
    by_doi: dict[str, list[str]] = {}
    for _, record in read_records(HOA_JSON):
        if record["citation"]["doi"]:
            by_doi.setdefault(record["citation"]["doi"], []).append(record["name"])
    dois = sorted(by_doi)
    shared = next(doi for doi in dois if len(by_doi[doi]) > 1)
    return tuple(sorted(set(dois[::40]) | {shared}))


@pytest.fixture(scope="module")
def shared_server(embedded):
    with IcatDouble(embedded, accounts={("db", "reader"): "secret"}, slow_seconds=1.5) as double:
        yield double


@pytest.fixture
def icat_server(shared_server):
    """One double for the tests that change nothing on it; a fault a test left unused goes with the test."""
    yield shared_server
    shared_server.clear_faults()


@pytest.fixture
def fresh_server(embedded):
    """A double of its own, for a test that modifies or deletes."""
    with IcatDouble(embedded) as double:
        yield double


def harvest(server: IcatDouble, **options) -> object:
    options.setdefault("timeout", 5.0)
    return harvest_icat(HarvestRequest(server.url, **options), backoff=QUICK)


def test_a_harvest_reads_back_into_the_records_of_the_embedded_snapshot(icat_server, hoa_dois, embedded_catalogue):
    result = harvest(icat_server, dois=hoa_dois)
    harvested = catalogue_from_snapshot(result.snapshot)
    assert result.dois == hoa_dois
    assert sorted(harvested.publications) == list(hoa_dois)
    for doi in hoa_dois:
        publication, expected = harvested.publications[doi], embedded_catalogue.publications[doi]
        assert publication.title == expected.title
        assert [p.name for p in publication.creators] == [p.name for p in expected.creators]
        assert publication == expected  # and everything else: contributors, dates, licence, datasets
        for key in expected.dataset_keys:
            assert harvested.datasets[key].parameters == embedded_catalogue.datasets[key].parameters
            assert harvested.datasets[key] == embedded_catalogue.datasets[key]
    assert any(len(harvested.publications[doi].dataset_keys) > 1 for doi in hoa_dois)


def test_the_snapshot_is_schema_valid_reads_back_and_is_the_same_every_time(icat_server, hoa_dois, tmp_path):
    first, second = harvest(icat_server, dois=hoa_dois[:3]), harvest(icat_server, dois=hoa_dois[:3])
    assert snapshot_bytes(first.snapshot) == snapshot_bytes(second.snapshot)
    path = tmp_path / "harvest.xml"
    write_snapshot(first.snapshot, path)
    assert xml_schema().validate(etree.parse(str(path))), xml_schema().error_log
    again = read_snapshot(path)
    assert again.head.service == icat_server.url and again.head.date == CREATED.isoformat()
    assert sorted(catalogue_from_snapshot(again).publications) == list(hoa_dois[:3])


def test_ids_come_from_natural_keys(icat_server, hoa_dois):
    snapshot = harvest(icat_server, dois=hoa_dois[:1]).snapshot
    ids = {entity.id for entity in snapshot.entities}
    doi = hoa_dois[0].replace("/", "_")
    assert {f"DataPublication_{doi}", f"DataCollection_{doi}", "Facility_ESRF"} <= ids
    dataset = snapshot.of_kind("dataset")[0]
    assert dataset.id == f"Dataset_{dataset.text('name')}"


def test_a_harvest_merged_into_the_embedded_snapshot_replaces_its_entities_and_adds_none(icat_server, hoa_dois,
                                                                                       embedded):
    harvested = harvest(icat_server, dois=hoa_dois).snapshot
    for kind in ("dataset", "investigation", "dataPublication", "dataCollection", "sample"):
        assert {e.id for e in harvested.of_kind(kind)} <= {e.id for e in embedded.of_kind(kind)}, kind
    merged = merge(embedded, harvested, sorted(catalogue_from_snapshot(embedded).publications), None,
                   harvested.head).snapshot
    assert len(merged.of_kind("dataset")) == len(embedded.of_kind("dataset"))
    assert catalogue_from_snapshot(merged).datasets.keys() == catalogue_from_snapshot(embedded).datasets.keys()


def test_two_datasets_sharing_a_name_stop_the_harvest_naming_both_investigations(embedded, hoa_dois):
    snapshot = read_snapshot(SNAPSHOT)
    catalogue = catalogue_from_snapshot(snapshot)
    first, other = (next(d for d in catalogue.datasets.values() if doi in d.doi_list) for doi in hoa_dois[:2])
    assert first.investigation.name != other.investigation.name
    renamed = next(e for e in snapshot.of_kind("dataset") if e.text("name") == other.name)
    renamed.values["name"] = first.name
    with IcatDouble(snapshot) as double, pytest.raises(HarvestError) as raised:
        harvest(double, dois=hoa_dois[:2])
    message = str(raised.value)
    assert f"two datasets are named {first.name}," in message
    assert first.investigation.name in message and other.investigation.name in message


def test_a_request_by_investigation_gets_every_doi_of_its_datasets(icat_server, embedded_catalogue):
    wanted = {doi for doi, publication in embedded_catalogue.publications.items()
              if any(embedded_catalogue.datasets[key].investigation.name == "md1290"
                     for key in publication.dataset_keys)}
    result = harvest(icat_server, investigations=("md1290",), since=LATER.isoformat())
    assert set(result.dois) == wanted and len(wanted) > 1


def test_with_nothing_selected_every_doi_is_listed(icat_server, embedded_catalogue):
    result = harvest(icat_server, since=LATER.isoformat())  # nothing changed since: the list alone
    assert result.dois == tuple(sorted(embedded_catalogue.publications))
    assert len(result.dois) == len(set(result.dois)) == 431
    assert result.snapshot.entities == [] and result.snapshot.head.date == LATER.isoformat()


def test_since_brings_only_what_changed_and_still_every_doi(fresh_server, hoa_dois, embedded_catalogue):
    changed_title, changed_dataset, unchanged = hoa_dois[0], hoa_dois[1], hoa_dois[2:]
    assert fresh_server.touch("DataPublication", LATER, pid=changed_title) == 1
    dataset_name = embedded_catalogue.datasets[embedded_catalogue.publications[changed_dataset].dataset_keys[0]].name
    assert fresh_server.touch("Dataset", LATER + timedelta(hours=1), name=dataset_name) == 1
    result = harvest(fresh_server, dois=hoa_dois, since=(CREATED + timedelta(days=1)).isoformat())
    assert result.dois == hoa_dois
    assert sorted(catalogue_from_snapshot(result.snapshot).publications) == sorted([changed_title, changed_dataset])
    assert not {e.text("pid") for e in result.snapshot.of_kind("dataPublication")} & set(unchanged)
    assert result.snapshot.head.date == (LATER + timedelta(hours=1)).isoformat()


def test_a_deleted_publication_is_missing_from_the_doi_list(fresh_server, hoa_dois):
    assert fresh_server.delete("DataPublication", pid=hoa_dois[0]) == 1
    result = harvest(fresh_server, dois=hoa_dois, since=LATER.isoformat())
    assert result.dois == hoa_dois[1:]


# ---------------------------------------------------------------- faults


@pytest.mark.parametrize("fault, operation", [
    *((fault, operation) for fault in ("http500", "reset", "slow", "truncated") for operation in ("search", "wsdl")),
    ("internal", "search"),
])
def test_a_transient_fault_is_retried_until_the_harvest_succeeds(icat_server, hoa_dois, fault, operation):
    before = icat_server.calls[operation]
    icat_server.inject(fault, times=2, operation=operation)
    # a timeout well within the double's 1.5 s "slow", and well past a busy machine's normal answer
    result = harvest(icat_server, dois=hoa_dois[:2], timeout=1.0, retries=2)
    assert result.dois == hoa_dois[:2]
    assert sorted(catalogue_from_snapshot(result.snapshot).publications) == list(hoa_dois[:2])
    # two failed, then answered: the three searches of a harvest, or the WSDL and its XSD
    assert icat_server.calls[operation] - before == 2 + (3 if operation == "search" else 2)


@pytest.mark.parametrize("fault, reason", [
    ("http500", "HTTP 500 Internal Server Error"),
    ("reset", "Connection reset by peer"),
    ("slow", "no answer within the timeout"),
    ("truncated", "the answer is not well-formed XML"),
    ("internal", "ICATInternalError: Connection to the database was lost"),
])
def test_a_fault_that_lasts_fails_with_the_server_and_the_reason(icat_server, hoa_dois, fault, reason):
    icat_server.inject(fault, times=3, operation="search")
    with pytest.raises(HarvestError) as raised:
        harvest(icat_server, dois=hoa_dois[:1], timeout=0.5, retries=2)
    message = str(raised.value)
    assert message.startswith(icat_server.url) and "searching DataPublication failed after 3 attempts" in message
    assert reason in message


def test_a_client_error_is_reported_at_once_without_retrying(icat_server, hoa_dois):
    before = icat_server.calls["search"]
    icat_server.inject("forbidden", times=1, operation="search")
    with pytest.raises(HarvestError, match="searching DataPublication failed: HTTP 403 Forbidden"):
        harvest(icat_server, dois=hoa_dois[:1])
    assert icat_server.calls["search"] - before == 1


def test_an_expired_session_is_renewed_once(icat_server, hoa_dois):
    logins = icat_server.calls["login"]
    icat_server.inject("session", times=1, operation="search")
    assert harvest(icat_server, dois=hoa_dois[:1]).dois == hoa_dois[:1]
    assert icat_server.calls["login"] - logins == 2


def test_a_session_that_expires_again_fails_clearly(icat_server, hoa_dois):
    icat_server.inject("session", times=2, operation="search")
    with pytest.raises(HarvestError, match="the session expired again right after a new login"):
        harvest(icat_server, dois=hoa_dois[:1])


# ---------------------------------------------------------------- logins


def test_a_configured_login_harvests(icat_server, hoa_dois):
    result = harvest(icat_server, dois=hoa_dois[:1], username="reader", password="secret", authenticator="db")
    assert result.dois == hoa_dois[:1]


@pytest.mark.parametrize("username, password, authenticator, reason", [
    ("reader", "wrong", "db", "The username and password do not match"),
    ("reader", "secret", "ldap", "Authenticator mnemonic ldap not recognised"),
])
def test_bad_credentials_fail_clearly(icat_server, username, password, authenticator, reason):
    logins = icat_server.calls["login"]
    with pytest.raises(HarvestError) as raised:
        harvest(icat_server, username=username, password=password, authenticator=authenticator)
    assert f"the login as 'reader' with authenticator '{authenticator}' was refused: {reason}" in str(raised.value)
    assert icat_server.calls["login"] - logins == 1  # a refused login is not retried


def test_a_server_that_is_not_there_fails_after_the_retries():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(HarvestError) as raised:
        harvest_icat(HarvestRequest(url, retries=1, timeout=1.0), backoff=QUICK)
    assert str(raised.value).startswith(f"{url}: ICAT: reading the WSDL and entity types failed after 2 attempts")
    assert "Connection refused" in str(raised.value)


def test_head_date_is_the_newest_modification_in_utc(fresh_server, hoa_dois):
    when = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    fresh_server.touch("DataPublication", when, pid=hoa_dois[0])
    result = harvest(fresh_server, dois=hoa_dois[:2])
    assert result.snapshot.head.date == "2026-03-01T10:30:00+00:00"


@pytest.mark.parametrize("fault, reason", [
    ("http500", "HTTP 500 Internal Server Error"),
    ("reset", "Connection reset by peer"),
    ("slow", "no answer within the timeout"),
    ("truncated", "the answer is not well-formed XML"),
    ("internal", "ICATInternalError"),
])
def test_a_failed_harvest_command_leaves_the_previous_snapshot_as_it_was(icat_server, tmp_path, fault, reason):
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    snapshot = tmp_path / "catalogue" / "esrf-public.xml"
    snapshot.parent.mkdir()
    shutil.copy(SNAPSHOT, snapshot)
    icat_server.inject(fault, times=100, operation="search")
    with pytest.raises(HarvestError) as raised:
        harvest_command(HarvestOptions(source="icat", url=icat_server.url, project=tmp_path, timeout=0.5, retries=1))
    assert reason in str(raised.value)
    assert snapshot.read_bytes() == SNAPSHOT.read_bytes()
    assert [p.name for p in snapshot.parent.iterdir()] == ["esrf-public.xml"]  # no temporary file left
