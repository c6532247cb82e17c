"""What the ICAT 5.0 dump schema says about entity types.

The schema (`schema/icatdata-5.0.xsd`, from python-icat, Apache-2.0) is the
single source for: which element of an entity is a field, a reference or a
nested child; the type a reference points at; and the element order a valid
dump must follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_PATH = Path(__file__).parent / "schema" / "icatdata-5.0.xsd"
XSD = "{http://www.w3.org/2001/XMLSchema}"


@dataclass(frozen=True)
class ElementSpec:
    """One element inside an entity type."""

    name: str
    type: str  # "xsd:string", "datasetRef", "datasetParameter", ...
    many: bool

    @property
    def is_reference(self) -> bool:
        return self.type.endswith("Ref")

    @property
    def target(self) -> str:
        """The entity type a reference points at (`datasetTypeRef` -> `datasetType`)."""
        return self.type[: -len("Ref")] if self.is_reference else self.type


@dataclass(frozen=True, eq=False)
class IcatSchema:
    entity_order: tuple[str, ...]  # top-level entity elements, in the order a dump needs
    types: dict[str, tuple[ElementSpec, ...]]  # complex type -> its elements in order

    def element(self, type_name: str, element: str) -> ElementSpec | None:
        return self.elements(type_name).get(element)

    def elements(self, type_name: str) -> dict[str, ElementSpec]:
        return _elements_by_name(self, type_name)

    def order_of(self, type_name: str) -> dict[str, int]:
        return {spec.name: index for index, spec in enumerate(self.types.get(type_name, ()))}


@cache
def _elements_by_name(schema: IcatSchema, type_name: str) -> dict[str, ElementSpec]:
    return {spec.name: spec for spec in schema.types.get(type_name, ())}


@cache
def icat_schema() -> IcatSchema:
    tree = etree.parse(str(SCHEMA_PATH))
    types: dict[str, tuple[ElementSpec, ...]] = {}
    for complex_type in tree.iter(f"{XSD}complexType"):
        specs = tuple(
            ElementSpec(
                name=element.get("name"),
                type=element.get("type"),
                many=element.get("maxOccurs") == "unbounded",
            )
            for element in complex_type.iter(f"{XSD}element")
        )
        types[complex_type.get("name")] = specs
    order = tuple(spec.name for spec in types["data"] if not spec.name.endswith("Ref"))
    return IcatSchema(entity_order=order, types=types)


@cache
def xml_schema() -> etree.XMLSchema:
    """The schema as a validator, for checking dumps this project writes."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
