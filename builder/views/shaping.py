"""Shape records for display: each collection field's value, typed and formatted.

A view is what a collection makes of a dataset: its title, its groups of
labelled rows (as the collection's display rules choose them), its card,
the typed values that facets and sorting use, and the datasets it was made
from or that were made from it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping, NamedTuple

from markupsafe import Markup, escape

from builder.catalogue.provenance import walk
from builder.catalogue.records import Catalogue, Dataset, Parameter
from builder.memory.lookups import Recorder
from builder.views import display, formatting
from builder.views.collections import Collection, FieldSpec, field_kind, field_units


class Span(NamedTuple):
    """A closed range of numbers (ICAT rangeBottom..rangeTop), e.g. the years an object was made in."""

    low: float
    high: float


Raw = tuple[float | str | Span, ...]


@dataclass(frozen=True, slots=True)
class FieldValue:
    raw: Raw  # typed values for facets and sorting: numbers, ISO dates or texts
    text: str  # as shown; "" when the dataset has no value
    html: Markup = Markup("")  # the text, escaped once for every page that shows it

    def __post_init__(self) -> None:
        object.__setattr__(self, "html", escape(self.text))


MISSING = FieldValue((), "")
# Reads one field's value of a dataset, given every parameter the dataset sees (Dataset.parameters_seen).
Reader = Callable[[Dataset, Mapping[str, Parameter]], FieldValue]


@dataclass(frozen=True, slots=True)
class Row:
    field: str
    label: str
    text: str
    label_html: Markup
    text_html: Markup


@dataclass(frozen=True, slots=True)
class GroupView:
    label: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class ProvenanceRow:
    """A dataset in the provenance of another: a processed result of it, or one of its inputs."""

    key: str
    dataset_type: str
    program: str  # Process_program
    date: str
    cells: tuple[str, ...]  # the key results of the layout, in its order
    made_from: tuple[str, ...]  # keys of its own inputs
    distance: int  # 1: made directly from (or into) the dataset of the page
    best: bool = False


@dataclass(frozen=True, slots=True)
class ProvenanceView:
    columns: tuple[str, ...]  # labels of the key results
    results: tuple[ProvenanceRow, ...]  # made from this dataset, directly or in steps
    inputs: tuple[ProvenanceRow, ...]  # what this dataset was made from, directly or in steps
    best_label: str = ""  # e.g. "lowest Resolution (overall)", when a result is marked best


@dataclass(frozen=True, slots=True)
class DatasetView:
    dataset: Dataset
    title: str
    values: Mapping[str, FieldValue]
    groups: tuple[GroupView, ...]
    card_title: str
    card_rows: tuple[Row, ...]
    card_text: str
    card_subtitle: str = ""  # secondary text under the title, e.g. the raw dataset name
    table_cells: tuple[str, ...] = ()  # the list view's columns, in order
    provenance: ProvenanceView | None = None


def label_of(name: str, spec: FieldSpec) -> str:
    return spec.label or name.replace("_", " ").capitalize()


class Shaper:
    """Turns datasets into views for one collection; reuses formatting of repeated values."""

    def __init__(self, collection: Collection, catalogue: Catalogue, recorder: Recorder | None = None):
        self.collection = collection
        self.catalogue = catalogue
        self.recorder = recorder or Recorder()  # of the lookups in `catalogue`, if it notes them
        self.config = collection.config
        self.labels = {name: (label_of(name, spec), escape(label_of(name, spec)))
                       for name, spec in self.config.fields.items()}
        self.readers: dict[str, Reader] = {
            name: self._reader(spec, field_kind(spec, catalogue)) for name, spec in self.config.fields.items()
        }
        self.layouts = display.layouts(self.config.display, self.config.groups_by_key)
        self._linked_values: dict = {}  # datasets with provenance, read once
        self._rows: dict[tuple[str, int], tuple[Row, FieldValue]] = {}  # the value kept alive: its id stays its own

    def values(self, dataset: Dataset) -> dict[str, FieldValue]:
        def fresh() -> dict[str, FieldValue]:
            parameters = dataset.parameters_seen()
            return {name: read(dataset, parameters) for name, read in self.readers.items()}

        if dataset.key in self.catalogue.inputs or dataset.key in self.catalogue.derived:
            return self.recorder.remembered(self._linked_values, dataset.key, fresh)
        return fresh()

    def view(self, dataset: Dataset) -> DatasetView:
        values = self.values(dataset)
        layout = self.layouts[display.choose(self.config.display, dataset)]
        groups = []
        for label, fields in layout.groups:
            rows = tuple(self._row(f, values[f]) for f in fields if values[f].text)
            if rows:
                groups.append(GroupView(label, rows))
        card = self.config.card
        card_title = _first_text(values, card.title) or dataset.name
        subtitle = values[card.subtitle].text if card.subtitle else ""
        text = values[card.text].text if card.text else ""
        return DatasetView(
            dataset=dataset,
            title=_first_text(values, self.config.title_fields) or dataset.name,
            values=values,
            groups=tuple(groups),
            card_title=card_title,
            card_rows=tuple(self._row(f, values[f]) for f in card.fields if values[f].text),
            card_text=text if text != card_title else "",  # a title that is the description says it once
            card_subtitle=subtitle if subtitle != card_title else "",
            table_cells=tuple(values[name].text for name in self.config.table_columns),
            provenance=self._provenance(dataset, layout),
        )

    def _provenance(self, dataset: Dataset, layout: display.Layout) -> ProvenanceView | None:
        catalogue = self.catalogue
        if dataset.key not in catalogue.inputs and dataset.key not in catalogue.derived:
            return None
        columns = layout.results.fields
        results = self._provenance_rows(walk(dataset.key, catalogue.derived), columns)
        inputs = self._provenance_rows(walk(dataset.key, catalogue.inputs), columns)
        best = layout.results.best
        best_label = ""
        if best is not None:
            ranked = [(value, index) for index, row in enumerate(results)
                      for value in self.values(catalogue.datasets[row.key])[best.field].raw[:1]
                      if isinstance(value, float)]
            if ranked:
                chosen = min(ranked) if best.prefer == "lowest" else min(ranked, key=lambda r: (-r[0], r[1]))
                results[chosen[1]] = replace(results[chosen[1]], best=True)
                best_label = f"{best.prefer} {self.labels[best.field][0]}"
        return ProvenanceView(tuple(self.labels[name][0] for name in columns), tuple(results), tuple(inputs),
                              best_label)

    def _provenance_rows(self, found: list[tuple[str, int]], columns: list[str]) -> list[ProvenanceRow]:
        """Nearest first; among as near ones, in the order they were made."""
        datasets = self.catalogue.datasets
        found = sorted(found, key=lambda item: (item[1], datasets[item[0]].start_date or "", datasets[item[0]].name))
        return [self._provenance_row(key, distance, columns) for key, distance in found]

    def _provenance_row(self, key: str, distance: int, columns: list[str]) -> ProvenanceRow:
        other = self.catalogue.datasets[key]
        values = self.values(other)
        program = other.parameter("Process_program")
        return ProvenanceRow(
            key=key,
            dataset_type=other.dataset_type or "",
            program=program.text or "" if program is not None else "",
            date=formatting.date(other.start_date or other.end_date),
            cells=tuple(values[name].text for name in columns),
            made_from=self.catalogue.inputs.get(key, ()),
            distance=distance,
        )

    def _row(self, name: str, value: FieldValue) -> Row:
        """One Row per field and value: values are shared between datasets, so are their rows."""
        found = self._rows.get((name, id(value)))
        if found is None:
            label, label_html = self.labels[name]
            found = self._rows[(name, id(value))] = (Row(name, label, value.text, label_html, value.html), value)
        return found[0]

    def _reader(self, spec: FieldSpec, kind: str) -> Reader:
        if spec.attribute:
            return self._attribute_reader(spec)
        unit = spec.unit if spec.unit is not None else field_units(spec, self.catalogue)
        # Records share one Parameter object per distinct value, so its id is a key for the formatted value.
        cache: dict[int | tuple[int, ...], FieldValue] = {}
        names = spec.sources

        def read(dataset: Dataset, parameters: Mapping[str, Parameter]) -> FieldValue:
            found = [p for p in map(parameters.get, names) if p is not None]
            if not found:
                return MISSING
            key = tuple(map(id, found))
            value = cache.get(key)
            if value is None:
                value = cache[key] = self._parameters_value(found, spec, kind, unit)
            return value

        def read_one(dataset: Dataset, parameters: Mapping[str, Parameter]) -> FieldValue:
            """The same for a field of one parameter, as most are: the reader of every field runs for every dataset."""
            parameter = parameters.get(names[0])
            if parameter is None:
                return MISSING
            value = cache.get(id(parameter))
            if value is None:
                value = cache[id(parameter)] = self._parameters_value([parameter], spec, kind, unit)
            return value

        return read_one if len(names) == 1 else read

    def _parameters_value(self, found: list[Parameter], spec: FieldSpec, kind: str, unit: str) -> FieldValue:
        raws: list[float | str | Span] = []
        texts: list[str] = []
        years = spec.format == "year"
        for parameter in found:
            if parameter.number is not None:
                raws.append(parameter.number)
                texts.append(formatting.year_number(parameter.number) if years else
                             formatting.with_unit(formatting.number(parameter.number, spec.digits), unit))
            elif parameter.low is not None or parameter.high is not None:
                if parameter.low is not None and parameter.high is not None:
                    raws.append(Span(parameter.low, parameter.high))
                texts.append(formatting.year_span(parameter.low, parameter.high) if years else
                             formatting.with_unit(formatting.open_range(parameter.low, parameter.high, spec.digits),
                                                  unit))
            elif parameter.when is not None:
                raws.append(parameter.when)
                texts.append(formatting.year(parameter.when) if years else formatting.date(parameter.when))
            elif parameter.text:
                shown = spec.values.get(parameter.text, parameter.text)
                raws.append(shown)
                texts.append(shown)
        return FieldValue(tuple(raws), spec.join.join(texts))

    def _attribute_reader(self, spec: FieldSpec) -> Reader:
        extract = ATTRIBUTE_READERS[spec.attribute or ""]
        catalogue = self.catalogue
        cache: dict[Raw, FieldValue] = {}  # datasets share most values: each is formatted and escaped once

        def read(dataset: Dataset, parameters: Mapping[str, Parameter]) -> FieldValue:
            raw = extract(dataset, catalogue)
            if not raw:
                return MISSING
            value = cache.get(raw)
            if value is None:
                value = cache[raw] = shape(raw)
            return value

        def shape(raw: Raw) -> FieldValue:
            if spec.attribute in ("start_date", "end_date"):
                shown = formatting.year if spec.format == "year" else formatting.date
                return FieldValue(raw, shown(str(raw[0])))
            if spec.attribute == "total_size":
                return FieldValue(raw, formatting.size(int(raw[0])))
            if isinstance(raw[0], float):
                if spec.format == "year":
                    return FieldValue(raw, formatting.year_number(raw[0]))
                return FieldValue(raw, formatting.with_unit(formatting.number(raw[0], spec.digits), spec.unit or ""))
            shown = tuple(spec.values.get(str(v), str(v)) for v in raw)
            return FieldValue(shown, spec.join.join(shown))

        return read


def _first_text(values: Mapping[str, FieldValue], names: list[str]) -> str:
    return next((values[name].text for name in names if values[name].text), "")


def _first_publication(dataset: Dataset, catalogue: Catalogue):
    publications = catalogue.publications_of(dataset)
    return publications[0] if publications else None


def _from_publication(get: Callable) -> Callable[[Dataset, Catalogue], Raw]:
    def read(dataset: Dataset, catalogue: Catalogue) -> Raw:
        publication = _first_publication(dataset, catalogue)
        value = get(publication) if publication is not None else None
        if value is None or value == "" or value == ():
            return ()
        return tuple(value) if isinstance(value, tuple) else (value,)

    return read


def _one(value: float | str | None) -> Raw:
    return () if value is None or value == "" else (value,)


def _keywords(dataset: Dataset, catalogue: Catalogue) -> Raw:
    words = list(dataset.investigation.keywords)
    for publication in catalogue.publications_of(dataset):
        words += [w for w in publication.keywords if w not in words]
    return tuple(words)


def _title(dataset: Dataset, catalogue: Catalogue) -> Raw:
    publication = _first_publication(dataset, catalogue)
    return (publication.title,) if publication is not None and publication.title else (dataset.name,)


def _references(dataset: Dataset, catalogue: Catalogue) -> Raw:
    publication = _first_publication(dataset, catalogue)
    if publication is None:
        return ()
    found = []
    for item in publication.related_items:
        text = item.full_reference or item.title or item.identifier
        if item.identifier_type == "DOI" and item.identifier and item.identifier not in text:
            text = f"{text} https://doi.org/{item.identifier}"
        found.append(text)
    return tuple(found)


def _total_size(dataset: Dataset, catalogue: Catalogue) -> Raw:
    sizes = [f.size for f in dataset.files if f.size is not None]
    return (float(sum(sizes)),) if sizes else ()


ATTRIBUTE_READERS: dict[str, Callable[[Dataset, Catalogue], Raw]] = {
    "name": lambda d, c: (d.name,),
    "title": _title,
    "description": lambda d, c: _one(d.description) or _from_publication(lambda p: p.description)(d, c),
    "doi": lambda d, c: d.doi_list[:1],
    "instrument": lambda d, c: tuple(i.name for i in d.instruments),
    "technique": lambda d, c: tuple(t.name for t in d.techniques),
    "proposal": lambda d, c: _one(d.investigation.name),
    "proposal_title": lambda d, c: _one(d.investigation.title),
    "visit": lambda d, c: _one(d.investigation.visit_id),
    "sample": lambda d, c: _one(d.sample.name if d.sample else None),
    "dataset_type": lambda d, c: _one(d.dataset_type),
    "start_date": lambda d, c: _one(d.start_date),
    "end_date": lambda d, c: _one(d.end_date),
    "publication_year": _from_publication(lambda p: float(p.publication_year) if p.publication_year else None),
    "licence": _from_publication(lambda p: p.licence.name if p.licence else None),
    "creators": _from_publication(lambda p: tuple(person.name for person in p.creators)),
    "keywords": _keywords,
    "references": _references,
    "file_count": lambda d, c: (float(len(d.files)),) if d.files else (),
    "total_size": _total_size,
    "volume_source": lambda d, c: _one(d.volume.source if d.volume else None),
}
