"""The plan of a site: every page by its path, and the datasets' views each is made from.

The plan is made before anything is written, so that two records that map
to one URL are reported as an error instead of one page overwriting another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from builder.catalogue.records import Catalogue
from builder.config.sites import Site, SiteConfig
from builder.errors import BuildError, Location, Problem
from builder.memory.lookups import Read, Recorder, recorded_catalogue
from builder.memory.site_memory import MemoryKeeper
from builder.publish.published import PublishedDoi, withdrawn_since
from builder.render import context as ctx
from builder.render import search
from builder.views.collections import Collection
from builder.views.shaping import DatasetView, Shaper


def dataset_path(config: SiteConfig, dataset) -> str:
    """Where a dataset's page is in a site (before any clash with another page is checked)."""
    return config.paths.dataset.format(name=dataset.name, proposal=dataset.investigation.name,
                                       visit=dataset.investigation.visit_id)


MOST_SEGMENT_BYTES = 255  # what file systems allow in one name


def safe_segments(text: str) -> bool:
    """No empty, '.' or '..' segment: a path from the data must stay inside the site; and none longer than a file
    name can be."""
    return text == "" or all(part not in ("", ".", "..") and len(part.encode("utf-8", "surrogatepass")) <=
                             MOST_SEGMENT_BYTES for part in text.rstrip("/").split("/"))


@dataclass
class PathClaims:
    """Output path -> what makes it; the first claim on a path wins, a second is a problem."""

    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (kind, subject)
    problems: list[Problem] = field(default_factory=list)

    def claim(self, path: str, kind: str, subject: str, where: Location) -> bool:
        if not safe_segments(path):
            self.problems.append(Problem(where, f"{kind} '{subject}' maps to the unsafe path '{path}'"))
            return False
        previous = self.pages.get(path)
        if previous is not None:
            self.problems.append(Problem(where, f"{kind} '{subject}' and {previous[0]} '{previous[1]}' both map to "
                                                f"'{path}'; make the path pattern tell them apart"))
            return False
        self.pages[path] = (kind, subject)
        return True

    def check(self) -> None:
        if self.problems:
            raise BuildError(self.problems)


@dataclass
class CollectionPlan:
    collection: Collection
    explore_path: str
    views: list[DatasetView]  # in the default order
    sort_columns: list[search.SortColumn]
    view_reads: dict[str, frozenset[Read]] = field(default_factory=dict)  # dataset key -> what its view looked up


@dataclass
class SitePlan:
    site: Site
    collections: list[CollectionPlan]
    links: ctx.PageLinks
    dois: list[str]
    help_pages: list[tuple[str, Path, str | None]] = field(default_factory=list)  # (path, source, title)
    withdrawn: list[PublishedDoi] = field(default_factory=list)  # DOIs published before, gone now
    withdrawn_paths: dict[str, str] = field(default_factory=dict)  # their pages, by DOI
    doi_index_paths: list[str] = field(default_factory=list)  # the pages of the list of every DOI
    # dataset key -> the collection its page is made in: the first of the site's that has the dataset
    page_collections: dict[str, str] = field(default_factory=dict)
    download_path: str | None = None  # the "How to download" page

    @property
    def page_count(self) -> int:
        explore = sum(max(1, -(-len(c.views) // self.site.config.explore.page_size)) for c in self.collections)
        return (explore + len(self.links.datasets) + len(self.dois) + len(self.withdrawn) + len(self.help_pages)
                + len(self.doi_index_paths) + (self.download_path is not None) + 1)


def plan_site(site: Site, collections: Sequence[Collection], catalogue: Catalogue,
              published: Mapping[str, PublishedDoi] | None = None, memory: MemoryKeeper | None = None) -> SitePlan:
    """Every page of the site by path; raises BuildError if two things claim one path.

    `published` are the DOIs of the site built before: those gone from the catalogue keep a withdrawn page.
    What each dataset's view looks up is noted for the pages made from it.
    """
    memory = memory or MemoryKeeper.without_previous(catalogue)
    claims = PathClaims()
    where = site.document.locate(("paths",))
    dataset_paths: dict[str, str] = {}
    titles: dict[str, str] = {}
    page_collections: dict[str, str] = {}
    collection_plans = []
    for index, collection in enumerate(collections):
        explore_path = "" if len(collections) == 1 else f"{collection.name}/"
        claims.claim(explore_path, "explore page", collection.name, where)
        views, view_reads = _views(collection, catalogue, memory.recorder)
        sorts = _sort_columns(collection, views)
        default = next((s for s in sorts if s.key == collection.config.sort.default), None)
        if default is not None:
            order = sorted(range(len(views)), key=default.ranks.__getitem__)
            views = [views[i] for i in order]
            sorts = [search.SortColumn(s.key, s.label, [s.ranks[i] for i in order], s.descending) for s in sorts]
        for view in views:
            dataset = view.dataset
            if dataset.key in dataset_paths:
                continue
            path = dataset_path(site.config, dataset)
            if claims.claim(path, "dataset", dataset.key, where):
                dataset_paths[dataset.key] = path
                titles[dataset.key] = view.title
                page_collections[dataset.key] = collection.name
        collection_plans.append(CollectionPlan(collection, explore_path, views, sorts, view_reads))
    doi_paths = _claim_dois(claims, site, _wanted_dois(site, collection_plans, catalogue), "DOI")
    withdrawn = withdrawn_since(published or {}, catalogue.publications, catalogue.date) \
        if site.config.doi_pages != "none" else []
    withdrawn_paths = _claim_dois(claims, site, [entry.doi for entry in withdrawn], "withdrawn DOI")
    index_paths = []
    if site.config.doi_pages != "none":
        count = max(1, -(-(len(doi_paths) + len(withdrawn_paths)) // site.config.landing.per_page))
        index_paths = [doi_index_path(site, number) for number in range(1, count + 1)]
        for path in index_paths:
            claims.claim(path, "DOI index", path, site.document.locate(("paths", "doi_index")))
    help_pages = []
    for index, page in enumerate(site.config.pages):
        path = page.path.strip("/") + "/"
        if claims.claim(path, "help page", page.source, site.document.locate(("pages", index, "path"))):
            help_pages.append((path, site.source_path(page.source), page.title))
    download_path = _claim_download_page(claims, site)
    claims.check()
    return SitePlan(site, collection_plans, ctx.PageLinks(dataset_paths, doi_paths, titles), sorted(doi_paths),
                    help_pages, [e for e in withdrawn if e.doi in withdrawn_paths], withdrawn_paths, index_paths,
                    page_collections, download_path)


def _claim_download_page(claims: PathClaims, site: Site) -> str | None:
    wanted = site.config.access.help_path
    if wanted is None:
        return None
    path = wanted.strip("/") + "/"
    return path if claims.claim(path, "download help page", wanted, site.document.locate(("access", "help_path"))) \
        else None


def _views(collection: Collection, catalogue: Catalogue,
           recorder: Recorder) -> tuple[list[DatasetView], dict[str, frozenset[Read]]]:
    """The view of each dataset of the collection, and what each looked up (pages made from it look up as much).

    Views are made again each build: they take less time to make than to store and read back."""
    shaper = Shaper(collection, recorded_catalogue(catalogue, recorder), recorder)
    views, view_reads = [], {}
    for key in collection.keys:
        with recorder.piece() as reads:
            recorder.note("datasets", key)
            views.append(shaper.view(catalogue.datasets[key]))
        view_reads[key] = frozenset(reads)
    return views, view_reads


def _wanted_dois(site: Site, collections: Sequence[CollectionPlan], catalogue: Catalogue) -> list[str]:
    """The DOIs a site gives a landing page: those of its datasets, or every DOI of a DOI site."""
    if site.config.doi_pages == "all":
        return sorted(catalogue.publications)
    if site.config.doi_pages == "collection":
        return sorted({doi for c in collections for v in c.views for doi in v.dataset.doi_list
                       if doi in catalogue.publications})
    return []


def _claim_dois(claims: PathClaims, site: Site, dois: Sequence[str], kind: str) -> dict[str, str]:
    where = site.document.locate(("paths", "doi"))
    paths = {}
    for doi in dois:
        path = site.config.paths.doi.format(doi=doi)
        if claims.claim(path, kind, doi, where):
            paths[doi] = path
    return paths


def doi_index_path(site: Site, number: int) -> str:
    first = site.config.paths.doi_index
    return first if number == 1 else f"{first}page/{number}/"


def _sort_columns(collection: Collection, views: Sequence[DatasetView]) -> list[search.SortColumn]:
    options = collection.config.sort.options
    return [search.sort_column(key, option.label or key, [v.values[option.field].raw for v in views],
                               option.descending) for key, option in options.items()]
