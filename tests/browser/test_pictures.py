"""Card, gallery and social images in Chromium: they load, reserve their space, and never show as broken."""

import pytest

from builder.commands.build import BuildOptions, build
from tests.conftest import Served, screenshot, wait_until
from tests.projects import RGB, project_with_images

pytestmark = pytest.mark.browser

IMAGES = "**/images/**"


@pytest.fixture(scope="module")
def preview_server(tmp_path_factory):
    """The HOA site with preview images on a few datasets, served over HTTP."""
    project = project_with_images(tmp_path_factory.mktemp("preview-project"), huge=False)
    out = tmp_path_factory.mktemp("preview-out")
    build(BuildOptions(project=project, sites=("hoa",), out=out, quiet=True))
    served = Served(out / "hoa")
    yield served
    served.close()


def card_boxes(page) -> list[tuple]:
    """(top, height, picture width, picture height) of the cards with a picture."""
    return page.eval_on_selector_all(
        "#cards .card:has(.card-media)", """cards => cards.map(card => {
            const box = card.getBoundingClientRect(), media = card.querySelector('.card-media').getBoundingClientRect();
            return [Math.round(box.top), Math.round(box.height), Math.round(media.width), Math.round(media.height)];
        })""")


def loaded_images(page) -> list:
    """(naturalWidth, failed) of the images in view, once each has loaded or failed."""
    wait_until(page, """() => [...document.querySelectorAll('#cards .card-media img')]
        .filter(img => img.getBoundingClientRect().top < innerHeight)
        .every(img => img.complete)""")
    return page.eval_on_selector_all("#cards .card-media img", """images => images
        .filter(img => img.getBoundingClientRect().top < innerHeight)
        .map(img => [img.naturalWidth, img.classList.contains('failed')])""")


def open_explore(page, url):
    page.goto(url)
    page.wait_for_selector(".explore[data-ready=true]")


def test_cards_without_a_picture_are_text_first_and_keep_no_box_for_one(page, hoa_server):
    open_explore(page, hoa_server.url)  # the HOA records have no preview images
    page.check("fieldset[data-facet=organ] input[value=spleen]")  # cards made by the script from the index
    page.wait_for_function("document.querySelectorAll('#cards .card').length < 24")
    assert page.locator("#cards .card").count() > 0
    assert page.locator("#cards .card-media, #cards img").count() == 0
    first = page.eval_on_selector("#cards .card", "card => card.firstElementChild.className")
    assert first == "card-title"
    assert page.errors == []


def test_a_card_with_a_preview_keeps_its_layout_whether_the_image_loads_or_not(browser, preview_server):
    url = preview_server.url + f"?q=name:{RGB}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked = context.new_page()
    blocked.route(IMAGES, lambda route: route.abort())
    open_explore(blocked, url)
    blocked.wait_for_function("document.getElementById('result-count').textContent === '1'")
    without = card_boxes(blocked)
    assert len(without) == 1
    # a failed image leaves its coloured box and no broken-image icon
    assert [failed for _, failed in loaded_images(blocked)] == [True]
    screenshot(blocked, "explore-images-blocked")
    page = context.new_page()
    open_explore(page, url)
    page.wait_for_function("document.getElementById('result-count').textContent === '1'")
    shown = loaded_images(page)
    assert shown and all(width > 0 and not failed for width, failed in shown)
    assert card_boxes(page) == without
    image = page.locator("#cards .card-media img").first
    for attribute in ("width", "height", "srcset", "sizes"):
        assert image.get_attribute(attribute)
    assert image.get_attribute("loading") == "lazy"
    screenshot(page, "explore-images")
    context.close()


def test_a_dataset_shows_its_preview_images_in_webp(page, preview_server):
    page.goto(preview_server.url + f"datasets/{RGB}/")
    gallery = page.locator(".gallery img")
    assert gallery.count() == 2
    page.wait_for_function("[...document.querySelectorAll('.gallery img')].every(img => img.complete)")
    for index in range(2):
        image = gallery.nth(index)
        image.scroll_into_view_if_needed()
        page.wait_for_function(f"document.querySelectorAll('.gallery img')[{index}].naturalWidth > 0")
        assert image.evaluate("img => img.currentSrc").endswith(".webp")
    assert gallery.first.get_attribute("alt") == "Virtual slice through the middle of the zoom"
    screenshot(page, "dataset-gallery")
    assert page.errors == []


def test_preview_images_are_the_cards_of_their_datasets(page, preview_server):
    open_explore(page, preview_server.url + f"?q=name:{RGB}")
    page.wait_for_function("document.getElementById('result-count').textContent === '1'")
    image = page.locator("#cards .card-media img").first
    page.wait_for_function("document.querySelector('#cards .card-media img').naturalWidth > 0")
    assert image.get_attribute("alt") == "Virtual slice through the middle of the zoom"
    assert page.errors == []
