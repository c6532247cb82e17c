"""Made images: what a page needs to show one (ImageSet), and making them once, cached by content.

An image is asked for by a request: a preview file of the snapshot (its bytes'
SHA-256 known), or a social image (what is drawn). Its key is
the SHA-256 of the request and of the code that makes it, so the same content
is made once, however many pages show it, and never again while it is in the
cache folder. Missing images are made in worker processes forked from the
build; the made files go into the site as hard links to the cache where the
file system allows (no copying of thousands of files), else as copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Iterable, Sequence, Union

import PIL

from builder.memory.fingerprint import code_fingerprint
from builder.memory.pickles import read_pickle, write_pickle
from builder.publish.output import OutputFolder
from builder.render import drawing, imaging
from builder.workers import map_in_order

FALLBACK_TYPES = ("image/jpeg", "image/png")  # what <img> itself gets; other types are <source>s
PARALLEL_FROM = 8  # images to make; below this, starting workers costs more than it saves


@dataclass(frozen=True)
class Variant:
    path: str  # site path, e.g. images/3f/3f2a9c0b1d4e5f60-800.webp
    width: int
    height: int
    type: str  # MIME type


@dataclass(frozen=True)
class ImageSet:
    """One picture in several widths and formats: everything an <img> or <picture> needs."""

    variants: tuple[Variant, ...]  # by type, then by width
    alt: str = ""

    @property
    def fallback(self) -> tuple[Variant, ...]:
        return tuple(v for v in self.variants if v.type in FALLBACK_TYPES)

    @property
    def sources(self) -> tuple[tuple[str, tuple[Variant, ...]], ...]:
        """The better formats, for <source> elements, each with its widths."""
        types = dict.fromkeys(v.type for v in self.variants if v.type not in FALLBACK_TYPES)
        return tuple((kind, tuple(v for v in self.variants if v.type == kind)) for kind in types)

    @property
    def largest(self) -> Variant:
        return self.fallback[-1]

    @property
    def src(self) -> Variant:
        """What a browser without srcset shows: the middle width."""
        return self.fallback[len(self.fallback) // 2]

    @property
    def width(self) -> int:
        return self.largest.width

    @property
    def height(self) -> int:
        return self.largest.height

    def card_data(self) -> dict:
        """The compact form explore.js renders cards from."""
        return {"alt": self.alt, "w": self.width, "h": self.height, "src": self.src.path,
                "sets": [[kind, [[v.path, v.width] for v in variants]]
                         for kind, variants in (*self.sources, (self.fallback[0].type, self.fallback))]}


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class PhotoRequest:
    """A preview image file of the snapshot."""

    path: str
    digest: str  # SHA-256 of its bytes


@dataclass(frozen=True)
class SocialRequest:
    picture: drawing.SocialPicture
    font_digests: tuple[str, str]


Request = Union[PhotoRequest, SocialRequest]
CODE = ("builder.render.imaging", "builder.render.drawing")  # what makes the images: a change makes each anew


def request_key(request: Request) -> str:
    """The SHA-256 of what the image is made from: every field but font paths (their digests count) and a
    photo's path (its bytes count)."""
    if isinstance(request, PhotoRequest):
        made_of: list = ["photo", request.digest]
    else:
        picture = request.picture
        drawn = (picture.site, picture.title, picture.facts)
        made_of = [type(request).__name__, drawn, picture.palette.colour, picture.palette.accent,
                   request.font_digests]
    text = json.dumps([made_of, PIL.__version__, code_fingerprint(*CODE)], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- the cache


@dataclass(frozen=True)
class MadeFile:
    name: str  # in the cache entry
    width: int
    height: int
    type: str
    digest: str


@dataclass(frozen=True)
class Made:
    """What a request gave: its files in the cache, or why it could not be made."""

    key: str
    files: tuple[MadeFile, ...] = ()
    error: str | None = None


class ImageCache:
    """A folder of made images, one sub-folder per key: the files and a meta.json naming them.

    `index.pickle` holds every entry's meta.json in one file, read once: a large site shows tens of thousands
    of images. Entries never change once made, so an index that lacks some only costs their reads."""

    INDEX = "index.pickle"

    def __init__(self, folder: Path):
        self.folder = folder
        self._index: dict[str, Made] | None = None
        self._indexed = 0  # entries in the index file as read

    def entry(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def load(self, key: str) -> Made | None:
        index = self._read_index()
        entry = os.path.join(self.folder, key[:2], key)
        made = index.get(key)
        if made is None:
            try:
                with open(os.path.join(entry, "meta.json"), encoding="utf-8") as stream:
                    meta = json.load(stream)
            except (OSError, ValueError):
                return None
            made = Made(key, tuple(MadeFile(**item) for item in meta.get("files", ())), meta.get("error"))
        if made.files and not os.path.isfile(os.path.join(entry, made.files[-1].name)):
            index.pop(key, None)
            return None  # a damaged entry: make it again
        index[key] = made
        return made

    def remember(self, made: Made) -> None:
        """Index an entry made in this build (by any process)."""
        self._read_index()[made.key] = made

    def _read_index(self) -> dict[str, Made]:
        if self._index is None:
            self._index = read_pickle(self.folder / self.INDEX, dict) or {}
            self._indexed = len(self._index)
        return self._index

    def save_index(self) -> None:
        """Write the index if it gained entries."""
        if self._index is None or len(self._index) == self._indexed:
            return
        if write_pickle(self.folder / self.INDEX, self._index):
            self._indexed = len(self._index)

    def store(self, key: str, encoded: Sequence[imaging.Encoded], error: str | None = None) -> Made:
        """Write the files into a new folder, then rename it into place: readers never see half an entry."""
        files = tuple(MadeFile(f"{e.width}.{e.extension}", e.width, e.height, e.mime,
                               hashlib.sha256(e.data).hexdigest())
                      for e in encoded)
        made = Made(key, files, error)
        final = self.entry(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{key[:8]}-", dir=final.parent))
        for item, data in zip(files, (e.data for e in encoded)):
            path = building / item.name
            path.write_bytes(data)
            path.chmod(0o444)  # the site links to these files: an edit there must not change the cache
        (building / "meta.json").write_text(json.dumps({"files": [asdict(f) for f in files], "error": error},
                                                       sort_keys=True), encoding="utf-8")
        try:
            os.rename(building, final)
        except OSError:  # made meanwhile by another build: keep that one
            shutil.rmtree(building, ignore_errors=True)
        return made


# ---------------------------------------------------------------- making


def make(request: Request, key: str, cache: ImageCache) -> Made:
    """Make one image into the cache; a photo that cannot be read, or a text that cannot be drawn, is remembered
    as such."""
    try:
        encoded = _encode(request)
    except imaging.UnreadableImage as error:
        return cache.store(key, [], str(error))
    except (RuntimeError, OSError, ValueError) as error:  # Pillow's text layout refusing a string: no picture
        if isinstance(request, PhotoRequest):
            raise
        return cache.store(key, [], f"cannot draw the text ({error})")
    return cache.store(key, encoded)


def _encode(request: Request) -> list[imaging.Encoded]:
    if isinstance(request, PhotoRequest):
        return imaging.photo_versions(imaging.read_picture(Path(request.path)))
    picture = drawing.social_picture(request.picture)
    return [imaging.Encoded(picture.width, picture.height, "image/png", "png", imaging.png(picture))]


@dataclass
class MadeImages:
    """Every requested image by key, and how many were made now or found in the cache."""

    by_key: dict[str, Made] = field(default_factory=dict)
    processed: int = 0
    cached: int = 0


def make_all(requests: Iterable[tuple[str, Request]], cache: ImageCache) -> MadeImages:
    """Find each (key, request) in the cache or make it, the missing ones on every core."""
    result = MadeImages()
    missing: dict[str, Request] = {}
    for key, request in requests:
        if key in result.by_key or key in missing:
            continue
        found = cache.load(key)
        if found is None:
            missing[key] = request
        else:
            result.by_key[key] = found
    result.cached = len(result.by_key)
    result.processed = len(missing)
    work = [(key, missing[key]) for key in sorted(missing)]
    made = map_in_order(partial(_make_pair, cache=cache), work, PARALLEL_FROM, chunks_per_worker=8)
    result.by_key.update((m.key, m) for m in made)
    for item in made:
        cache.remember(item)
    cache.save_index()
    return result


def _make_pair(pair: tuple[str, Request], cache: ImageCache) -> Made:
    key, request = pair
    return make(request, key, cache)


def publish(made: Made, cache: ImageCache, output: OutputFolder, alt: str = "") -> ImageSet:
    """Put a made image's files into the site (once, however often it is shown) and describe them."""
    variants = []
    entry = os.path.join(cache.folder, made.key[:2], made.key)
    for item in made.files:
        extension = item.name.rsplit(".", 1)[-1]
        path = f"images/{made.key[:2]}/{made.key[:16]}-{item.width}.{extension}"
        if not output.exists(path):
            output.link(path, Path(entry, item.name), item.digest)
        variants.append(Variant(path, item.width, item.height, item.type))
    return ImageSet(tuple(variants), alt)
