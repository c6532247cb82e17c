"""Collection schemas (`collections/*.yml`): which records belong and how to show them.

A schema is data, validated against the typed model below and against the
catalogue it is applied to: an unknown key, a wrong type, or a field that
names no parameter is an error naming file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from builder.catalogue.inventory import value_text
from builder.catalogue.records import Catalogue, Dataset
from builder.catalogue.vocabulary import parameter_definitions
from builder.config.validation import ConfigModel, suggest, validate_document
from builder.config.yamlfile import KeyPath, YamlDocument, load_yaml
from builder.errors import ConfigError, Problem
from builder.views import display
from builder.views.display import DisplayRule

# Values every dataset has, whatever its parameters: usable as fields by these names
# without declaring them, or through `attribute:` in a field of another name.
ATTRIBUTES = {
    "name": ("Name", "the dataset's name"),
    "title": ("Title", "the title of its first DOI, else its name"),
    "description": ("Description", "the dataset's description, else its first DOI's"),
    "doi": ("DOI", "its first DOI"),
    "instrument": ("Instrument", "its instruments (beamlines)"),
    "technique": ("Technique", "its techniques"),
    "proposal": ("Proposal", "the investigation (proposal) name"),
    "proposal_title": ("Proposal title", "the investigation title"),
    "visit": ("Visit", "the investigation visit id"),
    "sample": ("Sample", "the sample name"),
    "dataset_type": ("Dataset type", "the ICAT dataset type (raw, processed, ...)"),
    "start_date": ("Date", "when the dataset was started (its scan date)"),
    "end_date": ("End date", "when the dataset ended"),
    "publication_year": ("Publication year", "the year its first DOI was published"),
    "licence": ("Licence", "the licence of its first DOI"),
    "creators": ("Creators", "the creators of its first DOI"),
    "keywords": ("Keywords", "keywords of its investigation and DOIs"),
    "references": ("References", "the items its first DOI relates to (e.g. the article it supplements), as references"),
    "file_count": ("Files", "number of files"),
    "total_size": ("Size", "total size of its files"),
    "volume_source": ("Volume", "the multiscale volume a viewer opens"),
}
NUMERIC_ATTRIBUTES = {"publication_year", "file_count", "total_size"}
DATE_ATTRIBUTES = {"start_date", "end_date"}

FacetType = Literal["terms", "range", "text", "hierarchy", "date"]


class FieldSpec(ConfigModel):
    """One value a collection shows: from a parameter, several parameters, or a dataset attribute."""

    label: str | None = None
    parameter: str | None = None
    parameters: list[str] | None = None
    attribute: str | None = None
    unit: str | None = Field(None, description="shown after numbers; overrides the parameter's units")
    digits: int | None = Field(None, ge=0, le=12, description="decimals for numbers")
    values: dict[str, str] = Field(default_factory=dict, description="display labels for stored values")
    order: list[str] = Field(default_factory=list, description="the order a facet lists these values in (as shown)")
    join: str = ", "
    format: Literal["year"] | None = Field(None, description="'year': numbers and dates read as years, -350 as 350 BCE")

    @model_validator(mode="after")
    def one_source(self) -> "FieldSpec":
        given = [name for name in ("parameter", "parameters", "attribute") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of 'parameter', 'parameters' or 'attribute'")
        return self

    @field_validator("attribute")
    @classmethod
    def known_attribute(cls, value: str | None) -> str | None:
        if value is not None and value not in ATTRIBUTES:
            raise ValueError(f"expected one of [{', '.join(ATTRIBUTES)}], got '{value}'{suggest(value, ATTRIBUTES)}")
        return value

    @property
    def sources(self) -> list[str]:
        return self.parameters or ([self.parameter] if self.parameter else [])


class Select(ConfigModel):
    """Which datasets belong: every given rule must match (a list matches any of its items)."""

    investigations: list[str] = Field(default_factory=list)
    instruments: list[str] = Field(default_factory=list)
    techniques: list[str] = Field(default_factory=list)
    dois: list[str] = Field(default_factory=list)
    doi_prefixes: list[str] = Field(default_factory=list, description="only datasets with a DOI of these prefixes, "
                                    "e.g. '10.15151': leaves out the example records (10.99999) of the demo")
    datasets: list[str] = Field(default_factory=list)
    parameters: dict[str, list[str]] = Field(default_factory=dict)
    with_doi: bool = False


class Group(ConfigModel):
    label: str
    fields: list[str]
    name: str | None = Field(None, description="how display rules name the group (default: its label)")

    @property
    def key(self) -> str:
        return self.name or self.label


class Facet(ConfigModel):
    field: str
    type: FacetType | None = None
    label: str | None = None
    show: int = Field(8, ge=1, description="values shown before 'show more'")
    fields: list[str] = Field(default_factory=list, description="more fields a text facet searches")
    levels: list[str] = Field(default_factory=list, description="the deeper levels of a hierarchy facet, in order")
    bins: int = Field(12, ge=2, le=100, description="histogram bars of a range facet")

    @model_validator(mode="after")
    def levels_make_a_hierarchy(self) -> "Facet":
        if self.levels and self.type not in (None, "hierarchy"):
            raise ValueError(f"'levels' make a hierarchy facet, but its type is '{self.type}'")
        if self.type == "hierarchy" and not self.levels:
            raise ValueError("a hierarchy facet needs 'levels': the fields below 'field', in order")
        return self


class Card(ConfigModel):
    title: list[str] = Field(default_factory=lambda: ["title"])
    subtitle: str | None = Field(None, description="a field shown under the title, e.g. the raw dataset name")
    fields: list[str] = Field(default_factory=list)
    text: str | None = None


class Table(ConfigModel):
    """The explore page's list view: one row per dataset."""

    columns: list[str] = Field(default_factory=list, description="fields shown as columns (default: the card's)")


class SortOption(ConfigModel):
    field: str
    label: str | None = None
    descending: bool = False


class Sort(ConfigModel):
    default: str = Field(description="the key of the default sort option")
    options: dict[str, SortOption]


class Search(ConfigModel):
    fields: dict[str, float] = Field(description="searched fields and their boosts")
    placeholder: str = "Search datasets"


class Viewer(ConfigModel):
    layout: Literal["4panel", "xy", "xz", "yz", "3d", "xy-3d", "xz-3d", "yz-3d"] = "4panel"
    shader: str | None = None
    contrast: tuple[float, float] | None = Field(None, description="window of data values shown black..white")


class CollectionConfig(ConfigModel):
    title: str
    description: str = ""
    select: Select = Field(default_factory=Select)
    fields: dict[str, FieldSpec]
    title_fields: list[str] = Field(default_factory=lambda: ["title"])
    groups: list[Group]
    card: Card
    table: Table = Field(default_factory=Table)
    facets: list[Facet] = Field(default_factory=list)
    sort: Sort
    search: Search
    viewer: Viewer = Field(default_factory=Viewer)
    display: list[DisplayRule] = Field(default_factory=list, description="rules choosing what a dataset page shows")

    @property
    def groups_by_key(self) -> dict[str, Group]:
        return {group.key: group for group in self.groups}

    @property
    def table_columns(self) -> list[str]:
        """The list view's columns: the chosen ones, else the card's facts."""
        return self.table.columns or self.card.fields


@dataclass(frozen=True)
class Collection:
    """A validated collection schema and the datasets it selects."""

    name: str
    config: CollectionConfig
    keys: tuple[str, ...]  # selected datasets, sorted by key
    document: YamlDocument
    warnings: tuple[Problem, ...] = ()  # doubtful but usable: the build reports them

    def facet_type(self, facet: Facet, catalogue: Catalogue) -> str:
        if facet.type:
            return facet.type
        if facet.levels:
            return "hierarchy"
        kind = field_kind(self.config.fields[facet.field], catalogue)
        return {"number": "range", "date": "date"}.get(kind, "terms")


def field_units(spec: FieldSpec, catalogue: Catalogue) -> str:
    """The units of the parameter type a field reads, or ''."""
    info = catalogue.parameter_types.get(spec.sources[0]) if spec.sources else None
    return info.units if info else ""


def field_kind(spec: FieldSpec, catalogue: Catalogue) -> str:
    """'number', 'date' or 'text': how a field's values compare and display."""
    if spec.attribute:
        if spec.attribute in NUMERIC_ATTRIBUTES:
            return "number"
        return "date" if spec.attribute in DATE_ATTRIBUTES else "text"
    info = catalogue.parameter_types.get(spec.sources[0])
    if info is None:
        return "text"
    return {"NUMERIC": "number", "DATE_AND_TIME": "date"}.get(info.value_type, "text")


# ---------------------------------------------------------------- loading


def load_collection(path: Path, catalogue: Catalogue, display_path: str | None = None) -> Collection:
    document = load_yaml(path, display_path=display_path)
    config = validate_document(CollectionConfig, document)
    config = _with_attribute_fields(config)
    problems = _check_references(config, document, catalogue)
    problems += _check_facet_types(config, document, catalogue)
    keys, select_problems = _select(config.select, catalogue, document)
    problems += select_problems
    if not problems and not keys:
        problems.append(document.problem(("select",), "selects no dataset of the snapshot"))
    selected = [catalogue.datasets[key] for key in keys]
    rule_problems, warnings = display.check(config.display, config.groups_by_key, config.fields, document, selected)
    label_problems, label_warnings = _check_value_labels(config, document, catalogue, selected)
    problems += rule_problems + label_problems
    warnings += label_warnings
    if problems:
        raise ConfigError(problems)
    return Collection(name=Path(path).stem, config=config, keys=tuple(keys), document=document,
                      warnings=tuple(warnings))


def _with_attribute_fields(config: CollectionConfig) -> CollectionConfig:
    """Every attribute is a field by its own name, unless the schema defines that name."""
    implicit = {name: FieldSpec(label=label, attribute=name) for name, (label, _) in ATTRIBUTES.items()}
    return config.model_copy(update={"fields": {**implicit, **config.fields}})


def _check_references(config: CollectionConfig, document: YamlDocument, catalogue: Catalogue) -> list[Problem]:
    """Every field named anywhere exists; every parameter a field reads exists in the snapshot."""
    problems = []
    known = set(config.fields)
    # A known name is no typo, even where this snapshot has no value for it.
    parameters = set(catalogue.parameter_types) | set(parameter_definitions())

    def check_field(path: KeyPath, name: str) -> None:
        if name not in known:
            problems.append(document.problem(path, f"names no field of 'fields'{suggest(name, known)}"))

    for name, spec in config.fields.items():
        for index, parameter in enumerate(spec.sources):
            if parameter not in parameters:
                path: KeyPath = (("fields", name, "parameters", index) if spec.parameters
                                 else ("fields", name, "parameter"))
                problems.append(document.problem(path, f"no parameter '{parameter}' in the snapshot"
                                                       f"{suggest(parameter, parameters)}"))
    for index, name in enumerate(config.title_fields):
        check_field(("title_fields", index), name)
    seen_groups: set[str] = set()
    for g, group in enumerate(config.groups):
        if group.key in seen_groups:
            problems.append(document.problem(("groups", g), f"a second group named '{group.key}'; give one a 'name'"))
        seen_groups.add(group.key)
        for f, name in enumerate(group.fields):
            check_field(("groups", g, "fields", f), name)
    for f, name in enumerate(config.card.title):
        check_field(("card", "title", f), name)
    for f, name in enumerate(config.card.fields):
        check_field(("card", "fields", f), name)
    if config.card.text:
        check_field(("card", "text"), config.card.text)
    if config.card.subtitle:
        check_field(("card", "subtitle"), config.card.subtitle)
    for f, name in enumerate(config.table.columns):
        check_field(("table", "columns", f), name)
    for f, facet in enumerate(config.facets):
        check_field(("facets", f, "field"), facet.field)
        for e, name in enumerate(facet.fields):
            check_field(("facets", f, "fields", e), name)
        for e, name in enumerate(facet.levels):
            check_field(("facets", f, "levels", e), name)
    for key, option in config.sort.options.items():
        check_field(("sort", "options", key, "field"), option.field)
    if config.sort.default not in config.sort.options and config.sort.default != "relevance":
        problems.append(document.problem(("sort", "default"), f"names no sort option"
                                                              f"{suggest(config.sort.default, config.sort.options)}"))
    for name in config.search.fields:
        check_field(("search", "fields", name), name)
    return problems


# What each facet type compares its values as, and the field kinds that have such values.
FACET_KINDS = {"range": ("number", "numbers"), "date": ("date", "dates")}


def _check_facet_types(config: CollectionConfig, document: YamlDocument, catalogue: Catalogue) -> list[Problem]:
    """A range facet needs numbers, a date facet dates: a text field under either is an error, not a crash."""
    problems = []
    for index, facet in enumerate(config.facets):
        spec = config.fields.get(facet.field)
        if facet.type not in FACET_KINDS or spec is None:
            continue
        kind, values = FACET_KINDS[facet.type]
        found = field_kind(spec, catalogue)
        if found != kind:
            source = f"parameter {spec.sources[0]}" if spec.sources else f"attribute {spec.attribute}"
            fits = {"number": "range", "date": "date"}.get(found, "terms' or 'text")
            problems.append(document.problem(("facets", index, "type"),
                                             f"a {facet.type} facet needs {values}, but field '{facet.field}' "
                                             f"({source}) holds {found} values; use type '{fits}'"))
    return problems


def _check_value_labels(config: CollectionConfig, document: YamlDocument, catalogue: Catalogue,
                        datasets: list[Dataset]) -> tuple[list[Problem], list[Problem]]:
    """Value labels and orders are for text values: on a number they are an error. A label of a value no
    dataset of the collection has is a warning (a typo, or a value since gone from the catalogue); an order
    may list a whole vocabulary (every geological period), most of it unused."""
    problems, warnings = [], []
    for name, spec in config.fields.items():
        if not spec.values and not spec.order:
            continue
        kind = field_kind(spec, catalogue)
        if kind != "text":
            key = "values" if spec.values else "order"
            problems.append(document.problem(("fields", name, key), f"labels and orders are for text values, but "
                                             f"'{name}' is a {kind}: its facet is a range of {kind}s"))
            continue
        if not spec.sources:  # an attribute: its values are not parameters
            continue
        stored = {p.text for d in datasets for p in map(d.parameters_seen().get, spec.sources) if p and p.text}
        for value in spec.values:
            if value not in stored:
                warnings.append(document.problem(("fields", name, "values", value), f"no dataset of the collection "
                                                 f"has the value '{value}'{suggest(value, stored)}", at_key=True))
    return problems, warnings


def _select(select: Select, catalogue: Catalogue, document: YamlDocument) -> tuple[list[str], list[Problem]]:
    problems = []
    datasets = list(catalogue.datasets.values())
    rules = {
        "investigations": lambda d: {d.investigation.name},
        "instruments": lambda d: {i.name for i in d.instruments},
        "techniques": lambda d: {t.name for t in d.techniques},
        "dois": lambda d: set(d.doi_list),
        "doi_prefixes": lambda d: {doi.partition("/")[0] for doi in d.doi_list},
        "datasets": lambda d: {d.name},
    }
    for rule, values_of in rules.items():
        wanted = getattr(select, rule)
        if not wanted:
            continue
        present = set().union(*(values_of(d) for d in catalogue.datasets.values()))
        for index, value in enumerate(wanted):
            if value not in present:
                problems.append(document.problem(("select", rule, index),
                                                 f"no dataset has '{value}'{suggest(value, present)}"))
        chosen = set(wanted)
        datasets = [d for d in datasets if values_of(d) & chosen]
    for name, values in select.parameters.items():
        if name not in catalogue.parameter_types:
            problems.append(document.problem(("select", "parameters", name),
                                             f"no parameter '{name}' in the snapshot"
                                             f"{suggest(name, catalogue.parameter_types)}"))
        else:
            problems += _unknown_values(document, name, values, catalogue)
        datasets = [d for d in datasets if _parameter_text(d, name) in values]
    if select.with_doi:
        datasets = [d for d in datasets if d.doi_list]
    return sorted(d.key for d in datasets), problems


def _unknown_values(document: YamlDocument, name: str, values: list[str], catalogue: Catalogue) -> list[Problem]:
    """Each value of a `select.parameters` rule that no dataset of the snapshot has, named."""
    present = {_parameter_text(d, name) for d in catalogue.datasets.values()} - {None}
    return [document.problem(("select", "parameters", name, index),
                             f"no dataset has {name} '{value}'{suggest(value, present)}")
            for index, value in enumerate(values) if value not in present]


def _parameter_text(dataset: Dataset, name: str) -> str | None:
    parameter = dataset.parameter(name)
    return value_text(parameter) if parameter is not None else None
