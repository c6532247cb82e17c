"""Which pictures each page of a site shows, made (or found in the cache) before any page is rendered.

- A dataset's preview images are its image files in the snapshot, found
  under the site's image root. The first readable one is its card image.
- A dataset with no readable preview has no card image: its card is text
  first, with no box kept for a picture (a drawn tile would repeat its text).
- Every dataset and DOI page gets a social (Open Graph) image: the page title
  and key facts. A DOI of one dataset that says what its dataset page says
  shares that page's image.

A preview that is missing or unreadable is a warning naming the file, never
an error: the page is built with what remains, at worst a card without a picture.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from builder.catalogue.records import DataFile, Dataset, Publication
from builder.errors import Location, Problem
from builder.memory.catalogue_cache import file_digest
from builder.render import drawing
from builder.render.images import (
    ImageCache,
    ImageSet,
    Made,
    MadeImages,
    PhotoRequest,
    Request,
    SocialRequest,
    make_all,
    publish,
    request_key,
)
from builder.views.collections import Collection
from builder.views.shaping import DatasetView

MAX_FACTS = 4


@dataclass(frozen=True)
class ImageSettings:
    site_title: str
    palette: drawing.Palette
    fonts: drawing.Fonts
    font_digests: tuple[str, str]
    root: Path | None  # where image file locations are found; None: previews are not shown
    social: bool
    shown: Callable[[Path], str] = str  # a path as messages name it


@dataclass(frozen=True)
class DatasetShown:
    """A dataset with a page: the collection view it is shown with, and where."""

    collection: Collection
    view: DatasetView
    path: str


@dataclass(frozen=True)
class DoiShown:
    publication: Publication
    path: str
    datasets: tuple[DatasetShown, ...]  # those of its datasets that have pages
    year: int | None = None  # the year its citations give


@dataclass
class SiteImages:
    cards: dict[str, ImageSet] = field(default_factory=dict)  # dataset key -> its card image
    galleries: dict[str, tuple[ImageSet, ...]] = field(default_factory=dict)  # dataset key -> its previews
    social: dict[str, ImageSet] = field(default_factory=dict)  # page path -> its social image
    warnings: list[Problem] = field(default_factory=list)
    processed: int = 0  # images made in this build
    cached: int = 0  # images found in the cache
    seconds: float = 0.0  # spent finding, making and placing them


def site_images(datasets: Sequence[DatasetShown], dois: Sequence[DoiShown], settings: ImageSettings,
                cache: ImageCache, output) -> SiteImages:
    started = time.perf_counter()
    planner = _Planner(settings)
    for shown in datasets:
        planner.add_dataset(shown)
    if settings.social:
        for doi in dois:
            planner.add_doi(doi)
    photos = make_all(planner.photos.items(), cache)
    images = planner.galleries(photos, cache, output)
    drawn = make_all(planner.drawn.items(), cache)
    planner.place_drawn(images, drawn, cache, output)
    images.processed, images.cached = photos.processed + drawn.processed, photos.cached + drawn.cached
    images.seconds = time.perf_counter() - started
    return images


class _Planner:
    def __init__(self, settings: ImageSettings):
        self.settings = settings
        self.photos: dict[str, Request] = {}  # by key: preview files
        self.drawn: dict[str, Request] = {}  # by key: social images
        self.previews: dict[str, list[tuple[DataFile, Path, str]]] = {}  # dataset key -> (file, path, image key)
        self.social: dict[str, tuple[str, str]] = {}  # page path -> (image key, alt text)
        self.names: dict[str, str] = {}
        self.unusable: dict[str, list[tuple[str, str]]] = {}  # dataset key -> (file as shown, why)
        self._digests: dict[Path, str | None] = {}
        self._keys: dict[Request, str] = {}

    def _request(self, requests: dict[str, Request], request: Request) -> str:
        key = self._keys.get(request)
        if key is None:  # many pages ask for the very same picture: its key is worked out once
            key = self._keys[request] = request_key(request)
            requests[key] = request
        return key

    def add_dataset(self, shown: DatasetShown) -> None:
        dataset, view = shown.view.dataset, shown.view
        self.names[dataset.key] = dataset.name
        self.previews[dataset.key] = [(file, path, self._request(self.photos, PhotoRequest(str(path), digest)))
                                      for file, path, digest in self._preview_files(dataset)]
        if self.settings.social:
            facts = tuple((row.label, row.text) for row in view.card_rows[:MAX_FACTS])
            self.social[shown.path] = (self._social(view.title, facts), view.title)

    def add_doi(self, doi: DoiShown) -> None:
        publication = doi.publication
        rows = {tuple((row.label, row.text) for row in d.view.card_rows[:MAX_FACTS]) for d in doi.datasets}
        if len(rows) == 1:  # the facts of its datasets, when they agree: often the very image of the dataset page
            facts = rows.pop()
        else:
            facts = tuple(fact for fact in (("Datasets", str(len(publication.dataset_keys))),
                                            ("Published", str(doi.year or "")),
                                            ("Publisher", publication.publisher)) if fact[1])
        self.social[doi.path] = (self._social(publication.title, facts), publication.title)

    def _social(self, title: str, facts: tuple[tuple[str, str], ...]) -> str:
        picture = drawing.SocialPicture(self.settings.site_title, title, facts, self.settings.palette,
                                        self.settings.fonts)
        return self._request(self.drawn, SocialRequest(picture, self.settings.font_digests))

    def _preview_files(self, dataset: Dataset) -> list[tuple[DataFile, Path, str]]:
        """The dataset's image files that exist under the image root, with their digests."""
        root = self.settings.root
        if root is None or not dataset.images:
            return []
        found = []
        unusable = self.unusable.setdefault(dataset.key, [])
        for file in dataset.images:
            location = file.location or file.name
            path = _under(root, location)
            if path is None:
                unusable.append((location, "image location is no path inside the image root"))
                continue
            if path not in self._digests:
                self._digests[path] = file_digest(path) if path.is_file() else None
            digest = self._digests[path]
            if digest is None:
                unusable.append((self.settings.shown(path), "image not found"))
                continue
            found.append((file, path, digest))
        return found

    def galleries(self, made: MadeImages, cache: ImageCache, output) -> SiteImages:
        """Each dataset's readable previews (the first is its card image), and a warning for each unusable file."""
        images = SiteImages()
        for key, previews in self.previews.items():
            unusable = self.unusable.get(key, [])
            gallery = []
            for file, path, image_key in previews:
                result = made.by_key[image_key]
                if result.error:
                    unusable.append((self.settings.shown(path), f"cannot read the image ({result.error})"))
                else:
                    alt = file.description or f"Image {file.name} of dataset {self.names[key]}"
                    gallery.append(publish(result, cache, output, alt))
            images.galleries[key] = tuple(gallery)
            if gallery:
                images.cards[key] = gallery[0]
            outcome = "left out" if gallery else "its card shows no picture"
            images.warnings += [Problem(Location(where), f"{why}, an image of dataset {self.names[key]}: {outcome}")
                                for where, why in unusable]
        return images

    def place_drawn(self, images: SiteImages, made: MadeImages, cache: ImageCache, output) -> None:
        for path, (image_key, alt) in self.social.items():
            if not self._failed(images, made.by_key[image_key], f"page /{path}", "social image"):
                images.social[path] = publish(made.by_key[image_key], cache, output, alt)

    @staticmethod
    def _failed(images: SiteImages, result: Made, where: str, what: str) -> bool:
        if result.error:
            images.warnings.append(Problem(Location(where), f"its {what} is left out: {result.error}"))
        return bool(result.error)


def _under(root: Path, location: str) -> Path | None:
    """`location` as a file under `root`: absolute paths count from the root, '..' may not leave it."""
    if "://" in location:
        return None
    parts = [part for part in location.replace("\\", "/").split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return root.joinpath(*parts)
