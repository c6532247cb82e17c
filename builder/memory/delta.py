"""Load a snapshot's catalogue by updating the catalogue of a snapshot loaded before.

A harvest that finds one new DOI writes the whole dump again, hundreds of
MB at a facility's scale, to add a handful of entities; parsing all of it
takes most of a build. So the bytes of each top-level entity are compared,
by digest (`chunks.scan`), with those of an earlier snapshot; only the
entities that are new or changed are parsed, only the records that may
read them are made again, and every other record is kept: the same object.

Which records may read an entity: a record (a Dataset or a Publication) is
made from its root entity (a dataset, a dataPublication) and what its
references lead to, and from the entities that refer to its root (a
dataset's datafiles, a DOI's users) and what theirs lead to. So the records
to make again are those whose root reaches, or is referred to by an entity
that reaches, an entity that is new, changed or gone, in the old snapshot
or in the new one.

Where that cannot be known cheaply the file is parsed whole, and the
catalogue is the same either way: a file in another layout, references by
key attributes or to nested entities, entities without an id, broken
references (the whole parse names them), or a change that reaches many
records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple

from lxml import etree

from builder.catalogue.from_snapshot import assemble, records_of
from builder.catalogue.records import Catalogue, ParameterInfo
from builder.catalogue.snapshot import Entity, Head, Snapshot, read_dump, read_entity, read_head
from builder.memory.chunks import Chunk, Layout, scan

ROOT_KINDS = ("dataset", "dataPublication")
SHARE_WORTH_UPDATING = 0.05  # above this share of records to make again, parsing everything costs about the same


class EntitySummary(NamedTuple):
    """What an update needs of one top-level entity of a snapshot."""

    digest: bytes  # of its bytes in the file
    kind: str
    references: tuple[str, ...]  # the ids it refers to, nested references too


@dataclass(frozen=True)
class SnapshotIndex:
    """What a later update needs of a whole snapshot."""

    entities: dict[str, EntitySummary]  # by id, in file order
    roots: dict[str, str]  # id of a root entity -> key or DOI of its record


@dataclass(frozen=True)
class LoadedCatalogue:
    """A snapshot's catalogue, with the index a later snapshot is updated from."""

    catalogue: Catalogue
    index: SnapshotIndex | None  # None: the snapshot cannot be updated from (see the module's notes)


def load(path: str, data: bytes, base: LoadedCatalogue | None) -> tuple[LoadedCatalogue, bool]:
    """The catalogue of the dump `data` read from `path`; (loaded, whether it was updated from `base`)."""
    if base is not None and base.index is not None:
        layout = scan(data)
        if layout is not None:
            updated = _Update(path, data, layout, base.catalogue, base.index).run()
            if updated is not None:
                return updated, True
    return load_whole(path, data), False


def load_whole(path: str, data: bytes) -> LoadedCatalogue:
    """Parse the whole file; raises SnapshotError for a broken one."""
    dump = read_dump(path)
    records = records_of(dump.snapshot)
    catalogue = assemble(dump.snapshot.head.date, records.datasets, records.publications, records.parameter_types,
                         records.lines, path)
    return LoadedCatalogue(catalogue, _index(dump.snapshot.entities, dump.references, dump.plain, records.roots, data))


def _index(entities: list[Entity], references: list[tuple[str, ...]], plain: bool, roots: dict[str, str],
           data: bytes) -> SnapshotIndex | None:
    """What a later update needs, if the file's layout was read right: the scan finds each entity the parse did."""
    layout = scan(data) if plain else None
    if layout is None or len(layout.chunks) != len(entities) or len(set(roots.values())) != len(roots):
        return None
    known: dict[str, EntitySummary] = {}
    for chunk, entity, refs in zip(layout.chunks, entities, references):
        if entity.id is None or entity.id in known or chunk.line != entity.line:
            return None
        known[entity.id] = EntitySummary(chunk.digest, entity.kind, refs)
    return SnapshotIndex(known, roots)


class _NotWorthIt(Exception):
    """The update cannot be made cheaply or with certainty: parse the whole file instead."""


class _Update:
    def __init__(self, path: str, data: bytes, layout: Layout, catalogue: Catalogue, index: SnapshotIndex):
        self.path, self.data, self.layout = path, data, layout
        self.catalogue, self.base = catalogue, index
        self.chunks: dict[str, Chunk] = {}  # the new file's entities by id, in file order
        self.now: dict[str, EntitySummary] = {}
        self.parsed: dict[str, Entity] = {}
        self._referrers: dict[str, list[str]] | None = None  # in the new file, made when first needed
        self.limit = max(20, int(SHARE_WORTH_UPDATING * len(index.roots)))

    def run(self) -> LoadedCatalogue | None:
        try:
            self._read_entities()
            added = self.now.keys() - self.base.entities.keys()
            removed = self.base.entities.keys() - self.now.keys()
            changed = {i for i in self.now.keys() & self.base.entities.keys()
                       if self.now[i].digest != self.base.entities[i].digest}
            self._check_references(removed)
            affected = self._affected(added, changed, removed)
            return self._loaded(affected, (added | changed | removed))
        except (_NotWorthIt, etree.XMLSyntaxError):
            return None

    # ---- the new file's entities

    def _read_entities(self) -> None:
        """Index the new file's entities by id: known by their bytes, or parsed if new or changed."""
        by_digest = {known.digest: entity_id for entity_id, known in self.base.entities.items()}
        fresh = [chunk for chunk in self.layout.chunks if chunk.digest not in by_digest]
        if len(fresh) > 4 * self.limit:
            raise _NotWorthIt
        fresh_known = {chunk.start: self._parse(chunk) for chunk in fresh}
        for chunk in self.layout.chunks:
            entity_id, known = fresh_known.get(chunk.start) or (by_digest[chunk.digest], None)
            if entity_id in self.now:
                raise _NotWorthIt  # two entities with one id
            self.chunks[entity_id] = chunk
            self.now[entity_id] = known or self.base.entities[entity_id]

    def _parse(self, chunk: Chunk) -> tuple[str, EntitySummary]:
        read = read_entity(self.data[chunk.start:chunk.end], chunk.line, self.path)
        entity_id = read.entity.id
        if not read.plain or entity_id is None:
            raise _NotWorthIt
        self.parsed[entity_id] = read.entity
        return entity_id, EntitySummary(chunk.digest, read.entity.kind, read.references)

    def _entity(self, entity_id: str) -> Entity:
        if entity_id not in self.parsed:
            self._parse(self.chunks[entity_id])
        return self.parsed[entity_id]

    def _check_references(self, removed: set[str]) -> None:
        """Every reference names an entity of the new file; the whole parse names those that do not."""
        for entity_id in self.parsed:
            if any(ref not in self.now for ref in self.now[entity_id].references):
                raise _NotWorthIt
        if any(self.referrers(entity_id) for entity_id in removed):
            raise _NotWorthIt

    # ---- the graph of references

    def referrers(self, entity_id: str) -> list[str]:
        """Entities of the new file that refer to `entity_id`."""
        if entity_id not in self.base.entities:  # only new or changed entities can name an id that is new
            return [i for i in self.parsed if entity_id in self.now[i].references]
        if self._referrers is None:
            self._referrers = {}
            for referrer, known in self.now.items():
                for target in known.references:
                    self._referrers.setdefault(target, []).append(referrer)
        return self._referrers.get(entity_id, [])

    def old_referrers(self, entity_id: str, changed: set[str], removed: set[str]) -> list[str]:
        """Entities of the old file that referred to `entity_id`."""
        kept = [i for i in self.referrers(entity_id) if i not in changed and i in self.base.entities]
        return kept + [i for i in changed | removed if entity_id in self.base.entities[i].references]

    def _affected(self, added: set[str], changed: set[str], removed: set[str]) -> set[str]:
        """Ids of the root entities whose records may read a new, changed or removed entity."""
        new_side = _reaching(added | changed, self.referrers, self.limit * 4)
        old_side = _reaching(changed | removed, lambda i: self.old_referrers(i, changed, removed), self.limit * 4)
        affected = {i for i in new_side if self.now[i].kind in ROOT_KINDS}
        affected |= {t for i in new_side for t in self.now[i].references if self.now[t].kind in ROOT_KINDS}
        affected |= {i for i in old_side if self.base.entities[i].kind in ROOT_KINDS}
        affected |= {t for i in old_side for t in self.base.entities[i].references
                     if self.base.entities[t].kind in ROOT_KINDS}
        if len(affected) > self.limit:
            raise _NotWorthIt
        return affected

    # ---- the records

    def _loaded(self, affected: set[str], differing: set[str]) -> LoadedCatalogue:
        now_roots = sorted((i for i in affected if i in self.now), key=lambda i: self.chunks[i].start)
        needed = _reached(now_roots + [r for i in now_roots for r in self.referrers(i)],
                          lambda i: self.now[i].references)
        entities = [self._entity(i) for i in sorted(needed, key=lambda i: self.chunks[i].start)]
        head = read_head(self.layout.head)
        old_keys = {self.base.roots[i] for i in affected if i in self.base.roots}
        kept_datasets = {k: d for k, d in self.catalogue.datasets.items() if k not in old_keys}
        kept_publications = {k: p for k, p in self.catalogue.publications.items() if k not in old_keys}
        records = records_of(Snapshot(head, entities, self.path), kept_datasets)
        roots = {i: key for i, key in self.base.roots.items() if i not in affected}
        datasets, publications = dict(kept_datasets), dict(kept_publications)
        for entity_id in now_roots:
            key = records.roots.get(entity_id)
            if key is None:
                continue  # a dataPublication without a DOI
            made, into = ((records.datasets, datasets) if key in records.datasets
                          else (records.publications, publications))
            if key in into:
                raise _NotWorthIt  # two entities make one record: the whole parse decides which
            into[key] = made[key]
            roots[entity_id] = key
        lines = {key: self.chunks[i].line for i, key in roots.items() if key in datasets}
        catalogue = assemble(head.date, datasets, publications, self._parameter_types(differing, head), lines,
                             self.path, self.catalogue)
        return LoadedCatalogue(catalogue, SnapshotIndex(self.now, roots))

    def _parameter_types(self, differing: set[str], head: Head) -> dict[str, ParameterInfo]:
        """The catalogue's parameter types, read again only if one of them differs."""
        if all((self.now.get(i) or self.base.entities[i]).kind != "parameterType" for i in differing):
            return dict(self.catalogue.parameter_types)
        types = [self._entity(i) for i, known in self.now.items() if known.kind == "parameterType"]
        return records_of(Snapshot(head, types, self.path)).parameter_types


def _reaching(start: Iterable[str], referrers, limit: int) -> set[str]:
    """`start` and every entity that reaches one of them through references."""
    return _closure(start, referrers, limit)


def _reached(start: Iterable[str], references) -> set[str]:
    """`start` and every entity their references lead to."""
    return _closure(start, references, None)


def _closure(start: Iterable[str], step, limit: int | None) -> set[str]:
    found = set(start)
    frontier = list(found)
    while frontier:
        item = frontier.pop()
        for neighbour in step(item):
            if neighbour not in found:
                found.add(neighbour)
                frontier.append(neighbour)
                if limit is not None and len(found) > limit:
                    raise _NotWorthIt
    return found
