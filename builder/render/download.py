"""The "How to download" page of a site, generated from its `access` settings."""

from __future__ import annotations

from dataclasses import dataclass

from builder.config.sites import Site
from builder.render.context import Page


@dataclass(frozen=True)
class Mapped:
    prefix: str  # of the catalogue's locations
    target: str  # an HTTP(S) base, or a Globus collection's folder
    url: str  # a link to it


@dataclass(frozen=True)
class DownloadPage(Page):
    locations: tuple[Mapped, ...]
    globus: tuple[Mapped, ...]
    voxel_type: str


def download_page(site: Site, path: str) -> DownloadPage:
    access = site.config.access
    return DownloadPage(
        path=path, title="How to download", description=f"How to download the data of the {site.config.title}",
        locations=tuple(Mapped(base.prefix, base.url, base.url) for base in access.locations),
        globus=tuple(Mapped(g.prefix, f"{g.collection}{g.path}", f"{g.app}?origin_id={g.collection}")
                     for g in access.globus),
        voxel_type=access.voxel_type or "",
    )
