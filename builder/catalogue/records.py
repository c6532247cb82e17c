"""Plain typed records derived from a snapshot: one per dataset, one per DOI.

Everything downstream (collections, pages, exports) reads these records and
never the snapshot's entities. Records are frozen; a Catalogue holds them,
sorted by key, with the links between them worked out once. How a snapshot's
entities become records is `from_snapshot.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from builder.errors import Problem

DOI_PREFIXES = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


def normalise_doi(text: str | None) -> str | None:
    """'DOI:10.1/x', 'https://doi.org/10.1/x' -> '10.1/x'."""
    if not text:
        return None
    doi = DOI_PREFIXES.sub("", text.strip())
    return doi or None



@dataclass(frozen=True, slots=True)
class Parameter:
    """One ICAT parameter value with its type's name and units."""

    name: str
    units: str = ""
    number: float | None = None
    text: str | None = None
    when: str | None = None  # ISO 8601 date-time
    low: float | None = None  # ICAT rangeBottom
    high: float | None = None  # ICAT rangeTop
    error: float | None = None

    @property
    def value(self) -> float | str | None:
        if self.number is not None:
            return self.number
        return self.text if self.text is not None else self.when


@dataclass(frozen=True, slots=True)
class Affiliation:
    name: str
    identifier: str | None = None  # e.g. "ROR:024mw5h28"
    full_reference: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """A creator or contributor of a publication, in publication order."""

    name: str  # as shown: "Given Family", or an organisation's name
    given_name: str | None = None
    family_name: str | None = None
    orcid: str | None = None
    affiliations: tuple[Affiliation, ...] = ()
    roles: tuple[str, ...] = ()  # CRediT roles
    contributor_type: str = "Creator"  # DataCite's type for non-creators
    is_organisation: bool = False


@dataclass(frozen=True, slots=True)
class RelatedItem:
    identifier: str
    identifier_type: str  # DOI, URL, ...
    relation_type: str  # DataCite relationType, e.g. IsSupplementTo
    item_type: str  # DataCite resourceTypeGeneral, e.g. JournalArticle
    title: str = ""
    full_reference: str | None = None


@dataclass(frozen=True, slots=True)
class Funding:
    funder_name: str
    funder_identifier: str | None = None
    award_number: str | None = None
    award_title: str | None = None


@dataclass(frozen=True, slots=True)
class Licence:
    name: str
    identifier: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class DataFile:
    name: str
    size: int | None = None
    location: str | None = None
    format: str | None = None
    description: str | None = None
    checksum: str | None = None


@dataclass(frozen=True, slots=True)
class Volume:
    """A multiscale volume a viewer can open, and how its data values are shown if the record says."""

    source: str  # e.g. n5://gs://bucket/path/
    voxel_size_um: tuple[float, float, float]
    shape: tuple[int, int, int] | None = None
    contrast: tuple[float, float] | None = None  # Neuroglancer_contrast_low/high
    shader: str | None = None  # Neuroglancer_shader


@dataclass(frozen=True, slots=True)
class Registration:
    """Where a zoom sits inside another volume."""

    target: str  # the other dataset's name
    translation: tuple[float, float, float]
    rotation: float = 0.0
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Instrument:
    name: str
    full_name: str | None = None
    url: str | None = None
    pid: str | None = None
    facility: str | None = None


@dataclass(frozen=True, slots=True)
class Technique:
    name: str
    pid: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class InvestigationUser:
    name: str
    role: str | None = None
    orcid: str | None = None


@dataclass(frozen=True, slots=True)
class Investigation:
    name: str
    visit_id: str = ""
    title: str = ""
    summary: str | None = None
    doi: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    release_date: str | None = None
    users: tuple[InvestigationUser, ...] = ()
    keywords: tuple[str, ...] = ()
    parameters: Mapping[str, Parameter] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    pid: str | None = None
    type: str | None = None
    parameters: Mapping[str, Parameter] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dataset:
    key: str  # unique and stable: investigation/visit/name
    name: str
    investigation: Investigation
    description: str | None = None
    dataset_type: str | None = None
    location: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    doi: str | None = None
    instruments: tuple[Instrument, ...] = ()
    techniques: tuple[Technique, ...] = ()
    sample: Sample | None = None
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    files: tuple[DataFile, ...] = ()
    volume: Volume | None = None
    registration: Registration | None = None
    images: tuple[DataFile, ...] = ()  # preview images among the files, in name order
    publication_dois: tuple[str, ...] = ()
    input_locations: tuple[str, ...] = ()

    def parameter(self, name: str) -> Parameter | None:
        """A parameter of the dataset, else of its sample, else of its investigation."""
        found = self.parameters.get(name)
        if found is None and self.sample is not None:
            found = self.sample.parameters.get(name)
        if found is None:
            found = self.investigation.parameters.get(name)
        return found

    def parameters_seen(self) -> dict[str, Parameter]:
        """Every parameter `parameter` finds, by name: one lookup each where many are looked up."""
        sample = self.sample.parameters if self.sample is not None else {}
        return {**self.investigation.parameters, **sample, **self.parameters}

    @property
    def doi_list(self) -> tuple[str, ...]:
        own = (self.doi,) if self.doi and self.doi not in self.publication_dois else ()
        return own + self.publication_dois


@dataclass(frozen=True, slots=True)
class Publication:
    doi: str
    title: str
    description: str | None = None
    publication_date: str | None = None
    keywords: tuple[str, ...] = ()
    resource_type: str = "Dataset"
    publisher: str = ""
    creators: tuple[Person, ...] = ()
    contributors: tuple[Person, ...] = ()
    dates: tuple[tuple[str, str], ...] = ()  # (date, DataCite dateType)
    related_items: tuple[RelatedItem, ...] = ()
    fundings: tuple[Funding, ...] = ()
    licence: Licence | None = None
    dataset_keys: tuple[str, ...] = ()

    @property
    def publication_year(self) -> int | None:
        return int(self.publication_date[:4]) if self.publication_date else None


@dataclass(frozen=True)
class ParameterInfo:
    name: str
    units: str
    value_type: str
    description: str | None = None


@dataclass(frozen=True)
class Catalogue:
    """Every record of a snapshot, and how they link to each other."""

    date: str
    datasets: Mapping[str, Dataset]
    publications: Mapping[str, Publication]
    parameter_types: Mapping[str, ParameterInfo]
    children: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # registered zooms per volume
    parent: Mapping[str, str] = field(default_factory=dict)
    same_sample: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # processed results per input
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # what a processed dataset was made from
    problems: tuple[Problem, ...] = ()  # what the build reports as warnings: the records are usable as they are
    digests: Mapping[str, str] = field(default_factory=dict)  # dataset key or DOI -> a digest of its record

    def publications_of(self, dataset: Dataset) -> list[Publication]:
        return [self.publications[doi] for doi in dataset.doi_list if doi in self.publications]
