"""`atlasgen export datacite` over the real snapshot: one valid XML and JSON per DOI, bad records reported."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from datacite import schema45
from lxml import etree

from builder.cli import main
from tests.conftest import REPO, SNAPSHOT
from tests.integration.test_build_hoa import tree_hashes
from tests.unit.test_datacite import NS, hoa_citations, kernel_xsd

NO_CREATORS = "10.15151/ESRF-DC-1634390196"
BAD_ORCID = "10.15151/ESRF-DC-1659198604"
PATH_DOI_BEFORE = "10.15151/ESRF-DC-1659198612"
PATH_DOI = "10.15151/ESRF:DC/<1659198612>&%"
PATH_DOI_FILE = "10.15151/ESRF%3ADC%2F%3C1659198612%3E%26%25"
NON_ASCII_HOA = "10.15151/ESRF-DC-572216900"
TITLE = "Cœur d'un donneur — 心臓 — Ünïcødé ✓ 𝔘 <b>&</b>"
BELLIER = "User_orcid_0000-0003-0907-0315"
WRONG_CHECK_DIGIT = "0000-0003-0907-0316"


def export(*arguments: str) -> int:
    return main(["export", "datacite", *arguments])


def bad_snapshot(target: Path) -> Path:
    """The embedded snapshot where one HOA DOI lost its creators, one has a creator with a wrong ORCID check digit,
    one has a DOI with characters a path cannot hold, and one a non-ASCII title."""
    tree = etree.parse(str(SNAPSHOT))
    root = tree.getroot()
    publications = {p.findtext("pid"): p for p in root.iterfind("data/dataPublication")}
    for users in publications[NO_CREATORS].findall("users"):
        publications[NO_CREATORS].remove(users)
    wrong = etree.Element("user", id="User_wrong_orcid")
    for tag, text in (("familyName", "Bellier"), ("fullName", "Alexandre Bellier"), ("givenName", "Alexandre"),
                      ("name", "orcid/wrong"), ("orcidId", WRONG_CHECK_DIGIT)):
        etree.SubElement(wrong, tag).text = text
    root.find("data").insert(0, wrong)
    for ref in publications[BAD_ORCID].iterfind(f"users/user[@ref='{BELLIER}']"):
        ref.set("ref", "User_wrong_orcid")
    publications[PATH_DOI_BEFORE].find("pid").text = PATH_DOI
    publications[NON_ASCII_HOA].find("title").text = TITLE
    tree.write(str(target), xml_declaration=True, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def hoa_export(tmp_path_factory) -> tuple[Path, int]:
    out = tmp_path_factory.mktemp("hoa") / "datacite"
    return out, export("--collection", "hoa", "--out", str(out), "--no-cache")


def test_every_hoa_doi_has_a_valid_xml_and_json_file(hoa_export):
    out, status = hoa_export
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == ["10.15151"]
    assert sorted(p.name for p in (out / "10.15151").iterdir()) == sorted(
        f"{doi.split('/')[1]}.{kind}" for doi in hoa_citations() for kind in ("json", "xml"))
    for doi in hoa_citations():
        stem = out / f"{doi}"
        data = json.loads(stem.with_name(stem.name + ".json").read_text(encoding="utf-8"))
        assert schema45.validate(data)
        assert data["doi"] == doi
        root = etree.parse(str(stem.with_name(stem.name + ".xml"))).getroot()
        kernel_xsd().assertValid(root)
        assert root.findtext("d:identifier", namespaces=NS) == doi
        assert [t["title"] for t in data["titles"]] == [t.text for t in root.iterfind("d:titles/d:title", NS)]


def test_the_report_counts_the_valid_records(tmp_path, capsys):
    assert export("--collection", "hoa", "--out", str(tmp_path / "out"), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["valid"], report["invalid"], report["problems"]) == (369, [], [])


def test_the_report_names_each_doi_whose_year_comes_from_another_date(tmp_path, capsys):
    assert export("--collection", "hoa", "--out", str(tmp_path / "out"), "--json") == 0
    derived = json.loads(capsys.readouterr().out)["derived_years"]
    scans = {doi: max(c["scan_date"] for c in citations)[:4] for doi, citations in hoa_citations().items()}
    assert {entry["doi"]: (entry["year"], entry["from"]) for entry in derived} == {
        doi: (int(year), "Collected") for doi, year in scans.items()}
    assert export("--collection", "hoa", "--out", str(tmp_path / "again")) == 0
    printed = capsys.readouterr().out
    assert "10.15151/ESRF-DC-1634390196: publicationYear: 2022, from its Collected date " \
           "(site_config/doi.yml: landing.derived_year)" in printed.splitlines()


def test_without_a_year_rule_no_year_is_invented_and_nothing_is_exported(project, tmp_path, capsys):
    doi_site = project / "site_config/doi.yml"
    doi_site.write_text(re.sub(r"  derived_year: .*\n", "", doi_site.read_text()))
    assert export("--project", str(project), "--collection", "hoa", "--out", str(tmp_path / "out"), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert len(report["invalid"]) == 369 and report["derived_years"] == []
    assert {p["path"] for p in report["problems"]} == {"publicationYear"}


def test_exporting_twice_gives_identical_bytes(hoa_export, tmp_path):
    out, _ = hoa_export
    assert export("--collection", "hoa", "--out", str(tmp_path / "again")) == 0
    assert tree_hashes(tmp_path / "again") == tree_hashes(out)


def test_the_whole_snapshot_exports_what_is_valid_and_names_what_is_not(tmp_path, capsys):
    out = tmp_path / "all"
    assert export("--out", str(out)) == 1
    printed = capsys.readouterr().out
    # The poster's burrow DOI has neither creators nor a date in the snapshot: the poster shows none.
    assert "10.15151/ESRF-DC-1634314047: creators: no creators: DataCite needs at least one" in printed.splitlines()
    assert "10.15151/ESRF-DC-1634314047: publicationYear: no publication date" in printed
    assert "430 valid DataCite records" in printed and "1 invalid, not exported" in printed
    assert (out / "10.99999/EXAMPLE-CH-01.xml").is_file()  # the examples name an example team
    assert not (out / "10.15151/ESRF-DC-1634314047.json").exists()
    assert len(list(out.rglob("*.json"))) == len(list(out.rglob("*.xml"))) == 430


def test_bad_input_is_reported_and_loses_only_the_invalid_doi(project, tmp_path, capsys):
    snapshot = bad_snapshot(tmp_path / "bad.xml")
    out = tmp_path / "datacite"
    assert export("--project", str(project), "--snapshot", str(snapshot), "--collection", "hoa",
                  "--out", str(out)) == 1
    printed = capsys.readouterr().out.splitlines()
    assert f"{NO_CREATORS}: creators: no creators: DataCite needs at least one" in printed
    assert (f"{BAD_ORCID}: creators[1].nameIdentifiers[0]: '{WRONG_CHECK_DIGIT}' of Alexandre Bellier is not a valid "
            "ORCID iD (format or check digit); left out") in printed
    assert "368 valid DataCite records -> " + str(out.resolve()) in printed
    assert not out.joinpath(f"{NO_CREATORS}.json").exists() and not out.joinpath(f"{NO_CREATORS}.xml").exists()

    with_bad_orcid = json.loads(out.joinpath(f"{BAD_ORCID}.json").read_text(encoding="utf-8"))
    bellier = with_bad_orcid["creators"][1]
    assert (bellier["name"], "nameIdentifiers" in bellier) == ("Bellier, Alexandre", False)
    assert schema45.validate(with_bad_orcid)
    assert WRONG_CHECK_DIGIT not in out.joinpath(f"{BAD_ORCID}.xml").read_text(encoding="utf-8")

    path_doi = etree.parse(str(out / f"{PATH_DOI_FILE}.xml")).getroot()
    assert path_doi.findtext("d:identifier", namespaces=NS) == PATH_DOI
    assert json.loads((out / f"{PATH_DOI_FILE}.json").read_text(encoding="utf-8"))["doi"] == PATH_DOI
    assert sorted(p.name for p in out.iterdir()) == ["10.15151"]  # nothing escaped its folder

    non_ascii = out / f"{NON_ASCII_HOA}.json"
    assert TITLE.encode("utf-8") in non_ascii.read_bytes()
    assert json.loads(non_ascii.read_text(encoding="utf-8"))["titles"] == [{"title": TITLE}]
    xml = etree.parse(str(out / f"{NON_ASCII_HOA}.xml")).getroot()
    assert xml.findtext("d:titles/d:title", namespaces=NS) == TITLE
    kernel_xsd().assertValid(xml)


def test_a_doi_that_becomes_invalid_loses_its_old_files(project, tmp_path_factory):
    work = tmp_path_factory.mktemp("work")
    out = work / "datacite"
    assert export("--collection", "hoa", "--out", str(out)) == 0
    assert out.joinpath(f"{NO_CREATORS}.xml").exists()
    (out / "stale.txt").write_text("from an older export")
    snapshot = bad_snapshot(work / "bad.xml")
    assert export("--project", str(project), "--snapshot", str(snapshot), "--collection", "hoa",
                  "--out", str(out)) == 1
    assert not out.joinpath(f"{NO_CREATORS}.xml").exists()
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in work.iterdir()) == ["bad.xml", "datacite"]  # no temporary folder left


def test_an_unknown_collection_is_an_error_and_writes_nothing(tmp_path, capsys):
    assert export("--collection", "hoa-typo", "--out", str(tmp_path / "out")) == 1
    error = capsys.readouterr().err
    assert "no collection 'hoa-typo'; collections here: cultural-heritage, hoa, paleo, structural-biology" in error
    assert list(tmp_path.iterdir()) == []


def test_the_landing_pages_still_build_from_the_bad_snapshot(project, tmp_path):
    snapshot = bad_snapshot(tmp_path / "bad.xml")
    assert main(["build", "hoa", "--project", str(project), "--snapshot", str(snapshot),
                 "--out", str(tmp_path / "site"), "--quiet", "--no-cache"]) == 0
    page = (tmp_path / "site/hoa/doi" / NO_CREATORS / "index.html").read_text(encoding="utf-8")
    assert NO_CREATORS in page
    heart = (tmp_path / "site/hoa/doi" / NON_ASCII_HOA / "index.html").read_text(encoding="utf-8")
    assert "Cœur d&#39;un donneur — 心臓 — Ünïcødé ✓ 𝔘 &lt;b&gt;&amp;&lt;/b&gt;" in heart


def test_every_option_is_documented(capsys):
    with pytest.raises(SystemExit):
        export("--help")
    options = set(re.findall(r"--[a-z-]+", capsys.readouterr().out)) - {"--help"}
    assert options
    documented = set(re.findall(r"`(--[a-z-]+)", (REPO / "docs/exports.md").read_text()))
    assert options - documented == set()
    assert "atlasgen export datacite" in (REPO / "README.md").read_text()
