"""One canonical page per DOI across every built site, and one publication year in every output of a DOI."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.snapshot import read_snapshot
from builder.config.sites import find_sites, load_site
from tests.conftest import REPO, SNAPSHOT

CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)">')
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
KERNEL = {"d": "http://datacite.org/schema/kernel-4"}


@pytest.fixture(scope="module")
def catalogue():
    return catalogue_from_snapshot(read_snapshot(SNAPSHOT))


def html_files(built_sites: Path):
    """(site's base URL, the URL of the file, its text) of every HTML file of every built site."""
    for path in find_sites(REPO / "site_config"):
        base = load_site(path).config.base_url
        for file in sorted((built_sites / path.stem).rglob("*.html")):
            relative = file.relative_to(built_sites / path.stem).as_posix()
            yield base, base + relative.removesuffix("index.html"), file.read_text(encoding="utf-8")


def test_no_two_pages_of_all_sites_claim_one_canonical_url(built_sites):
    canonical = Counter()
    for _, _, text in html_files(built_sites):
        found = CANONICAL.findall(text)
        assert len(found) <= 1
        canonical.update(found)
    assert canonical and canonical.most_common(1)[0][1] == 1, canonical.most_common(3)


def test_every_doi_is_described_by_exactly_one_canonical_page(built_sites, catalogue):
    described = Counter()
    for _, url, text in html_files(built_sites):
        ids = [json.loads(html.unescape(block)).get("@id") for block in JSON_LD.findall(text)]
        assert not ids or CANONICAL.findall(text) == [url], url  # JSON-LD only in a page canonical to itself
        described.update(ids)
    assert set(described) == {f"https://doi.org/{doi}" for doi in catalogue.publications}
    assert max(described.values()) == 1


def test_an_atlas_copy_of_a_landing_page_points_to_the_doi_site(built_sites):
    doi = "10.15151/ESRF-DC-1634390196"
    text = (built_sites / "hoa/doi" / doi / "index.html").read_text(encoding="utf-8")
    landing = f"https://doi.esrf.fr/{doi}/"
    assert CANONICAL.findall(text) == [] and '<meta name="robots" content="noindex, follow">' in text
    assert f'The landing page of this DOI is <a href="{landing}">' in text
    assert f'<link rel="describedby" href="{landing}datacite.xml"' in text
    assert f'<link rel="linkset" href="{landing}linkset.json"' in text
    assert f'<meta property="og:url" content="{landing}">' in text
    headers = (built_sites / "hoa/_headers").read_text()
    block = headers[headers.index(f"/doi/{doi}/\n"):]
    assert block.split("\n")[1].strip().startswith(f'Link: <{landing}>; rel="canonical"'), block[:300]
    assert "/doi/" not in (built_sites / "hoa/sitemap.xml").read_text()


# ---------------------------------------------------------------- one year


def expected_year(publication) -> str:
    """The rule of site_config/doi.yml: the publication date's year, else that of its latest Issued,
    Available or Collected date (the first type it has); else none."""
    if publication.publication_date:
        return publication.publication_date[:4]
    for kind in ("Issued", "Available", "Collected"):
        dates = [value for value, date_type in publication.dates if date_type == kind]
        if dates:
            return max(dates)[:4]
    return ""


def years_in(folder: Path) -> dict[str, set[str]]:
    """Output -> the years it gives, read from a landing page and the files beside it."""
    page = (folder / "index.html").read_text(encoding="utf-8")
    meta = dict(re.findall(r'<meta name="(citation_publication_date|DC\.date)" content="([^"]+)">', page))
    facts = re.search(r"<dt>Publication year</dt><dd>(\d{4}|not recorded)", page).group(1)
    styles = re.findall(r'<p id="citation-([a-z-]+)">([^<]+)</p>', page)
    ld = json.loads(html.unescape(JSON_LD.findall(page)[0]))
    csl = json.loads((folder / "citation.json").read_text())[0]
    found = {
        "page": {facts} - {"not recorded"},
        "meta": set(meta.values()),
        "JSON-LD": {ld["datePublished"][:4]} if "datePublished" in ld else set(),
        "metadata.jsonld": {json.loads((folder / "metadata.jsonld").read_text()).get("datePublished", "")[:4]} - {""},
        "BibTeX": set(re.findall(r"year = \{(\d{4})\}", (folder / "citation.bib").read_text())),
        "RIS": set(re.findall(r"^PY  - (\d{4})\r$", (folder / "citation.ris").read_bytes().decode(), re.M)),
        "CSL-JSON": {str(csl["issued"]["date-parts"][0][0])} if "issued" in csl else set(),
    }
    for style, text in styles:  # "(2022)", "… 2022." or "… 2022,"; "n.d." or "no date" where there is none
        matches = re.findall(r"\((\d{4})\)|(?<![\d-])(\d{4})[.,;](?=\s|$)", html.unescape(text))
        found[style] = {year for match in matches for year in match if year}
    if (folder / "datacite.xml").is_file():
        root = etree.parse(str(folder / "datacite.xml"))
        found["DataCite XML"] = {root.findtext("d:publicationYear", namespaces=KERNEL)}
    return found


def test_every_doi_gives_one_year_in_every_output(built_sites, catalogue):
    site = built_sites / "doi"
    wrong = {}
    for doi, publication in sorted(catalogue.publications.items()):
        year = expected_year(publication)
        found = years_in(site / doi)
        has_datacite = (site / doi / "datacite.xml").is_file()  # not for a DOI without creators
        assert len(found) == 7 + 7 + has_datacite, (doi, sorted(found))  # 7 citations, 7 other outputs
        expected = {year} if year else set()
        bad = {output: years for output, years in found.items() if years != expected}
        if bad:
            wrong[doi] = bad
    assert wrong == {}
