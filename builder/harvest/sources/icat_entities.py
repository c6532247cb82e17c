"""python-icat entity objects -> snapshot entities, in the shapes of the ICAT dump.

Which element is a field, a reference or a list comes from the dump schema
(icatdata 5.0). Lists a dump writes inside their owner (parameters, the
users of a publication, ...) stay nested; any other related object becomes
an entity of its own, referenced by an id made from its natural key, so the
same ICAT object has the same id in every harvest.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from builder.catalogue.icatschema import icat_schema
from builder.catalogue.snapshot import Entity, Ref
from builder.harvest.sources.entities import entity_id, number_text

# One-to-many relations a dump writes inside their owner, as icatdump does (and the other sources).
NESTED = {
    "investigation": frozenset({"investigationInstruments", "investigationUsers", "keywords", "parameters",
                                "fundingReferences"}),
    "sample": frozenset({"parameters"}),
    "dataset": frozenset({"datasetInstruments", "datasetTechniques", "parameters"}),
    "datafile": frozenset({"parameters"}),
    "dataCollection": frozenset({"dataCollectionDatasets", "dataCollectionDatafiles", "dataCollectionInvestigations",
                                 "parameters"}),
    "dataPublication": frozenset({"dates", "fundingReferences", "relatedItems", "users"}),
    "dataPublicationUser": frozenset({"affiliations"}),
    "parameterType": frozenset({"permissibleStringValues"}),
}
# Natural keys by attribute, as ICAT's uniqueness constraints within one facility.
KEYS_BY_ATTRIBUTE = {
    "facility": ("name",), "instrument": ("name",), "technique": ("name",), "user": ("name",),
    "parameterType": ("name",), "datasetType": ("name",), "sampleType": ("name",), "investigationType": ("name",),
    "dataPublicationType": ("name",), "datafileFormat": ("name",), "investigation": ("name", "visitId"),
    "dataPublication": ("pid",), "fundingReference": ("funderName", "awardNumber"),
}


def kind_of(obj: Any) -> str:
    """`DataCollection` -> `dataCollection`, the dump's element name."""
    return obj.BeanName[0].lower() + obj.BeanName[1:]


def field_text(value: Any) -> str:
    """A python-icat attribute value as the dump writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, float):
        return number_text(value)
    return str(value)


class DuplicateName(ValueError):
    """Two ICAT objects would get the same snapshot id."""


def _investigation_name(dataset: Any) -> str:
    investigation = getattr(dataset, "investigation", None)
    return f"{investigation.name}/{investigation.visitId}" if investigation is not None else "(unknown)"


Owner = tuple[str, str, Any]  # kind, snapshot id and python-icat object of the entity whose list holds another


class EntityConverter:
    """Collects snapshot entities from python-icat objects, each ICAT object once, by natural id."""

    def __init__(self) -> None:
        self._entities: dict[str, Entity] = {}
        self._ids: dict[tuple[str, int], str] = {}  # (bean, ICAT id) -> snapshot id
        self._dataset_owners: dict[str, tuple[int, str]] = {}  # dataset id -> its ICAT id and investigation
        self.newest: datetime | None = None  # the latest modTime of any object converted

    def entities(self) -> list[Entity]:
        return [self._entities[key] for key in sorted(self._entities)]

    def add(self, obj: Any, owner: Owner | None = None) -> str:
        """Convert a top-level object (and what it references); return its id.

        `owner` is the entity whose list or reference led here, e.g. the dataset of a datafile.
        """
        kind = kind_of(obj)
        entity_key = self.id_of(obj, owner)
        entity = Entity(kind, self._values(obj, kind, owner, nested=False), entity_key)
        known = self._entities.get(entity_key)
        if known is None:
            self._entities[entity_key] = entity
        else:  # met again through another include: keep what each path brought
            for name, value in entity.values.items():
                known.values.setdefault(name, value)
        return entity_key

    def id_of(self, obj: Any, owner: Owner | None = None) -> str:
        marker = (obj.BeanName, obj.id)
        if marker not in self._ids:
            self._ids[marker] = self._natural_id(obj, kind_of(obj), owner)
        return self._ids[marker]

    def _natural_id(self, obj: Any, kind: str, owner: Owner | None) -> str:
        keys = KEYS_BY_ATTRIBUTE.get(kind)
        if keys and all(getattr(obj, name, None) for name in keys[:1]):
            return entity_id(kind, *(str(getattr(obj, name, None) or "") for name in keys))
        investigation = getattr(obj, "investigation", None) if kind in ("dataset", "sample") else None
        if kind == "dataset" and obj.name:
            return self._dataset_id(obj)
        if kind == "sample" and investigation is not None:
            return entity_id(kind, self.id_of(investigation), obj.name)
        if kind == "datafile" and owner is not None:
            return entity_id(kind, owner[1], obj.name)
        if kind == "dataCollection" and (obj.doi or (owner is not None and owner[0] == "dataPublication")):
            return entity_id(kind, obj.doi or owner[2].pid)  # named by the DOI it is the content of
        return entity_id(kind, "icat", str(obj.id))  # no natural key in what was fetched: ICAT's own id

    def _dataset_id(self, obj: Any) -> str:
        """`Dataset_<name>`, as the other sources name datasets, so a harvest replaces them in any snapshot.

        ICAT keeps a name unique only within an investigation; two datasets of one harvest sharing one
        would become one entity, so that stops the harvest instead.
        """
        key = entity_id("dataset", obj.name)
        first = self._dataset_owners.setdefault(key, (obj.id, _investigation_name(obj)))
        if first[0] != obj.id:
            raise DuplicateName(f"two datasets are named {obj.name}, in investigations {first[1]} and "
                                f"{_investigation_name(obj)}: dataset names must be unique to be harvested")
        return key

    def _values(self, obj: Any, kind: str, owner: Owner | None, nested: bool) -> dict[str, Any]:
        self._saw(obj)
        values: dict[str, Any] = {}
        this: Owner = (kind, self.id_of(obj, owner), obj)
        for name, spec in icat_schema().elements(kind).items():
            if spec.is_reference:
                related = getattr(obj, name, None)
                if related is not None:
                    values[name] = Ref(self.add(related, this))
                elif owner is not None and not nested and spec.target == owner[0]:
                    values[name] = Ref(owner[1])  # a datafile fetched as a dataset's list points back at it
            elif spec.type in icat_schema().types:
                children = sorted(getattr(obj, name, None) or [], key=lambda child: child.id or 0)
                if name in NESTED.get(kind, ()):
                    if children:
                        values[name] = [Entity(spec.type, self._values(child, spec.type, this, nested=True))
                                        for child in children]
                else:
                    for child in children:
                        self.add(child, this)
            else:
                value = getattr(obj, name, None)
                if value is not None:
                    values[name] = field_text(value)
        return values

    def _saw(self, obj: Any) -> None:
        when = getattr(obj, "modTime", None)
        if isinstance(when, datetime):
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            self.newest = when if self.newest is None else max(self.newest, when)
