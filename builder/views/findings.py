"""What `atlasgen validate` warns of in a valid collection: things that build but are likely mistakes.

Errors (unknown keys, parameters no ICAT has, `select` values no dataset has, facet types that do not fit their
field) stop a build and are found by `load_collection`; these only make a curator look again:

- a field reads a parameter that no dataset of the collection has (the name is known, the values are not there);
- a facet whose field has one value or none among the collection's datasets: it filters nothing;
- a field of `fields:` that no group, card, facet, sort option, search field, title or display rule shows.
"""

from __future__ import annotations

from builder.catalogue.records import Catalogue
from builder.config.validation import suggest
from builder.errors import Problem
from builder.views.collections import ATTRIBUTES, Collection, CollectionConfig
from builder.views.shaping import Shaper


def collection_findings(collection: Collection, catalogue: Catalogue) -> list[Problem]:
    """Warnings about a collection that loaded, in the order of its file."""
    datasets = [catalogue.datasets[key] for key in collection.keys]
    return (_absent_parameters(collection, catalogue, datasets) + _unshown_fields(collection)
            + _flat_facets(collection, catalogue, datasets))


def _absent_parameters(collection: Collection, catalogue: Catalogue, datasets: list) -> list[Problem]:
    present = {name for dataset in datasets for name in dataset.parameters_seen()}
    problems = []
    for name, spec in collection.config.fields.items():
        for index, parameter in enumerate(spec.sources):
            if parameter not in present:
                key = ("fields", name, "parameters", index) if spec.parameters else ("fields", name, "parameter")
                problems.append(collection.document.problem(
                    key, f"no dataset of the collection has parameter '{parameter}'{suggest(parameter, present)}"))
    return problems


def _unshown_fields(collection: Collection) -> list[Problem]:
    shown = shown_fields(collection.config)
    return [collection.document.problem(("fields", name), f"field '{name}' is shown nowhere: no group, card, facet, "
                                                          f"sort option, search field or display rule names it",
                                        at_key=True)
            for name in collection.config.fields if name not in shown and name not in ATTRIBUTES]


def shown_fields(config: CollectionConfig) -> set[str]:
    """Every field a page, card, facet, sort option or the search reads."""
    names = set(config.title_fields) | set(config.card.title) | set(config.card.fields) | set(config.table.columns)
    names |= {name for name in (config.card.text, config.card.subtitle) if name}
    names |= {name for group in config.groups for name in group.fields}
    names |= {name for facet in config.facets for name in (facet.field, *facet.fields, *facet.levels)}
    names |= {option.field for option in config.sort.options.values()} | set(config.search.fields)
    for rule in config.display:
        names |= {name for choice in rule.groups for name in choice.fields or ()}
        names |= set(rule.results.fields) | ({rule.results.best.field} if rule.results.best else set())
    return names


def _flat_facets(collection: Collection, catalogue: Catalogue, datasets: list) -> list[Problem]:
    if not datasets:
        return []
    shaper = Shaper(collection, catalogue)
    values = [shaper.values(dataset) for dataset in datasets]
    problems = []
    for index, facet in enumerate(collection.config.facets):
        if collection.facet_type(facet, catalogue) == "text":
            continue  # a text facet is a search box: one value is no reason to drop it
        distinct = sorted({str(raw) for value in values for raw in value[facet.field].raw})
        if len(distinct) < 2:
            found = f"only the value '{distinct[0]}'" if distinct else "no value"
            problems.append(collection.document.problem(
                ("facets", index, "field"), f"facet '{facet.field}' has {found} in the {len(datasets)} datasets of "
                                            f"the collection: it filters nothing"))
    return problems
