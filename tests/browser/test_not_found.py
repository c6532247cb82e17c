"""A missing deep path on every site gets the site's own 404 page, styled, with links that work:
under the preview server and under a plain static host that answers every missing path with 404.html."""

from urllib.parse import urljoin

import pytest

from tests.conftest import SITES, screenshot

pytestmark = pytest.mark.browser

MISSING = "datasets/no-such-dataset/"


@pytest.mark.parametrize("host", ["static", "preview"])
@pytest.mark.parametrize("site", SITES)
def test_a_missing_deep_path_gets_a_working_not_found_page(page, site_servers, preview_servers, site, host):
    server = (site_servers if host == "static" else preview_servers)[site]
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400
            and response.url != server.url + MISSING else None)
    response = page.goto(server.url + MISSING)
    assert response.status == 404
    assert page.inner_text("h1") == "Page not found"
    assert failed == []
    # The stylesheet applies: the header has the site's colour, not the browser's white.
    assert page.eval_on_selector(".site-header", "e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert page.evaluate("document.styleSheets.length") >= 1
    links = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    here = server.url + MISSING
    inside = {link for link in links if link.startswith(server.url) and not link.startswith(here + "#")}
    assert urljoin(server.url, "/") in inside  # "Explore all datasets" and the site title lead home
    for link in sorted(inside):
        assert page.request.get(link).status == 200, link
    if host == "static":
        screenshot(page, f"not-found-{site}")
