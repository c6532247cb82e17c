"""The HOA explore page on a phone (390x844): results first, filters in a drawer, chips, a link to the view."""

import pytest

from tests.conftest import PHONE, screenshot, watched_page
from tests.snapshot_facts import hoa_count

pytestmark = pytest.mark.browser

ALL = 378


def open_explore(page, url):
    page.goto(url)
    page.wait_for_selector(".explore[data-ready=true]")


def wait_for_count(page, expected: int):
    page.wait_for_function(f"document.getElementById('result-count').textContent === '{expected}'")


def in_view(page, selector: str) -> bool:
    """Whether the element is wholly inside the viewport as the page is now scrolled."""
    return page.eval_on_selector(selector, """element => { const box = element.getBoundingClientRect();
        return box.height > 0 && box.top >= 0 && box.bottom <= innerHeight
            && box.left >= 0 && box.right <= innerWidth; }""")


def test_the_drawer_filters_and_leaves_count_and_first_result_in_view(phone, hoa_server):
    expected = hoa_count(SamplePatient_sex="F", SamplePatient_organ_name="brain")
    open_explore(phone, hoa_server.url)
    assert phone.is_hidden("#filters") and phone.is_visible("#open-filters")
    assert in_view(phone, "#result-count") and in_view(phone, "#cards .card:first-child .card-title")
    phone.click("#open-filters")
    assert phone.get_attribute("#filters", "role") == "dialog"
    assert phone.evaluate("document.activeElement.id") == "close-filters"
    phone.check("fieldset[data-facet=sex] input[value=female]")
    phone.check("fieldset[data-facet=organ] input[value=brain]")
    wait_for_count(phone, expected)
    assert phone.inner_text("#show-results") == f"Show {expected} results"
    assert phone.inner_text("#open-filters") == "Filters (2)"
    screenshot(phone, "phone-drawer")
    phone.click("#show-results")
    assert phone.is_hidden("#filters")
    assert phone.evaluate("document.activeElement.id") == "open-filters"
    assert phone.evaluate("scrollY") == 0  # nothing scrolled: what follows is what the visitor sees at once
    assert in_view(phone, "#result-count")
    assert in_view(phone, "#cards .card:first-child")
    assert "Organ\nbrain" in phone.inner_text("#cards .card:first-child")
    screenshot(phone, "phone-female-brain")
    assert phone.errors == []


def test_escape_closes_the_drawer(phone, hoa_server):
    open_explore(phone, hoa_server.url)
    phone.click("#open-filters")
    phone.keyboard.press("Escape")
    assert phone.is_hidden("#filters")
    assert phone.get_attribute("#open-filters", "aria-expanded") == "false"


def test_each_chip_removes_its_own_filter(phone, hoa_server):
    open_explore(phone, hoa_server.url + "?sex=female&organ=brain")
    wait_for_count(phone, hoa_count(SamplePatient_sex="F", SamplePatient_organ_name="brain"))
    chips = phone.locator("#chip-list .chip")
    assert chips.all_inner_texts() == ["Sex: female\n✕", "Organ: brain\n✕"]  # in the order of the facets
    phone.click("#chip-list .chip >> text=Organ: brain")
    wait_for_count(phone, hoa_count(SamplePatient_sex="F"))
    assert chips.count() == 1 and "organ=" not in phone.url and "sex=female" in phone.url
    assert not phone.is_checked("fieldset[data-facet=organ] input[value=brain]")
    phone.click("#chip-list .chip >> text=Sex: female")
    wait_for_count(phone, ALL)
    assert chips.count() == 0 and phone.is_hidden("#chips")
    phone.goto(hoa_server.url + "?sex=male&organ=heart&q=donor")
    phone.wait_for_selector(".explore[data-ready=true]")
    phone.click("#clear-filters")
    wait_for_count(phone, ALL)
    assert phone.input_value("#q") == "" and "?" not in phone.url
    assert phone.errors == []


def test_copy_link_restores_the_view_in_a_new_browser(phone, hoa_server, browser):
    expected = hoa_count(SamplePatient_sex="F", SamplePatient_organ_name="brain")
    open_explore(phone, hoa_server.url)
    phone.click("#open-filters")
    phone.check("fieldset[data-facet=sex] input[value=female]")
    phone.check("fieldset[data-facet=organ] input[value=brain]")
    wait_for_count(phone, expected)
    phone.click("#show-results")
    phone.click("[data-view=list]")
    phone.wait_for_selector("#table-view tbody tr")
    phone.click("#copy-link")
    phone.wait_for_function("document.getElementById('copy-link').textContent === 'Link copied'")
    link = phone.evaluate("navigator.clipboard.readText()")
    assert link.startswith(hoa_server.url)
    rows = phone.locator("#table-view tbody th a").all_inner_texts()
    other = browser.new_context(viewport=PHONE, is_mobile=True)
    try:
        tab = watched_page(other)
        open_explore(tab, link)
        wait_for_count(tab, expected)
        assert tab.is_checked("fieldset[data-facet=sex] input[value=female]")
        assert tab.is_checked("fieldset[data-facet=organ] input[value=brain]")
        assert tab.locator("#table-view tbody th a").all_inner_texts() == rows
        assert tab.locator("#chip-list .chip").count() == 2
        assert tab.errors == []
    finally:
        other.close()
