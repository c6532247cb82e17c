"""The objects an ICAT double serves: a snapshot's entities as ICAT holds them.

Each snapshot entity, nested ones too, becomes an object with a numeric id,
typed attributes, the create/mod stamps of a real ICAT, its many-to-one
relations and the one-to-many relations that are their inverses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from builder.catalogue.snapshot import Entity, Ref, Snapshot
from tests.doubles.icat_wsdl import EntityType, bean_of, entity_types

CREATED = datetime(2025, 1, 1, tzinfo=timezone.utc)


@dataclass(eq=False)
class IcatObject:
    bean: str
    id: int
    attributes: dict[str, Any] = field(default_factory=dict)  # str, float, int, bool or datetime
    one: dict[str, IcatObject] = field(default_factory=dict)
    many: dict[str, list[IcatObject]] = field(default_factory=dict)
    mod_time: datetime = CREATED

    @property
    def type(self) -> EntityType:
        return entity_types()[self.bean]

    def value(self, name: str) -> Any:
        """An attribute or a create/mod stamp, as ICAT compares it."""
        stamps = {"id": self.id, "createTime": CREATED, "modTime": self.mod_time, "createId": "db/root",
                  "modId": "db/root"}
        return stamps[name] if name in stamps else self.attributes.get(name)


def typed(text: str, xml_type: str) -> Any:
    """A snapshot's text as the typed value ICAT stores."""
    if xml_type == "xsd:dateTime":
        when = datetime.fromisoformat(text)
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    if xml_type == "xsd:double":
        return float(text)
    if xml_type in ("xsd:integer", "xsd:long", "xsd:int"):
        return int(text)
    if xml_type == "xsd:boolean":
        return text.strip().lower() in ("true", "1")
    return text


class IcatStore:
    """All objects of one snapshot, linked both ways, with ids in snapshot order."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.objects: list[IcatObject] = []
        self._by_entity: dict[int, IcatObject] = {}
        pending: list[tuple[IcatObject, str, Ref, str]] = []
        for entity in snapshot.entities:
            self._load(entity, None, pending)
        for obj, name, ref, target_kind in pending:
            target = snapshot.resolve(ref, target_kind)
            if target is not None:
                obj.one[name] = self._by_entity[id(target)]
        self._link_inverses()

    def _load(self, entity: Entity, parent: IcatObject | None, pending: list) -> IcatObject:
        obj = IcatObject(bean_of(entity.kind), len(self.objects) + 1)
        self.objects.append(obj)
        self._by_entity[id(entity)] = obj
        fields = {f.name: f for f in obj.type.fields}
        for name, value in entity.values.items():
            spec = fields.get(name)
            if spec is None:
                continue
            if isinstance(value, list):
                for child in value:
                    self._load(child, obj, pending)
            elif isinstance(value, Ref):
                pending.append((obj, name, value, spec.xml_type[:-3]))
            else:
                obj.attributes[name] = typed(value, spec.xml_type)
        if parent is not None:
            back = [f.name for f in obj.type.fields if f.rel_type == "ONE" and f.type == parent.bean]
            if len(back) == 1:
                obj.one[back[0]] = parent
        return obj

    def _link_inverses(self) -> None:
        """A many-to-one link is also a one-to-many one: dataset.investigation <-> investigation.datasets."""
        for obj in self.objects:
            for name, target in obj.one.items():
                inverse = [f.name for f in target.type.fields if f.rel_type == "MANY" and f.type == obj.bean]
                if len(inverse) == 1:
                    target.many.setdefault(inverse[0], []).append(obj)

    def of_bean(self, bean: str) -> Iterator[IcatObject]:
        return (obj for obj in self.objects if obj.bean == bean)

    def matching(self, bean: str, **attributes: Any) -> list[IcatObject]:
        return [obj for obj in self.of_bean(bean) if all(obj.value(k) == v for k, v in attributes.items())]

    def remove(self, obj: IcatObject) -> None:
        """Delete an object as ICAT does: it and the links to it are gone."""
        self.objects.remove(obj)
        for other in self.objects:
            for name in [n for n, target in other.one.items() if target is obj]:
                del other.one[name]
            for members in other.many.values():
                if obj in members:
                    members.remove(obj)
