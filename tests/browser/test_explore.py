"""The HOA explore page in Chromium, served over HTTP, checked against the data itself."""

import json
import re
from urllib.parse import unquote

import pytest
from lxml import etree

from tests.conftest import HOA_JSON, SNAPSHOT, screenshot

pytestmark = pytest.mark.browser


def records():
    return [json.loads(p.read_text()) for p in sorted(HOA_JSON.glob("*.json"))]


def count_in_snapshot(sex: str, organ: str) -> int:
    """Datasets of samples with these parameters, counted straight from the dump's XML."""
    tree = etree.parse(str(SNAPSHOT))
    types = {t.get("id"): t.findtext("name") for t in tree.iterfind("data/parameterType")}

    def parameters(element):
        return {types[p.find("type").get("ref")]: p.findtext("stringValue") for p in element.iterfind("parameters")}

    samples = {s.get("id") for s in tree.iterfind("data/sample")
               if parameters(s).get("SamplePatient_sex") == sex
               and parameters(s).get("SamplePatient_organ_name") == organ}
    return sum(1 for d in tree.iterfind("data/dataset") if d.find("sample").get("ref") in samples)


def open_explore(page, url):
    page.goto(url)
    page.wait_for_selector(".explore[data-ready=true]")


def result_count(page) -> int:
    return int(page.inner_text("#result-count"))


def wait_for_count(page, expected: int):
    page.wait_for_function(f"document.getElementById('result-count').textContent === '{expected}'")


def test_choosing_female_and_brain_counts_like_the_snapshot(page, hoa_server):
    expected = count_in_snapshot("F", "brain")
    assert expected > 0
    open_explore(page, hoa_server.url)
    assert result_count(page) == 378
    page.check("fieldset[data-facet=sex] input[value=female]")
    page.check("fieldset[data-facet=organ] input[value=brain]")
    wait_for_count(page, expected)
    cards = page.locator("#cards .card")
    assert cards.count() == min(expected, 24)
    for text in cards.all_inner_texts():
        assert "Organ\nbrain" in text
    assert "sex=female" in page.url and "organ=brain" in page.url
    screenshot(page, "explore-female-brain")
    assert page.errors == []


def test_a_shared_url_restores_the_same_view(page, hoa_server):
    expected = count_in_snapshot("F", "brain")
    open_explore(page, hoa_server.url + "?organ=brain&sex=female")
    wait_for_count(page, expected)
    assert page.is_checked("fieldset[data-facet=sex] input[value=female]")
    assert page.is_checked("fieldset[data-facet=organ] input[value=brain]")
    assert page.errors == []


def test_typing_a_word_filters_the_results(page, hoa_server):
    searched = ("medical_history", "cause_of_death")
    expected = sum(1 for r in records() if re.search(r"\bkidney", " ".join(
        [r["citation"]["title"], r["name"], r["sample"]["organ"]] + [r["donor"][k] or "" for k in searched]), re.I))
    open_explore(page, hoa_server.url)
    page.fill("#q", "kidney")
    wait_for_count(page, expected)
    assert 0 < expected < 378
    assert "q=kidney" in page.url
    titles = page.locator("#cards .card-title").all_inner_texts()
    assert titles and all("kidney" in t.lower() for t in titles[:5])  # the best matches name it
    assert page.errors == []


def test_back_button_returns_to_the_previous_filters(page, hoa_server):
    open_explore(page, hoa_server.url)
    page.check("fieldset[data-facet=organ] input[value=heart]")
    hearts = sum(1 for r in records() if r["sample"]["organ"] == "heart")
    wait_for_count(page, hearts)
    page.go_back()
    wait_for_count(page, 378)
    assert not page.is_checked("fieldset[data-facet=organ] input[value=heart]")
    page.go_forward()
    wait_for_count(page, hearts)


def test_dataset_page_links_doi_and_neuroglancer(page, hoa_server):
    record = next(r for r in records() if r["name"] == "A109_lung_VOI-02b_4.14um_bm18")
    page.goto(hoa_server.url + f"datasets/{record['name']}/")
    doi = page.locator("a.doi").first
    assert doi.get_attribute("href") == f"https://doi.org/{record['citation']['doi']}"
    link = page.locator("#neuroglancer-link").get_attribute("href")
    state = json.loads(unquote(link.split("#!", 1)[1]))
    assert state["layers"][0]["source"]["url"] == record["data"]["gcs_url"]
    metres = record["data"]["voxel_size_um"] * 1e-6
    for axis in "xyz":
        assert state["dimensions"][axis][1] == "m"
        assert state["dimensions"][axis][0] == pytest.approx(metres, rel=1e-12)
    context = page.locator("#neuroglancer-context-link").get_attribute("href")
    layers = json.loads(unquote(context.split("#!", 1)[1]))["layers"]
    assert [layer["name"] for layer in layers] == [record["registration"]["target_dataset"], record["name"]]
    screenshot(page, "dataset-page")
    assert page.errors == []
