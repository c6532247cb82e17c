"""Curated records written by hand in YAML (`catalogue/sources/*.yml`) -> snapshot entities.

A curated file lists investigations, samples, DOI publications and datasets
with their ICAT parameters, by the ESRF's parameter names (or atlasgen's
extensions). It is for records that exist in no machine-readable source
atlasgen reads, and for examples. Provenance is written as ICAT has it: a
processed dataset names its inputs, by the name of another dataset of the
same file or by a location, and becomes an `input_datasets` parameter.
The format is checked like a collection schema: errors name file, line and key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable

from pydantic import Field

from builder.catalogue.snapshot import Entity, Ref
from builder.catalogue.vocabulary import parameter_definitions
from builder.config.validation import ConfigModel, suggest, validate_document
from builder.config.yamlfile import YamlDocument, load_yaml
from builder.errors import ConfigError, Problem
from builder.harvest.sources.entities import EntityCollector, entity_id, icat_datetime
from builder.harvest.sources.hoa import FACILITY

Value = str | float | int


class Span(ConfigModel):
    """A closed range, written as ICAT's rangeBottom and rangeTop: `{from: -350, to: -300}`."""

    low: float = Field(alias="from")
    high: float = Field(alias="to")


Parameters = dict[str, Value | Span]


class Person(ConfigModel):
    given: str | None = None
    family: str | None = None
    name: str | None = Field(None, description="an organisation, or a person whose name has no parts")
    orcid: str | None = None
    affiliation: str | None = None


class Related(ConfigModel):
    identifier: str = Field(description="e.g. DOI:10.1371/journal.pone.0064978")
    title: str
    reference: str | None = Field(None, description="the full reference, as it is cited")
    relation: str = "IsSupplementTo"
    type: str = "JournalArticle"


class Publication(ConfigModel):
    doi: str
    title: str
    description: str | None = None
    date: dt.date | None = Field(None, description="publication date")
    creators: list[Person] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    licence: str | None = Field(None, description="DOI_rights: 'name,identifier,URL'")
    related: list[Related] = Field(default_factory=list)


class Investigation(ConfigModel):
    name: str
    visit: str
    title: str = ""
    instrument: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    keywords: list[str] = Field(default_factory=list)


class Sample(ConfigModel):
    name: str
    parameters: Parameters = Field(default_factory=dict)


class File(ConfigModel):
    name: str
    size: int | None = None
    location: str | None = None


class Dataset(ConfigModel):
    name: str
    investigation: str
    type: str = "processed"
    description: str | None = None
    instruments: list[str] = Field(default_factory=list)
    techniques: list[str] = Field(default_factory=list)
    start: dt.datetime | dt.date | None = None
    end: dt.datetime | dt.date | None = None
    location: str | None = None
    doi: str | None = Field(None, description="the DOI of a publication of the file")
    publication: Publication | None = Field(None, description="a DOI of its own")
    sample: str | Sample | None = None
    parameters: Parameters = Field(default_factory=dict)
    inputs: list[str] = Field(default_factory=list, description="names of datasets of this file, or locations")
    files: list[File] = Field(default_factory=list)


class CuratedFile(ConfigModel):
    about: str = ""
    investigations: list[Investigation]
    samples: list[Sample] = Field(default_factory=list)
    publications: list[Publication] = Field(default_factory=list)
    datasets: list[Dataset]


def read_curated(path: Path, display_path: str | None = None) -> tuple[CuratedFile, YamlDocument]:
    document = load_yaml(path, display_path=display_path)
    curated = validate_document(CuratedFile, document)
    problems = _check(curated, document)
    if problems:
        raise ConfigError(problems)
    return curated, document


def _check(curated: CuratedFile, document: YamlDocument) -> list[Problem]:
    """Every name refers to something of the file; every parameter name is known."""
    problems: list[Problem] = []
    investigations = {i.name for i in curated.investigations}
    samples = {s.name for s in curated.samples}
    dois = {p.doi for p in curated.publications}
    for d, dataset in enumerate(curated.datasets):
        if dataset.publication and (dataset.doi or dataset.publication.doi in dois):
            problems.append(document.problem(("datasets", d, "publication"), f"DOI {dataset.publication.doi} is "
                                                                            "given twice"))
        if dataset.publication:
            dois.add(dataset.publication.doi)
    datasets = {d.name: d for d in curated.datasets}
    inline = {(d.sample.name, d.investigation) for d in curated.datasets if isinstance(d.sample, Sample)}
    known = parameter_definitions()

    def check_parameters(path: tuple, parameters: Parameters) -> None:
        for name, value in parameters.items():
            if name not in known:
                problems.append(document.problem((*path, name), f"no parameter '{name}' in the ESRF vocabulary or "
                                                                f"atlasgen's{suggest(name, known)}", at_key=True))
            elif known[name].value_type == "NUMERIC" and isinstance(value, str):
                problems.append(document.problem((*path, name), f"'{name}' is a number, got {value!r}"))

    for s, sample in enumerate(curated.samples):
        check_parameters(("samples", s, "parameters"), sample.parameters)
        owners = sorted({d.investigation for d in curated.datasets if d.sample == sample.name})
        if len(owners) > 1:
            problems.append(document.problem(("samples", s, "name"), f"a sample belongs to one investigation; "
                                                                    f"'{sample.name}' is used in {', '.join(owners)}"))
    seen: set[str] = set()
    for d, dataset in enumerate(curated.datasets):
        where = ("datasets", d)
        if dataset.name in seen:
            problems.append(document.problem((*where, "name"), f"a second dataset named '{dataset.name}'"))
        seen.add(dataset.name)
        if dataset.investigation not in investigations:
            problems.append(document.problem((*where, "investigation"),
                                             f"no investigation '{dataset.investigation}'"
                                             f"{suggest(dataset.investigation, investigations)}"))
        if isinstance(dataset.sample, str) and dataset.sample not in samples and \
                (dataset.sample, dataset.investigation) not in inline:
            problems.append(document.problem((*where, "sample"), f"no sample '{dataset.sample}' in 'samples' nor "
                                                                 f"in a dataset of {dataset.investigation}"
                                                                 f"{suggest(dataset.sample, samples)}"))
        if isinstance(dataset.sample, Sample):
            check_parameters((*where, "sample", "parameters"), dataset.sample.parameters)
        if dataset.doi and dataset.doi not in dois:
            problems.append(document.problem((*where, "doi"), f"no publication with DOI '{dataset.doi}'"))
        check_parameters((*where, "parameters"), dataset.parameters)
        for i, name in enumerate(dataset.inputs):
            if name.startswith("/"):
                continue
            target = datasets.get(name)
            if target is None:
                problems.append(document.problem((*where, "inputs", i), f"no dataset '{name}' in this file"
                                                                        f"{suggest(name, datasets)}"))
            elif not target.location:
                problems.append(document.problem((*where, "inputs", i), f"dataset '{name}' has no location to link to"))
    return problems


# ---------------------------------------------------------------- conversion


def curated_dates(curated: CuratedFile) -> list[dt.date | dt.datetime]:
    publications = curated.publications + [d.publication for d in curated.datasets if d.publication]
    return [d.start for d in curated.datasets if d.start] + [p.date for p in publications if p.date]


def add_curated_records(collector: EntityCollector, curated: CuratedFile) -> None:
    """Add the entities of a checked curated file to a collector (which may hold other sources' entities)."""
    _Converter(collector, curated).add_all()


def _value(value: Value | Span) -> Any:
    return (value.low, value.high) if isinstance(value, Span) else value


class _Converter:
    def __init__(self, collector: EntityCollector, curated: CuratedFile):
        self.collector = collector
        self.curated = curated
        self.facility = Ref(collector.facility_id)
        self.investigations = {i.name: i for i in curated.investigations}
        self.locations = {d.name: d.location for d in curated.datasets}

    def add_all(self) -> None:
        add = self.collector.add
        add(Entity("facility", dict(FACILITY), self.collector.facility_id))
        for investigation in self.curated.investigations:
            self._investigation(investigation)
        for sample in self.curated.samples:
            self._sample(sample, self._investigation_ref(self._first_investigation_of(sample.name)))
        members: dict[str, list[Ref]] = {}
        publications = list(self.curated.publications)
        for dataset in self.curated.datasets:
            ref = self._dataset(dataset)
            if dataset.publication:
                publications.append(dataset.publication)
            doi = dataset.publication.doi if dataset.publication else dataset.doi
            if doi:
                members.setdefault(doi, []).append(ref)
        for publication in publications:
            self._publication(publication, members.get(publication.doi, []))

    def _first_investigation_of(self, sample: str) -> Investigation:
        owner = next((d.investigation for d in self.curated.datasets if d.sample == sample),
                     self.curated.investigations[0].name)
        return self.investigations[owner]

    def _investigation_ref(self, investigation: Investigation) -> Ref:
        return Ref(entity_id("investigation", investigation.name, investigation.visit))

    def _instrument(self, name: str) -> Ref:
        return self.collector.add(Entity("instrument", {"name": name, "facility": self.facility},
                                         entity_id("instrument", name)))

    def _technique(self, name: str) -> Ref:
        return self.collector.add(Entity("technique", {"description": name, "name": name},
                                         entity_id("technique", name)))

    def _type(self, name: str) -> Ref:
        return self.collector.add(Entity("datasetType", {"name": name, "facility": self.facility},
                                         entity_id("datasetType", name)))

    def _investigation(self, investigation: Investigation) -> None:
        values: dict[str, Any] = {"name": investigation.name, "title": investigation.title,
                                  "visitId": investigation.visit, "facility": self.facility}
        if investigation.start:
            values["startDate"] = icat_datetime(investigation.start)
        if investigation.end:
            values["endDate"] = icat_datetime(investigation.end)
        if investigation.instrument:
            values["investigationInstruments"] = [
                Entity("investigationInstrument", {"instrument": self._instrument(investigation.instrument)})]
        if investigation.keywords:
            values["keywords"] = [Entity("keyword", {"name": word}) for word in investigation.keywords]
        self.collector.add(Entity("investigation", values, self._investigation_ref(investigation).id))

    def _sample(self, sample: Sample, investigation: Ref) -> Ref:
        parameters = self.collector.parameters("sample", {n: _value(v) for n, v in sample.parameters.items()})
        values = {"name": sample.name, "investigation": investigation, "parameters": parameters}
        return self.collector.add(Entity("sample", values, entity_id("sample", investigation.id or "", sample.name)))

    def _dataset(self, dataset: Dataset) -> Ref:
        investigation = self.investigations[dataset.investigation]
        ref = self._investigation_ref(investigation)
        named = {n: _value(v) for n, v in dataset.parameters.items()}
        if dataset.inputs:
            named["input_datasets"] = ",".join(name if name.startswith("/") else self.locations[name] or ""
                                               for name in dataset.inputs)
        values: dict[str, Any] = {"complete": "true", "name": dataset.name, "investigation": ref,
                                  "type": self._type(dataset.type),
                                  "parameters": self.collector.parameters("dataset", named)}
        for key, value in (("description", dataset.description), ("location", dataset.location)):
            if value:
                values[key] = value
        if dataset.start:
            values["startDate"] = icat_datetime(dataset.start)
        if dataset.end:
            values["endDate"] = icat_datetime(dataset.end)
        if isinstance(dataset.sample, Sample):
            values["sample"] = self._sample(dataset.sample, ref)
        elif dataset.sample:
            values["sample"] = Ref(entity_id("sample", ref.id or "", dataset.sample))
        instruments = dataset.instruments or ([investigation.instrument] if investigation.instrument else [])
        if instruments:
            values["datasetInstruments"] = [Entity("datasetInstrument", {"instrument": self._instrument(name)})
                                            for name in instruments]
        if dataset.techniques:
            values["datasetTechniques"] = [Entity("datasetTechnique", {"technique": self._technique(name)})
                                           for name in dataset.techniques]
        dataset_id = entity_id("dataset", investigation.name, investigation.visit, dataset.name)
        added = self.collector.add(Entity("dataset", values, dataset_id))
        for file in dataset.files:
            file_values: dict[str, Any] = {"name": file.name, "dataset": added}
            if file.size is not None:
                file_values["fileSize"] = str(file.size)
            if file.location:
                file_values["location"] = file.location
            self.collector.add(Entity("datafile", file_values, entity_id("datafile", dataset_id, file.name)))
        return added

    def _publication(self, publication: Publication, datasets: list[Ref]) -> None:
        content: dict[str, Any] = {
            "dataCollectionDatasets": [Entity("dataCollectionDataset", {"dataset": ref}) for ref in datasets]}
        if publication.licence:
            content["parameters"] = [self.collector.parameter("dataCollection", "DOI_rights", publication.licence)]
        collection = self.collector.add(Entity("dataCollection", content, entity_id("dataCollection", publication.doi)))
        values: dict[str, Any] = {
            "pid": publication.doi, "title": publication.title, "content": collection, "facility": self.facility,
            "type": self.collector.add(Entity("dataPublicationType", {"description": "Dataset with a DataCite DOI",
                                                                      "name": "Dataset", "facility": self.facility},
                                              entity_id("dataPublicationType", "Dataset"))),
            "users": list(self._creators(publication.creators)),
        }
        if publication.description:
            values["description"] = publication.description
        if publication.date:
            values["publicationDate"] = icat_datetime(publication.date)
        if publication.keywords:
            values["subject"] = "; ".join(publication.keywords)
        if publication.related:
            values["relatedItems"] = [Entity("relatedItem", {
                "identifier": item.identifier, "relatedItemType": item.type, "relationType": item.relation,
                "title": item.title, **({"fullReference": item.reference} if item.reference else {})})
                for item in publication.related]
        self.collector.add(Entity("dataPublication", values, entity_id("dataPublication", publication.doi)))

    def _creators(self, people: Iterable[Person]) -> Iterable[Entity]:
        for order, person in enumerate(people, start=1):
            values: dict[str, Any] = {"contributorType": "Creator", "orderKey": f"{order:03d}"}
            if person.given and person.family:
                full = f"{person.given} {person.family}"
                login = f"orcid/{person.orcid}" if person.orcid else f"curated/{full}"
                user = {"familyName": person.family, "fullName": full, "givenName": person.given, "name": login}
                if person.orcid:
                    user["orcidId"] = person.orcid
                values.update(familyName=person.family, givenName=person.given,
                              fullName=f"{person.family}, {person.given}",
                              user=self.collector.add(Entity("user", user, entity_id("user", login))))
            else:
                values["fullName"] = person.name or ""
            if person.affiliation:
                values["affiliations"] = [Entity("affiliation", {"name": person.affiliation})]
            yield Entity("dataPublicationUser", values)
