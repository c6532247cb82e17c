"""The DOI part of a site: landing pages, their metadata files, withdrawn DOIs and the list of every DOI.

Citations in CSL styles and the validity of each DataCite record are worked
out once, before pages render. Each landing page's metadata files are made
with the page, and carried over with it when their inputs are unchanged;
the landing pages' Link headers (for `_headers`) and the list of published DOIs are made while pages render.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from functools import partial
from typing import Mapping, Sequence

from builder.catalogue.records import Catalogue, Publication
from builder.config.sites import Site
from builder.errors import Location, Problem
from builder.memory.lookups import Recorded, RecordedSet, recorded, recorded_catalogue
from builder.memory.manifest import inputs_digest
from builder.memory.results import ResultCache
from builder.memory.site_memory import MemoryKeeper
from builder.publish.published import REGISTRY_FILE, PublishedDoi, registry_json
from builder.render import context as ctx
from builder.render import doisearch
from builder.render.bibliographic import csl_item
from builder.render.citation import datacite_citation, doi_url
from builder.render.citestyles import StyledCitation, styled_citations
from builder.render.datacite import DataciteProblem
from builder.render.landing import (
    LINKSET_FILE,
    DoiPage,
    ExternalLink,
    LandingInputs,
    datacite_check,
    datasets_of,
    doi_page,
    export_files,
    exports_of,
    landing_url,
    signposts,
    year_of,
)
from builder.render.pages import FilesBeside, Job
from builder.render.plan import dataset_path, safe_segments
from builder.render.signposting import Signpost, link_header
from builder.render.urls import url_path
from builder.views.collections import Collection
from builder.views.shaping import Shaper


@dataclass(frozen=True)
class WithdrawnPage(ctx.Page):
    doi: str
    doi_url: str
    citation: str
    withdrawn: str


@dataclass(frozen=True)
class Prepared:
    """What a DOI's landing page and the files listing every DOI show that is worked out before pages render."""

    citations: tuple[StyledCitation, ...]  # in the site's CSL styles
    record_digest: str  # of its DataCite record; "" if the site exports none
    problems: list[DataciteProblem]  # of its DataCite record
    citation: str = ""  # DataCite's recommended form, for the list of published DOIs
    year: int | None = None  # the year every output cites
    packed_link_header: bytes = b""  # the landing page's signposts as a Link header, for `_headers`; compressed:
    # the site's memory keeps it for each DOI, and the text is mostly the same long URLs over and over

    @property
    def link_header(self) -> str:
        return zlib.decompress(self.packed_link_header).decode("utf-8") if self.packed_link_header else ""

    @property
    def invalid(self) -> bool:
        """Its DataCite record breaks a rule: no DataCite files for it."""
        return not all(p.left_out for p in self.problems)


class DoiPages:
    """Everything a site publishes per DOI."""

    def __init__(self, plan, catalogue: Catalogue, atlas_links: Mapping[str, tuple[ExternalLink, ...]],
                 results: ResultCache, memory: MemoryKeeper, landing_urls: Mapping[str, str], help_path: str | None):
        self.plan = plan
        self.site = plan.site
        self.catalogue = catalogue
        self.atlas_links = atlas_links
        self.landing_urls = landing_urls  # DOI -> its page in the DOI site, when this site is not it
        self.help_path = help_path
        self.results = results  # citations and DataCite checks of earlier builds
        self.memory = memory
        self.inputs = LandingInputs(self.site, catalogue, plan.links, landing_urls=landing_urls, help_path=help_path)
        self.inputs_read = self.inputs  # the same, noting what each page looks up
        self.warnings: list[Problem] = []
        self.record_digests: dict[str, str] = {}  # DOI -> digest of its DataCite record, if the site exports it
        self.prepared: dict[str, Prepared] = {}  # by DOI

    def prepare(self) -> None:
        """Citations and DataCite checks of every DOI: before the pages, which show them.

        Each DOI's are a piece of work, kept from the previous build where its record and datasets are unchanged."""
        prepared: dict[str, Prepared] = {}
        fresh: dict[str, tuple[Mapping, tuple[str, list[DataciteProblem]] | None, set]] = {}
        wants_datacite = any(key.startswith("datacite") for key in self.site.config.landing.exports)
        recorder = self.memory.recorder
        catalogue = recorded_catalogue(self.catalogue, recorder)
        for doi in self.plan.dois:
            kept = self.memory.unchanged("prepare", doi)
            if kept is not None:
                self.memory.carry_over("prepare", doi, kept)
                prepared[doi] = kept.made
                continue
            with recorder.piece() as reads:
                publication = catalogue.publications[doi]
                year = year_of(publication, self.site)
                digest, problems = datacite_check(publication, catalogue, self.results, year) if wants_datacite \
                    else ("", [])
                made = Prepared((), digest, problems, datacite_citation(publication, year.cited), year.cited)
                url = landing_url(doi, self.plan.links.dois[doi], self.inputs)
                links = signposts(publication, datasets_of(publication, catalogue), url,
                                  exports_of(self.site, made.invalid), self.site)
                # a copy's one pointer to its landing page: in the HTTP header, where no HTML file claims the URL
                header = link_header(((Signpost("canonical", url),) if doi in self.landing_urls else ()) + links)
                made = replace(made, packed_link_header=zlib.compress(header.encode("utf-8"), 1))
                fresh[doi] = (csl_item(publication, year.cited), made, reads)
        self.results.save()
        styles = [(item.style, item.label) for item in self.site.config.landing.citation_styles]
        citations = styled_citations({doi: item for doi, (item, _, _) in fresh.items()}, styles, self.results)
        for doi, (_, made, reads) in fresh.items():
            prepared[doi] = replace(made, citations=citations[doi])
            self.memory.add_made_from_reads("prepare", doi, reads, prepared[doi])
        self.prepared = prepared
        self.record_digests = {doi: made.record_digest for doi, made in prepared.items() if made.record_digest}
        report = {doi: prepared[doi].problems for doi in self.plan.dois if prepared[doi].problems}
        invalid = frozenset(doi for doi in report if prepared[doi].invalid)
        where = Location(self.site.document.path)
        self.warnings = [Problem(where, f"DataCite record of {problem}" + ("" if problem.left_out or doi not in invalid
                                                                          else "; no DataCite files for it"))
                         for doi in sorted(report) for problem in report[doi]]
        self.inputs = LandingInputs(self.site, self.catalogue, self.plan.links, self.atlas_links, self.landing_urls,
                                    {doi: made.citations for doi, made in prepared.items()}, invalid, self.help_path)
        self.inputs_read = self._recorded(self.inputs)

    def _recorded(self, inputs: LandingInputs) -> LandingInputs:
        recorder, lookups = self.memory.recorder, self.memory.lookups
        for name in ("atlas_links", "citations", "invalid_datacite"):
            lookups.add(name, getattr(inputs, name))
        return LandingInputs(inputs.site, recorded_catalogue(inputs.catalogue, recorder),
                             recorded(inputs.links, recorder, "links."),
                             Recorded("atlas_links", inputs.atlas_links, recorder), inputs.landing_urls,
                             Recorded("citations", inputs.citations, recorder),
                             RecordedSet("invalid_datacite", inputs.invalid_datacite, recorder),  # type: ignore[arg-type]
                             inputs.help_path)

    def jobs(self, social: Mapping[str, object]) -> tuple[list[Job], list[str]]:
        jobs: list[Job] = []
        paths: list[str] = []
        for doi in self.plan.dois:
            path = self.plan.links.dois[doi]
            publication = self.catalogue.publications[doi]
            jobs.append(Job("doi.html", partial(doi_page, publication, path, self.inputs_read, social.get(path)),
                            partial(self._files_beside, publication), path=path, extra_inputs=social.get(path),
                            read_before=frozenset({("publications", doi)})))
            if doi not in self.landing_urls:  # a copy of a landing page is not for the sitemap: the original is
                paths.append(path)
        for entry in self.plan.withdrawn:
            page = withdrawn_page(entry, self.plan.withdrawn_paths[entry.doi])
            jobs.append(Job("withdrawn.html", partial(ctx.made_ahead, page)))
        for page in self.index_pages():
            jobs.append(Job("explore.html", partial(ctx.made_ahead, page)))
            paths.append(page.path)
        return jobs, paths

    def _files_beside(self, publication: Publication, page: DoiPage) -> FilesBeside:
        """A landing page's exports and linkset: made from the page, the DOI's record and its DataCite record."""
        url = page.canonical_url
        inputs = inputs_digest(url, self.record_digests.get(publication.doi, ""), repr(publication))
        names = tuple(export.file for export in page.exports) + (LINKSET_FILE,)
        return FilesBeside(inputs, names, partial(export_files, publication, page, url, self.inputs_read.catalogue))

    def files(self) -> dict[str, str]:
        """The published DOIs and the DOI list's search index; each page's own files come with the page."""
        made = doisearch.index_files(self._documents()) if self.plan.doi_index_paths else {}
        return {**made, REGISTRY_FILE: registry_json(self.published())}

    def link_headers(self) -> list[tuple[str, str]]:
        """(path, Link header value) of each landing page, for `_headers`."""
        return [("/" + url_path(self.plan.links.dois[doi]), self.prepared[doi].link_header)
                for doi in self.plan.dois]

    def published(self) -> list[PublishedDoi]:
        current = [PublishedDoi(doi, p.title, self.prepared[doi].citation, str(self.prepared[doi].year or ""))
                   for doi, p in ((doi, self.catalogue.publications[doi]) for doi in self.plan.dois)]
        return current + list(self.plan.withdrawn)

    def index_pages(self) -> list[ctx.ExplorePage]:
        """The list of every DOI, page by page without JavaScript; its first page searches them all."""
        documents = self._documents()
        size = self.site.config.landing.per_page
        paths = self.plan.doi_index_paths
        config = self.site.config
        heading = config.title if paths and paths[0] == "" else f"DOIs of {config.title}"
        facets = doisearch.static_facets(documents)
        return [ctx.ExplorePage(
            path=path, title=heading if number == 1 else f"{heading}, page {number}",
            description=config.description or heading, collection="dois", collection_title=heading,
            intro=config.description, cards=tuple(map(doisearch.card, documents[(number - 1) * size:number * size])),
            total=len(documents), page_number=number, page_count=len(paths),
            page_links=tuple(ctx.Link(str(n), p) for n, p in enumerate(paths, start=1)),
            previous_path=paths[number - 2] if number > 1 else None,
            next_path=paths[number] if number < len(paths) else None, facets=facets,
            index_path=doisearch.INDEX_FOLDER + "manifest.json", sort_label=doisearch.SORTS["newest"][0],
            search_placeholder=doisearch.PLACEHOLDER, nouns=("DOI", "DOIs"),
        ) for number, path in enumerate(paths, start=1)]

    def _documents(self) -> list[doisearch.DoiDocument]:
        """Every DOI of the site, current and withdrawn, in the list's order."""
        own: dict[str, str] = {}  # dataset key -> the first of the site's collections that has it
        for plan in self.plan.collections:
            for key in plan.collection.keys:
                own.setdefault(key, plan.collection.config.title)

        def collections_of(key: str) -> list[str]:
            found = {link.collection for link in self.atlas_links.get(key, ()) if link.collection}
            return sorted(found | ({own[key]} if key in own else set()))

        documents = [doisearch.doi_document(self.catalogue.publications[doi], self.plan.links.dois[doi],
                                            self.catalogue, collections_of, self.prepared[doi].year)
                     for doi in self.plan.dois]
        documents += [doisearch.withdrawn_document(e.doi, e.title, e.year, self.plan.withdrawn_paths[e.doi])
                      for e in self.plan.withdrawn]
        return doisearch.ordered(documents)


def atlas_links(atlases: Sequence[tuple[Site, Sequence[Collection]]],
                catalogue: Catalogue) -> dict[str, tuple[ExternalLink, ...]]:
    """Dataset key -> its pages in the atlas sites, by the titles they have there, for a DOI site that shows no
    dataset itself."""
    found: dict[str, list[ExternalLink]] = {}
    for site, collections in atlases:
        first: dict[str, str] = {}  # dataset key -> the first collection of the site that has it
        for collection in collections:
            for key in collection.keys:
                first.setdefault(key, collection.config.title)
        titles = {key: shaper.view(catalogue.datasets[key]).title for collection in reversed(collections)
                  for shaper in (Shaper(collection, catalogue),) for key in collection.keys}  # the first's wins
        for key in sorted(titles):
            url = site.config.base_url + url_path(dataset_path(site.config, catalogue.datasets[key]))
            found.setdefault(key, []).append(ExternalLink(titles[key], url, site.config.title, first[key]))
    return {key: tuple(links) for key, links in found.items()}


def landing_urls(landing_site: Site, catalogue: Catalogue) -> dict[str, str]:
    """DOI -> its landing page in the DOI site (`doi_pages: all`), the one page other sites' copies point to."""
    config = landing_site.config
    paths = {doi: config.paths.doi.format(doi=doi) for doi in catalogue.publications}
    return {doi: config.base_url + url_path(path) for doi, path in paths.items() if safe_segments(path)}


def withdrawn_page(entry: PublishedDoi, path: str) -> WithdrawnPage:
    return WithdrawnPage(path=path, title=entry.title, description=f"Withdrawn: {entry.title}", doi=entry.doi,
                         doi_url=doi_url(entry.doi), citation=entry.citation, withdrawn=entry.withdrawn)
