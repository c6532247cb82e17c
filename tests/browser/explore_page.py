"""Driving an explore page: open it, wait for a search to settle, read its counts."""


def open_explore(page, url):
    page.goto(url)
    page.wait_for_selector(".explore[data-ready=true]")
    settle(page)


def settle(page):
    """Wait until the latest change has been searched and its results and counts painted.

    The page marks itself busy at once on every change (also while typing is debounced), and
    clears the mark when the results and counts of the latest search are shown."""
    page.wait_for_function("() => { const d = document.querySelector('.explore').dataset;"
                           " return d.busy === undefined && d.counts !== undefined && d.counts === d.results; }")


def shown_count(page) -> int:
    return int(page.inner_text("#result-count"))


def facet_count(page, facet: str, value: str) -> int:
    text = page.locator(f"fieldset[data-facet={facet}] input[value=\"{value}\"] >> xpath=../../span[@class='count']")
    return int(text.inner_text())
