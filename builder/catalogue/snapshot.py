"""Read and write snapshots: files in ICAT's own XML dump format (icatdata 5.0).

A snapshot is what python-icat's `icatdump` writes and `icatingest` reads.
Reading is generic and streaming: every entity of a valid dump loads, also
those atlasgen never uses, and references may be by `ref` id or by key
attributes as `icatingest` allows. Writing orders elements as the schema
requires, so a snapshot this project writes validates against the XSD.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, NamedTuple, Union

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


def write_snapshot(snapshot: Snapshot, path: Path | str) -> bool:
    """Write a schema-valid dump, atomically: a failure leaves any old file as it was.

    False when the file already held these very bytes: it is left untouched."""
    with SnapshotWriter(path) as writer:
        for entity in snapshot.entities:
            writer.add(entity)
        return writer.finish(snapshot.head)


def snapshot_bytes(snapshot: Snapshot) -> bytes:
    """The dump write_snapshot writes, as bytes."""
    stream = io.BytesIO()
    with _Spools() as spools:
        for entity in snapshot.entities:
            spools.add(entity)
        spools.write(snapshot.head, stream)
    return stream.getvalue()


CHUNK = 100  # entities per <data> element, as icatdump writes them: a reader can stream
INDENT = "  "


class SnapshotWriter:
    """Writes a dump entity by entity, in bounded memory, and swaps it in atomically when finished.

    Entities may come in any order: each is written out at once to a spool file of its kind beside the
    target, and `finish` joins the spools in the order the schema requires (a kind keeps the order its
    entities came in). Leaving the `with` block unfinished, or on an error, leaves any old file as it was.
    """

    def __init__(self, path: Path | str):
        self.target = Path(path)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self._spools = _Spools(self.target.parent)

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        self._spools.close()

    def add(self, entity: Entity) -> None:
        self._spools.add(entity)

    def finish(self, head: Head) -> bool:
        """Write the dump and swap it in; False if the file already held these bytes (it is left untouched)."""
        old = open(self.target, "rb") if self.target.is_file() else None
        try:
            with atomic_writer(self.target) as stream:
                compared = _Compared(stream, old)
                self._spools.write(head, compared)
                if compared.same():
                    raise _Unchanged  # leaves the old file as it is, and no temporary file
        except _Unchanged:
            return False
        finally:
            if old is not None:
                old.close()
        return True


class _Unchanged(Exception):
    """The dump written holds the bytes of the file it would replace."""


class _Compared:
    """Writes to a stream, comparing the bytes with those of an old file as they pass."""

    def __init__(self, stream: BinaryIO, old: BinaryIO | None):
        self.stream = stream
        self.old = old
        self.differs = old is None

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        if not self.differs:
            self.differs = self.old.read(len(data)) != data

    def same(self) -> bool:
        return not self.differs and self.old.read(1) == b""


class _Spools:
    """One temporary file per entity kind, holding each entity's indented XML as written."""

    def __init__(self, folder: Path | None = None):
        self._folder = tempfile.TemporaryDirectory(prefix=".snapshot-", dir=folder)
        self._schema = icat_schema()
        self._rank = {kind: index for index, kind in enumerate(self._schema.entity_order)}
        self._files: dict[str, BinaryIO] = {}
        self._sizes: dict[str, list[int]] = {}

    def __enter__(self) -> _Spools:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        for stream in self._files.values():
            stream.close()
        self._folder.cleanup()

    def add(self, entity: Entity) -> None:
        if entity.kind not in self._rank:
            raise SnapshotError(f"cannot write entities of unknown kind: {entity.kind}")
        element = _element(entity.kind, entity, self._schema)
        etree.indent(element, space=INDENT, level=2)
        data = etree.tostring(element, encoding="UTF-8", xml_declaration=False)
        if entity.kind not in self._files:
            self._files[entity.kind] = open(os.path.join(self._folder.name, entity.kind), "w+b")
            self._sizes[entity.kind] = []
        self._files[entity.kind].write(data)
        self._sizes[entity.kind].append(len(data))

    def write(self, head: Head, stream: BinaryIO) -> None:
        """The whole dump: declaration, head, then the spooled entities in schema order, CHUNK to a <data>."""
        stream.write(b"<?xml version='1.0' encoding='utf-8'?>\n<icatdata>\n")
        stream.write(INDENT.encode() + _head_bytes(head) + b"\n")
        written = 0
        for kind in sorted(self._files, key=self._rank.__getitem__):
            spool = self._files[kind]
            spool.seek(0)
            for size in self._sizes[kind]:
                if written % CHUNK == 0:
                    stream.write(b"%s</data>\n" % INDENT.encode() if written else b"")
                    stream.write(b"%s<data>\n" % INDENT.encode())
                stream.write(INDENT.encode() * 2 + spool.read(size) + b"\n")
                written += 1
        if written:
            stream.write(b"%s</data>\n" % INDENT.encode())
        stream.write(b"</icatdata>\n")


def _head_bytes(head: Head) -> bytes:
    element = etree.Element("head")
    for name in ("date", "service", "apiversion", "generator"):
        value = getattr(head, name)
        if value is not None:
            etree.SubElement(element, name).text = value
    etree.indent(element, space=INDENT, level=1)
    return etree.tostring(element, encoding="UTF-8", xml_declaration=False)


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
