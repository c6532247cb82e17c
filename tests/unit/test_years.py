"""One publication year per DOI, by the site config's rule: everywhere, only in DataCite, or nowhere."""

from __future__ import annotations

import json
import re

import pytest

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.snapshot import read_snapshot
from builder.config.sites import load_site
from builder.render.context import PageLinks
from builder.render.landing import LandingInputs, doi_page, export_files
from tests.conftest import SNAPSHOT

HEART = "10.15151/ESRF-DC-1634390196"  # scanned (Collected) 2022-04-04, no publication date


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_from_snapshot(read_snapshot(SNAPSHOT))


def outputs(project, catalogue, rule: str) -> tuple[str, dict[str, str], object]:
    """The heart DOI's page and files beside it, built by the DOI site with `rule` as its derived_year."""
    path = project / "site_config/doi.yml"
    path.write_text(re.sub(r"  derived_year: .*\n", rule, path.read_text()))
    site = load_site(path, "site_config/doi.yml")
    page = doi_page(catalogue.publications[HEART], f"{HEART}/", LandingInputs(site, catalogue, PageLinks()))
    return page, export_files(catalogue.publications[HEART], page, site.config.base_url + f"{HEART}/", catalogue)


def test_a_year_taken_from_the_scan_is_in_every_output_and_the_page_says_so(project, catalogue):
    page, files = outputs(project, catalogue, "  derived_year: {date_types: [Collected]}\n")
    assert page.cite.year.cited == 2022 and page.cite.year.derived_from == "Collected"
    assert "the year is that of the Collected date" in page.cite.year_note
    assert ("citation_publication_date", "2022") in page.meta and ("DC.date", "2022") in page.meta
    assert page.json_ld["datePublished"] == "2022"
    assert "year = {2022}" in files["citation.bib"] and "PY  - 2022\r\n" in files["citation.ris"]
    assert json.loads(files["citation.json"])[0]["issued"] == {"date-parts": [[2022]]}
    assert "<publicationYear>2022</publicationYear>" in files["datacite.xml"]
    assert all("(2022)" in text.text for text in page.cite.texts[:1])


def test_a_year_for_datacite_only_is_in_no_other_output(project, catalogue):
    page, files = outputs(project, catalogue, "  derived_year: {date_types: [Collected], shown_in: datacite}\n")
    assert page.cite.year.year == 2022 and page.cite.year.cited is None
    assert page.cite.year_note == "The catalogue records no publication year."
    assert not [name for name, _ in page.meta if name in ("citation_publication_date", "DC.date")]
    assert "datePublished" not in page.json_ld and "(n.d.)" in page.json_ld["creditText"]
    assert "year" not in files["citation.bib"] and "PY  -" not in files["citation.ris"]
    assert "issued" not in json.loads(files["citation.json"])[0]
    assert "<publicationYear>2022</publicationYear>" in files["datacite.xml"]
    assert all("2022" not in text.text for text in page.cite.texts)


def test_without_a_rule_no_output_invents_a_year(project, catalogue):
    page, files = outputs(project, catalogue, "")
    assert page.cite.year.year is None and "datePublished" not in page.json_ld
    assert "year" not in files["citation.bib"]
    assert "publicationYear" not in files["datacite.xml"]
