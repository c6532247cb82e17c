"""Helpers every source uses to make snapshot entities with stable ids."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable

from builder.catalogue.snapshot import Entity, Ref
from builder.catalogue.vocabulary import ParameterDefinition, parameter_definitions

# Parameter holders in ICAT and the flag that says a parameter type applies to them.
APPLICABLE = {
    "dataset": "applicableToDataset",
    "sample": "applicableToSample",
    "investigation": "applicableToInvestigation",
    "dataCollection": "applicableToDataCollection",
    "datafile": "applicableToDatafile",
}


def entity_id(kind: str, *parts: str) -> str:
    """A readable id: `Dataset_A109_lung_VOI-02b_4.14um_bm18`."""
    cleaned = [re.sub(r"[^A-Za-z0-9._-]+", "_", part).strip("_") for part in parts]
    return "_".join([kind[0].upper() + kind[1:]] + cleaned)


def technique_id(name: str) -> str:
    """By the short name in parentheses when there is one: `Technique_HiP-CT`."""
    short = re.search(r"\(([^)]+)\)\s*$", name)
    return entity_id("technique", short.group(1) if short else name)


def icat_datetime(value: date | datetime | str) -> str:
    """ICAT's dateTime form; a plain date becomes midnight UTC."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10]) if len(value) <= 10 else datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def snapshot_date(dates: Iterable[date | datetime | str]) -> str:
    """The date of a snapshot: SOURCE_DATE_EPOCH if set, else the newest of its records' dates; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), timezone.utc).isoformat()
    return max(icat_datetime(value) for value in dates)


def number_text(value: float | int) -> str:
    """Shortest text that reads back as the same double."""
    return repr(float(value))


def numeric_values(name: str, value: float | int | str | tuple) -> dict[str, str]:
    """A number; a (low, high) pair or an open range written '<18' / '>18' as ICAT's rangeBottom / rangeTop."""
    if isinstance(value, tuple):
        low, high = value
        return {"rangeBottom": number_text(low), "rangeTop": number_text(high)}
    if isinstance(value, str):
        bound = re.fullmatch(r"\s*([<>])\s*([-+]?\d+(?:\.\d+)?)\s*", value)
        if bound:
            return {"rangeTop" if bound.group(1) == "<" else "rangeBottom": number_text(float(bound.group(2)))}
    try:
        return {"numericValue": number_text(value)}
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name!r} is numeric, but the value {value!r} is not a number") from None


class EntityCollector:
    """Collects entities in order, once per id, and the parameter types they use.

    With a `sink` (a snapshot writer's `add`), each new entity goes there at once and only its id is kept, so a
    large snapshot is made in bounded memory; the parameter types, which later entities amend, stay here."""

    def __init__(self, facility_id: str, sink: Callable[[Entity], None] | None = None):
        self.facility_id = facility_id
        self._entities: dict[str, Entity] = {}
        self._sent: set[str] = set()
        self._sink = sink
        self._parameter_types: dict[str, Entity] = {}

    def add(self, entity: Entity) -> Ref:
        """Keep the first entity with this id; return a reference to it."""
        assert entity.id is not None
        if self._sink is None:
            self._entities.setdefault(entity.id, entity)
        elif entity.id not in self._sent:
            self._sent.add(entity.id)
            self._sink(entity)
        return Ref(entity.id)

    def entities(self) -> list[Entity]:
        return self.parameter_types() + list(self._entities.values())

    def parameter_types(self) -> list[Entity]:
        return [self._parameter_types[name] for name in sorted(self._parameter_types)]

    def parameter(self, holder: str, name: str, value: Any) -> Entity | None:
        """A `<holder>Parameter` entity, or None when the value is unknown."""
        if value is None or value == "":
            return None
        definition = self._definition(name)
        values: dict[str, Any] = {}
        if definition.value_type == "NUMERIC":
            values.update(numeric_values(name, value))
        elif definition.value_type == "DATE_AND_TIME":
            values["dateTimeValue"] = icat_datetime(value)
        else:
            values["stringValue"] = str(value)
        values["type"] = self._parameter_type(name, definition, holder)
        return Entity(f"{holder}Parameter", values)

    def parameters(self, holder: str, named: dict[str, Any]) -> list[Entity]:
        made = (self.parameter(holder, name, value) for name, value in named.items())
        return [parameter for parameter in made if parameter is not None]

    def _definition(self, name: str) -> ParameterDefinition:
        try:
            return parameter_definitions()[name]
        except KeyError:
            raise KeyError(f"parameter {name!r} is in neither the ESRF vocabulary nor atlasgen's") from None

    def _parameter_type(self, name: str, definition: ParameterDefinition, holder: str) -> Ref:
        type_id = entity_id("parameterType", name)
        entity = self._parameter_types.get(name)
        if entity is None:
            values: dict[str, Any] = {flag: "false" for flag in APPLICABLE.values()}
            values.update(
                {
                    "description": definition.description,
                    "name": name,
                    "units": definition.units or "N/A",
                    "valueType": definition.value_type,
                    "facility": Ref(self.facility_id),
                }
            )
            entity = Entity("parameterType", values, type_id)
            self._parameter_types[name] = entity
        entity.values[APPLICABLE[holder]] = "true"
        return Ref(type_id)
