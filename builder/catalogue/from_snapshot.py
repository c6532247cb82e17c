"""How a snapshot's ICAT entities become records (`records.py`): the ICAT-to-record mapping.

Parameters, files, volumes, registrations, people and DOIs are read from the
entities the ICAT dump holds; links between records (zooms of a volume, the
same sample, processed from) are worked out once, in `assemble`.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Container, Iterable, Mapping

from builder.catalogue.provenance import link, problems_of
from builder.catalogue.records import (
    Affiliation,
    Catalogue,
    DataFile,
    Dataset,
    Funding,
    Instrument,
    Investigation,
    InvestigationUser,
    Licence,
    Parameter,
    ParameterInfo,
    Person,
    Publication,
    Registration,
    RelatedItem,
    Sample,
    Technique,
    Volume,
    normalise_doi,
)
from builder.catalogue.snapshot import Entity, Ref, Snapshot

NEUROGLANCER_FORMATS = ("n5", "zarr", "zarr2", "zarr3", "precomputed")
NEUROGLANCER_PROTOCOLS = ("gs", "s3", "http", "https")
# Preview images: by ICAT datafile format name, or else by the file's extension.
IMAGE_FORMATS = frozenset({"png", "jpeg", "jpg", "webp", "tiff", "tif", "gif", "bmp"})
CREDIT_ROLES = frozenset({
    "Conceptualization", "Data curation", "Formal analysis", "Funding acquisition", "Investigation",
    "Methodology", "Project administration", "Resources", "Software", "Supervision", "Validation",
    "Visualization", "Writing – original draft", "Writing – review & editing",
})



# ---------------------------------------------------------------- building


def catalogue_from_snapshot(snapshot: Snapshot) -> Catalogue:
    records = records_of(snapshot)
    return assemble(snapshot.head.date, records.datasets, records.publications, records.parameter_types,
                    records.lines, snapshot.path)


@dataclass(frozen=True)
class Records:
    """The records made from some entities of a snapshot, each with the entity it was made from."""

    datasets: dict[str, Dataset]  # by key, before their DOIs are attached
    publications: dict[str, Publication]  # by DOI
    parameter_types: dict[str, ParameterInfo]
    roots: dict[str, str]  # id of a dataset or dataPublication entity -> the key or DOI of its record
    lines: dict[str, int | None]  # dataset key -> its line in the snapshot


def records_of(snapshot: Snapshot, other_datasets: Iterable[str] = ()) -> Records:
    """The records of every dataset and DOI in `snapshot`.

    A DOI lists the datasets it holds that are in `snapshot` or among the keys `other_datasets`."""
    builder = _RecordBuilder(snapshot)
    datasets = {d.key: d for d in sorted(builder.datasets(), key=lambda d: d.key)}
    publications = builder.publications(datasets.keys() | set(other_datasets))
    return Records(datasets, publications, builder.parameter_infos(), builder.roots, builder.lines)


def assemble(date: str, datasets: Mapping[str, Dataset], publications: Mapping[str, Publication],
             parameter_types: Mapping[str, ParameterInfo], lines: Mapping[str, int | None], path: str,
             previous: Catalogue | None = None) -> Catalogue:
    """The catalogue of these records: DOIs attached to their datasets, links between datasets worked out.

    Records that are the very objects of `previous` keep their digests."""
    datasets = _attach_publications(dict(sorted(datasets.items())), publications)
    publications = dict(sorted(publications.items()))
    provenance = link({key: d.location for key, d in datasets.items()},
                      {key: d.input_locations for key, d in datasets.items() if d.input_locations})
    return Catalogue(date=date, datasets=datasets, publications=publications,
                     parameter_types=parameter_types, inputs=provenance.inputs, derived=provenance.derived,
                     problems=problems_of(provenance, {key: d.name for key, d in datasets.items()}, lines, path),
                     digests=_digests(datasets, publications, previous), **_links(datasets))


def _digests(datasets: Mapping[str, Dataset], publications: Mapping[str, Publication],
             previous: Catalogue | None) -> dict[str, str]:
    """A digest of each record's value, so that later work can tell an unchanged record cheaply."""
    old_records = {**previous.datasets, **previous.publications} if previous else {}
    digests = {}
    for key, record in (*datasets.items(), *publications.items()):
        if old_records.get(key) is record:
            digests[key] = previous.digests[key]  # type: ignore[union-attr]
        else:
            digests[key] = hashlib.sha256(repr(record).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return digests


def _number(text: str | None) -> float | None:
    if text is None or text.strip() == "":
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _split(text: str | None, separator: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(separator) if part.strip())


class _RecordBuilder:
    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self._parameter_types: dict[str, tuple[str, str]] = {}
        self._cache: dict[tuple[str, str], object] = {}
        self._interned: dict = {}
        self._parameters_seen: dict[tuple, Parameter | None] = {}
        self._people_seen: dict[tuple, tuple[tuple[Person, ...], tuple[Person, ...]]] = {}
        self.lines: dict[str, int | None] = {}  # dataset key -> its line in the snapshot
        self.roots: dict[str, str] = {}  # entity id -> key or DOI of the record made from it

    # ---- shared pieces

    def _resolve(self, entity: Entity, name: str, kind: str) -> Entity | None:
        return self.snapshot.resolve(entity.ref(name), kind)

    def _cached(self, kind: str, entity: Entity | None, make):
        if entity is None:
            return None
        key = (kind, str(id(entity)))
        if key not in self._cache:
            self._cache[key] = make(entity)
        return self._cache[key]

    def parameter_infos(self) -> dict[str, ParameterInfo]:
        infos = {}
        for entity in self.snapshot.of_kind("parameterType"):
            name = entity.text("name") or ""
            infos[name] = ParameterInfo(name, _units(entity.text("units")), entity.text("valueType") or "STRING",
                                        entity.text("description"))
        return dict(sorted(infos.items()))

    def _parameter_type(self, parameter: Entity) -> tuple[str, str]:
        ref = parameter.ref("type")
        cache_key = ref.id if ref and ref.id else repr(ref.keys if ref else None)
        found = self._parameter_types.get(cache_key)
        if found is None:
            entity = self.snapshot.resolve(ref, "parameterType")
            if entity is not None:
                found = (entity.text("name") or "", _units(entity.text("units")))
            elif ref is not None and ref.keys:
                found = (ref.keys.get("name", ""), _units(ref.keys.get("units")))
            else:
                found = ("", "")
            self._parameter_types[cache_key] = found
        return found

    def parameters(self, entity: Entity) -> Mapping[str, Parameter]:
        made: dict[str, Parameter] = {}
        for item in entity.many("parameters"):
            values = item.values
            ref = values.get("type")
            raw = (ref.id or repr(ref.keys) if isinstance(ref, Ref) else None,
                   *(values.get(name) for name in PARAMETER_VALUES))
            parameter = self._parameters_seen.get(raw, False)
            if parameter is False:  # first time this exact value: build it once
                parameter = self._parameters_seen[raw] = self._parameter(item)
            if parameter is not None:
                made[parameter.name] = parameter
        return made

    def _parameter(self, item: Entity) -> Parameter | None:
        name, units = self._parameter_type(item)
        if not name:
            return None
        values = item.values
        return Parameter(
            name=name, units=units, number=_number(values.get("numericValue")),  # type: ignore[arg-type]
            text=values.get("stringValue"), when=values.get("dateTimeValue"),  # type: ignore[arg-type]
            low=_number(values.get("rangeBottom")), high=_number(values.get("rangeTop")),  # type: ignore[arg-type]
            error=_number(values.get("error")),  # type: ignore[arg-type]
        )

    def _intern(self, record):
        """One shared object per distinct value: catalogues repeat most values many times."""
        return self._interned.setdefault(record, record)

    def _instrument(self, entity: Entity) -> Instrument:
        facility = self._resolve(entity, "facility", "facility")
        return Instrument(name=entity.text("name") or "", full_name=entity.text("fullName"), url=entity.text("url"),
                          pid=entity.text("pid"), facility=facility.text("name") if facility else None)

    def _technique(self, entity: Entity) -> Technique:
        return Technique(name=entity.text("name") or "", pid=entity.text("pid"), description=entity.text("description"))

    def _investigation(self, entity: Entity) -> Investigation:
        users = []
        for item in entity.many("investigationUsers"):
            user = self._resolve(item, "user", "user")
            if user is not None:
                users.append(InvestigationUser(user.text("fullName") or user.text("name") or "", item.text("role"),
                                               user.text("orcidId")))
        return Investigation(
            name=entity.text("name") or "", visit_id=entity.text("visitId") or "", title=entity.text("title") or "",
            summary=entity.text("summary"), doi=normalise_doi(entity.text("doi")),
            start_date=entity.text("startDate"), end_date=entity.text("endDate"),
            release_date=entity.text("releaseDate"), users=tuple(users),
            keywords=tuple(sorted(k.text("name") or "" for k in entity.many("keywords"))),
            parameters=self.parameters(entity),
        )

    def _sample(self, entity: Entity) -> Sample:
        sample_type = self._resolve(entity, "type", "sampleType")
        return Sample(name=entity.text("name") or "", pid=entity.text("pid"),
                      type=sample_type.text("name") if sample_type else None, parameters=self.parameters(entity))

    # ---- datasets

    def datasets(self) -> Iterable[Dataset]:
        files_by_dataset: dict[int, list[Entity]] = defaultdict(list)
        for datafile in self.snapshot.of_kind("datafile"):
            owner = self._resolve(datafile, "dataset", "dataset")
            if owner is not None:
                files_by_dataset[id(owner)].append(datafile)
        for entity in self.snapshot.of_kind("dataset"):
            yield self._dataset(entity, entity.many("datafiles") + files_by_dataset.get(id(entity), []))

    def _dataset(self, entity: Entity, file_entities: list[Entity]) -> Dataset:
        investigation = self._cached("investigation", self._resolve(entity, "investigation", "investigation"),
                                     self._investigation) or Investigation(name="")
        name = entity.text("name") or ""
        dataset_type = self._resolve(entity, "type", "datasetType")
        parameters = self.parameters(entity)
        files = tuple(self._file(f) for f in sorted(file_entities, key=lambda f: f.text("name") or ""))
        key = "/".join((investigation.name, investigation.visit_id, name))
        self.lines[key] = entity.line
        if entity.id is not None:
            self.roots[entity.id] = key
        return Dataset(
            key=key,
            name=name,
            investigation=investigation,
            description=entity.text("description"),
            dataset_type=dataset_type.text("name") if dataset_type else None,
            location=entity.text("location"),
            start_date=entity.text("startDate"),
            end_date=entity.text("endDate"),
            doi=normalise_doi(entity.text("doi")),
            instruments=tuple(self._linked(entity, "datasetInstruments", "instrument", self._instrument)),
            techniques=tuple(self._linked(entity, "datasetTechniques", "technique", self._technique)),
            sample=self._cached("sample", self._resolve(entity, "sample", "sample"), self._sample),
            parameters=parameters,
            files=files,
            volume=_volume(files, parameters),
            images=tuple(f for f in files if is_image(f)),
            registration=_registration(parameters),
            input_locations=_split(parameters["input_datasets"].text if "input_datasets" in parameters else None, ","),
        )

    def _linked(self, entity: Entity, relation: str, name: str, make) -> list:
        found = []
        for joining in entity.many(relation):
            target = self._cached(name, self._resolve(joining, name, name), make)
            if target is not None:
                found.append(target)
        return found

    def _file(self, entity: Entity) -> DataFile:
        file_format = self._resolve(entity, "datafileFormat", "datafileFormat")
        size = entity.text("fileSize")
        return DataFile(name=entity.text("name") or "", size=int(size) if size else None,
                        location=entity.text("location"), format=file_format.text("name") if file_format else None,
                        description=entity.text("description"), checksum=entity.text("checksum"))

    # ---- publications

    def publications(self, datasets: Container[str]) -> dict[str, Publication]:
        keys_by_entity = {}
        for entity in self.snapshot.of_kind("dataset"):
            investigation = self._resolve(entity, "investigation", "investigation")
            inv = (investigation.text("name") or "", investigation.text("visitId") or "") if investigation else ("", "")
            keys_by_entity[id(entity)] = "/".join(inv + (entity.text("name") or "",))
        users_by_publication: dict[int, list[Entity]] = defaultdict(list)
        for user in self.snapshot.of_kind("dataPublicationUser"):
            owner = self._resolve(user, "publication", "dataPublication")
            if owner is not None:
                users_by_publication[id(owner)].append(user)
        found = {}
        for entity in self.snapshot.of_kind("dataPublication"):
            doi = normalise_doi(entity.text("pid"))
            if doi is None:
                continue
            users = entity.many("users") + users_by_publication.get(id(entity), [])
            found[doi] = self._publication(entity, doi, users, keys_by_entity, datasets)
            if entity.id is not None:
                self.roots[entity.id] = doi
        return dict(sorted(found.items()))

    def _publication(self, entity: Entity, doi: str, users: list[Entity], keys_by_entity: dict[int, str],
                     datasets: Container[str]) -> Publication:
        content = self._resolve(entity, "content", "dataCollection")
        facility = self._resolve(entity, "facility", "facility")
        publication_type = self._resolve(entity, "type", "dataPublicationType")
        creators, contributors = self._people(users)
        dataset_keys: list[str] = []
        licence = None
        if content is not None:
            for link in content.many("dataCollectionDatasets"):
                target = self._resolve(link, "dataset", "dataset")
                if target is not None and keys_by_entity.get(id(target)) in datasets:
                    dataset_keys.append(keys_by_entity[id(target)])
            rights = self.parameters(content).get("DOI_rights")
            licence = _licence(rights.text) if rights and rights.text else None
        return Publication(
            doi=doi,
            title=entity.text("title") or "",
            description=entity.text("description"),
            publication_date=entity.text("publicationDate"),
            keywords=_split(entity.text("subject"), ";"),
            resource_type=publication_type.text("name") or "Dataset" if publication_type else "Dataset",
            publisher=(facility.text("fullName") or facility.text("name") or "") if facility else "",
            creators=creators,
            contributors=contributors,
            dates=tuple((d.text("date") or "", d.text("dateType") or "") for d in entity.many("dates")),
            related_items=tuple(_related_item(item) for item in entity.many("relatedItems")),
            fundings=tuple(self._fundings(entity)),
            licence=licence,
            dataset_keys=tuple(sorted(dataset_keys)),
        )

    def _fundings(self, entity: Entity) -> Iterable[Funding]:
        for joining in entity.many("fundingReferences"):
            funding = self._resolve(joining, "funding", "fundingReference")
            if funding is not None:
                yield Funding(funding.text("funderName") or "", funding.text("funderIdentifier"),
                              funding.text("awardNumber"), funding.text("awardTitle"))

    def _people(self, users: list[Entity]) -> tuple[tuple[Person, ...], tuple[Person, ...]]:
        """Creators and contributors in order; the same list of entries is worked out once."""
        raw = tuple(_user_key(user) for user in users)
        if None in raw:  # entries with affiliations: not worth a key
            return self._people_of(users)
        if raw not in self._people_seen:
            self._people_seen[raw] = self._people_of(users)
        return self._people_seen[raw]

    def _people_of(self, users: list[Entity]) -> tuple[tuple[Person, ...], tuple[Person, ...]]:
        """CRediT-role entries fold into their person."""
        people: dict[tuple[str, str], dict] = {}
        for item in sorted(users, key=lambda u: (u.text("orderKey") or "", u.text("contributorType") or "")):
            kind = item.text("contributorType") or "Creator"
            user = self._resolve(item, "user", "user")
            who = item.text("orderKey") or (user.id if user else "") or item.text("fullName") or ""
            is_role = kind in CREDIT_ROLES
            slot = people.setdefault((who, "Creator" if is_role else kind), {"roles": [], "entries": []})
            if is_role:
                slot["roles"].append(kind)
            slot["entries"].append((item, user, kind))
        creators, contributors = [], []
        for (who, kind), slot in people.items():
            person = self._intern(_person(slot["entries"], kind, tuple(slot["roles"])))
            if person is not None:
                (creators if kind == "Creator" else contributors).append(person)
        return tuple(creators), tuple(contributors)


PARAMETER_VALUES = ("numericValue", "stringValue", "dateTimeValue", "rangeBottom", "rangeTop", "error")
USER_FIELDS = ("orderKey", "contributorType", "fullName", "givenName", "familyName", "email")


def _user_key(user: Entity) -> tuple | None:
    if user.values.get("affiliations"):
        return None
    ref = user.values.get("user")
    return (*(user.values.get(name) for name in USER_FIELDS),
            ref.id or repr(ref.keys) if isinstance(ref, Ref) else None)


def _person(entries: list[tuple[Entity, Entity | None, str]], kind: str, roles: tuple[str, ...]) -> Person | None:
    main = next((e for e in entries if e[2] == kind), entries[0])
    item, user, _ = main

    def pick(name: str) -> str | None:
        return item.text(name) or (user.text(name) if user is not None else None)

    given, family = _initials_to_given(pick("givenName"), pick("familyName"))
    full = pick("fullName") or (user.text("name") if user is not None else None)
    if given and family:
        shown = f"{given} {family}"
    elif full and ", " in full:
        family_part, given_part = full.split(", ", 1)
        shown, given, family = f"{given_part} {family_part}", given or given_part, family or family_part
    else:
        shown = full or ""
    if not shown:
        return None
    affiliations = tuple(
        Affiliation(a.text("name") or "", a.text("pid"), a.text("fullReference")) for a in item.many("affiliations")
    )
    return Person(name=shown, given_name=given, family_name=family,
                  orcid=user.text("orcidId") if user is not None else None, affiliations=affiliations,
                  roles=roles, contributor_type=kind, is_organisation=not (given or family))


LEADING_INITIALS = re.compile(r"^((?:[A-Z]\.\s*)+)(\S.*)$")


def _initials_to_given(given: str | None, family: str | None) -> tuple[str | None, str | None]:
    """Middle initials written at the start of the family name belong to the given name:
    ('Mark', 'P. Kuhnel') -> ('Mark P.', 'Kuhnel'), so that citations read 'Kuhnel, M. P.'."""
    found = LEADING_INITIALS.match(family or "")
    if not (given and found):
        return given, family
    return f"{given} {found.group(1).strip()}", found.group(2)


def _related_item(entity: Entity) -> RelatedItem:
    identifier = entity.text("identifier") or ""
    scheme, _, value = identifier.partition(":")
    if value and scheme.isalpha() and \
            scheme.upper() in {"DOI", "URL", "HANDLE", "ISBN", "ISSN", "ARK", "PMID", "ARXIV"}:
        identifier_type, identifier = scheme.upper(), value
    else:
        identifier_type = "URL" if identifier.startswith(("http://", "https://")) else "DOI"
    if identifier_type == "URL" and identifier.startswith("https://doi.org/"):
        identifier_type, identifier = "DOI", identifier.removeprefix("https://doi.org/")
    return RelatedItem(identifier=identifier, identifier_type={"HANDLE": "Handle", "ARXIV": "arXiv"}.get(
        identifier_type, identifier_type), relation_type=entity.text("relationType") or "References",
        item_type=entity.text("relatedItemType") or "Other", title=entity.text("title") or "",
        full_reference=entity.text("fullReference"))


def _licence(text: str) -> Licence:
    """ESRF DOI_rights: 'name,identifier,URL'; a bare name or URL also works."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) >= 3:
        return Licence(",".join(parts[:-2]), parts[-2] or None, parts[-1] or None)
    if text.startswith(("http://", "https://")):
        return Licence(text, None, text)
    return Licence(text)


def _units(units: str | None) -> str:
    return "" if units in (None, "", "N/A", "NA", "n/a") else units


def volume_format(location: str | None) -> str | None:
    """The format of a location Neuroglancer opens, or None.

    Both of Neuroglancer's forms: `n5://gs://bucket/path/` (format first) and
    `gs://bucket/path/|zarr3:` (format last); data over gs, s3 or http(s).
    """
    if not location:
        return None
    if "|" in location:
        address, _, pipeline = location.partition("|")
        fmt = pipeline.rstrip(":")
    else:
        fmt, _, address = location.partition("://")
    protocol = address.split("://", 1)[0] if "://" in address else ""
    return fmt if fmt in NEUROGLANCER_FORMATS and protocol in NEUROGLANCER_PROTOCOLS else None


def is_image(file: DataFile) -> bool:
    if file.format:
        return file.format.lower() in IMAGE_FORMATS
    name = file.name or file.location or ""
    return name.rsplit(".", 1)[-1].lower() in IMAGE_FORMATS if "." in name else False


def _volume(files: tuple[DataFile, ...], parameters: Mapping[str, Parameter]) -> Volume | None:
    """The first file a viewer can open, with the voxel size from the reconstruction parameters."""
    source = next((f.location for f in files if volume_format(f.location)), None)
    sizes = [parameters.get(f"TOMOReconstruction_voxel_size_{axis}") for axis in "xyz"]
    if source is None or sizes[0] is None or sizes[0].number is None:
        return None
    voxel = tuple(p.number if p is not None and p.number is not None else sizes[0].number for p in sizes)
    counts = [parameters.get(f"TOMOReconstruction_nb_voxel_{axis}") for axis in "xyz"]
    shape = tuple(int(p.number) for p in counts if p is not None and p.number is not None)
    low, high = (parameters.get(f"Neuroglancer_contrast_{end}") for end in ("low", "high"))
    contrast = ((low.number, high.number) if low and high and low.number is not None and high.number is not None
                else None)
    shader = parameters.get("Neuroglancer_shader")
    return Volume(source=source, voxel_size_um=voxel, shape=shape if len(shape) == 3 else None,  # type: ignore[arg-type]
                  contrast=contrast, shader=shader.text if shader and shader.text else None)


def _registration(parameters: Mapping[str, Parameter]) -> Registration | None:
    target = parameters.get("Registration_target_dataset")
    if target is None or not target.text:
        return None

    def number(name: str, default: float) -> float:
        found = parameters.get(f"Registration_{name}")
        return found.number if found is not None and found.number is not None else default

    return Registration(target=target.text, translation=tuple(number(f"translation_{a}", 0.0) for a in "xyz"),  # type: ignore[arg-type]
                        rotation=number("rotation", 0.0), scale=number("scale", 1.0))


def _attach_publications(datasets: dict[str, Dataset], publications: Mapping[str, Publication]) -> dict[str, Dataset]:
    """Each dataset with the DOIs that hold it; a dataset whose DOIs are unchanged stays the same object."""
    dois: dict[str, list[str]] = defaultdict(list)
    for doi in sorted(publications):
        for key in publications[doi].dataset_keys:
            dois[key].append(doi)
    attached = {}
    for key, dataset in datasets.items():
        found = tuple(dois.get(key, ()))
        attached[key] = dataset if dataset.publication_dois == found else replace(dataset, publication_dois=found)
    return attached


def _links(datasets: Mapping[str, Dataset]) -> dict[str, dict[str, tuple[str, ...]] | dict[str, str]]:
    by_name: dict[str, list[str]] = defaultdict(list)
    by_sample: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for key, dataset in datasets.items():
        by_name[dataset.name].append(key)
        if dataset.sample is not None:
            by_sample[(dataset.investigation.name, dataset.investigation.visit_id, dataset.sample.name)].append(key)
    parent: dict[str, str] = {}
    children: dict[str, list[str]] = defaultdict(list)
    for key, dataset in datasets.items():
        if dataset.registration and len(by_name.get(dataset.registration.target, [])) == 1:
            parent[key] = by_name[dataset.registration.target][0]
            children[parent[key]].append(key)
    same_sample = {key: tuple(k for k in keys if k != key)
                   for keys in by_sample.values() for key in keys if len(keys) > 1}
    return {"parent": parent, "children": {k: tuple(v) for k, v in children.items()}, "same_sample": same_sample}

