"""axe-core finds no serious or critical violation on any kind of page of any site, on a desktop and a phone,
and no page is wider than the screen (tables scroll within their own box)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PHONE, SITES, watched_page

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}
# A word searched on each site's home page (its first facet value is chosen too).
QUERY = {"hoa": "?q=lung", "paleo": "?q=skull", "cultural-heritage": "?q=example", "structural-biology": "?q=example",
         "doi": "?q=tomography"}


# Pages with the widest tables: the processed results of an MX sweep.
WIDE = {"structural-biology": {"MX results": "datasets/EX-MX-01_sweep1/"}}


def paths(site_folder) -> dict[str, str]:
    """A page of each kind the site has, from its sitemap: home, dataset, DOI, help, and the 404 page."""
    urls = re.findall(r"<loc>[a-z]+://[^/]+/(.*?)</loc>", (site_folder / "sitemap.xml").read_text())
    found = {"home": "", "404": "datasets/no-such-dataset/", **WIDE.get(site_folder.name, {})}
    kinds = {"dataset": r"^datasets/[^/]+/$", "DOI": r"^(doi/)?10\.\d+/.+/$", "help": r"^help/$"}
    for kind, pattern in kinds.items():
        match = next((url for url in urls if re.match(pattern, url)), None)
        if match is not None:
            found[kind] = match
    return found


def serious_violations(axe, tab, kind: str, path: str) -> list[str]:
    results = axe.run(tab)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    return [f"{kind} {path}: {v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in serious]


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("site", SITES)
def test_no_serious_violation_and_nothing_wider_than_the_screen(browser, built_sites, site_servers, axe, site,
                                                                 viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    tab = watched_page(context)
    problems = []
    try:
        for kind, path in paths(built_sites / site).items():
            tab.goto(site_servers[site].url + path + (QUERY[site] if kind == "home" else ""))
            problems += serious_violations(axe, tab, kind, path)
            if kind == "home" and tab.locator(".explore").count():
                tab.wait_for_selector(".explore[data-counts]")
                if viewport == "phone":
                    tab.click("#open-filters")
                before = tab.get_attribute(".explore", "data-counts")
                tab.locator("fieldset.facet input[type=checkbox]").first.check()
                tab.wait_for_function("before => document.querySelector('.explore').dataset.counts !== before",
                                      arg=before)
                problems += serious_violations(axe, tab, "home with a facet value chosen", path)
                if viewport == "phone":
                    tab.click("#show-results")
            overflow = tab.evaluate("document.documentElement.scrollWidth - innerWidth")
            if overflow > 0:
                problems.append(f"{kind} {path}: {overflow} px wider than the screen")
    finally:
        context.close()
    assert problems == []
