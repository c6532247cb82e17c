"""The DOI site searches and filters its DOIs like an atlas, and its header leads to every atlas."""

import pytest
import yaml
from lxml import etree

from tests.conftest import REPO, SNAPSHOT, screenshot
from tests.snapshot_facts import hoa_facts

pytestmark = pytest.mark.browser


def dois_of_datasets(names: set[str], instrument: str | None = None) -> int:
    """DOIs of the dump with at least one of these datasets (on this beamline, if given), from its XML."""
    tree = etree.parse(str(SNAPSHOT))
    instruments = {i.get("id"): i.findtext("name") for i in tree.iterfind("data/instrument")}
    datasets = {}
    for dataset in tree.iterfind("data/dataset"):
        beamline = dataset.find("datasetInstruments/instrument")
        datasets[dataset.get("id")] = (dataset.findtext("name"),
                                       instruments.get(beamline.get("ref")) if beamline is not None else None)
    collections = {c.get("id"): [datasets[d.get("ref")] for d in c.iterfind("dataCollectionDatasets/dataset")]
                   for c in tree.iterfind("data/dataCollection")}
    return sum(1 for p in tree.iterfind("data/dataPublication")
               if any(name in names and (instrument is None or beamline == instrument)
                      for name, beamline in collections[p.find("content").get("ref")]))


def open_explore(page, url):
    page.goto(url)
    page.wait_for_selector(".explore[data-ready=true]")


def wait_for_count(page, expected: int):
    page.wait_for_function(f"document.getElementById('result-count').textContent === '{expected}'")


def test_the_doi_site_filters_its_dois_by_collection_and_beamline(page, site_servers):
    hoa = {row["name"] for row in hoa_facts()}
    open_explore(page, site_servers["doi"].url)
    assert page.inner_text("#result-count") == "431" and page.inner_text("#result-noun") == "DOIs"
    legends = page.locator("fieldset.facet legend").all_inner_texts()
    assert legends == ["Collection", "Year", "Beamline", "Technique", "Licence"]
    page.check("fieldset[data-facet=collection] input[value='Human Organ Atlas']")
    wait_for_count(page, dois_of_datasets(hoa))
    page.check("fieldset[data-facet=beamline] input[value=BM05]")
    wait_for_count(page, dois_of_datasets(hoa, "BM05"))
    first = page.locator("#cards .card-title a").first
    first.click()
    page.wait_for_selector("h1")
    assert page.locator("a.doi").count() >= 1  # a DOI landing page
    page.go_back()
    wait_for_count(page, dois_of_datasets(hoa, "BM05"))
    page.click("[data-view=list]")
    page.wait_for_selector("#table-view tbody tr")
    assert page.locator("#table-view tbody tr").count() == min(24, dois_of_datasets(hoa, "BM05"))
    screenshot(page, "doi-site-search")
    assert page.errors == []


def test_the_doi_site_header_links_to_every_atlas(page, site_servers):
    atlases = [yaml.safe_load(path.read_text()) for path in sorted((REPO / "site_config").glob("*.yml"))]
    wanted = {site["base_url"] for site in atlases if site.get("collections")}
    assert len(wanted) == 4
    page.goto(site_servers["doi"].url)
    links = set(page.locator(".site-header nav a").evaluate_all("links => links.map(a => a.href)"))
    assert wanted <= links
