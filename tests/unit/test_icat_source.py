"""The icat source and its SOAP double on a small real dump: python-icat's own ICAT 5 example."""

from __future__ import annotations

import urllib.request
from datetime import datetime, timedelta, timezone

import icat
import icat.exception
import pytest
from lxml import etree

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.icatschema import icat_schema
from builder.catalogue.snapshot import read_snapshot
from builder.errors import HarvestError
from builder.harvest.sources.icat import Backoff, harvest_icat
from builder.harvest.sources.icat_entities import field_text
from builder.harvest.sources.request import HarvestRequest
from tests.conftest import FIXTURES
from tests.doubles.icat_soap import IcatDouble
from tests.doubles.icat_wsdl import NS

EXAMPLE = FIXTURES / "python-icat-example-5.0.xml"
QUICK = Backoff(first=0.01, longest=0.05, jitter=0.01)


@pytest.fixture(scope="module")
def example():
    return read_snapshot(EXAMPLE)


@pytest.fixture(scope="module")
def server(example):
    with IcatDouble(example) as double:
        yield double


@pytest.fixture(scope="module")
def client(server):
    client = icat.Client(server.url, cache=None)
    client.login("anon", {})
    yield client
    client.logout()


def test_the_example_publication_comes_back_with_affiliations_funding_and_related_items(server, example):
    result = harvest_icat(HarvestRequest(server.url, timeout=5), backoff=QUICK)
    assert result.dois == ("DOI:00.0815/pub-00027",)
    harvested, expected = catalogue_from_snapshot(result.snapshot), catalogue_from_snapshot(example)
    publication = harvested.publications["00.0815/pub-00027"]
    assert [a.name for a in publication.creators[0].affiliations] == ["01: Nancy", "02: Chicago"]
    assert publication.fundings[0].funder_name == "American Mathematical Society"
    assert publication.related_items[0].identifier == "http://oeis.org/A000027"
    assert publication == expected.publications["00.0815/pub-00027"]
    assert harvested.datasets == {key: expected.datasets[key] for key in publication.dataset_keys}


def test_publication_users_are_written_inside_their_publication(server):
    snapshot = harvest_icat(HarvestRequest(server.url, timeout=5), backoff=QUICK).snapshot
    assert snapshot.of_kind("dataPublicationUser") == []
    users = snapshot.of_kind("dataPublication")[0].many("users")
    assert [(u.text("fullName"), [a.text("name") for a in u.many("affiliations")]) for u in users] == [
        ("Bourbaki, Nicolas", ["01: Nancy", "02: Chicago"])]


def test_a_doi_with_a_quote_is_asked_for_quoted_and_simply_not_found(server):
    result = harvest_icat(HarvestRequest(server.url, dois=("10.1/o'brien",), timeout=5), backoff=QUICK)
    assert result.dois == () and result.snapshot.entities == []
    assert "o.pid IN ('10.1/o''brien')" in server.queries[-1]


def test_a_since_that_is_no_date_is_refused_before_any_request(server):
    calls = sum(server.calls.values())
    with pytest.raises(HarvestError, match="since: expected an ICAT dateTime .* got 'yesterday'"):
        harvest_icat(HarvestRequest(server.url, since="yesterday"), backoff=QUICK)
    assert sum(server.calls.values()) == calls


@pytest.mark.parametrize("query", [
    "SELECT o FROM Dataset o WHERE o.name LIKE 'e2%'",
    "SELECT COUNT(o) FROM Dataset o",
    "SELECT o FROM Spaceship o",
    "SELECT o FROM Dataset o WHERE o.colour = 'blue'",
    "SELECT o FROM Dataset o JOIN o.name AS n",
    "SELECT o FROM Dataset o WHERE o.name = 'e208945' OR o.name = 'e208947'",
])
def test_the_double_refuses_what_it_cannot_evaluate_with_an_icat_fault(client, query):
    with pytest.raises(icat.exception.ICATParameterError):
        client.search(query)


def test_the_double_answers_what_it_can(client):
    names = [d.name for d in client.search("SELECT o FROM Dataset o WHERE o.complete = 1 ORDER BY o.name DESC")]
    assert names == sorted(names, reverse=True) and names
    found = client.search("SELECT o FROM Dataset o JOIN o.investigation AS i WHERE i.name = '12100409-ST' "
                          "ORDER BY o.id LIMIT 1, 2")
    assert [d.investigation for d in found] == [None, None] and len(found) == 2  # not included, not sent


def test_the_wsdl_offers_every_entity_of_the_icat_5_schema_with_icat_stamps(server, client):
    kinds = set(icat_schema().entity_order)
    assert {name for name in client.typemap if name[0].islower() and name != "entityBaseBean"} >= kinds
    dataset = client.typemap["dataset"]
    assert {"datafiles", "parameters", "datasetTechniques"} <= dataset.InstMRel
    assert {"investigation", "sample", "type"} <= dataset.InstRel
    assert dataset.Constraint == ("investigation", "name")
    assert client.typemap["dataPublication"].Constraint == ("facility", "pid")
    wsdl = etree.parse(urllib.request.urlopen(f"{server.url}/ICATService/ICAT?wsdl", timeout=5))
    assert wsdl.getroot().get("targetNamespace") == NS
    schema = etree.parse(urllib.request.urlopen(f"{server.url}/ICATService/ICAT?xsd=1", timeout=5))
    base = schema.find("{*}complexType[@name='entityBaseBean']")
    assert [e.get("name") for e in base.iter("{*}element")] == ["createId", "createTime", "id", "modId", "modTime"]


def test_field_text_writes_values_as_the_dump_does():
    assert field_text(True) == "true" and field_text(False) == "false"
    assert field_text(datetime(2024, 5, 1, 8, 30)) == "2024-05-01T08:30:00+00:00"
    assert field_text(datetime(2024, 5, 1, 8, 30, tzinfo=timezone(timedelta(hours=2)))) == "2024-05-01T08:30:00+02:00"
    assert field_text(0.1) == "0.1" and field_text(4.0) == "4.0" and field_text(12) == "12"
