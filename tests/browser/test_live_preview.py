"""`atlasgen serve hoa` on a copy of the project, a real Chromium on its pages, a curator's edits on disk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot
from tests.serving import LivePreview, project_copy

pytestmark = pytest.mark.browser

OVERLAY = "#atlasgen-overlay"


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    served = LivePreview(project_copy(tmp_path_factory.mktemp("curator")), "hoa")
    yield served
    served.close()


@pytest.fixture
def explore(page, preview):
    """The HOA explore page, open in the browser, with no error shown."""
    page.goto(preview.url)
    page.wait_for_selector(".explore[data-ready=true]")
    expect(page.locator(OVERLAY)).to_have_count(0)
    return page


def replace_in(path: Path, old: str, new: str) -> str:
    """Edit the file as an editor saves it; returns the text it had."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def assert_still_served(preview: LivePreview, label: str) -> None:
    """The last good site is what a visitor still gets."""
    status, body = preview.get("/search/hoa/manifest.json")
    assert status == 200 and f'"label":"{label}"' in body


def test_a_facet_label_edit_shows_in_the_open_page_within_3_seconds(preview, explore):
    collection = preview.project / "collections" / "hoa.yml"
    expect(explore.locator("fieldset[data-facet=sex] legend")).to_contain_text("Sex")
    original = replace_in(collection, "- {field: sex}", "- {field: sex, label: Donor sex}")
    try:
        saved = time.monotonic()
        expect(explore.locator("fieldset[data-facet=sex] legend")).to_contain_text("Donor sex", timeout=10000)
        seconds = time.monotonic() - saved
        assert seconds < 3, f"the page changed {seconds:.1f} s after the edit; the server said:\n{preview.terminal}"
        screenshot(explore, "live-preview-label-edited")
    finally:
        collection.write_text(original, encoding="utf-8")
    expect(explore.locator("fieldset[data-facet=sex] legend")).not_to_contain_text("Donor", timeout=10000)
    assert explore.errors == []


def test_a_yaml_error_shows_the_overlay_with_file_and_line_and_fixing_it_recovers(preview, explore):
    collection = preview.project / "collections" / "hoa.yml"
    original = replace_in(collection, "  - {field: sex}\n", "  - {field: sex\n")
    line = line_of(collection, "- {field: sex")
    overlay = explore.locator(OVERLAY)
    expect(overlay).to_be_visible(timeout=10000)
    expect(overlay).to_contain_text(f"collections/hoa.yml:{line + 1}")
    expect(overlay).to_contain_text("YAML")
    screenshot(explore, "live-preview-yaml-error")
    assert_still_served(preview, "Sex")
    collection.write_text(original.replace("- {field: sex}", "- {field: sex, label: Sex of donor}"), encoding="utf-8")
    expect(overlay).to_have_count(0, timeout=10000)
    expect(explore.locator("fieldset[data-facet=sex] legend")).to_contain_text("Sex of donor")
    collection.write_text(original, encoding="utf-8")
    expect(explore.locator("fieldset[data-facet=sex] legend")).not_to_contain_text("of donor", timeout=10000)


def break_and_mend(preview, page, break_it, mend_it, where: str, message: str) -> None:
    """Break the project; the page and the terminal say where and what, the site stays served; mend it."""
    start = len(preview.lines)
    break_it()
    try:
        overlay = page.locator(OVERLAY)
        expect(overlay).to_be_visible(timeout=10000)
        expect(overlay).to_contain_text(where)
        expect(overlay).to_contain_text(message)
        preview.wait_for_terminal(f"error: {where}.*{message}", start=start)
        assert_still_served(preview, "Sex")
        assert preview.process.poll() is None
    finally:
        mend_it()
    expect(page.locator(OVERLAY)).to_have_count(0, timeout=10000)
    preview.wait_for_terminal(r"^built hoa", start=start)


def test_a_collection_edited_into_invalid_utf8(preview, explore):
    collection = preview.project / "collections" / "hoa.yml"
    original = collection.read_bytes()
    line = line_of(collection, "cause_of_death: {label")
    broken = original.replace(b"Cause of death", b"Cause of d\xe9ath", 1)  # Latin-1, as an old editor saves it
    break_and_mend(preview, explore, lambda: collection.write_bytes(broken), lambda: collection.write_bytes(original),
                   f"collections/hoa.yml:{line}:", "not UTF-8")
    screenshot(explore, "live-preview-recovered")


def test_a_deleted_template(preview, explore):
    template = preview.project / "themes" / "default" / "templates" / "card.html"
    kept = template.read_bytes()
    break_and_mend(preview, explore, template.unlink, lambda: template.write_bytes(kept),
                   "themes/default/templates/explore.html:", "template 'card.html' not found")


def test_a_renamed_collection_file(preview, explore):
    collection = preview.project / "collections" / "hoa.yml"
    renamed = collection.with_name("human-organs.yml")
    break_and_mend(preview, explore, lambda: collection.rename(renamed), lambda: renamed.rename(collection),
                   "site_config/hoa.yml:", "no file collections/hoa.yml")


def test_a_page_opened_while_the_build_is_broken_shows_the_overlay(preview, page):
    help_page = preview.project / "site_config" / "hoa" / "help.md"
    assert help_page.is_file()
    kept = help_page.read_bytes()
    help_page.write_bytes(b"# Help\n\nOne \xff byte\n")
    try:
        preview.wait_for_terminal("error: site_config/hoa/help.md:3:5")
        page.goto(preview.url + "help/")
        expect(page.locator(OVERLAY)).to_contain_text("site_config/hoa/help.md:3:5")
    finally:
        help_page.write_bytes(kept)
    expect(page.locator(OVERLAY)).to_have_count(0, timeout=10000)
