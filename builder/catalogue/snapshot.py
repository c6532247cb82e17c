"""Read and write snapshots: files in ICAT's own XML dump format (icatdata 5.0).

A snapshot is what python-icat's `icatdump` writes and `icatingest` reads.
Reading is generic and streaming: every entity of a valid dump loads, also
those atlasgen never uses, and references may be by `ref` id or by key
attributes as `icatingest` allows. Writing orders elements as the schema
requires, so a snapshot this project writes validates against the XSD.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Union

from lxml import etree

from builder.catalogue.icatschema import icat_schema
from builder.errors import Location, Problem, SnapshotError
from builder.files import atomic_writer

Value = Union[str, "Ref", list["Entity"]]
LIBXML_LINE_LIMIT = 65535


@dataclass(slots=True, eq=False)
class Ref:
    """A many-to-one reference: by the id of an entity in the file, or by its key attributes."""

    id: str | None = None
    keys: dict[str, str] | None = None
    line: int | None = None


@dataclass(slots=True, eq=False)
class Entity:
    """One ICAT object. `kind` is its schema type (`dataset`, `datasetParameter`, ...)."""

    kind: str
    values: dict[str, Value] = field(default_factory=dict)
    id: str | None = None
    line: int | None = None

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def ref(self, name: str) -> Ref | None:
        value = self.values.get(name)
        return value if isinstance(value, Ref) else None

    def many(self, name: str) -> list[Entity]:
        value = self.values.get(name)
        return value if isinstance(value, list) else []


@dataclass(frozen=True)
class Head:
    date: str
    generator: str
    service: str | None = None
    apiversion: str | None = None


class Snapshot:
    """All entities of one dump, indexed by kind and by id."""

    def __init__(self, head: Head, entities: Iterable[Entity], path: str = "<snapshot>",
                 nested_with_ids: Iterable[Entity] | None = None):
        self.head = head
        self.path = path
        self.entities: list[Entity] = list(entities)
        self.by_kind: dict[str, list[Entity]] = defaultdict(list)
        self.by_id: dict[str, Entity] = {}
        for entity in self.entities:
            self.by_kind[entity.kind].append(entity)
            if entity.id is not None:
                self.by_id[entity.id] = entity
        if nested_with_ids is None:  # built in code: look for them
            nested_with_ids = (item for entity in self.entities for item in walk(entity) if item is not entity)
        for item in nested_with_ids:
            if item.id is not None:
                self.by_id[item.id] = item
        self._key_cache: dict[tuple[str, tuple[tuple[str, str], ...]], Entity | None] = {}

    def of_kind(self, kind: str) -> list[Entity]:
        return self.by_kind.get(kind, [])

    def resolve(self, ref: Ref | None, kind: str) -> Entity | None:
        """The entity a reference points at, or None if it is not in this snapshot."""
        if ref is None:
            return None
        if ref.id is not None:
            return self.by_id.get(ref.id)
        keys = tuple(sorted((ref.keys or {}).items()))
        cache_key = (kind, keys)
        if cache_key not in self._key_cache:
            matches = [e for e in self.of_kind(kind) if self._matches(e, dict(keys))]
            self._key_cache[cache_key] = matches[0] if len(matches) == 1 else None
        return self._key_cache[cache_key]

    def _matches(self, entity: Entity, keys: dict[str, str]) -> bool:
        nested: dict[str, dict[str, str]] = defaultdict(dict)
        for name, wanted in keys.items():
            head, _, rest = name.partition(".")
            if rest:
                nested[head][rest] = wanted
            elif entity.text(head) != wanted:
                return False
        schema = icat_schema()
        for head, sub_keys in nested.items():
            spec = schema.element(entity.kind, head)
            ref = entity.ref(head)
            if spec is None or ref is None:
                return False
            if ref.id is None and ref.keys == sub_keys:
                continue
            target = self.resolve(ref, spec.target)
            if target is None or not self._matches(target, sub_keys):
                return False
        return True


def walk(entity: Entity) -> Iterator[Entity]:
    """The entity and every entity nested in its lists, depth first."""
    yield entity
    for value in entity.values.values():
        if isinstance(value, list):
            for child in value:
                yield from walk(child)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Dump:
    """A dump file read: its snapshot, and what a later update of it needs (`builder/memory/delta.py`)."""

    snapshot: Snapshot
    references: list[tuple[str, ...]]  # per top-level entity, in order: the ids its references name
    plain: bool  # every reference names an id, and only top-level entities have one


def read_snapshot(path: Path | str) -> Snapshot:
    """Parse a dump file; a broken file raises SnapshotError naming file and line."""
    return read_dump(path).snapshot


def read_dump(path: Path | str) -> Dump:
    """Parse a dump file, noting each top-level entity's references; raises SnapshotError like read_snapshot."""
    shown = str(path)
    if not Path(path).is_file():
        raise SnapshotError(Problem(Location(shown), "snapshot file not found"))
    reader = _Reader(shown)
    try:
        entities = list(reader.entities(path))
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (None, None)
        truncated = "end of data" in error.msg.lower() or (line is not None and line >= _line_count(path))
        hint = " (the file looks truncated)" if truncated else ""
        raise SnapshotError(
            Problem(Location(shown, line, column), f"not a well-formed ICAT dump: {error.msg}{hint}")
        ) from None
    if reader.head is None:
        reader.problems.append(Problem(Location(shown, 1), "missing <head> with the dump date and generator"))
    snapshot = Snapshot(reader.head or Head("", ""), entities, shown, reader.nested_with_ids)
    reader.problems.extend(_dangling_refs(snapshot, reader))
    if reader.problems:
        raise SnapshotError(reader.problems[:20])
    return Dump(snapshot, reader.references, reader.plain and not reader.nested_with_ids)


class ReadEntity(NamedTuple):
    entity: Entity
    references: tuple[str, ...]  # the ids its references name, nested ones too
    plain: bool  # every reference names an id, and no nested entity has one


def read_entity(data: bytes, line: int, shown: str) -> ReadEntity:
    """One top-level entity from its bytes alone, which start at `line` of the file `shown`.

    Raises etree.XMLSyntaxError unless the bytes are exactly one element."""
    element = etree.fromstring(data, _ENTITY_PARSER)
    reader = _Reader(shown, first_line=line)
    entity = reader._entity(element, element.tag)
    return ReadEntity(entity, reader.references_since(0), reader.plain and not reader.nested_with_ids)


def read_head(data: bytes) -> Head:
    """The <head> element of a dump from its bytes alone."""
    return _Reader._head(etree.fromstring(data, _ENTITY_PARSER))


_ENTITY_PARSER = etree.XMLParser(huge_tree=True, remove_comments=True, remove_pis=True)  # as entities() reads


def _line_count(path: Path | str) -> int:
    """Lines of a file; an error on the last one means the file ends too soon."""
    with open(path, "rb") as stream:
        return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b"")) + 1


class _Reader:
    """Streams a dump: one entity at a time, freed once converted."""

    TEXT, REF, NESTED = 0, 1, 2  # how an element is read; _entity tests the plain numbers for speed

    def __init__(self, shown: str, first_line: int = 1):
        self.shown = shown
        self.schema = icat_schema()
        self.head: Head | None = None
        self.problems: list[Problem] = []
        self.ref_ids: list[tuple[str, int | None, str]] = []  # (id, line, where) for the dangling check
        self.references: list[tuple[str, ...]] = []  # per top-level entity: the ids it refers to
        self.plain = True  # no reference by key attributes seen
        self.nested_with_ids: list[Entity] = []
        self.line_offset = first_line - 1  # where the parsed bytes start in the file
        self._modes: dict[str, dict[str, tuple[int, str]]] = {}

    def entities(self, path: Path | str) -> Iterator[Entity]:
        # Stream one <data> chunk at a time: libxml2 builds the chunk, Python converts and frees it.
        context = etree.iterparse(str(path), events=("end",), tag=("head", "data"), huge_tree=True,
                                  remove_comments=True, remove_pis=True)
        for _, element in context:
            parent = element.getparent()
            if parent is None or parent.tag != "icatdata":
                continue
            if element.tag == "head":
                self.head = self._head(element)
            else:
                for child in element:
                    first_ref = len(self.ref_ids)
                    yield self._entity(child, child.tag)
                    self.references.append(self.references_since(first_ref))
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
        if context.root is not None and context.root.tag != "icatdata":
            raise SnapshotError(Problem(Location(self.shown, context.root.sourceline),
                                        f"root element is <{context.root.tag}>, expected <icatdata> "
                                        f"(an ICAT dump file)"))

    def references_since(self, first: int) -> tuple[str, ...]:
        """The ids referred to since the first-th reference; one string object per id, so they pickle once."""
        return tuple(dict.fromkeys(sys.intern(ref_id) for ref_id, _, _ in self.ref_ids[first:]))

    def _line(self, element: etree._Element) -> int | None:
        """The element's line in the file. libxml2 numbers lines past 65535 one too high."""
        line = element.sourceline
        if line is None:
            return None
        return self.line_offset + (line - 1 if line > LIBXML_LINE_LIMIT else line)

    @staticmethod
    def _head(element: etree._Element) -> Head:
        def text(name: str) -> str | None:
            found = element.find(name)
            return found.text.strip() if found is not None and found.text else None

        return Head(date=text("date") or "", generator=text("generator") or "", service=text("service"),
                    apiversion=text("apiversion"))

    def _modes_of(self, kind: str) -> dict[str, tuple[int, str]]:
        """For each element of `kind`: is it text, a reference or a nested entity, and of which type."""
        modes = self._modes.get(kind)
        if modes is None:
            modes = {}
            for name, spec in self.schema.elements(kind).items():
                if spec.is_reference:
                    modes[name] = (self.REF, spec.target)
                elif spec.type in self.schema.types:
                    modes[name] = (self.NESTED, spec.type)
                else:
                    modes[name] = (self.TEXT, spec.type)
            self._modes[kind] = modes
        return modes

    def _entity(self, element: etree._Element, kind: str) -> Entity:
        values: dict[str, Value] = {}
        modes = self._modes_of(kind)
        for child in element:
            name = child.tag
            mode, child_type = modes.get(name) or self._guess(child)
            if mode == 0:  # text
                values[name] = child.text or ""
            elif mode == 1:  # reference
                ref_id = child.get("ref")
                keys = ({k: v for k, v in child.items() if k not in ("ref", "id")}
                        if len(child.attrib) > (ref_id is not None) else None)
                line = self._line(child)
                values[name] = Ref(ref_id, keys, line)
                if ref_id is not None:
                    self.ref_ids.append((ref_id, line, f"{kind}.{name}"))
                else:
                    self.plain = False
            else:
                nested = self._entity(child, child_type)
                values.setdefault(name, []).append(nested)  # type: ignore[union-attr]
                if nested.id is not None:
                    self.nested_with_ids.append(nested)
        return Entity(kind, values, element.get("id"), self._line(element))

    def _guess(self, child: etree._Element) -> tuple[int, str]:
        """Elements the schema does not name (a newer ICAT): judge by their shape."""
        if len(child):
            return self.NESTED, child.tag
        return (self.REF, child.tag) if child.attrib else (self.TEXT, "")


def _dangling_refs(snapshot: Snapshot, reader: _Reader) -> list[Problem]:
    return [
        Problem(Location(reader.shown, line, key=where), f"reference to '{ref_id}', which is not defined in this dump")
        for ref_id, line, where in reader.ref_ids
        if ref_id not in snapshot.by_id
    ]


# ---------------------------------------------------------------- writing


def write_snapshot(snapshot: Snapshot, path: Path | str) -> None:
    """Write a schema-valid dump, atomically: a failure leaves any old file as it was."""
    with atomic_writer(path) as stream:
        stream.write(snapshot_bytes(snapshot))


CHUNK = 100  # entities per <data> element


def snapshot_bytes(snapshot: Snapshot) -> bytes:
    schema = icat_schema()
    rank = {kind: index for index, kind in enumerate(schema.entity_order)}
    root = etree.Element("icatdata")
    head = etree.SubElement(root, "head")
    for name in ("date", "service", "apiversion", "generator"):
        value = getattr(snapshot.head, name)
        if value is not None:
            etree.SubElement(head, name).text = value
    unknown = sorted({e.kind for e in snapshot.entities if e.kind not in rank})
    if unknown:
        raise SnapshotError(f"cannot write entities of unknown kind: {', '.join(unknown)}")
    ordered = sorted(snapshot.entities, key=lambda e: rank[e.kind])  # stable: keeps the caller's order
    # Chunks of <data>, as icatdump writes, let a reader stream; global order stays schema order.
    for start in range(0, len(ordered), CHUNK):
        data = etree.SubElement(root, "data")
        for entity in ordered[start:start + CHUNK]:
            data.append(_element(entity.kind, entity, schema))
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _element(tag: str, entity: Entity, schema) -> etree._Element:
    element = etree.Element(tag)
    if entity.id is not None:
        element.set("id", entity.id)
    order = schema.order_of(entity.kind)
    for name in sorted(entity.values, key=lambda n: order.get(n, len(order))):
        value = entity.values[name]
        if isinstance(value, list):
            for child in value:
                element.append(_element(name, child, schema))
        elif isinstance(value, Ref):
            reference = etree.SubElement(element, name)
            if value.id is not None:
                reference.set("ref", value.id)
            for key, text in sorted((value.keys or {}).items()):
                reference.set(key, text)
        else:
            etree.SubElement(element, name).text = value
    return element
