"""Preview images from the snapshot, generated card images and social images, on real image files.

The files are made with Pillow (tests/projects.py): RGB, 16-bit grey, PNG with transparency,
a 20,000 x 20,000 slice, a truncated file, a non-image named .png. They are
attached to HOA datasets as datafiles of the snapshot, the site finds them
under its image root, and the site is built twice.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from builder.cli import main
from builder.commands.build import BuildOptions, build
from tests.conftest import HOA_JSON
from tests.projects import GREY16, HUGE, MISSING, NOT_AN_IMAGE, OUTSIDE, RGB, TRUNCATED, project_with_images

VIEWER = "https://viewer.facility.example/ng/"


@pytest.fixture(scope="module")
def images_project(tmp_path_factory) -> Path:
    return project_with_images(tmp_path_factory.mktemp("images-project"), viewer=VIEWER)


@pytest.fixture(scope="module")
def builds(images_project, tmp_path_factory):
    """The site built twice into the same folder: (first report, second report, site folder)."""
    out = tmp_path_factory.mktemp("images-out")
    options = BuildOptions(project=images_project, sites=("hoa",), out=out, quiet=True)
    first = build(options)
    second = build(options)
    return first.sites[0], second.sites[0], out / "hoa"


class Pictures(HTMLParser):
    """<img>s and <source>s of a page, with the section they are in."""

    def __init__(self):
        super().__init__()
        self.images: list[dict] = []
        self.sources: list[dict] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes)
        elif tag == "source":
            self.sources.append(attributes)
        elif tag == "meta" and ("property" in attributes or "name" in attributes):
            self.meta[attributes.get("property") or attributes["name"]] = attributes.get("content", "")


def pictures(page: Path) -> Pictures:
    parser = Pictures()
    parser.feed(page.read_text())
    return parser


def srcset(text: str) -> list[tuple[str, int]]:
    return [(item.split()[0], int(item.split()[1][:-1])) for item in text.split(", ")]


def gallery(site: Path, name: str) -> list[dict]:
    html = (site / f"datasets/{name}/index.html").read_text()
    section = re.search(r'<section class="gallery".*?</section>', html, re.S)
    if section is None:
        return []
    shown = []
    for block in re.findall(r"<picture>.*?</picture>", section.group(0), re.S):
        parser = Pictures()
        parser.feed(block)
        (img,) = parser.images
        shown.append({"img": img, "sources": parser.sources})
    return shown


def index_cards(site: Path) -> dict[str, dict]:
    """Search-index card data by dataset name: what explore.js shows."""
    cards = [card for path in sorted((site / "search/hoa/d").glob("*.json")) for card in json.loads(path.read_text())]
    return {card[0].split("/")[1]: card[4] for card in cards}


def resolve(site: Path, page: str, link: str) -> Path:
    depth = page.count("/")
    assert link.startswith("../" * depth)
    return site / link[len("../" * depth):]


def test_broken_images_are_warnings_naming_the_file_and_the_site_is_built(builds):
    first, second, site = builds
    messages = [str(w) for w in first.warnings]
    expected = {
        "site_config/images/truncated.jpg": (TRUNCATED, "cannot read the image (image file is truncated", "no picture"),
        "site_config/images/fake.png": (NOT_AN_IMAGE, "cannot read the image (not an image", "left out"),
        "site_config/images/missing.png": (MISSING, "image not found", "no picture"),
        "../outside.png": (OUTSIDE, "no path inside the image root", "no picture"),
    }
    assert len(messages) == len(expected), messages
    for file, (dataset, reason, outcome) in expected.items():
        found = [m for m in messages if m.startswith(f"{file}: ")]
        assert len(found) == 1, (file, messages)
        assert dataset in found[0] and reason in found[0] and outcome in found[0]
    assert [str(w) for w in second.warnings] == messages  # remembered, not read again
    for dataset in (TRUNCATED, NOT_AN_IMAGE, MISSING, OUTSIDE):
        assert (site / f"datasets/{dataset}/index.html").is_file()


def test_a_rebuild_processes_no_image(builds):
    first, second, _ = builds
    assert first.images_processed > 0
    assert second.images_processed == 0
    assert second.images_cached == first.images_processed + first.images_cached


def test_versions_exist_at_the_right_sizes(builds):
    _, _, site = builds
    page = f"datasets/{RGB}/"
    shown = gallery(site, RGB)
    assert len(shown) == 2
    rgb, alpha = shown
    assert rgb["img"]["alt"] == "Virtual slice through the middle of the zoom"
    assert alpha["img"]["alt"] == f"Image slice-2.png of dataset {RGB}"  # no description: named
    assert (rgb["img"]["width"], rgb["img"]["height"]) == ("1600", "1067")
    assert rgb["img"]["loading"] == "lazy" and rgb["img"]["sizes"]
    for kind, format_name in (("image/webp", "WEBP"), ("image/jpeg", "JPEG")):
        entries = srcset(rgb["img"]["srcset"]) if kind == "image/jpeg" else \
            srcset(next(s for s in rgb["sources"] if s["type"] == kind)["srcset"])
        assert [width for _, width in entries] == [400, 800, 1600]
        for link, width in entries:
            with Image.open(resolve(site, page, link)) as made:
                assert made.format == format_name
                assert made.size == (width, round(1600 * width / 2400))
    # transparency: kept in WebP, white in JPEG
    webp = srcset(next(s for s in alpha["sources"] if s["type"] == "image/webp")["srcset"])
    jpeg = srcset(alpha["img"]["srcset"])
    assert [w for _, w in webp] == [w for _, w in jpeg] == [400, 800, 900]
    with Image.open(resolve(site, page, webp[-1][0])) as made:
        assert made.mode == "RGBA" and made.getpixel((10, 10))[3] == 0 and made.getpixel((450, 300))[3] == 255
    with Image.open(resolve(site, page, jpeg[-1][0])) as made:
        assert all(value > 245 for value in made.convert("RGB").getpixel((10, 10)))


def test_16_bit_grey_is_stretched_to_its_own_range(builds):
    _, _, site = builds
    (shown,) = gallery(site, GREY16)
    entries = srcset(shown["img"]["srcset"])
    assert [w for _, w in entries] == [400, 800, 1600]
    with Image.open(resolve(site, f"datasets/{GREY16}/", entries[-1][0])) as made:
        assert made.size == (1600, 1067)
        low, high = made.convert("L").getextrema()
        assert low < 10 and high > 245  # the source used 4 % of the 16-bit range


def test_a_huge_image_is_scaled_down(builds):
    _, _, site = builds
    (shown,) = gallery(site, HUGE)
    entries = srcset(shown["img"]["srcset"])
    assert [w for _, w in entries] == [400, 800, 1600]
    for link, width in entries:
        with Image.open(resolve(site, f"datasets/{HUGE}/", link)) as made:
            assert made.size == (width, width)


def test_cards_show_real_previews_only_and_no_picture_is_drawn_for_the_others(builds):
    _, _, site = builds
    cards = index_cards(site)
    records = [json.loads(p.read_text()) for p in sorted(HOA_JSON.glob("*.json"))]
    assert set(cards) == {r["name"] for r in records}
    with_preview = {RGB, GREY16, HUGE, NOT_AN_IMAGE}
    for name, image in cards.items():
        if name not in with_preview:
            assert image is None, name  # text first: no drawn tile repeating the card's words
            continue
        files = [path for _, variants in image["sets"] for path, _ in variants]
        for path in files:
            assert (site / path).is_file(), (name, path)
        assert (image["w"], image["h"]) == Image.open(site / image["sets"][-1][1][-1][0]).size
        assert image["sets"][-1][0] == "image/jpeg"
    assert cards[NOT_AN_IMAGE]["src"] == cards[RGB]["src"]  # the same file, made once
    # Previews are JPEG and WebP; the only PNGs are social pictures (1200x630): no drawn card tiles.
    for path in (site / "images").rglob("*.png"):
        with Image.open(path) as made:
            assert made.size == (1200, 630), path


def test_server_rendered_cards_match_the_index_and_reserve_their_space(builds):
    _, _, site = builds
    cards = index_cards(site)
    seen = 0
    for page in [site / "index.html", *sorted((site / "page").glob("*/index.html"))]:
        html = page.read_text()
        for media, name in re.findall(r'<div class="card-media">(.*?)</div>\s*<h3 class="card-title"><a href="'
                                      r'[./]*datasets/([^/]+)/"', html, re.S):
            parser = Pictures()
            parser.feed(media)
            (img,) = parser.images
            expected = cards[name]
            assert img["src"].endswith(expected["src"])
            assert (img["width"], img["height"]) == (str(expected["w"]), str(expected["h"]))
            assert img["loading"] == "lazy" and img["alt"] == expected["alt"]
            seen += 1
    assert seen == 4  # the datasets with a readable preview; the others have none


def test_social_images_for_every_dataset_and_doi_page(builds):
    _, _, site = builds
    base = "https://human-organ-atlas.esrf.eu/"
    pages = sorted((site / "datasets").glob("*/index.html")) + sorted((site / "doi").rglob("index.html"))
    assert len(pages) == 378 + 369
    files = set()
    for page in pages:
        meta = pictures(page).meta
        assert meta["twitter:card"] == "summary_large_image"
        assert meta["og:image"].startswith(base) and meta["twitter:image"] == meta["og:image"]
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
        assert meta["og:image:alt"] == meta["og:title"]
        files.add(meta["og:image"][len(base):])
    for path in files:
        with Image.open(site / path) as made:
            assert made.size == (1200, 630) and made.format == "PNG"
    # A DOI of one dataset with the same title says what the dataset page says: one image for both.
    dataset = pictures(site / f"datasets/{RGB}/index.html").meta
    doi = pictures(site / "doi/10.15151/ESRF-DC-2317551834/index.html").meta
    assert dataset["og:title"] == doi["og:title"] and dataset["og:image"] == doi["og:image"]
    assert len(files) < len(pages)


def test_links_open_the_sites_viewer_and_zooms_get_a_context_link(builds):
    _, _, site = builds
    records = {r["name"]: r for r in (json.loads(p.read_text()) for p in sorted(HOA_JSON.glob("*.json")))}
    in_context = 0
    for name, record in records.items():
        html = (site / f"datasets/{name}/index.html").read_text()
        link = re.search(r'id="neuroglancer-link" href="([^"]+)"', html).group(1)
        assert link.startswith(f"{VIEWER}#!")
        context = re.search(r'id="neuroglancer-context-link" href="([^"]+)"', html)
        registered = record.get("registration") and record["registration"]["target_dataset"] in records
        assert bool(context) == bool(registered), name
        in_context += bool(context)
    assert in_context == 224


def test_the_cli_prints_the_warnings_and_the_image_counts(images_project, tmp_path, capsys):
    assert main(["build", "hoa", "--project", str(images_project), "--out", str(tmp_path), "--quiet"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 4
    assert any(line.startswith("warning: site_config/images/truncated.jpg: cannot read the image") for line in warnings)
    assert re.search(r"images: 0 made, \d+ from the cache; 4 warnings", captured.out)
    assert main(["build", "hoa", "--project", str(images_project), "--out", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sites"][0]["images"]["processed"] == 0
    assert len(report["sites"][0]["warnings"]) == 4
