"""Where a visitor can fetch a file: the public HTTPS address of a data location, if it has one.

Volumes are stored as `n5://gs://bucket/path/` or `gs://bucket/path/|zarr3:`
(Neuroglancer's forms); cloud buckets also answer plain HTTPS. A path on the
facility's disks (`/data/visitor/...`) has no public address.
"""

from __future__ import annotations

import mimetypes
import re

from builder.catalogue.records import DataFile
from builder.render.urls import link_url

PUBLIC_BUCKETS = {
    "gs": "https://storage.googleapis.com/{bucket}/{path}",
    "s3": "https://{bucket}.s3.amazonaws.com/{path}",
}
DATA_FORMAT = re.compile(r"^(?:n5|zarr[23]?|precomputed)://")
FOLDER_FORMATS = {"n5": "application/x-n5", "zarr": "application/x-zarr", "zarr2": "application/x-zarr",
                  "zarr3": "application/x-zarr", "precomputed": "application/x-neuroglancer-precomputed"}
KNOWN_TYPES = mimetypes.MimeTypes()  # Python's own table only: the machine's files would change the output


def public_url(location: str | None) -> str | None:
    if not location:
        return None
    address = DATA_FORMAT.sub("", location.split("|", 1)[0])
    if address.startswith(("https://", "http://")):
        return link_url(address)
    scheme, _, rest = address.partition("://")
    pattern = PUBLIC_BUCKETS.get(scheme)
    if pattern is None or not rest:
        return None
    bucket, _, path = rest.partition("/")
    return link_url(pattern.format(bucket=bucket, path=path))


def media_type(datafile: DataFile) -> str:
    """The file's media type for links: by its format, else by its name; unknown: octet-stream."""
    location = datafile.location or ""
    prefix = location.split("://", 1)[0] if DATA_FORMAT.match(location) else ""
    pipeline = location.rsplit("|", 1)[1].rstrip(":") if "|" in location else ""
    folder = FOLDER_FORMATS.get(prefix or pipeline) or FOLDER_FORMATS.get((datafile.format or "").lower())
    if folder:
        return folder
    guessed, _ = KNOWN_TYPES.guess_type(datafile.name or location, strict=False)
    return guessed or "application/octet-stream"
