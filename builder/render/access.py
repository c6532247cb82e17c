"""How a visitor gets the data: a link a browser opens, Globus, copy-ready commands, and sizes.

Volumes are stored as `n5://gs://bucket/path/` or `gs://bucket/path/|zarr3:`
(Neuroglancer's forms); cloud buckets also answer plain HTTPS. A path on the
facility's disks (`/data/visitor/...`) has an address only where the site
config's `access.locations` maps it to an HTTP(S) base, and a Globus link
where `access.globus` names a collection serving it. Any other scheme
(`javascript:`, `file:`) is shown as text, never as a link.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import quote, urlencode

from builder.catalogue.records import DataFile, Dataset
from builder.config.sites import Access
from builder.render.urls import link_url
from builder.views.formatting import size

PUBLIC_BUCKETS = {
    "gs": "https://storage.googleapis.com/{bucket}/{path}",
    "s3": "https://{bucket}.s3.amazonaws.com/{path}",
}
DATA_FORMAT = re.compile(r"^(?:n5|zarr[23]?|precomputed)://")
FOLDER_FORMATS = {"n5": "application/x-n5", "zarr": "application/x-zarr", "zarr2": "application/x-zarr",
                  "zarr3": "application/x-zarr", "precomputed": "application/x-neuroglancer-precomputed"}
KNOWN_TYPES = mimetypes.MimeTypes()  # Python's own table only: the machine's files would change the output
# tensorstore's driver and the full-resolution level of each chunked format a volume can be stored in
TENSORSTORE = {"n5": ("n5", "s0/"), "zarr": ("zarr", "0/"), "zarr2": ("zarr", "0/"), "zarr3": ("zarr3", "0/")}
VOXEL_BYTES = {"uint8": 1, "uint16": 2, "float32": 4}
NO_ACCESS = Access()


@dataclass(frozen=True)
class Command:
    label: str  # e.g. "gsutil"
    text: str


@dataclass(frozen=True)
class FileAccess:
    name: str
    format: str
    location: str
    url: str  # where a browser opens it; "" if nowhere
    globus_url: str
    size: str
    size_derived: bool  # the volume's uncompressed size, from its shape and data type
    commands: tuple[Command, ...]


@dataclass(frozen=True)
class AccessPanel:
    """The "Access the data" panel of a dataset or DOI page."""

    files: tuple[FileAccess, ...]
    total_size: str
    total_derived: bool  # some of the total is uncompressed volume sizes
    unknown_sizes: int  # files whose size neither the catalogue nor a volume shape gives


def address(location: str | None) -> str:
    """The storage address of a location, without Neuroglancer's format prefix or pipeline."""
    return DATA_FORMAT.sub("", (location or "").split("|", 1)[0])


def public_url(location: str | None, access: Access = NO_ACCESS) -> str | None:
    """The HTTP(S) address a browser opens for a catalogue location; None if it has none."""
    found = address(location)
    for base in access.locations:
        if found.startswith(base.prefix):
            return base.url + quote(found[len(base.prefix):], safe="/-._~")
    if found.startswith(("https://", "http://")):
        return link_url(found)
    scheme, _, rest = found.partition("://")
    pattern = PUBLIC_BUCKETS.get(scheme)
    if pattern is None or not rest:
        return None
    bucket, _, path = rest.partition("/")
    return link_url(pattern.format(bucket=bucket, path=path))


def globus_url(location: str | None, access: Access) -> str | None:
    """The Globus web app's page of the collection folder serving a location, if a collection serves it."""
    found = address(location)
    for globus in access.globus:
        if found.startswith(globus.prefix):
            path = globus.path.rstrip("/") + "/" + found[len(globus.prefix):]
            return f"{globus.app}?{urlencode({'origin_id': globus.collection, 'origin_path': path})}"
    return None


def volume_format(location: str | None) -> str:
    """'n5', 'zarr', 'zarr3', 'precomputed' or '' for a location in Neuroglancer's forms."""
    location = location or ""
    if DATA_FORMAT.match(location):
        return location.split("://", 1)[0]
    return location.rsplit("|", 1)[1].rstrip(":") if "|" in location else ""


def commands(datafile: DataFile, url: str | None) -> tuple[Command, ...]:
    """Copy-ready commands that fetch a file or folder, and open a chunked volume lazily."""
    found = address(datafile.location)
    target = "./" + (found.rstrip("/").rsplit("/", 1)[-1] or "data")
    made = []
    if found.startswith("gs://"):
        made += [Command("gsutil", f"gsutil -m cp -r {found} {target}"),
                 Command("rclone", f"rclone copy --gcs-anonymous :gcs:{found[5:]} {target}")]
    elif found.startswith("s3://"):
        made.append(Command("AWS CLI", f"aws s3 cp --no-sign-request --recursive {found} {target}"))
    elif url and url.endswith("/"):
        made.append(Command("wget", f"wget --recursive --no-parent --no-host-directories {url}"))
    elif url:
        made.append(Command("curl", f"curl --fail --location --remote-name {url}"))
    driver = TENSORSTORE.get(volume_format(datafile.location))
    store = found if found.startswith(("gs://", "s3://")) else url
    if driver and store:
        made.append(Command("Python (tensorstore)", _tensorstore(driver, store)))
    return tuple(made)


def _tensorstore(driver: tuple[str, str], store: str) -> str:
    name, level = driver
    kvstore = store.rstrip("/") + "/" + level
    return (f'import tensorstore as ts\n'
            f'# full resolution; nothing is read until you index the volume\n'
            f'volume = ts.open({{"driver": "{name}", "kvstore": "{kvstore}"}}, read=True).result()\n'
            f'print(volume.shape, volume.dtype)')


def uncompressed_size(dataset: Dataset, datafile: DataFile, access: Access) -> int | None:
    """The bytes of the dataset's volume, unpacked, if the file is the volume and its shape and data type known."""
    volume = dataset.volume
    if volume is None or volume.shape is None or access.voxel_type is None or datafile.location != volume.source:
        return None
    width, height, depth = volume.shape
    return width * height * depth * VOXEL_BYTES[access.voxel_type]


def access_panel(datasets: Sequence[Dataset], access: Access) -> AccessPanel:
    files = []
    known, unknown, any_derived = 0, 0, False
    for dataset in datasets:
        for datafile in dataset.files:
            derived = None if datafile.size is not None else uncompressed_size(dataset, datafile, access)
            shown = datafile.size if datafile.size is not None else derived
            if shown is None:
                unknown += 1
            else:
                known += shown
            any_derived = any_derived or derived is not None
            url = public_url(datafile.location, access)
            files.append(FileAccess(datafile.name, datafile.format or "", datafile.location or "", url or "",
                                    globus_url(datafile.location, access) or "", size(shown), derived is not None,
                                    commands(datafile, url)))
    total = size(known) if files and unknown < len(files) else ""
    return AccessPanel(tuple(files), total, any_derived, unknown)


def media_type(datafile: DataFile) -> str:
    """The file's media type for links: by its format, else by its name; unknown: octet-stream."""
    folder = FOLDER_FORMATS.get(volume_format(datafile.location)) or \
        FOLDER_FORMATS.get((datafile.format or "").lower())
    if folder:
        return folder
    guessed, _ = KNOWN_TYPES.guess_type(datafile.name or datafile.location or "", strict=False)
    return guessed or "application/octet-stream"
