"""Merge a harvest into a snapshot: replace entities by id, drop what was removed, say which DOIs changed.

A harvested entity replaces the snapshot's entity with the same id, and the
parts that hang off the old one (its datafiles, its top-level parameters and
publication users) go with it unless the harvest brings them again. A DOI
within the request's scope that the source no longer has is removed with its
data collection, and its datasets too when no other DOI uses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from builder.catalogue.icatschema import icat_schema
from builder.catalogue.records import normalise_doi
from builder.catalogue.snapshot import Entity, Head, Ref, Snapshot, walk
from builder.errors import HarvestError, Location, Problem

# Entities that are part of another, by the reference to their owner: a harvested owner brings all of its parts.
# (Samples and datasets are not parts of their investigation: one harvested for one DOI lacks the others'.)
OWNER = {
    "datafile": "dataset", "datafileParameter": "datafile", "datasetParameter": "dataset",
    "datasetInstrument": "dataset", "datasetTechnique": "dataset", "sampleParameter": "sample",
    "investigationParameter": "investigation", "investigationUser": "investigation",
    "investigationInstrument": "investigation", "keyword": "investigation",
    "dataCollectionDataset": "dataCollection", "dataCollectionDatafile": "dataCollection",
    "dataCollectionInvestigation": "dataCollection", "dataCollectionParameter": "dataCollection",
    "dataPublicationUser": "publication", "dataPublicationDate": "publication",
    "dataPublicationFunding": "publication", "relatedItem": "publication", "affiliation": "user",
}


@dataclass(frozen=True)
class Changes:
    """DOIs the merge added, changed and removed, each sorted."""

    new: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.new or self.changed or self.removed)


@dataclass(frozen=True)
class Merged:
    snapshot: Snapshot
    changes: Changes


def merge(previous: Snapshot, harvested: Snapshot, dois: Iterable[str], scope: set[str] | None,
          head: Head) -> Merged:
    """`dois`: every DOI the source has now; `scope`: the DOIs it answers for (None: all of them)."""
    incoming = _by_id(harvested)
    old_dois = _publications(previous)
    kept_dois = {normalise_doi(doi) for doi in dois}
    removed = sorted(doi for doi in old_dois if doi not in kept_dois and (scope is None or doi in scope))
    dropped = _removed_entities(previous, [old_dois[doi] for doi in removed], incoming)
    parents = _parent_ids(previous, set(incoming) | dropped)
    hanging = [entity for entity in previous.entities if entity.id not in incoming and id(entity) in parents]
    hanging_objects = {id(entity) for entity in hanging}  # by identity: a part may have no id
    kept = [incoming.get(entity.id, entity)  # type: ignore[arg-type]
            for entity in previous.entities if entity.id not in dropped and id(entity) not in hanging_objects]
    merged = Snapshot(head, kept + [e for e in harvested.entities if e.id not in previous.by_id], previous.path)
    _check_references(merged, harvested.path)
    touched = {key for key, entity in incoming.items()
               if key not in previous.by_id or _shape(previous.by_id[key]) != _shape(entity)}
    touched |= {parents[id(entity)] for entity in hanging}
    return Merged(merged, _changes(old_dois, _publications(merged), merged, touched, removed))


def _changes(old_dois: dict[str, Entity], new_dois: dict[str, Entity], merged: Snapshot, touched: set[str],
             removed: list[str]) -> Changes:
    new = sorted(doi for doi in new_dois if doi not in old_dois)
    changed = sorted(doi for doi, publication in new_dois.items()
                     if doi in old_dois and _ids_of_doi(merged, publication) & touched)
    return Changes(tuple(new), tuple(changed), tuple(removed))


def _by_id(harvested: Snapshot) -> dict[str, Entity]:
    nameless = [entity for entity in harvested.entities if entity.id is None]
    if nameless:
        raise HarvestError([Problem(Location(harvested.path, entity.line, key=entity.kind),
                                    "a harvested entity needs an id, so that the next harvest can replace it")
                            for entity in nameless[:20]])
    return {entity.id: entity for entity in harvested.entities}  # type: ignore[misc]


def _publications(snapshot: Snapshot) -> dict[str, Entity]:
    found = {}
    for entity in snapshot.of_kind("dataPublication"):
        doi = normalise_doi(entity.text("pid"))
        if doi:
            found[doi] = entity
    return found


def _removed_entities(previous: Snapshot, publications: list[Entity], incoming: dict[str, Entity]) -> set[str]:
    """Ids of removed publications, their collections, and their datasets that no remaining collection uses."""
    gone_collections = {previous.resolve(p.ref("content"), "dataCollection") for p in publications} - {None}
    candidates = {_target_id(previous, link, "dataset") for collection in gone_collections
                  for link in collection.many("dataCollectionDatasets")}  # type: ignore[union-attr]
    used = {_target_id(previous, link, "dataset") for collection in previous.of_kind("dataCollection")
            if collection not in gone_collections for link in collection.many("dataCollectionDatasets")}
    gone = {p.id for p in publications} | {c.id for c in gone_collections} | (candidates - used)  # type: ignore[union-attr]
    return {key for key in gone if key is not None and key not in incoming}


def _target_id(snapshot: Snapshot, link: Entity, kind: str) -> str | None:
    target = snapshot.resolve(link.ref(kind), kind)
    return target.id if target is not None else None


def _parent_ids(snapshot: Snapshot, wanted: set[str]) -> dict[int, str]:
    """For top-level entities that are part of one of `wanted` (a datafile of its dataset): that one's id."""
    schema = icat_schema()
    parents: dict[int, str] = {}
    for entity in snapshot.entities:
        name = OWNER.get(entity.kind)
        spec = schema.element(entity.kind, name) if name else None
        if spec is None:
            continue
        owner = snapshot.resolve(entity.ref(spec.name), spec.target)
        if owner is not None and owner.id in wanted:
            parents[id(entity)] = owner.id
    return parents


def _ids_of_doi(snapshot: Snapshot, publication: Entity) -> set[str | None]:
    """The publication, its collection, its datasets with their samples and datafiles."""
    ids = {publication.id}
    collection = snapshot.resolve(publication.ref("content"), "dataCollection")
    if collection is None:
        return ids
    ids.add(collection.id)
    for link in collection.many("dataCollectionDatasets"):
        dataset = snapshot.resolve(link.ref("dataset"), "dataset")
        if dataset is not None:
            ids |= {dataset.id, _target_id(snapshot, dataset, "sample")}
            ids |= {f.id for f in dataset.many("datafiles")}
    ids |= {f.id for f in snapshot.of_kind("datafile") if f.ref("dataset") and f.ref("dataset").id in ids}  # type: ignore[union-attr]
    return ids


def _check_references(snapshot: Snapshot, shown: str) -> None:
    """Every reference by id resolves: a harvest must bring what it points at, or the snapshot must have it."""
    problems = []
    for entity in snapshot.entities:
        for item in walk(entity):
            for name, value in item.values.items():
                if isinstance(value, Ref) and value.id is not None and value.id not in snapshot.by_id:
                    problems.append(Problem(Location(shown, key=f"{entity.id}: {item.kind}.{name}"),
                                            f"refers to '{value.id}', which neither the harvest nor the snapshot has"))
    if problems:
        raise HarvestError(problems[:20])


def _shape(entity: Entity) -> tuple:
    """What an entity says, comparable: values, references and nested entities, in a fixed order."""
    parts = []
    for name in sorted(entity.values):
        value = entity.values[name]
        if isinstance(value, list):
            parts.append((name, tuple(_shape(child) for child in value)))
        elif isinstance(value, Ref):
            parts.append((name, ("ref", value.id, tuple(sorted((value.keys or {}).items())))))
        else:
            parts.append((name, value))
    return entity.kind, entity.id, tuple(parts)
