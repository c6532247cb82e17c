"""The HOA explore page in Chromium, served over HTTP, checked against the data itself."""

import json
import re
from urllib.parse import unquote

import pytest
from lxml import etree

from tests.conftest import HOA_JSON, SNAPSHOT, screenshot
from tests.snapshot_facts import hoa_count, hoa_facts

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
    # "kidn" names no facet value (as "kidney" would): it is a word of the text, matched as a prefix.
    expected = sum(1 for r in records() if re.search(r"\bkidn", " ".join(
        [r["citation"]["title"], r["name"], r["sample"]["organ"]] + [r["donor"][k] or "" for k in searched]), re.I))
    open_explore(page, hoa_server.url)
    page.fill("#q", "kidn")
    wait_for_count(page, expected)
    assert 0 < expected < 378
    assert "q=kidn" in page.url
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


def sort_label(page) -> str:
    return page.eval_on_selector("#sort", "select => select.selectedOptions[0].textContent")


def test_words_that_name_facet_values_count_like_those_filters(page, hoa_server):
    expected = count_in_snapshot("F", "brain")
    open_explore(page, hoa_server.url)
    assert sort_label(page) == "Newest scans first"
    page.fill("#q", "female brain")
    wait_for_count(page, expected)
    assert sort_label(page) == "Relevance"
    offers = page.locator("#offers button")
    assert offers.all_inner_texts() == ["Filter by Sex: female?", "Filter by Organ: brain?"]
    offers.first.click()
    page.wait_for_function("document.getElementById('q').value === 'brain'")
    wait_for_count(page, expected)
    assert page.is_checked("fieldset[data-facet=sex] input[value=female]")
    assert "sex=female" in page.url and "q=brain" in page.url
    page.fill("#q", "")
    wait_for_count(page, hoa_count(SamplePatient_sex="F"))
    assert sort_label(page) == "Newest scans first"
    assert page.errors == []


def test_a_query_without_results_offers_the_nearest_changes_with_their_counts(page, hoa_server):
    assert hoa_count(SamplePatient_sex="F", SamplePatient_organ_name="testis") == 0
    without_female = hoa_count(SamplePatient_organ_name="testis")
    without_testis = hoa_count(SamplePatient_sex="F")
    open_explore(page, hoa_server.url + "?q=female+testis")
    wait_for_count(page, 0)
    page.wait_for_selector("#offers button")
    assert page.locator("#offers button").all_inner_texts() == [
        f"without “testis” ({without_testis} datasets)", f"without “female” ({without_female} datasets)"]
    page.click("#offers button >> nth=1")
    wait_for_count(page, without_female)
    assert page.input_value("#q") == "testis"
    open_explore(page, hoa_server.url + "?organ=testis&sex=female")
    wait_for_count(page, 0)
    page.wait_for_selector("#offers button")
    assert page.locator("#offers button").all_inner_texts() == [
        f"without Organ: testis ({without_testis} datasets)", f"without Sex: female ({without_female} datasets)"]
    assert page.errors == []


def column(page, label: str) -> list[str]:
    headers = page.locator("#table-view thead th").all_inner_texts()
    index = [h.strip(" ▲▼") for h in headers].index(label)
    return page.locator(f"#table-view tbody tr > :nth-child({index + 1})").all_inner_texts()


def test_the_list_view_shows_the_cards_datasets_sorted_by_a_chosen_column_and_survives_reload(page, hoa_server):
    livers = sorted(row["TOMOReconstruction_voxel_size_x"] for row in hoa_facts()
                     if row.get("SamplePatient_organ_name") == "liver")
    assert 1 < len(livers) < 24
    open_explore(page, hoa_server.url + "?organ=liver")
    wait_for_count(page, len(livers))
    cards = page.locator("#cards .card-title a").evaluate_all("links => links.map(a => a.href)")
    page.click("[data-view=list]")
    page.wait_for_selector("#table-view tbody tr")
    assert page.is_hidden("#cards") and "view=list" in page.url
    assert page.locator("#table-view tbody th a").evaluate_all("links => links.map(a => a.href)") == cards
    page.click("#table-view thead button[data-sort=voxel_size]")
    page.wait_for_function("document.querySelector('#table-view th[aria-sort]')?.textContent.includes('Voxel')")
    assert "sort=voxel_size" in page.url
    sizes = [float(text.split()[0]) for text in column(page, "Voxel size")]
    assert sizes == pytest.approx(livers, rel=1e-3)
    assert page.get_attribute("#table-view th[aria-sort]", "aria-sort") == "ascending"
    shown = page.locator("#table-view tbody th a").all_inner_texts()
    screenshot(page, "explore-list-view")
    page.reload()
    page.wait_for_selector(".explore[data-ready=true]")
    page.wait_for_selector("#table-view tbody tr")
    assert page.locator("#table-view tbody th a").all_inner_texts() == shown
    assert page.is_hidden("#cards")
    assert page.errors == []
