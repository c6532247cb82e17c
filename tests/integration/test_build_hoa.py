"""The HOA site built from the embedded snapshot, checked as a visitor and a crawler would."""

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from builder.commands.build import BuildOptions, build
from tests.conftest import HOA_JSON, REPO


def source_records():
    return [json.loads(path.read_text()) for path in sorted(HOA_JSON.glob("*.json"))]


def test_one_page_per_dataset_and_per_doi(hoa_site):
    records = source_records()
    dataset_pages = list((hoa_site / "datasets").glob("*/index.html"))
    assert sorted(p.parent.name for p in dataset_pages) == sorted(r["name"] for r in records)
    dois = {r["citation"]["doi"] for r in records if r["citation"]["doi"]}
    landing = {p.parent.relative_to(hoa_site / "doi").as_posix() for p in (hoa_site / "doi").rglob("index.html")}
    assert landing == dois
    assert len(landing) == 369


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def test_no_page_links_to_a_missing_page(hoa_site):
    base = "http://site.invalid/"
    missing = []
    pages = sorted(hoa_site.rglob("*.html"))
    for page in pages:
        if page.name == "404.html":
            continue
        parser = Links()
        parser.feed(page.read_text())
        here = base + page.relative_to(hoa_site).as_posix()
        for link in parser.links:
            target = urlparse(urljoin(here, link))
            if target.netloc != "site.invalid":
                continue
            path = hoa_site / unquote(target.path.lstrip("/"))
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                missing.append((page.relative_to(hoa_site).as_posix(), link))
    assert len(pages) > 378 + 369
    assert missing == []


def test_search_index_cards_link_to_existing_pages(hoa_site):
    manifest = json.loads((hoa_site / "search/hoa/manifest.json").read_text())
    cards = [card for path in sorted((hoa_site / "search/hoa/d").glob("*.json"))
             for card in json.loads(path.read_text())]
    assert len(cards) == manifest["count"] == 378
    assert all((hoa_site / card[0] / "index.html").is_file() for card in cards)


def test_sitemap_lists_every_page_once_and_robots_points_at_it(hoa_site):
    sitemap = (hoa_site / "sitemap.xml").read_text()
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert len(locations) == len(set(locations))
    assert "https://human-organ-atlas.esrf.eu/datasets/A109_lung_VOI-02b_4.14um_bm18/" in locations
    # a DOI's page here is a copy of its landing page in the DOI site, which is the one in a sitemap
    assert not any("/doi/" in location for location in locations)
    html_pages = [p for p in hoa_site.rglob("index.html") if not p.is_relative_to(hoa_site / "doi")]
    assert len(locations) == len(html_pages)
    assert "Sitemap: https://human-organ-atlas.esrf.eu/sitemap.xml" in (hoa_site / "robots.txt").read_text()


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_building_twice_gives_identical_bytes(tmp_path, hoa_site):
    build(BuildOptions(project=REPO, sites=("hoa",), out=tmp_path, quiet=True))
    assert tree_hashes(tmp_path / "hoa") == tree_hashes(hoa_site)


def test_dataset_page_shows_doi_authors_viewer_and_citation(hoa_site):
    html = (hoa_site / "datasets/A109_lung_VOI-02b_4.14um_bm18/index.html").read_text()
    assert 'href="https://doi.org/10.15151/ESRF-DC-2317551834"' in html
    assert 'href="https://orcid.org/0000-0002-5962-1683"' in html  # Paul Tafforeau
    assert "View in Neuroglancer" in html
    assert "Hierarchical Phase-Contrast Tomography (HiP-CT)" in html
    assert "https://doi.org/10.15151/ESRF-DC-2317551834</p>" in html  # the citation ends with the DOI
    # zoom <-> overview, both ways
    assert 'href="../../datasets/A109_lung_complete-organ_19.19um_bm18/"' in html
    overview = (hoa_site / "datasets/A109_lung_complete-organ_19.19um_bm18/index.html").read_text()
    assert 'href="../../datasets/A109_lung_VOI-02b_4.14um_bm18/"' in overview


def test_doi_page_carries_schema_org_json_ld(hoa_site):
    copy = (hoa_site / "doi/10.15151/ESRF-DC-2317551834/index.html").read_text()
    assert '<script type="application/ld+json">' not in copy  # only the DOI's landing page, in the DOI site
    html = (hoa_site.parent / "doi/10.15151/ESRF-DC-2317551834/index.html").read_text()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["@type"] == "Dataset"
    assert data["@id"] == "https://doi.org/10.15151/ESRF-DC-2317551834"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_shared_doi_landing_page_lists_both_datasets(hoa_site):
    html = (hoa_site / "doi/10.15151/ESRF-DC-572216900/index.html").read_text()
    assert "LADAF-2020-27_lung_left_FSC-A_2.51um_bm05/" in html
    assert "LADAF-2020-27_lung_left_FSC-B_2.51um_bm05/" in html


def test_explore_pages_list_every_dataset_without_javascript(hoa_site):
    found = set()
    for page in [hoa_site / "index.html", *sorted((hoa_site / "page").glob("*/index.html"))]:
        found |= set(re.findall(r'href="(?:\.\./)*datasets/([^/"]+)/"', page.read_text()))
    assert len(found) == 378
