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


def card_boxes(page, count: int = 9) -> list[tuple]:
    return page.eval_on_selector_all(
        "#cards .card", f"""cards => cards.slice(0, {count}).map(card => {{
            const box = card.getBoundingClientRect(), media = card.querySelector('.card-media').getBoundingClientRect();
            return [Math.round(box.top), Math.round(box.height), Math.round(media.width), Math.round(media.height)];
        }})""")


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


def test_cards_keep_their_layout_whether_images_load_or_not(browser, hoa_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked = context.new_page()
    blocked.route(IMAGES, lambda route: route.abort())
    open_explore(blocked, hoa_server.url)
    without = card_boxes(blocked)
    assert all(not width for width, _ in loaded_images(blocked))
    # a failed image leaves its coloured box and no broken-image icon
    assert all(failed for _, failed in loaded_images(blocked))
    screenshot(blocked, "explore-images-blocked")
    page = context.new_page()
    open_explore(page, hoa_server.url)
    shown = loaded_images(page)
    assert shown and all(width > 0 and not failed for width, failed in shown)
    assert card_boxes(page) == without
    width, height = without[0][2:]
    assert abs(width / height - 16 / 10) < 0.02
    screenshot(page, "explore-images")
    context.close()


def test_cards_rendered_from_the_search_index_show_their_images(page, hoa_server):
    open_explore(page, hoa_server.url)
    page.check("fieldset[data-facet=organ] input[value=spleen]")
    page.wait_for_function("document.querySelectorAll('#cards .card').length < 24")
    images = page.locator("#cards .card-media img")
    assert images.count() == page.locator("#cards .card").count()
    for attribute in ("width", "height", "srcset", "sizes"):
        assert images.first.get_attribute(attribute)
    assert images.first.get_attribute("loading") == "lazy"
    shown = loaded_images(page)
    assert shown and all(width > 0 and not failed for width, failed in shown)
    assert page.errors == []


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
