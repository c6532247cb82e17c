"""Pure functions that build what each template gets: typed, frozen, no I/O.

Templates only format. Links inside the site are relative (`page.root` +
path), so a site works at any base URL, from any folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Sequence

from builder.catalogue.records import Catalogue, Person, Publication
from builder.config.sites import Access, DerivedYear, Site
from builder.render.access import AccessPanel, access_panel
from builder.render.cite import CitePanel, cite_panel
from builder.render.citestyles import StyledCitation
from builder.render.images import ImageSet
from builder.render.jsonld import orcid_url
from builder.render.neuroglancer import ViewerSettings, context_link, volume_link
from builder.render.urls import link_url, site_link
from builder.render.years import publication_year
from builder.views.collections import Collection
from builder.views.shaping import DatasetView, ProvenanceRow, Row


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str  # a site path or an absolute URL; "" if it is neither (shown as text)
    external: bool


@dataclass(frozen=True)
class SiteContext:
    """The same for every page of one site."""

    name: str
    title: str
    description: str
    base_url: str
    language: str
    nav: tuple[NavLink, ...]
    colour: str
    accent: str
    footer: str


@dataclass(frozen=True)
class Link:
    text: str
    path: str  # site path, relative to the site root


@dataclass(frozen=True)
class PersonLink:
    name: str
    orcid_url: str | None
    affiliations: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordSettings:
    """What a dataset page shows of its data and DOI beyond the records: the same for every page of a site."""

    access: Access
    derived_year: DerivedYear | None
    citations: Mapping[str, tuple[StyledCitation, ...]]  # DOI -> in the site's CSL styles
    help_path: str | None = None  # the "How to download" page


@dataclass(frozen=True)
class ProvenanceEntry:
    """A row of a dataset page's provenance tables; a link without a path is a dataset without a page here."""

    dataset: Link
    dataset_type: str
    program: str
    date: str
    cells: tuple[str, ...]
    made_from: tuple[Link, ...]
    direct: bool  # made directly from (or into) the dataset of the page
    best: bool


@dataclass(frozen=True)
class Page:
    path: str  # e.g. 'datasets/A109/' ('' for the home page)
    title: str
    description: str
    social_image: ImageSet | None = field(default=None, kw_only=True)  # for Open Graph and Twitter cards
    canonical_url: str = field(default="", kw_only=True)  # where the page's one canonical copy is; "": here

    @property
    def root(self) -> str:
        """Relative path from this page back to the site root."""
        depth = self.path.count("/")
        return "../" * depth

    @property
    def output_file(self) -> str:
        return self.path + "index.html" if self.path == "" or self.path.endswith("/") else self.path


@dataclass(frozen=True)
class DatasetPage(Page):
    name: str
    groups: tuple = ()
    dois: tuple[Link, ...] = ()
    creators: tuple[PersonLink, ...] = ()
    techniques: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    neuroglancer_url: str | None = None
    neuroglancer_context_url: str | None = None  # a zoom shown inside its overview
    gallery: tuple[ImageSet, ...] = ()
    cite: CitePanel | None = None
    licence: tuple[str, str | None] | None = None
    access: AccessPanel | None = None
    help_path: str | None = None  # the "How to download" page
    parent: Link | None = None
    children: tuple[Link, ...] = ()
    same_sample: tuple[Link, ...] = ()
    explore_path: str = ""
    json_ld: Mapping | None = None
    result_columns: tuple[str, ...] = ()  # labels of the key results of processed datasets
    results: tuple[ProvenanceEntry, ...] = ()  # processed datasets made from this one
    inputs: tuple[ProvenanceEntry, ...] = ()  # datasets this one was made from
    best_label: str = ""


@dataclass(frozen=True)
class NotFoundPage(Page):
    """The page a server answers for any missing path, at any depth: its links start at the site's own path."""

    site_path: str = "/"  # the path of the site's base URL

    @property
    def root(self) -> str:
        return self.site_path


@dataclass(frozen=True)
class Card:
    path: str
    title: str
    rows: tuple[Row, ...]
    text: str
    image: ImageSet | None = None
    subtitle: str = ""


@dataclass(frozen=True)
class FacetCount:
    label: str
    count: int


@dataclass(frozen=True)
class StaticFacet:
    label: str
    counts: tuple[FacetCount, ...]


@dataclass(frozen=True)
class ExplorePage(Page):
    collection: str
    collection_title: str
    intro: str
    cards: tuple[Card, ...]
    total: int
    page_number: int
    page_count: int
    page_links: tuple[Link, ...]
    previous_path: str | None
    next_path: str | None
    facets: tuple[StaticFacet, ...]
    index_path: str  # the search manifest
    sort_label: str
    search_placeholder: str
    nouns: tuple[str, str] = ("dataset", "datasets")  # what a result is, one and many


@dataclass(frozen=True)
class HelpPage(Page):
    html: str


@dataclass(frozen=True)
class PageLinks:
    """Where every dataset and DOI of a site lives."""

    datasets: Mapping[str, str] = field(default_factory=dict)  # dataset key -> path
    dois: Mapping[str, str] = field(default_factory=dict)  # DOI -> path
    titles: Mapping[str, str] = field(default_factory=dict)  # dataset key -> title

    def dataset(self, key: str) -> Link | None:
        path = self.datasets.get(key)
        return Link(self.titles.get(key, key), path) if path is not None else None


# ---------------------------------------------------------------- builders


def made_ahead(page: Page) -> Page:
    """The context maker of a page made ahead of rendering."""
    return page


def site_context(site: Site) -> SiteContext:
    config = site.config
    nav = tuple(NavLink(item.label, site_link(item.url) or "", link_url(item.url) is not None) for item in config.nav)
    return SiteContext(name=site.name, title=config.title, description=config.description, base_url=config.base_url,
                       language=config.language, nav=nav, colour=config.branding.colour,
                       accent=config.branding.accent, footer=config.footer)


@lru_cache(maxsize=65536)
def person_link(person: Person) -> PersonLink:
    return PersonLink(person.name, orcid_url(person.orcid), tuple(a.name for a in person.affiliations), person.roles)


def licence_of(publication: Publication | None) -> tuple[str, str | None] | None:
    if publication is None or publication.licence is None:
        return None
    return publication.licence.name or publication.licence.identifier or "", licence_url(publication)


def licence_url(publication: Publication) -> str | None:
    """The licence's URL if it may be a link (`urls.link_url`)."""
    return link_url(publication.licence.url) if publication.licence else None


def dataset_page(view: DatasetView, path: str, catalogue: Catalogue, links: PageLinks, viewer: ViewerSettings,
                 explore_path: str, settings: RecordSettings, gallery: tuple[ImageSet, ...] = (),
                 social_image: ImageSet | None = None) -> DatasetPage:
    dataset = view.dataset
    publications = catalogue.publications_of(dataset)
    first = publications[0] if publications else None
    key = dataset.key
    overview = catalogue.datasets.get(catalogue.parent.get(key, ""))
    provenance = view.provenance
    return DatasetPage(
        path=path,
        title=view.title,
        description=dataset.description or view.title,
        name=dataset.name,
        groups=view.groups,
        dois=tuple(Link(doi, links.dois.get(doi, "")) for doi in dataset.doi_list),
        creators=tuple(person_link(p) for p in first.creators) if first else (),
        techniques=tuple(t.name for t in dataset.techniques),
        instruments=tuple(i.name for i in dataset.instruments),
        neuroglancer_url=volume_link(dataset.volume, dataset.name, viewer) if dataset.volume else None,
        neuroglancer_context_url=context_link(dataset, overview, viewer) if overview else None,
        gallery=gallery,
        cite=cite_panel(first, publication_year(first, settings.derived_year), settings.citations.get(first.doi, ()))
        if first else None,
        licence=licence_of(first),
        access=access_panel([dataset], settings.access) if dataset.files else None,
        help_path=settings.help_path,
        parent=links.dataset(catalogue.parent[key]) if key in catalogue.parent else None,
        children=_links_to(catalogue.children.get(key, ()), links),
        same_sample=_links_to(catalogue.same_sample.get(key, ()), links),
        explore_path=explore_path,
        social_image=social_image,
        result_columns=provenance.columns if provenance else (),
        results=_provenance_entries(provenance.results, key, catalogue, links) if provenance else (),
        inputs=_provenance_entries(provenance.inputs, key, catalogue, links) if provenance else (),
        best_label=provenance.best_label if provenance else "",
    )


def _provenance_entries(rows: Sequence[ProvenanceRow], own: str, catalogue: Catalogue,
                        links: PageLinks) -> tuple[ProvenanceEntry, ...]:
    """Rows of a provenance table, each dataset by its name, linked where it has a page in this site."""
    def link(key: str) -> Link:
        return Link("this dataset", "") if key == own else Link(catalogue.datasets[key].name,
                                                                links.datasets.get(key, ""))

    return tuple(ProvenanceEntry(
        dataset=link(row.key), dataset_type=row.dataset_type, program=row.program, date=row.date, cells=row.cells,
        made_from=tuple(link(k) for k in row.made_from), direct=row.distance == 1, best=row.best,
    ) for row in rows)


def _links_to(keys: Sequence[str], links: PageLinks) -> tuple[Link, ...]:
    found = (links.dataset(key) for key in keys)
    return tuple(sorted((link for link in found if link is not None), key=lambda link: link.text))


def explore_page(collection: Collection, cards: Sequence[Card], total: int, page_number: int, page_size: int,
                 path_of_page, facets: Sequence[StaticFacet], index_path: str) -> ExplorePage:
    page_count = max(1, -(-total // page_size))
    config = collection.config
    default = config.sort.options.get(config.sort.default)
    return ExplorePage(
        path=path_of_page(page_number),
        title=config.title if page_number == 1 else f"{config.title}, page {page_number}",
        description=config.description,
        collection=collection.name,
        collection_title=config.title,
        intro=config.description,
        cards=tuple(cards),
        total=total,
        page_number=page_number,
        page_count=page_count,
        page_links=tuple(Link(str(n), path_of_page(n)) for n in range(1, page_count + 1)),
        previous_path=path_of_page(page_number - 1) if page_number > 1 else None,
        next_path=path_of_page(page_number + 1) if page_number < page_count else None,
        facets=tuple(facets),
        index_path=index_path,
        sort_label=default.label or default.field if default else "Relevance",
        search_placeholder=config.search.placeholder,
    )


def card(view: DatasetView, path: str, image: ImageSet | None = None) -> Card:
    return Card(path=path, title=view.card_title, rows=view.card_rows, text=view.card_text, image=image,
                subtitle=view.card_subtitle)
