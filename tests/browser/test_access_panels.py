"""The "Access the data" and "Cite" panels in Chromium: an HTTPS link, sizes, copy buttons that copy exactly."""

from __future__ import annotations

import json

import pytest

from tests.conftest import HOA_JSON, Served, screenshot

pytestmark = pytest.mark.browser

HOA_DATASET = "A109_lung_VOI-02b_4.14um_bm18"  # an N5 volume in a public bucket, no size in the catalogue
HOA_RECORD = json.loads((HOA_JSON / f"{HOA_DATASET}.json").read_text())  # its HOA metadata
PALEO_DATASET = "EX-PAL-01_6.5um"  # example files on the facility's disks, mapped by site_config/paleo.yml


@pytest.fixture(scope="module")
def paleo_server(built_sites):
    served = Served(built_sites / "paleo")
    yield served
    served.close()


@pytest.fixture
def clipboard_page(browser):
    """A page whose clipboard the test may read, as a visitor who granted the permission."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    yield tab
    context.close()


def copied(page, button) -> str:
    page.evaluate("navigator.clipboard.writeText('')")
    button.click()
    page.wait_for_function("() => document.activeElement && document.activeElement.textContent === 'Copied'")
    return page.evaluate("navigator.clipboard.readText()")


def test_an_hoa_volume_gives_its_https_address_uncompressed_size_and_a_command_to_copy(clipboard_page, hoa_server):
    page = clipboard_page
    page.goto(hoa_server.url + f"datasets/{HOA_DATASET}/")
    panel = page.locator("section.access")
    bucket_path = HOA_RECORD["data"]["gcs_url"].removeprefix("n5://gs://")
    assert panel.get_by_role("link", name="Open over HTTPS").get_attribute("href") == \
        f"https://storage.googleapis.com/{bucket_path}"
    width, height, depth = HOA_RECORD["data"]["shape"]
    size = f"{width * height * depth * 2 / 1e9:.1f} GB"  # uint16 voxels
    assert panel.locator(".file-size").inner_text() == f"{size} uncompressed"
    assert "(uncompressed, from the volume shape)" in panel.locator(".total-size").inner_text()
    command = panel.locator("pre", has_text="gsutil")
    expected = command.inner_text()
    assert expected == f"gsutil -m cp -r gs://{bucket_path} ./{bucket_path.rstrip('/').rsplit('/', 1)[1]}"
    button = panel.locator(f'button[data-copy="{command.get_attribute("id")}"]')
    assert copied(page, button) == expected
    python = panel.locator("pre", has_text="tensorstore")
    text = copied(page, panel.locator(f'button[data-copy="{python.get_attribute("id")}"]'))
    assert text.startswith("import tensorstore as ts\n") and '"driver": "n5"' in text and text.count("\n") == 3
    screenshot(page, "access-hoa-dataset")
    assert page.errors == []


def test_a_paleontology_dataset_links_its_mapped_files_with_globus_and_copies_curl(clipboard_page, paleo_server):
    page = clipboard_page
    page.goto(paleo_server.url + f"datasets/{PALEO_DATASET}/")
    panel = page.locator("section.access")
    links = panel.get_by_role("link", name="Open over HTTPS")
    assert links.count() == 2
    assert links.first.get_attribute("href") == \
        "https://paleontology.example.org/data/examples/EX-PAL-01_6.5um/EX-PAL-01_6.5um_16bits.tif"
    globus = panel.get_by_role("link", name="Download with Globus").first.get_attribute("href")
    assert globus.startswith("https://app.globus.org/file-manager?origin_id=") and "origin_path=%2Fpaleo%2F" in globus
    assert [s.inner_text() for s in panel.locator(".file-size").all()] == ["2.4 GB", "1.2 GB"]
    assert panel.locator(".total-size").inner_text() == "Total size: 3.6 GB"
    command = panel.locator("pre", has_text="curl").first
    assert copied(page, panel.locator(f'button[data-copy="{command.get_attribute("id")}"]').first) == (
        "curl --fail --location --remote-name "
        "https://paleontology.example.org/data/examples/EX-PAL-01_6.5um/EX-PAL-01_6.5um_16bits.tif")
    screenshot(page, "access-paleo-dataset")
    assert page.errors == []


def test_the_burrow_shows_its_sizes_and_no_link(clipboard_page, paleo_server):
    page = clipboard_page
    page.goto(paleo_server.url + "datasets/BP-1-5558_45.5um/")
    panel = page.locator("section.access")
    assert panel.locator(".total-size").inner_text() == "Total size: 39.2 GB"
    assert panel.get_by_role("link", name="Open over HTTPS").count() == 0
    assert panel.locator(".location").count() == 5


def test_the_cite_panel_picks_a_style_and_copies_it_in_one_click(clipboard_page, hoa_server):
    page = clipboard_page
    page.goto(hoa_server.url + f"datasets/{HOA_DATASET}/")
    picker = page.locator("#cite-style")
    assert picker.is_visible()
    assert page.locator('.citation[data-style="apa"]').is_hidden()
    picker.select_option("bibtex")
    shown = page.locator(".citation:visible")
    assert shown.count() == 1
    text = copied(page, shown.locator("button.copy"))
    year = HOA_RECORD["scan"]["date"][:4]  # the scan's (Collected) date: site_config/hoa.yml's rule
    assert text.startswith("@misc{10_15151_esrf_dc_") and f"  year = {{{year}}}," in text and text.endswith("}")
    picker.select_option("apa")
    apa = copied(page, page.locator('.citation[data-style="apa"] button.copy'))
    assert f"({year})" in apa and apa == page.locator("#citation-apa").inner_text()
    screenshot(page, "cite-panel")
    assert page.errors == []
