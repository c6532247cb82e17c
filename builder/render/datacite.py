"""DataCite Metadata Schema 4.5 records of DOIs: JSON as `datacite.schema45` validates it, and kernel-4 XML.

A record is built from the typed records alone and checked twice: against
the JSON schema the `datacite` package ships (compiled by `jsonschema-rs`;
`jsonschema` words the errors of a record it refuses), and by checks that schema
cannot make (ORCID checksums, empty texts, characters XML cannot hold).
A value that would be exported wrong (a malformed ORCID or ROR identifier,
a date that is no date) is left out of the record and reported; the rest
of the record stays valid. A record that cannot be valid (no creators, no
title) is reported and must not be exported.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib.metadata import version
from typing import Iterable, Iterator, Sequence

import jsonschema_rs

from builder.catalogue.records import Affiliation, Dataset, Funding, Person, Publication, RelatedItem
from builder.render.identifiers import checked_orcid
from builder.render.urls import link_url
from builder.render.years import PublicationYear, is_date

SCHEMA_VERSION = "http://datacite.org/schema/kernel-4"
ORCID_SCHEME_URI = "https://orcid.org"
ROR = re.compile(r"^(?:ROR:|https?://ror\.org/)(0[a-hj-km-np-tv-z0-9]{6}[0-9]{2})$", re.IGNORECASE)
FUNDER_SCHEMES = (("https://ror.org/", "ROR"), ("ROR:", "ROR"), ("10.13039/", "Crossref Funder ID"),
                  ("https://doi.org/10.13039/", "Crossref Funder ID"), ("ISNI:", "ISNI"), ("GRID:", "GRID"))
DATE_TYPES = frozenset({"Accepted", "Available", "Copyrighted", "Collected", "Created", "Issued", "Submitted",
                        "Updated", "Valid", "Withdrawn", "Other"})
COUNTRY_PARAMETER = "SampleLocalisation_country"
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
# Names the cached findings of the schema check: they change with the schema's package and the validator only.
SCHEMA_CHECK = "datacite-schema-" + re.sub(r"[^\w.]", "_", "-".join(version(name) for name in
                                                                   ("datacite", "jsonschema", "jsonschema-rs")))


@dataclass(frozen=True)
class DataciteProblem:
    """One thing wrong with a DOI's DataCite record, at a JSON path of the record."""

    doi: str
    path: str  # e.g. creators[0].nameIdentifiers[0]
    message: str
    left_out: bool = False  # the bad value is left out of the record, which stays valid

    def __str__(self) -> str:
        return f"{self.doi}: {self.path}: {self.message}"


# ---------------------------------------------------------------- the record


def datacite_record(publication: Publication, datasets: Sequence[Dataset], year: PublicationYear) -> dict:
    """The DataCite 4.5 JSON of a DOI: everything the records know that DataCite has a place for."""
    record: dict = {
        "doi": publication.doi,
        "creators": [_person(p) for p in publication.creators],
        "titles": [{"title": publication.title}],
        "publisher": {"name": publication.publisher},
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": publication.resource_type or "Dataset"},
        "schemaVersion": SCHEMA_VERSION,
    }
    optional = {
        "publicationYear": str(year.year) if year.year else None,
        "contributors": [_person(p) | {"contributorType": p.contributor_type} for p in publication.contributors],
        "subjects": [{"subject": s} for s in _unique([*publication.keywords, *_techniques(datasets)])],
        "dates": _dates(publication),
        "alternateIdentifiers": [{"alternateIdentifier": name, "alternateIdentifierType": "Proposal"}
                                 for name in sorted({d.investigation.name for d in datasets if d.investigation.name})],
        "relatedIdentifiers": [_related_identifier(item) for item in publication.related_items if item.identifier],
        "relatedItems": [_related_item(item) for item in publication.related_items if item.title],
        "sizes": _sizes(datasets),
        "formats": sorted({f.format for d in datasets for f in d.files if f.format}),
        "rightsList": _rights(publication),
        "descriptions": ([{"description": publication.description, "descriptionType": "Abstract"}]
                         if publication.description else []),
        "fundingReferences": [_funding(f) for f in publication.fundings if f.funder_name.strip()],
        "geoLocations": [{"geoLocationPlace": place} for place in _places(datasets)],
    }
    record.update({key: value for key, value in optional.items() if value})
    return record


def _person(person: Person) -> dict:
    item: dict = {"name": _display_name(person), "nameType": "Organizational" if person.is_organisation else "Personal"}
    if not person.is_organisation:
        item.update({key: value for key, value in (("givenName", person.given_name),
                                                    ("familyName", person.family_name)) if value})
    orcid = checked_orcid(person.orcid)
    if orcid:
        item["nameIdentifiers"] = [{"nameIdentifier": orcid, "nameIdentifierScheme": "ORCID",
                                    "schemeUri": ORCID_SCHEME_URI}]
    affiliations = [_affiliation(a) for a in person.affiliations if a.name.strip()]
    if affiliations:
        item["affiliation"] = affiliations
    return item


def _display_name(person: Person) -> str:
    """DataCite's form for people: 'Family, Given'."""
    if not person.is_organisation and person.family_name and person.given_name:
        return f"{person.family_name}, {person.given_name}"
    return person.name


def _affiliation(affiliation: Affiliation) -> dict:
    item = {"name": affiliation.name}
    ror = ROR.match((affiliation.identifier or "").strip())
    if ror:
        item.update(affiliationIdentifier=f"https://ror.org/{ror.group(1).lower()}",
                    affiliationIdentifierScheme="ROR", schemeUri="https://ror.org")
    return item


def _dates(publication: Publication) -> list[dict]:
    dates = [{"date": value, "dateType": kind} for value, kind in publication.dates
             if kind in DATE_TYPES and is_date(value)]
    if publication.publication_date and is_date(publication.publication_date[:10]) and not any(
            d["dateType"] == "Issued" for d in dates):
        dates.insert(0, {"date": publication.publication_date[:10], "dateType": "Issued"})
    return _unique(dates)


def _techniques(datasets: Sequence[Dataset]) -> list[str]:
    return sorted({t.name for d in datasets for t in d.techniques if t.name})


def _places(datasets: Sequence[Dataset]) -> list[str]:
    found = (d.parameter(COUNTRY_PARAMETER) for d in datasets)
    return sorted({p.text for p in found if p is not None and p.text})


def _related_identifier(item: RelatedItem) -> dict:
    return {"relatedIdentifier": item.identifier, "relatedIdentifierType": item.identifier_type,
            "relationType": item.relation_type, "resourceTypeGeneral": item.item_type}


def _related_item(item: RelatedItem) -> dict:
    related: dict = {"relatedItemType": item.item_type, "relationType": item.relation_type,
                     "titles": [{"title": item.title}]}
    if item.identifier:
        related["relatedItemIdentifier"] = {"relatedItemIdentifier": item.identifier,
                                            "relatedItemIdentifierType": item.identifier_type}
    return related


def _sizes(datasets: Sequence[Dataset]) -> list[str]:
    """The total size, only when every file's size is known: a partial sum would understate it."""
    files = [f for d in datasets for f in d.files]
    if not files or any(f.size is None for f in files):
        return []
    return [f"{sum(f.size or 0 for f in files)} bytes"]


def _rights(publication: Publication) -> list[dict]:
    licence = publication.licence
    if licence is None:
        return []
    rights = {"rights": licence.name}
    if link_url(licence.url):
        rights["rightsUri"] = licence.url
    if licence.identifier:  # the ESRF's DOI_rights name SPDX licence identifiers
        rights.update(rightsIdentifier=licence.identifier, rightsIdentifierScheme="SPDX",
                      schemeUri="https://spdx.org/licenses/")
    return [rights]


def _funding(funding: Funding) -> dict:
    item = {"funderName": funding.funder_name}
    if funding.funder_identifier:
        item["funderIdentifier"] = funding.funder_identifier
        item["funderIdentifierType"] = next((kind for start, kind in FUNDER_SCHEMES
                                             if funding.funder_identifier.startswith(start)), "Other")
    if funding.award_number:
        item["awardNumber"] = funding.award_number
    if funding.award_title:
        item["awardTitle"] = funding.award_title
    return item


def _unique(items: Iterable) -> list:
    """In order, each once (DataCite's lists are sets)."""
    kept: list = []
    for item in items:
        if item not in kept:
            kept.append(item)
    return kept


# ---------------------------------------------------------------- problems


def datacite_problems(publication: Publication, record: dict,
                      found_by_schema: Sequence[tuple[str, str]] | None = None) -> list[DataciteProblem]:
    """What is wrong with a DOI's record: our own checks, then the schema's on what they leave.

    `found_by_schema` is `schema_errors(record)`, when the caller has it already.
    """
    doi = publication.doi
    own = [DataciteProblem(doi, path, message, left_out)
           for path, message, left_out in _own_checks(publication, record)]
    reported = {p.path for p in own if not p.left_out}  # the schema would only say the same less clearly
    errors = schema_errors(record) if found_by_schema is None else found_by_schema
    schema = [DataciteProblem(doi, path, message) for path, message in errors if path not in reported]
    return own + schema


def _own_checks(publication: Publication, record: dict) -> Iterator[tuple[str, str, bool]]:
    if not DOI.match(publication.doi):
        yield "doi", f"'{publication.doi}' is not a DOI: 10.<prefix>/<suffix>, with no spaces", False
    if not publication.creators:
        yield "creators", "no creators: DataCite needs at least one", False
    if not publication.title.strip():
        yield "titles[0].title", "empty title", False
    if not publication.publisher.strip():
        yield "publisher.name", "no publisher", False
    if "publicationYear" not in record:
        yield ("publicationYear", "no publication date, and no year from its other dates "
               "(the site config's landing.derived_year)", False)
    for kind in ("creators", "contributors"):
        for index, person in enumerate(getattr(publication, kind)):
            yield from _person_checks(person, f"{kind}[{index}]")
    for index, (value, kind) in enumerate(publication.dates):
        if kind not in DATE_TYPES or not is_date(value):
            yield ("dates", f"date {index + 1} ({value!r}, {kind!r}) is no ISO 8601 date of a DataCite type; left out",
                   True)
    for index, funding in enumerate(publication.fundings):
        if not funding.funder_name.strip():
            yield "fundingReferences", f"funding {index + 1} has no funder name; left out", True
    for path, text in _strings(record, ""):
        bad = NOT_IN_XML.search(text)
        if bad:
            yield path, f"U+{ord(bad.group()):04X} is a character XML cannot hold", False


def _person_checks(person: Person, path: str) -> Iterator[tuple[str, str, bool]]:
    if person.orcid and checked_orcid(person.orcid) is None:
        yield (f"{path}.nameIdentifiers[0]",
               f"'{person.orcid}' of {person.name} is not a valid ORCID iD (format or check digit); left out", True)
    for affiliation in person.affiliations:
        if not affiliation.name.strip():
            yield f"{path}.affiliation", f"an affiliation of {person.name} has no name; left out", True
        elif affiliation.identifier and not ROR.match(affiliation.identifier.strip()):
            yield (f"{path}.affiliation", f"'{affiliation.identifier}' of {affiliation.name} is not a ROR "
                                          f"identifier (ROR:0xxxxxxNN); left out", True)


def _strings(value, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _schema45():
    """The datacite package's schema module, imported when first needed: its dependencies take half a second to
    import, and a build that keeps every DOI's check and export from the last one needs none of it."""
    from datacite import schema45

    return schema45


@functools.cache
def _compiled_schema() -> jsonschema_rs.Validator:
    """The same DataCite 4.5 schema, compiled: about 150 times faster than `jsonschema` on a valid record.

    Formats are not checked, as the `datacite` package's own validator does not check them."""
    return jsonschema_rs.validator_for(_schema45().validator.schema, validate_formats=False)


def schema_errors(record: dict) -> list[tuple[str, str]]:
    """(JSON path, message) of each way the record breaks the DataCite 4.5 JSON schema, sorted.

    Nearly every record is valid: the compiled validator says so quickly, and only a record it refuses is
    checked again by `jsonschema`, whose messages are the ones reported."""
    if _compiled_schema().is_valid(record):
        return []
    errors = [(_json_path(error), error.message) for error in _schema45().validator.iter_errors(record)]
    return sorted(set(errors))


def _json_path(error) -> str:
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    if error.validator == "required":  # the error sits on the object; name the missing key
        path += "." + error.message.split("'")[1]
    return path.lstrip(".") or "(record)"


# ---------------------------------------------------------------- text


def datacite_xml(record: dict) -> str:
    """Kernel 4.5 XML of a valid record (UTF-8, with its declaration)."""
    return _schema45().tostring(record)


def datacite_json(record: dict) -> str:
    """The record as JSON text: sorted keys, two-space indent, UTF-8 characters as they are."""
    return json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
