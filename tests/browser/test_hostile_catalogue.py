"""No catalogue string can break, hang or hijack a site: generated hostile text in every text and URL field.

For each example Hypothesis draws 30 hostile strings and a seeded random
choice of one of them for every field of the entities `tests/hostile.py`
edits, builds every site of the repository from that
snapshot, and checks what a visitor and a host would meet: the build ends
in bounded time, no link or source outside http, https and mailto, every
JSON and XML file parses, `_headers` has one rule per landing page and one
for every page, and each kind of page of each site loads in Chromium served
with its CSP, with no dialog and no CSP violation.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lxml import etree, html

from builder.commands.build import BuildOptions, build
from builder.render.headers import CONTENT_SECURITY_POLICY, EVERY_PAGE, read_headers_file
from tests.conftest import REPO, Served, screenshot
from tests.hostile import hostile_snapshot, hostile_text

pytestmark = pytest.mark.browser

MOST_SECONDS = 900  # a build of every site; about a minute on an idle machine
LINKING = ("href", "src", "action", "formaction", "poster", "data", "xlink:href")
ALLOWED_SCHEMES = {"http", "https", "mailto"}
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
PAGES_PER_KIND = 3
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def scheme_of(url: str) -> str | None:
    """The scheme a browser reads: leading and trailing C0 controls and spaces dropped, tabs and newlines removed."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13"
                                               "\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f \t\n\r"))
    match = SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def urls_of(page: Path) -> list[str]:
    document = html.fromstring(page.read_bytes())
    found = []
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        found += [element.get(name) for name in LINKING if element.get(name) is not None]
        if element.get("srcset"):
            found += [part.strip().split(" ")[0] for part in element.get("srcset").split(",")]
    return found


def check_files(site: Path) -> None:
    landing_pages = 0
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            bad = [url for url in urls_of(path) if scheme_of(url) not in (None, *ALLOWED_SCHEMES)]
            assert bad == [], f"{path}: links outside http, https and mailto"
        elif path.suffix in (".json", ".jsonld"):
            json.loads(path.read_bytes())
        elif path.suffix == ".xml":
            etree.fromstring(path.read_bytes())
        landing_pages += path.name == "linkset.json"
    rules = read_headers_file((site / "_headers").read_text(encoding="utf-8"))
    assert len(rules) == landing_pages + 1
    assert rules.pop(EVERY_PAGE) == [("Content-Security-Policy", CONTENT_SECURITY_POLICY)]
    for path, headers in rules.items():
        assert [name for name, _ in headers] == ["Link"], path
        assert (site / unquote(path).lstrip("/") / "linkset.json").is_file(), path


def pages_to_visit(site: Path) -> list[str]:
    """A few pages of each kind (by the first folder of their path), those with hostile text first."""
    kinds: dict[str, list[tuple[bool, str]]] = {}
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site).as_posix()
        kind = relative.split("/", 1)[0] if "/" in relative else relative
        hostile = b"alert(1)" in path.read_bytes() or b"yyyyyyyy" in path.read_bytes()
        kinds.setdefault(kind, []).append((not hostile, relative))
    chosen = []
    for candidates in kinds.values():
        chosen += [relative for _, relative in sorted(candidates)[:PAGES_PER_KIND]]
    return [relative.removesuffix("index.html") for relative in chosen]


def visit(browser, served: Served, paths: list[str], name: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    dialogs, problems = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error"
            and "Content Security Policy" in message.text else None)
    try:
        for path in paths:
            response = page.goto(served.url + path)
            assert response is not None and response.status in (200, 404), path
            if page.locator(".explore").count():
                page.wait_for_selector(".explore[data-ready=true]", timeout=30_000)
            page.wait_for_timeout(100)
            violations = page.evaluate("window.__violations")
            assert violations == [] and problems == [], f"{path}: CSP violations {violations} {problems}"
            assert dialogs == [], f"{path}: dialogs {dialogs}"
        screenshot(page, name)
    finally:
        context.close()


@settings(max_examples=2, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(strings=st.lists(hostile_text(), min_size=30, max_size=30), chooser=st.randoms(use_true_random=True))
def test_hostile_catalogue_text_cannot_break_hang_or_hijack_a_site(strings, chooser, browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    hostile_snapshot(folder / "hostile.xml", lambda: chooser.choice(strings))  # a thousand fields, 30 strings
    started = time.perf_counter()
    report = build(BuildOptions(project=REPO, snapshot=folder / "hostile.xml", out=folder / "out", quiet=True))
    assert time.perf_counter() - started < MOST_SECONDS
    assert {site.name for site in report.sites} == {path.stem for path in (REPO / "site_config").glob("*.yml")}
    for site in report.sites:
        check_files(site.output)
        served = Served(site.output)
        try:
            visit(browser, served, pages_to_visit(site.output), f"hostile-{site.name}")
        finally:
            served.close()
