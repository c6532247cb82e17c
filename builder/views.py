"""Shape records for display: each collection field's value, typed and formatted.

A view is what a collection makes of a dataset: its title, its groups of
labelled rows, its card, and the typed values that facets and sorting use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from markupsafe import Markup, escape

from . import formatting
from .collections import Collection, FieldSpec, field_kind, field_units
from .records import Catalogue, Dataset, Parameter

Raw = tuple[float | str, ...]


@dataclass(frozen=True, slots=True)
class FieldValue:
    raw: Raw  # typed values for facets and sorting: numbers, ISO dates or texts
    text: str  # as shown; "" when the dataset has no value
    html: Markup = Markup("")  # the text, escaped once for every page that shows it

    def __post_init__(self) -> None:
        object.__setattr__(self, "html", escape(self.text))


MISSING = FieldValue((), "")


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
class DatasetView:
    dataset: Dataset
    title: str
    values: Mapping[str, FieldValue]
    groups: tuple[GroupView, ...]
    card_title: str
    card_rows: tuple[Row, ...]
    card_text: str


def label_of(name: str, spec: FieldSpec) -> str:
    return spec.label or name.replace("_", " ").capitalize()


class Shaper:
    """Turns datasets into views for one collection; reuses formatting of repeated values."""

    def __init__(self, collection: Collection, catalogue: Catalogue):
        self.collection = collection
        self.catalogue = catalogue
        self.config = collection.config
        self.labels = {name: (label_of(name, spec), escape(label_of(name, spec))) for name, spec in self.config.fields.items()}
        self.readers: dict[str, Callable[[Dataset], FieldValue]] = {
            name: self._reader(spec, field_kind(spec, catalogue)) for name, spec in self.config.fields.items()
        }

    def view(self, dataset: Dataset) -> DatasetView:
        values = {name: read(dataset) for name, read in self.readers.items()}
        groups = []
        for group in self.config.groups:
            rows = tuple(self._row(f, values[f]) for f in group.fields if values[f].text)
            if rows:
                groups.append(GroupView(group.label, rows))
        card = self.config.card
        return DatasetView(
            dataset=dataset,
            title=_first_text(values, self.config.title_fields) or dataset.name,
            values=values,
            groups=tuple(groups),
            card_title=_first_text(values, card.title) or dataset.name,
            card_rows=tuple(self._row(f, values[f]) for f in card.fields if values[f].text),
            card_text=values[card.text].text if card.text else "",
        )

    def _row(self, name: str, value: FieldValue) -> Row:
        label, label_html = self.labels[name]
        return Row(name, label, value.text, label_html, value.html)

    def _reader(self, spec: FieldSpec, kind: str) -> Callable[[Dataset], FieldValue]:
        if spec.attribute:
            return self._attribute_reader(spec)
        unit = spec.unit if spec.unit is not None else field_units(spec, self.catalogue)
        # Records share one Parameter object per distinct value, so its id is a key for the formatted value.
        cache: dict[tuple[int, ...], FieldValue] = {}
        names = spec.sources

        def read(dataset: Dataset) -> FieldValue:
            found = [p for p in map(dataset.parameter, names) if p is not None]
            if not found:
                return MISSING
            key = tuple(map(id, found))
            value = cache.get(key)
            if value is None:
                value = cache[key] = self._parameters_value(found, spec, kind, unit)
            return value

        return read

    def _parameters_value(self, found: list[Parameter], spec: FieldSpec, kind: str, unit: str) -> FieldValue:
        raws: list[float | str] = []
        texts: list[str] = []
        for parameter in found:
            if parameter.number is not None:
                raws.append(parameter.number)
                texts.append(formatting.with_unit(formatting.number(parameter.number, spec.digits), unit))
            elif parameter.low is not None or parameter.high is not None:
                texts.append(formatting.with_unit(formatting.open_range(parameter.low, parameter.high, spec.digits), unit))
            elif parameter.when is not None:
                raws.append(parameter.when)
                texts.append(formatting.date(parameter.when))
            elif parameter.text:
                shown = spec.values.get(parameter.text, parameter.text)
                raws.append(shown)
                texts.append(shown)
        return FieldValue(tuple(raws), spec.join.join(texts))

    def _attribute_reader(self, spec: FieldSpec) -> Callable[[Dataset], FieldValue]:
        extract = ATTRIBUTE_READERS[spec.attribute or ""]
        catalogue = self.catalogue

        def read(dataset: Dataset) -> FieldValue:
            raw = extract(dataset, catalogue)
            if not raw:
                return MISSING
            if spec.attribute in ("start_date", "end_date"):
                return FieldValue(raw, formatting.date(str(raw[0])))
            if spec.attribute == "total_size":
                return FieldValue(raw, formatting.size(int(raw[0])))
            if isinstance(raw[0], float):
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
    "file_count": lambda d, c: (float(len(d.files)),) if d.files else (),
    "total_size": _total_size,
    "volume_source": lambda d, c: _one(d.volume.source if d.volume else None),
}
