"""schema.org `Dataset` descriptions (JSON-LD) of DOIs, as search engines read them."""

from __future__ import annotations

from typing import Iterable

from builder.catalogue.records import DataFile, Dataset, Person, Publication
from builder.config.sites import Access
from builder.render.access import media_type, public_url
from builder.render.citation import datacite_citation, doi_url
from builder.render.identifiers import checked_orcid
from builder.render.urls import link_url


def orcid_url(orcid: str | None) -> str | None:
    """The ORCID iD's URL; none for a malformed iD, which would send a visitor to someone else."""
    checked = checked_orcid(orcid)
    return f"https://orcid.org/{checked}" if checked else None


def person_ld(person: Person) -> dict:
    if person.is_organisation:
        return {"@type": "Organization", "name": person.name}
    item: dict = {"@type": "Person", "name": person.name}
    if person.given_name:
        item["givenName"] = person.given_name
    if person.family_name:
        item["familyName"] = person.family_name
    if orcid_url(person.orcid):
        item["@id"] = item["identifier"] = orcid_url(person.orcid)
    if person.affiliations:
        item["affiliation"] = [{"@type": "Organization", "name": a.name} for a in person.affiliations]
    return item


def dataset_ld(publication: Publication, datasets: Iterable[Dataset], page_url: str, catalog_name: str,
               catalog_url: str, year: int | None, access: Access) -> dict:
    """`year` is the publication year every output gives (render/years.py); datePublished is the date if known."""
    datasets = list(datasets)
    url = doi_url(publication.doi)
    item: dict = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": url,
        "identifier": {"@type": "PropertyValue", "propertyID": "DOI", "value": publication.doi, "url": url},
        "url": page_url,
        "name": publication.title,
        "description": publication.description or publication.title,
        "creator": [person_ld(p) for p in publication.creators],
        "isAccessibleForFree": True,
        "creditText": datacite_citation(publication, year),
        "includedInDataCatalog": {"@type": "DataCatalog", "name": catalog_name, "url": catalog_url},
    }
    if publication.publisher:
        item["publisher"] = {"@type": "Organization", "name": publication.publisher}
    if year:
        date = publication.publication_date or ""
        item["datePublished"] = date[:10] if date.startswith(str(year)) else str(year)
    if publication.licence and (link_url(publication.licence.url) or publication.licence.name):
        item["license"] = link_url(publication.licence.url) or publication.licence.name
    if publication.keywords:
        item["keywords"] = list(publication.keywords)
    techniques = sorted({t.name for d in datasets for t in d.techniques})
    if techniques:
        item["measurementTechnique"] = techniques
    downloads = [_download(f, url) for d in datasets for f in d.files if (url := public_url(f.location, access))]
    if downloads:
        item["distribution"] = downloads
    item.update(_relations(publication))
    return item


def _download(datafile: DataFile, url: str) -> dict:
    item = {"@type": "DataDownload", "name": datafile.name, "contentUrl": url, "encodingFormat": media_type(datafile)}
    if datafile.size is not None:
        item["contentSize"] = f"{datafile.size} B"
    return item


# DataCite relations that schema.org can say: the dataset's publications, the collections it is part of, its parts.
SCHEMA_RELATIONS = {"IsSupplementTo": "citation", "IsCitedBy": "citation", "IsReferencedBy": "citation",
                    "IsPartOf": "isPartOf", "HasPart": "hasPart"}


def _relations(publication: Publication) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for related in publication.related_items:
        key = SCHEMA_RELATIONS.get(related.relation_type)
        if key is None:
            continue
        work: dict = {"@type": "CreativeWork"}
        if related.identifier_type == "DOI":
            work["@id"] = doi_url(related.identifier)
        elif related.identifier_type == "URL" and link_url(related.identifier):
            work["url"] = related.identifier
        if related.title or related.full_reference:
            work["name"] = related.title or related.full_reference
        found.setdefault(key, []).append(work)
    return found
