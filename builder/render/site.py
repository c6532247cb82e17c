"""Render one planned site (`plan.py`): write pages, search index, assets and sitemap.

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
from urllib.parse import urlsplit

import markdown
from jinja2 import Environment

from builder.catalogue.records import Catalogue
from builder.errors import Problem
from builder.memory.lookups import recorded, recorded_catalogue
from builder.memory.results import ResultCache
from builder.memory.site_memory import MemoryKeeper
from builder.publish.output import OutputFolder
from builder.render import context as ctx
from builder.render import search
from builder.render.doisite import DoiPages
from builder.render.download import download_page
from builder.render.environment import BRAND_STYLESHEET, brand_stylesheet, content_hash
from builder.render.headers import HEADERS_FILE, headers_file, site_rules
from builder.render.images import ImageCache, ImageSet
from builder.render.landing import ExternalLink, year_of
from builder.render.neuroglancer import ViewerSettings
from builder.render.pages import Job, render_pages
from builder.render.plan import CollectionPlan, SitePlan
from builder.render.siteimages import DatasetShown, DoiShown, ImageSettings, SiteImages, site_images
from builder.render.urls import url_path
from builder.views.collections import Collection, Facet, field_units
from builder.views.shaping import DatasetView, label_of

Progress = Callable[[int], None]


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
    landing_urls: Mapping[str, str] = field(default_factory=dict)  # DOI -> its landing page, in the DOI site


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
        # A site that is not the DOI site shows copies of the DOI site's landing pages, pointing to them.
        landing_urls = shared.landing_urls if self.site.config.doi_pages != "all" else {}
        self.doi_pages = DoiPages(plan, self.catalogue, atlas_links, shared.results, self.memory, landing_urls,
                                  plan.download_path)

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
                     files=[self._index_files, self.doi_pages.files, self._headers_file])
        self._write_sitemap(paths)

    def _page_jobs(self) -> tuple[list[Job], list[str]]:
        """Every page of the site with its template, in a fixed order; and the paths the sitemap lists."""
        jobs: list[Job] = []
        paths: list[str] = []
        links = self.plan.links
        images = self.images
        recorder = self.memory.recorder
        catalogue, links_read = recorded_catalogue(self.catalogue, recorder), recorded(links, recorder, "links.")
        config = self.site.config
        settings = ctx.RecordSettings(config.access, config.landing.derived_year,
                                      self.doi_pages.inputs_read.citations, self.plan.download_path)
        for plan in self.plan.collections:
            viewer = self._viewer(plan.collection)
            template = self._dataset_template(plan.collection.name)
            for view in plan.views:
                key = view.dataset.key
                path = links.datasets.get(key)
                if path is not None and self.plan.page_collections[key] == plan.collection.name:
                    pictures = (images.galleries.get(key, ()), images.social.get(path))
                    jobs.append(Job(template, partial(ctx.dataset_page, view, path, catalogue, links_read, viewer,
                                                      plan.explore_path, settings, *pictures),
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
        if self.plan.download_path is not None:
            page = download_page(self.site, self.plan.download_path)
            jobs.append(Job("download.html", partial(ctx.made_ahead, page)))
            paths.append(page.path)
        not_found = ctx.NotFoundPage(path="404.html", title="Page not found", description="",
                                     site_path=urlsplit(self.site.config.base_url).path or "/")
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
                                 tuple(shown[key] for key in publication.dataset_keys if key in shown),
                                 year_of(publication, self.site).cited))
        return site_images(list(shown.values()), dois, self.image_settings, self.image_cache, self.output)

    def _index_files(self) -> dict[str, str]:
        """The search index files of every collection."""
        return {f"search/{plan.collection.name}/{relative}": text for plan in self.plan.collections
                for relative, text in collection_index(plan, self.catalogue, self.plan.links,
                                                       self.images.cards).items()}

    def _headers_file(self) -> dict[str, str]:
        return {HEADERS_FILE: headers_file(site_rules(self.doi_pages.link_headers()))}

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
        """Copy theme assets (later folders override earlier), write the brand stylesheet, and name each with its
        content hash."""
        chosen = {path.relative_to(folder).as_posix(): path
                  for folder in self.static_dirs for path in folder.rglob("*") if path.is_file()}
        files = {relative: path.read_bytes() for relative, path in chosen.items()}
        files[BRAND_STYLESHEET] = brand_stylesheet(self.site_context.colour, self.site_context.accent).encode("utf-8")
        assets: dict[str, str] = {}
        for relative, data in sorted(files.items()):
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
                                               v.card_text, images.get(v.dataset.key), v.card_subtitle,
                                               v.table_cells))
        for v in plan.views
    ]
    facets = [_facet_column(plan, facet, catalogue) for facet in config.facets]
    extra = {"title": config.title, "searchPlaceholder": config.search.placeholder, "table": _table(config)}
    return search.index_files(documents, config.search.fields, facets, plan.sort_columns, config.sort.default, extra)


def _table(config) -> dict:
    """The list view's columns, each with the sort option that orders by it, if any."""
    sort_of = {}
    for key, option in config.sort.options.items():
        sort_of.setdefault(option.field, key)
    column = {"label": "Title", "sort": next((sort_of[f] for f in config.card.title if f in sort_of), None)}
    return {"columns": [column] + [{"label": label_of(name, config.fields[name]), "sort": sort_of.get(name)}
                                   for name in config.table_columns]}


def _facet_column(plan: CollectionPlan, facet: Facet, catalogue: Catalogue) -> search.FacetColumn:
    config = plan.collection.config
    kind = plan.collection.facet_type(facet, catalogue)
    spec = config.fields[facet.field]
    label = facet.label or spec.label or facet.field
    views = plan.views
    if kind == "hierarchy":
        levels = (facet.field, *facet.levels)
        order = [value for level in levels for value in config.fields[level].order]
        return search.hierarchy_column(facet.field, label, facet.show, [_path(v, levels) for v in views], order)
    if kind == "text":  # a text facet matches against the texts of all its fields
        raw = [tuple(v.values[f].text for f in (facet.field, *facet.fields) if v.values[f].text) for v in views]
    elif kind == "date":  # calendar dates compare as ISO text
        raw = [tuple(str(value)[:10] for value in v.values[facet.field].raw) for v in views]
    else:
        raw = [v.values[facet.field].raw for v in views]
    unit = spec.unit if spec.unit is not None else field_units(spec, catalogue)
    return search.facet_column(facet.field, label, kind, unit, facet.show, facet.bins, raw, spec.format or "",
                               spec.order)


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
        place = {value: index for index, value in enumerate(spec.order)}
        top = sorted(counts.items(), key=lambda item: (place.get(item[0], len(place)), -item[1], item[0]))[: facet.show]
        facets.append(ctx.StaticFacet(label, tuple(ctx.FacetCount(text, count) for text, count in top)))
    return facets


def _texts(view: DatasetView, field_name: str) -> list[str]:
    value = view.values[field_name]
    if len(value.raw) > 1 and all(isinstance(r, str) for r in value.raw):
        return [str(r) for r in value.raw]
    return [value.text]


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
