"""Faceted search on the real HOA site: counts exact, ranges inclusive, trees, URLs, no JavaScript, bad queries."""

import re

import pytest

from tests.conftest import screenshot

# The HOA site shows the HOA datasets of the snapshot, which holds other collections' too.
from tests.snapshot_facts import hoa_count as count
from tests.snapshot_facts import hoa_facts as dataset_facts

pytestmark = pytest.mark.browser


def open_explore(page, url):
    page.goto(url)
    page.wait_for_selector(".explore[data-ready=true]")
    page.wait_for_function("document.querySelector('.explore').dataset.counts !== undefined")


def shown_count(page) -> int:
    return int(page.inner_text("#result-count"))


def run_number(page) -> int:
    return int(page.get_attribute(".explore", "data-results") or 0)


def settle(page, after: int | None = None):
    """Wait until a search newer than run `after` (default: any) has painted its results and counts."""
    after = -1 if after is None else after
    page.wait_for_function("after => { const d = document.querySelector('.explore').dataset;"
                           " return Number(d.results) > after && d.counts === d.results; }", arg=after)


def act(page, action):
    """Do something that starts a search, and wait for that search to finish."""
    before = run_number(page)
    action()
    settle(page, before)


def facet_count(page, facet: str, value: str) -> int:
    text = page.locator(f"fieldset[data-facet={facet}] input[value='{value}'] >> xpath=../../span[@class='count']")
    return int(text.inner_text())


SEX = {"male": "M", "female": "F"}


@pytest.mark.parametrize("url, wanted", [
    ("?sex=female&organ=brain", dict(SamplePatient_sex="F", SamplePatient_organ_name="brain")),
    ("?organ=kidney&beamline=BM18", dict(SamplePatient_organ_name="kidney", beamline="BM18")),
    ("?dataset_kind=overview&sex=male", dict(HOA_dataset_type="overview", SamplePatient_sex="M")),
    ("?organ=heart&organ=lung&beamline=BM05", dict(SamplePatient_organ_name=lambda v: v in ("heart", "lung"),
                                                   beamline="BM05")),
])
def test_result_counts_match_the_snapshot(page, hoa_server, url, wanted):
    open_explore(page, hoa_server.url + url)
    assert shown_count(page) == count(**wanted) > 0
    assert page.errors == []


def test_facet_value_counts_are_what_choosing_them_gives(page, hoa_server):
    open_explore(page, hoa_server.url + "?organ=brain")
    for label, code in SEX.items():
        assert facet_count(page, "sex", label) == count(SamplePatient_organ_name="brain", SamplePatient_sex=code)
    # the organ facet's own counts ignore its own choice: every organ stays choosable
    assert facet_count(page, "organ", "heart") == count(SamplePatient_organ_name="heart")
    act(page, lambda: page.check("fieldset[data-facet=sex] input[value=female]"))
    assert facet_count(page, "organ", "heart") == count(SamplePatient_organ_name="heart", SamplePatient_sex="F")
    assert shown_count(page) == count(SamplePatient_organ_name="brain", SamplePatient_sex="F")


def test_range_bounds_are_inclusive_and_may_be_open(page, hoa_server):
    ages = sorted({row["SamplePatient_age"] for row in dataset_facts()
                   if isinstance(row.get("SamplePatient_age"), float)})
    low, high = ages[2], ages[-3]
    open_explore(page, hoa_server.url + f"?age={low:g}..{high:g}")
    assert shown_count(page) == count(SamplePatient_age=lambda v: isinstance(v, float) and low <= v <= high)
    open_explore(page, hoa_server.url + f"?age={high:g}..{high:g}")
    assert shown_count(page) == count(SamplePatient_age=high) > 0
    open_explore(page, hoa_server.url + f"?age=..{low:g}")
    assert shown_count(page) == count(SamplePatient_age=lambda v: isinstance(v, float) and v <= low)
    # typing bounds in the panel does the same and lands in the URL
    open_explore(page, hoa_server.url)
    page.fill("#facet-voxel_size-min", "2")
    page.fill("#facet-voxel_size-max", "2.5")
    page.press("#facet-voxel_size-max", "Enter")
    page.wait_for_function("location.search.includes('voxel_size=2..2.5')")
    page.wait_for_function("() => { const d = document.querySelector('.explore').dataset; "
                           "return d.counts === d.results; }")
    voxel = lambda v: isinstance(v, float) and 2 <= v <= 2.5  # noqa: E731
    assert shown_count(page) == count(TOMOReconstruction_voxel_size_x=voxel)
    screenshot(page, "explore-voxel-range")


def test_hierarchy_counts_and_selection(page, hoa_server):
    open_explore(page, hoa_server.url)
    assert facet_count(page, "organ", "lung") == count(SamplePatient_organ_name="lung")
    page.click("fieldset[data-facet=organ] button[aria-label='Show the parts of lung']")
    part = "lung>left upper lobe"  # the label collections/hoa.yml gives the stored left_upper_lobe
    expected = count(SamplePatient_organ_name="lung", SamplePatient_organ_description="left_upper_lobe")
    assert facet_count(page, "organ", part) == expected
    act(page, lambda: page.check(f"fieldset[data-facet=organ] input[value='{part}']"))
    assert shown_count(page) == expected
    assert "organ=lung%3Eleft+upper+lobe" in page.url
    # choosing the parent covers every part of it
    act(page, lambda: page.check("fieldset[data-facet=organ] input[value=lung]"))
    assert shown_count(page) == count(SamplePatient_organ_name="lung")
    screenshot(page, "explore-hierarchy")
    assert page.errors == []


def test_query_sort_and_page_survive_reload_and_history(page, hoa_server):
    open_explore(page, hoa_server.url + "?q=lung&sex=male&sort=voxel_size&page=2")
    expected = shown_count(page)
    assert page.locator("#cards .card").count() == min(expected, 48)
    assert page.input_value("#q") == "lung"
    assert page.input_value("#sort") == "voxel_size"
    sizes = [float(re.search(r"Voxel size\n([\d.]+)", t).group(1))
             for t in page.locator("#cards .card").all_inner_texts()]
    assert sizes == sorted(sizes)
    act(page, lambda: page.select_option("#sort", "name"))
    assert "sort=name" in page.url and "page=" not in page.url
    act(page, page.go_back)
    assert "sort=voxel_size" in page.url
    assert page.input_value("#sort") == "voxel_size"
    assert shown_count(page) == expected


def test_load_more_keeps_what_is_shown(page, hoa_server):
    open_explore(page, hoa_server.url)
    page.click("#load-more")
    page.wait_for_function("document.querySelectorAll('#cards .card').length === 48")
    assert "page=2" in page.url
    first = page.locator("#cards .card-title").first.inner_text()
    page.reload()
    page.wait_for_selector(".explore[data-ready=true]")
    assert page.locator("#cards .card").count() == 48
    assert page.locator("#cards .card-title").first.inner_text() == first


def test_without_javascript_every_dataset_is_listed_page_by_page(browser, hoa_server):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    seen = set()
    url = hoa_server.url
    while url:
        tab.goto(url)
        paths = tab.locator("#cards .card-title a").evaluate_all("links => links.map(a => new URL(a.href).pathname)")
        seen |= {path.split("/")[-2] for path in paths}  # datasets/<name>/
        following = tab.locator("a[rel=next]")
        url = following.first.get_attribute("href") and hoa_server.url.rstrip("/") + "/" + \
            following.first.evaluate("a => new URL(a.href).pathname").lstrip("/") if following.count() else None
    context.close()
    assert seen == {row["name"] for row in dataset_facts()}


@pytest.mark.parametrize("query, message", [
    ("the of and", "Only very common words"),
    ('"upper lobe', "closing quote is missing"),
    ("lung -", "lone “-” was ignored"),
    ("organe:lung", "no field “organe”"),
    ("lung " * 200, "only its first 16 words"),
])
def test_awkward_queries_get_a_helpful_message_and_no_error(page, hoa_server, query, message):
    open_explore(page, hoa_server.url)
    page.fill("#q", query)
    page.wait_for_function("!document.getElementById('search-message').hidden")
    assert message in page.inner_text("#search-message")
    assert page.errors == []


def mentions(word: str):
    """Datasets whose searched texts hold this exact word."""
    fields = ("description", "name", "SamplePatient_organ_name", "SamplePatient_info", "SamplePatient_cause_of_death")
    return sum(1 for row in dataset_facts()
               if re.search(rf"\b{word}\b", " ".join(str(row.get(f) or "") for f in fields), re.I))


def test_typo_tolerance_and_field_queries(page, hoa_server):
    open_explore(page, hoa_server.url + "?q=kidnye")  # two letters swapped in a 6-letter word
    assert shown_count(page) == mentions("kidney") >= count(SamplePatient_organ_name="kidney")
    open_explore(page, hoa_server.url + "?q=organ:brain")
    assert shown_count(page) == count(SamplePatient_organ_name="brain")
    open_explore(page, hoa_server.url + "?q=lung+-covid")
    assert 0 < shown_count(page) < count(SamplePatient_organ_name="lung")


def test_facets_are_fieldsets_and_the_count_is_announced(page, hoa_server):
    open_explore(page, hoa_server.url)
    assert page.locator("fieldset.facet legend").count() == page.locator("fieldset.facet").count() >= 10
    assert page.get_attribute("#results-heading", "aria-live") == "polite"
    box = page.locator("fieldset[data-facet=sex] input[value=female]")
    box.focus()
    act(page, lambda: page.keyboard.press("Space"))
    assert page.evaluate("document.activeElement.value") == "female"  # focus stays where it was


def test_histograms_of_the_build_and_of_the_browser_agree(page, hoa_server):
    """The unfiltered histogram comes from the manifest; after a filter is cleared the browser counts it itself."""
    open_explore(page, hoa_server.url)
    bars = "fieldset[data-facet=voxel_size] .histogram span"
    from_build = page.eval_on_selector_all(bars, "spans => spans.map(s => s.style.height)")
    assert any(height not in ("", "0%") for height in from_build)
    act(page, lambda: page.check("fieldset[data-facet=sex] input[value=female]"))
    assert page.eval_on_selector_all(bars, "spans => spans.map(s => s.style.height)") != from_build
    act(page, lambda: page.uncheck("fieldset[data-facet=sex] input[value=female]"))
    act(page, lambda: page.check("fieldset[data-facet=beamline] input[value=BM05]"))
    # both beamlines: every dataset again, now counted by the browser over the columns
    act(page, lambda: page.check("fieldset[data-facet=beamline] input[value=BM18]"))
    assert shown_count(page) == 378
    assert page.eval_on_selector_all(bars, "spans => spans.map(s => s.style.height)") == from_build
