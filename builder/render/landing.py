"""DOI landing pages: what each shows, and the metadata files written beside it.

A landing page must let people identify, access and cite the data, and
machines read the same: schema.org JSON-LD, Highwire and Dublin Core meta
tags, FAIR Signposting, and exports in DataCite, CSL-JSON, BibTeX and RIS.
Everything is worked out here, as plain values; templates only format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from builder.catalogue.records import Catalogue, Dataset, Publication
from builder.config.sites import Site
from builder.memory.results import ResultCache, json_digest
from builder.render import bibliographic
from builder.render.access import AccessPanel, access_panel, media_type, public_url
from builder.render.citation import cited_name, doi_url
from builder.render.cite import CitePanel, cite_panel
from builder.render.citestyles import StyledCitation
from builder.render.context import (
    Link,
    Page,
    PageLinks,
    PersonLink,
    licence_of,
    licence_url,
    person_link,
)
from builder.render.datacite import (
    SCHEMA_CHECK,
    DataciteProblem,
    datacite_json,
    datacite_problems,
    datacite_record,
    datacite_xml,
    schema_errors,
)
from builder.render.images import ImageSet
from builder.render.jsonld import dataset_ld, orcid_url
from builder.render.signposting import Described, Signpost, landing_signposts, linkset
from builder.render.urls import link_url, url_path
from builder.render.years import PublicationYear, publication_year

# DataCite relation types, as a visitor reads them.
RELATIONS = {
    "IsSupplementTo": "Supplement to", "IsSupplementedBy": "Supplemented by", "IsCitedBy": "Cited by",
    "Cites": "Cites", "IsPartOf": "Part of", "HasPart": "Has part", "IsReferencedBy": "Referenced by",
    "References": "References", "IsDocumentedBy": "Documented by", "Documents": "Documents",
    "IsDerivedFrom": "Derived from", "IsSourceOf": "Source of", "IsNewVersionOf": "New version of",
    "IsPreviousVersionOf": "Previous version of", "IsVersionOf": "Version of", "HasVersion": "Has version",
    "IsIdenticalTo": "Identical to", "IsDescribedBy": "Described by", "Describes": "Describes",
}
RELEASE_DATE_TYPES = ("Available", "Issued")


@dataclass(frozen=True)
class Export:
    """A metadata file beside each landing page."""

    key: str  # as named in a site's `landing.exports`
    file: str
    label: str
    media_type: str


EXPORTS = {export.key: export for export in (
    Export("datacite-xml", "datacite.xml", "DataCite XML", "application/vnd.datacite.datacite+xml"),
    Export("datacite-json", "datacite.json", "DataCite JSON", "application/vnd.datacite.datacite+json"),
    Export("json-ld", "metadata.jsonld", "schema.org JSON-LD", "application/ld+json"),
    Export("csl-json", "citation.json", "CSL-JSON", "application/vnd.citationstyles.csl+json"),
    Export("bibtex", "citation.bib", "BibTeX", "application/x-bibtex"),
    Export("ris", "citation.ris", "RIS", "application/x-research-info-systems"),
)}
LINKSET_FILE = "linkset.json"


@dataclass(frozen=True)
class ExternalLink:
    text: str
    href: str
    site: str = ""  # the title of the site it leads to
    collection: str = ""  # the title of the atlas collection the link leads into


@dataclass(frozen=True)
class Related:
    relation: str  # as a visitor reads it: "Supplement to"
    text: str
    href: str | None  # None: the identifier is shown as text


@dataclass(frozen=True)
class DoiPage(Page):
    doi: str
    doi_url: str
    creators: tuple[PersonLink, ...]
    contributors: tuple[PersonLink, ...]
    publisher: str
    resource_type: str
    abstract: str | None
    keywords: tuple[str, ...]
    licence: tuple[str, str | None] | None
    release_date: str
    dates: tuple[tuple[str, str], ...]
    datasets: tuple[Link, ...]
    atlas_links: tuple[ExternalLink, ...]  # the datasets' pages in the atlases
    access: AccessPanel
    proposals: tuple[str, ...]
    instruments: tuple[str, ...]
    techniques: tuple[str, ...]
    related: tuple[Related, ...]
    fundings: tuple[str, ...]
    cite: CitePanel  # DataCite's form, the site's CSL styles, BibTeX and RIS
    exports: tuple[Export, ...]
    signposts: tuple[Signpost, ...]
    meta: tuple[tuple[str, str], ...]  # Highwire citation_* and Dublin Core DC.* tags
    json_ld: Mapping
    withdrawn: str = field(default="", kw_only=True)  # the date a withdrawn DOI left the catalogue
    help_path: str | None = field(default=None, kw_only=True)  # the site's "How to download" page
    copy_of: str = field(default="", kw_only=True)  # the DOI site's landing page this page copies for the atlas


@dataclass(frozen=True)
class LandingInputs:
    """What a landing page needs beyond its record: the same for every page of a site."""

    site: Site
    catalogue: Catalogue
    links: PageLinks
    atlas_links: Mapping[str, tuple[ExternalLink, ...]] = field(default_factory=dict)  # dataset key -> pages
    landing_urls: Mapping[str, str] = field(default_factory=dict)  # DOI -> its one landing page, in the DOI site
    citations: Mapping[str, tuple[StyledCitation, ...]] = field(default_factory=dict)  # DOI -> styled
    invalid_datacite: frozenset[str] = frozenset()  # DOIs whose DataCite files are not written
    help_path: str | None = None  # the site's "How to download" page

    def exports_of(self, doi: str) -> tuple[Export, ...]:
        return exports_of(self.site, doi in self.invalid_datacite)


def exports_of(site: Site, invalid_datacite: bool) -> tuple[Export, ...]:
    """The exports a site writes beside a landing page; DataCite's only for a valid record."""
    wanted = site.config.landing.exports
    return tuple(EXPORTS[key] for key in EXPORTS if key in wanted
                 and not (key.startswith("datacite") and invalid_datacite))


def datasets_of(publication: Publication, catalogue: Catalogue) -> list[Dataset]:
    return [catalogue.datasets[key] for key in publication.dataset_keys if key in catalogue.datasets]


def year_of(publication: Publication, site: Site) -> PublicationYear:
    return publication_year(publication, site.config.landing.derived_year)


def landing_url(doi: str, path: str, inputs: LandingInputs) -> str:
    """The DOI's one landing page: the DOI site's, else this site's own."""
    return inputs.landing_urls.get(doi) or inputs.site.config.base_url + url_path(path)


def doi_page(publication: Publication, path: str, inputs: LandingInputs,
             social_image: ImageSet | None = None) -> DoiPage:
    catalogue, links, site = inputs.catalogue, inputs.links, inputs.site
    datasets = datasets_of(publication, catalogue)
    page_url = landing_url(publication.doi, path, inputs)
    exports = inputs.exports_of(publication.doi)
    year = year_of(publication, site)
    return DoiPage(
        path=path,
        title=publication.title,
        description=publication.description or publication.title,
        doi=publication.doi,
        doi_url=doi_url(publication.doi),
        creators=tuple(person_link(p) for p in publication.creators),
        contributors=tuple(person_link(p) for p in publication.contributors),
        publisher=publication.publisher,
        resource_type=publication.resource_type,
        abstract=publication.description,
        keywords=publication.keywords,
        licence=licence_of(publication),
        release_date=release_date(publication, datasets),
        dates=publication.dates,
        datasets=tuple(link for link in (links.dataset(d.key) for d in datasets) if link is not None),
        atlas_links=tuple(link for d in datasets for link in inputs.atlas_links.get(d.key, ())),
        access=access_panel(datasets, site.config.access),
        proposals=tuple(sorted({d.investigation.name for d in datasets if d.investigation.name})),
        instruments=tuple(sorted({i.name for d in datasets for i in d.instruments})),
        techniques=tuple(sorted({t.name for d in datasets for t in d.techniques})),
        related=related_items(publication),
        fundings=tuple(" ".join(filter(None, (f.funder_name, f.award_number and f"({f.award_number})")))
                       for f in publication.fundings),
        cite=cite_panel(publication, year, inputs.citations.get(publication.doi, ())),
        exports=exports,
        signposts=signposts(publication, datasets, page_url, exports, site),
        meta=meta_tags(publication, year.cited),
        json_ld=dataset_ld(publication, datasets, page_url, site.config.title, site.config.base_url, year.cited,
                           site.config.access),
        social_image=social_image,
        canonical_url=page_url,
        copy_of=page_url if publication.doi in inputs.landing_urls else "",
        help_path=inputs.help_path,
    )


def release_date(publication: Publication, datasets: Sequence[Dataset]) -> str:
    """When the data became (or becomes) public: the record's Available/Issued date, else the proposal's release."""
    for wanted in RELEASE_DATE_TYPES:
        found = sorted(date for date, kind in publication.dates if kind == wanted and date)
        if found:
            return found[0][:10]
    releases = sorted(d.investigation.release_date for d in datasets if d.investigation.release_date)
    return releases[0][:10] if releases else ""


def related_items(publication: Publication) -> tuple[Related, ...]:
    return tuple(Related(RELATIONS.get(item.relation_type, item.relation_type),
                         item.title or item.full_reference or item.identifier,
                         doi_url(item.identifier) if item.identifier_type == "DOI" else link_url(item.identifier))
                 for item in publication.related_items)


def signposts(publication: Publication, datasets: Sequence[Dataset], page_url: str,
              exports: Sequence[Export], site: Site) -> tuple[Signpost, ...]:
    """The landing page's signposts; `page_url` is the one landing page, wherever this copy of it is."""
    metadata = [Described(page_url + export.file, export.media_type) for export in exports]
    items = [Described(url, media_type(f)) for d in datasets for f in d.files
             if (url := public_url(f.location, site.config.access)) is not None]
    authors = [url for p in publication.creators if (url := orcid_url(p.orcid))]
    return landing_signposts(doi_url(publication.doi), metadata, items, licence_url(publication), authors,
                             page_url + LINKSET_FILE)


def meta_tags(publication: Publication, year: int | None) -> tuple[tuple[str, str], ...]:
    """Highwire Press tags (Google Scholar reads them) and Dublin Core, in one list."""
    tags = [("citation_title", publication.title)]
    tags += [("citation_author", cited_name(p)) for p in publication.creators]
    if year:
        tags.append(("citation_publication_date", str(year)))
    tags.append(("citation_doi", publication.doi))
    if publication.publisher:
        tags.append(("citation_publisher", publication.publisher))
    if publication.keywords:
        tags.append(("citation_keywords", "; ".join(publication.keywords)))
    tags += [("DC.title", publication.title), ("DC.identifier", doi_url(publication.doi))]
    tags += [("DC.creator", p.name) for p in publication.creators]
    if publication.publisher:
        tags.append(("DC.publisher", publication.publisher))
    if year:
        tags.append(("DC.date", str(year)))
    tags.append(("DC.type", publication.resource_type))
    tags += [("DC.subject", keyword) for keyword in publication.keywords]
    if publication.licence:
        tags.append(("DC.rights", publication.licence.url or publication.licence.name))
    if publication.description:
        tags.append(("DC.description", publication.description))
    return tuple(tags)


# ---------------------------------------------------------------- the files beside a page


def export_files(publication: Publication, page: DoiPage, page_url: str, catalogue: Catalogue) -> dict[str, str]:
    """File name -> text of every export of one landing page, and its linkset."""
    keys = {export.key for export in page.exports}
    year = page.cite.year
    record = datacite_record(publication, datasets_of(publication, catalogue), year) \
        if "datacite-xml" in keys or "datacite-json" in keys else {}
    made: dict[str, Callable[[], str]] = {
        "datacite-xml": lambda: datacite_xml(record),
        "datacite-json": lambda: datacite_json(record),
        "json-ld": lambda: json.dumps(page.json_ld, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        "csl-json": lambda: bibliographic.csl_json(publication, year.cited),
        "bibtex": lambda: bibliographic.bibtex(publication, year.cited),
        "ris": lambda: bibliographic.ris(publication, year.cited),
    }
    files = {export.file: made[export.key]() for export in page.exports}
    files[LINKSET_FILE] = linkset(page_url, page.signposts)
    return files


def datacite_check(publication: Publication, catalogue: Catalogue, results: ResultCache,
                   year: PublicationYear) -> tuple[str, list[DataciteProblem]]:
    """The digest of a DOI's DataCite record, and what is wrong with it.

    The schema check is most of a build's time on a large site, and depends on the record alone: its
    findings are kept in `results` under the record's digest (the caller saves them).
    """
    record = datacite_record(publication, datasets_of(publication, catalogue), year)
    key = json_digest(record)
    errors = results.get(SCHEMA_CHECK, key)
    if errors is None:
        errors = schema_errors(record)
        results.put(SCHEMA_CHECK, key, errors)
    return key, datacite_problems(publication, record, [(path, message) for path, message in errors])
