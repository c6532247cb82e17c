"""The paleontology and cultural heritage atlases in Chromium: tree counts at every level, a BCE range, provenance."""

import re
from collections import Counter

import pytest

from tests.browser.test_search import act, open_explore, shown_count
from tests.conftest import Served, screenshot
from tests.snapshot_facts import dataset_facts

pytestmark = pytest.mark.browser

PALEO_DOMAINS = {"vertebrate paleontology", "invertebrate paleontology", "vertebrate biology", "paleoanthropology",
                 "archaeology", "paleobotany", "ichnology"}
TREES = {  # facet -> its levels, as ESRF parameter names
    "region": ["SampleLocalisation_continental_region", "SampleLocalisation_country", "SampleLocalisation_name"],
    "era": ["SamplePaleoGeologicalTime_era", "SamplePaleoGeologicalTime_period", "SamplePaleoGeologicalTime_epoch"],
    "clade1": [f"SamplePaleoClassification_clade{n}" for n in range(1, 7)] + ["SamplePaleoClassification_species"],
}


@pytest.fixture(scope="module")
def paleo_server(built_sites):
    served = Served(built_sites / "paleo")
    yield served
    served.close()


@pytest.fixture(scope="module")
def heritage_server(built_sites):
    served = Served(built_sites / "cultural-heritage")
    yield served
    served.close()


@pytest.fixture(scope="module")
def biology_server(built_sites):
    served = Served(built_sites / "structural-biology")
    yield served
    served.close()


def paleo_rows(**wanted):
    return [row for row in dataset_facts() if row.get("SamplePaleo_scientific_domain") in PALEO_DOMAINS
            and all(row.get(name) == value for name, value in wanted.items())]


def tree_counts(rows, levels) -> dict[str, int]:
    """Datasets under every node of a tree, counted from the XML: a level without a value is skipped."""
    counts: Counter = Counter()
    for row in rows:
        path = [row[level] for level in levels if row.get(level)]
        for depth in range(1, len(path) + 1):
            counts[">".join(path[:depth])] += 1
    return dict(counts)


def shown_tree(page, facet: str) -> dict[str, int]:
    pairs = page.eval_on_selector_all(
        f"fieldset[data-facet={facet}] input[type=checkbox]",
        "boxes => boxes.map(b => [b.value, b.closest('li').querySelector(':scope > .count').textContent])")
    return {value: int(count) for value, count in pairs}


def test_every_level_of_every_tree_counts_exactly(page, paleo_server):
    open_explore(page, paleo_server.url)
    assert shown_count(page) == len(paleo_rows()) == 38
    for facet, levels in TREES.items():
        expected = tree_counts(paleo_rows(), levels)
        assert max(key.count(">") for key in expected) >= 2  # at least three levels deep
        assert shown_tree(page, facet) == expected, facet
    assert page.errors == []


def test_tree_counts_follow_the_other_filters_and_a_node_covers_its_branch(page, paleo_server):
    open_explore(page, paleo_server.url + "?domain=Invertebrate+paleontology")
    rows = paleo_rows(SamplePaleo_scientific_domain="invertebrate paleontology")
    assert shown_count(page) == len(rows)
    for facet, levels in TREES.items():
        shown = {key: count for key, count in shown_tree(page, facet).items() if count}
        assert shown == tree_counts(rows, levels), facet
    # choose a period: every epoch below it counts, with the domain still applied
    page.click("fieldset[data-facet=era] button[aria-label='Show the parts of Mesozoic']")
    act(page, lambda: page.check("fieldset[data-facet=era] input[value='Mesozoic>Jurassic']"))
    assert shown_count(page) == len(paleo_rows(SamplePaleo_scientific_domain="invertebrate paleontology",
                                               SamplePaleoGeologicalTime_era="Mesozoic",
                                               SamplePaleoGeologicalTime_period="Jurassic")) > 0
    assert "era=Mesozoic%3EJurassic" in page.url
    screenshot(page, "paleo-explore-tree")


def test_a_species_without_a_sixth_clade_sits_under_its_fifth(page, paleo_server):
    open_explore(page, paleo_server.url + "?clade1=Animalia>Chordata>Mammalia>Primates>Hominidae>Homo+erectus")
    assert shown_count(page) == len(paleo_rows(SamplePaleoClassification_species="Homo erectus")) == 1
    assert "D2700/D2735 teeth from Dmanisi" in page.inner_text("#cards")


def overlapping(low: float, high: float) -> int:
    """Objects whose date of creation (a year or a span of years) meets [low, high], from the XML."""
    found = 0
    for row in dataset_facts():
        if row.get("Sample_subject") != "Cultural heritage":
            continue
        year = row["Sample_collection_year"]
        first, last = year if isinstance(year, tuple) else (year, year)
        found += first <= high and last >= low
    return found


def test_a_bce_range_filters_by_overlap_and_reads_bce(page, heritage_server):
    open_explore(page, heritage_server.url)
    assert page.inner_text("fieldset[data-facet=created] .histogram-scale") == "17000 BCE\n1845"
    for bound, year in (("min", "-800"), ("max", "-100")):  # one search each
        act(page, lambda: (page.fill(f"#facet-created-{bound}", year), page.press(f"#facet-created-{bound}", "Enter")))
    assert "created=-800..-100" in page.url
    expected = overlapping(-800, -100)
    assert shown_count(page) == expected
    assert 0 < expected < overlapping(-20000, 2000)
    assert page.inner_text("fieldset[data-facet=created] output") == "800 BCE to 100 BCE"
    years = page.eval_on_selector_all("#cards .card",
                                      "cards => cards.map(c => [...c.querySelectorAll('.card-facts > div')]"
                                      ".find(d => d.querySelector('dt').textContent === 'Date of creation')"
                                      ".querySelector('dd').textContent)")
    assert len(years) == expected and all("BCE" in text for text in years)
    assert "664–332 BCE" in years and "27 BCE – 14 CE" not in years  # 27 BCE–14 CE starts after 100 BCE
    screenshot(page, "heritage-explore-bce")
    # an open range from a shared link, in timeline order
    open_explore(page, heritage_server.url + "?created=..-1000")
    assert shown_count(page) == overlapping(-100000, -1000)
    first = page.inner_text("#cards .card >> nth=0")
    assert "17000–12000 BCE" in first
    assert page.errors == []


def test_a_raw_dataset_page_leads_to_its_best_result_and_back(page, biology_server):
    page.goto(biology_server.url + "datasets/EX-MX-01_sweep1/")
    best = page.locator(".provenance tr.best")
    assert best.count() == 1
    assert "★ Best result" in best.inner_text() and "XIA2_DIALS" in best.inner_text()
    screenshot(page, "dataset-mx-raw-results")
    best.locator("a").first.click()
    page.wait_for_url(re.compile(r"/datasets/EX-MX-01_xia2_dials/$"))
    assert page.locator("h1").inner_text() == "Example: XIA2_DIALS processing of EX-MX-01_sweep1"
    groups = page.locator(".group h2").all_inner_texts()
    assert groups[:5] == ["Processing", "Crystal", "Overall", "Inner shell", "Outer shell"]
    page.locator(".provenance a", has_text="EX-MX-01_sweep1").click()
    page.wait_for_url(re.compile(r"/datasets/EX-MX-01_sweep1/$"))
    page.goto(biology_server.url + "datasets/EX-ET-01_tomogram/")
    assert page.locator(".provenance tbody tr").count() == 15
    screenshot(page, "dataset-cryo-et-tomogram")
    assert page.errors == []


def test_the_burrow_page(page, paleo_server):
    page.goto(paleo_server.url + "datasets/BP-1-5558_45.5um/")
    assert page.locator("h1").inner_text() == "burrow BP1-5558 Thrinaxodon Broomistega"
    screenshot(page, "dataset-paleo-burrow")
    assert page.errors == []


def test_geological_time_is_listed_oldest_first_whatever_the_counts(page, paleo_server):
    open_explore(page, paleo_server.url)

    def listed(parent: str) -> list[str]:
        """The values right under `parent` ('' for the eras), in the order the facet lists them."""
        return page.eval_on_selector_all(
            "fieldset[data-facet=era] input[type=checkbox]", """(boxes, parent) => boxes.map(b => b.value)
                .filter(v => v.split('>').slice(0, -1).join('>') === parent).map(v => v.split('>').pop())""",
            parent)

    # The chart's order, by age, not the datasets' counts.
    assert listed("") == ["Neoproterozoic", "Paleozoic", "Mesozoic", "Cenozoic"]
    assert listed("Paleozoic") == ["Cambrian", "Ordovician", "Devonian", "Permian"]
    assert listed("Mesozoic") == ["Triassic", "Jurassic", "Cretaceous"]
    assert listed("Mesozoic>Cretaceous") == ["Early Cretaceous", "Late Cretaceous"]
