"""Render one site: plan every page, then write pages, search index, assets and sitemap.

Everything is gathered and checked (paths, collisions) before the first
file is written; files go into an OutputFolder that is swapped in later.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import markdown
from jinja2 import Environment

from builder.catalogue.records import Catalogue
from builder.config.sites import Plan, Site, dataset_path, url_path
from builder.errors import Problem
from builder.memory.lookups import Read, Recorder, recorded, recorded_catalogue
from builder.memory.results import ResultCache
from builder.memory.site_memory import MemoryKeeper
from builder.publish.output import OutputFolder
from builder.publish.published import PublishedDoi, withdrawn_since
from builder.render import context as ctx
from builder.render import search
from builder.render.doisite import DoiPages
from builder.render.environment import content_hash
from builder.render.images import ImageCache, ImageSet
from builder.render.landing import ExternalLink
from builder.render.neuroglancer import ViewerSettings
from builder.render.pages import Job, render_pages
from builder.render.siteimages import DatasetShown, DoiShown, ImageSettings, SiteImages, site_images
from builder.views.collections import Collection, Facet, field_units
from builder.views.shaping import DatasetView, Shaper

Progress = Callable[[int], None]


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

    @property
    def page_count(self) -> int:
        explore = sum(max(1, -(-len(c.views) // self.site.config.explore.page_size)) for c in self.collections)
        return (explore + len(self.links.datasets) + len(self.dois) + len(self.withdrawn) + len(self.help_pages)
                + len(self.doi_index_paths) + 1)


def plan_site(site: Site, collections: Sequence[Collection], catalogue: Catalogue,
              published: Mapping[str, PublishedDoi] | None = None, memory: MemoryKeeper | None = None) -> SitePlan:
    """Every page of the site by path; raises BuildError if two things claim one path.

    `published` are the DOIs of the site built before: those gone from the catalogue keep a withdrawn page.
    What each dataset's view looks up is noted for the pages made from it.
    """
    memory = memory or MemoryKeeper.without_previous(catalogue)
    plan = Plan()
    where = site.document.locate(("paths",))
    dataset_paths: dict[str, str] = {}
    titles: dict[str, str] = {}
    page_collections: dict[str, str] = {}
    collection_plans = []
    for index, collection in enumerate(collections):
        explore_path = "" if len(collections) == 1 else f"{collection.name}/"
        plan.claim(explore_path, "explore page", collection.name, where)
        views, view_reads = _views(collection, catalogue, memory.recorder)
        sorts = _sort_columns(collection, views)
        default = next((s for s in sorts if s.key == collection.config.sort.default), None)
        if default is not None:
            order = sorted(range(len(views)), key=default.ranks.__getitem__)
            views = [views[i] for i in order]
            sorts = [search.SortColumn(s.key, s.label, [s.ranks[i] for i in order]) for s in sorts]
        for view in views:
            dataset = view.dataset
            if dataset.key in dataset_paths:
                continue
            path = dataset_path(site.config, dataset)
            if plan.claim(path, "dataset", dataset.key, where):
                dataset_paths[dataset.key] = path
                titles[dataset.key] = view.title
                page_collections[dataset.key] = collection.name
        collection_plans.append(CollectionPlan(collection, explore_path, views, sorts, view_reads))
    doi_paths = _claim_dois(plan, site, _wanted_dois(site, collection_plans, catalogue), "DOI")
    withdrawn = withdrawn_since(published or {}, catalogue.publications, catalogue.date) \
        if site.config.doi_pages != "none" else []
    withdrawn_paths = _claim_dois(plan, site, [entry.doi for entry in withdrawn], "withdrawn DOI")
    index_paths = []
    if site.config.doi_pages != "none":
        count = max(1, -(-(len(doi_paths) + len(withdrawn_paths)) // site.config.landing.per_page))
        index_paths = [doi_index_path(site, number) for number in range(1, count + 1)]
        for path in index_paths:
            plan.claim(path, "DOI index", path, site.document.locate(("paths", "doi_index")))
    help_pages = []
    for index, page in enumerate(site.config.pages):
        path = page.path.strip("/") + "/"
        if plan.claim(path, "help page", page.source, site.document.locate(("pages", index, "path"))):
            help_pages.append((path, site.source_path(page.source), page.title))
    plan.check()
    return SitePlan(site, collection_plans, ctx.PageLinks(dataset_paths, doi_paths, titles), sorted(doi_paths),
                    help_pages, [e for e in withdrawn if e.doi in withdrawn_paths], withdrawn_paths, index_paths,
                    page_collections)


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


def _claim_dois(plan: Plan, site: Site, dois: Sequence[str], kind: str) -> dict[str, str]:
    where = site.document.locate(("paths", "doi"))
    paths = {}
    for doi in dois:
        path = site.config.paths.doi.format(doi=doi)
        if plan.claim(path, kind, doi, where):
            paths[doi] = path
    return paths


def doi_index_path(site: Site, number: int) -> str:
    first = site.config.paths.doi_index
    return first if number == 1 else f"{first}page/{number}/"


def _sort_columns(collection: Collection, views: Sequence[DatasetView]) -> list[search.SortColumn]:
    options = collection.config.sort.options
    return [search.sort_column(key, option.label or key, [v.values[option.field].raw for v in views],
                               option.descending) for key, option in options.items()]


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class Theme:
    """How a site's files look: its templates, the static files copied beside them, how its images are drawn."""

    environment: Environment
    static_dirs: Sequence[Path]
    images: ImageSettings


@dataclass(frozen=True)
class SharedInputs:
    """What every site of a build draws on: the catalogue, the caches kept across builds, the atlas pages."""

    catalogue: Catalogue
    image_cache: ImageCache
    results: ResultCache = field(default_factory=lambda: ResultCache(None))  # citations, DataCite checks
    atlas_links: Mapping[str, tuple[ExternalLink, ...]] = field(default_factory=dict)  # dataset key -> its pages


class SiteRenderer:
    def __init__(self, plan: SitePlan, theme: Theme, output: OutputFolder, shared: SharedInputs,
                 memory: MemoryKeeper | None = None):
        self.plan = plan
        self.site = plan.site
        self.catalogue = shared.catalogue
        self.environment = theme.environment
        self.output = output
        self.static_dirs = theme.static_dirs
        self.site_context = ctx.site_context(self.site)
        self.image_settings = theme.images
        self.image_cache = shared.image_cache
        self.images = SiteImages()
        self.memory = memory or MemoryKeeper.without_previous(self.catalogue)
        self.memory.lookups.add_fields(plan.links, "links.")
        # Only a site with a page for every DOI links each DOI's datasets to their pages in the atlases.
        atlas_links = shared.atlas_links if self.site.config.doi_pages == "all" else {}
        self.doi_pages = DoiPages(plan, self.catalogue, atlas_links, shared.results, self.memory)

    @property
    def warnings(self) -> list[Problem]:
        return self.images.warnings + self.doi_pages.warnings

    def render(self, progress: Progress) -> None:
        self.environment.globals["assets"] = self._copy_static()
        self.environment.filters["urlpath"] = url_path
        self.images = self._make_images()
        self.doi_pages.prepare()
        jobs, paths = self._page_jobs()
        render_pages(jobs, self.environment, self.site_context, self.output, progress, self.memory,
                     files=[self._index_files, self.doi_pages.files])
        self._write_sitemap(paths)

    def _page_jobs(self) -> tuple[list[Job], list[str]]:
        """Every page of the site with its template, in a fixed order; and the paths the sitemap lists."""
        jobs: list[Job] = []
        paths: list[str] = []
        links = self.plan.links
        images = self.images
        recorder = self.memory.recorder
        catalogue, links_read = recorded_catalogue(self.catalogue, recorder), recorded(links, recorder, "links.")
        for plan in self.plan.collections:
            viewer = self._viewer(plan.collection)
            template = self._dataset_template(plan.collection.name)
            for view in plan.views:
                key = view.dataset.key
                path = links.datasets.get(key)
                if path is not None and self.plan.page_collections[key] == plan.collection.name:
                    pictures = (images.galleries.get(key, ()), images.social.get(path))
                    jobs.append(Job(template, partial(ctx.dataset_page, view, path, catalogue, links_read, viewer,
                                                      plan.explore_path, *pictures),
                                    path=path, extra_inputs=pictures, read_before=plan.view_reads[key]))
                    paths.append(path)
            for page in self._explore_pages(plan):
                jobs.append(Job("explore.html", partial(ctx.made_ahead, page)))
                paths.append(page.path)
        doi_jobs, doi_paths = self.doi_pages.jobs(images.social)
        jobs += doi_jobs
        paths += doi_paths
        for page in self._help_pages():
            jobs.append(Job("help.html", partial(ctx.made_ahead, page)))
            paths.append(page.path)
        not_found = ctx.Page(path="404.html", title="Page not found", description="")
        jobs.append(Job("404.html", partial(ctx.made_ahead, not_found)))
        return jobs, paths

    def _make_images(self) -> SiteImages:
        links = self.plan.links
        shown: dict[str, DatasetShown] = {}
        for plan in self.plan.collections:
            for view in plan.views:
                path = links.datasets.get(view.dataset.key)
                if path is not None and view.dataset.key not in shown:
                    shown[view.dataset.key] = DatasetShown(plan.collection, view, path)
        dois = []
        for doi in self.plan.dois:
            publication = self.catalogue.publications[doi]
            dois.append(DoiShown(publication, links.dois[doi],
                                 tuple(shown[key] for key in publication.dataset_keys if key in shown)))
        return site_images(list(shown.values()), dois, self.image_settings, self.image_cache, self.output)

    def _index_files(self) -> dict[str, str]:
        """The search index files of every collection."""
        return {f"search/{plan.collection.name}/{relative}": text for plan in self.plan.collections
                for relative, text in collection_index(plan, self.catalogue, self.plan.links,
                                                       self.images.cards).items()}

    def _dataset_template(self, collection: str) -> str:
        return self.environment.select_template([f"dataset-{collection}.html", "dataset.html"]).name

    def _viewer(self, collection: Collection) -> ViewerSettings:
        viewer = collection.config.viewer
        return ViewerSettings(base_url=self.site.config.neuroglancer.url, layout=viewer.layout, shader=viewer.shader,
                              contrast=viewer.contrast)

    def _explore_pages(self, plan: CollectionPlan) -> list[ctx.ExplorePage]:
        size = self.site.config.explore.page_size
        links = self.plan.links
        cards = [ctx.card(v, links.datasets[v.dataset.key], self.images.cards.get(v.dataset.key)) for v in plan.views
                 if v.dataset.key in links.datasets]
        facets = _static_facets(plan)
        manifest = f"search/{plan.collection.name}/manifest.json"

        def path_of(number: int) -> str:
            return plan.explore_path if number == 1 else f"{plan.explore_path}page/{number}/"

        pages = max(1, -(-len(cards) // size))
        return [ctx.explore_page(plan.collection, cards[(n - 1) * size:n * size], len(cards), n, size, path_of, facets,
                                 manifest) for n in range(1, pages + 1)]

    def _help_pages(self) -> list[ctx.HelpPage]:
        pages = []
        for path, source, title in self.plan.help_pages:
            html = markdown.markdown(source.read_text(encoding="utf-8"),
                                     extensions=["tables", "fenced_code", "toc", "sane_lists", "attr_list"])
            heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
            shown = title or (re.sub(r"<[^>]+>", "", heading.group(1)) if heading else path.strip("/").title())
            pages.append(ctx.HelpPage(path=path, title=shown, description=shown, html=html))
        return pages

    def _copy_static(self) -> dict[str, str]:
        """Copy theme assets (later folders override earlier) and name each with its content hash."""
        chosen = {path.relative_to(folder).as_posix(): path
                  for folder in self.static_dirs for path in folder.rglob("*") if path.is_file()}
        assets: dict[str, str] = {}
        for relative, path in sorted(chosen.items()):
            data = path.read_bytes()
            self.output.write(f"static/{relative}", data)
            assets[relative] = f"static/{relative}?v={content_hash(data)}"
        return assets

    def _write_sitemap(self, paths: Iterable[str]) -> None:
        base = self.site.config.base_url
        entries = "".join(f"  <url><loc>{_xml_escape(base + url_path(p))}</loc></url>\n" for p in sorted(paths))
        self.output.write("sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n'
                                         '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                                         f"{entries}</urlset>\n")
        self.output.write("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n")


def collection_index(plan: CollectionPlan, catalogue: Catalogue, links: ctx.PageLinks,
                     card_images: Mapping[str, ImageSet] | None = None) -> dict[str, str]:
    """The search index files of one collection: relative path -> JSON text."""
    config = plan.collection.config
    images = card_images or {}
    documents = [
        search.SearchDocument(search.text_of(v.values, config.search.fields),
                              search.card_data(links.datasets.get(v.dataset.key, ""), v.card_title, v.card_rows,
                                               v.card_text, images.get(v.dataset.key)))
        for v in plan.views
    ]
    facets = [_facet_column(plan, facet, catalogue) for facet in config.facets]
    extra = {"title": config.title, "searchPlaceholder": config.search.placeholder}
    return search.index_files(documents, config.search.fields, facets, plan.sort_columns, config.sort.default, extra)


def _facet_column(plan: CollectionPlan, facet: Facet, catalogue: Catalogue) -> search.FacetColumn:
    config = plan.collection.config
    kind = plan.collection.facet_type(facet, catalogue)
    spec = config.fields[facet.field]
    label = facet.label or spec.label or facet.field
    views = plan.views
    if kind == "hierarchy":
        levels = (facet.field, *facet.levels)
        return search.hierarchy_column(facet.field, label, facet.show, [_path(v, levels) for v in views])
    if kind == "text":  # a text facet matches against the texts of all its fields
        raw = [tuple(v.values[f].text for f in (facet.field, *facet.fields) if v.values[f].text) for v in views]
    elif kind == "date":  # calendar dates compare as ISO text
        raw = [tuple(str(value)[:10] for value in v.values[facet.field].raw) for v in views]
    else:
        raw = [v.values[facet.field].raw for v in views]
    unit = spec.unit if spec.unit is not None else field_units(spec, catalogue)
    return search.facet_column(facet.field, label, kind, unit, facet.show, facet.bins, raw, spec.format or "")


def _path(view: DatasetView, levels: Sequence[str]) -> tuple[str, ...]:
    """The values of the levels that have one, in order: ('lung', 'left upper lobe'); a species
    without a sixth clade sits right under its fifth."""
    return tuple(text for text in (view.values[level].text for level in levels) if text)


def _static_facets(plan: CollectionPlan) -> list[ctx.StaticFacet]:
    """Counts over all datasets, shown where JavaScript does not run."""
    config = plan.collection.config
    facets = []
    for facet in config.facets:
        spec = config.fields[facet.field]
        label = facet.label or spec.label or facet.field
        counts = Counter(text for v in plan.views for text in _texts(v, facet.field) if text)
        if facet.type == "text" or not counts:
            continue
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: facet.show]
        facets.append(ctx.StaticFacet(label, tuple(ctx.FacetCount(text, count) for text, count in top)))
    return facets


def _texts(view: DatasetView, field_name: str) -> list[str]:
    value = view.values[field_name]
    if len(value.raw) > 1 and all(isinstance(r, str) for r in value.raw):
        return [str(r) for r in value.raw]
    return [value.text]


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
