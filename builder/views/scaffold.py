"""Commented YAML for a new collection or site, written from what a snapshot holds, that builds at once.

A collection gets a field for every parameter its datasets have, grouped by the parameter's prefix (ESRF names
read `Prefix_name`: `SamplePatient_age` goes to the group "Sample patient"), a terms facet for each string with
few values, a range facet for each number with several, a date facet for each date, and the dataset's own
attributes (name, date, instrument, technique) in a last group. Strings are written as JSON strings, which YAML
reads as they are whatever they hold.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from builder.catalogue.inventory import ParameterSummary
from builder.views.collections import ATTRIBUTES

COLLECTION_SCHEMA = "../docs/schema/collection.schema.json"
SITE_SCHEMA = "../docs/schema/site.schema.json"
MAX_TERMS = 30  # values a terms facet lists before it stops being a useful filter
MAX_FACETS = 10
MIN_SHARE = 0.1  # a facet's field has a value in at least this share of the datasets
DATASET_GROUP = ["name", "start_date", "instrument", "technique", "dataset_type", "doi", "licence"]


@dataclass(frozen=True)
class Draft:
    """What a new collection is made from: its datasets' parameters and attributes."""

    name: str
    select: dict[str, list[str]]  # the `select` rules, e.g. {"techniques": ["..."]}
    datasets: int
    parameters: list[ParameterSummary]
    instruments: int  # distinct instruments of the datasets
    techniques: int
    source: str  # the snapshot, as shown to the user


def q(text: str) -> str:
    """A YAML scalar that reads back as exactly `text`."""
    return json.dumps(text, ensure_ascii=False)


def field_name(parameter: str, taken: set[str]) -> str:
    """`SamplePatient_age` -> `sample_patient_age`; never an attribute's name or one already taken."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", parameter)
    name = re.sub(r"[^a-z0-9]+", "_", snake.lower()).strip("_") or "parameter"
    if name[0].isdigit():
        name = "p_" + name
    candidate, number = name, 2
    while candidate in ATTRIBUTES or candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    return candidate


def prefix_of(parameter: str) -> str:
    """The group a parameter goes to: `TOMOAcquisition_energy` -> `TOMOAcquisition`; '' without a prefix."""
    head, separator, _ = parameter.partition("_")
    return head if separator and head else ""


def words(text: str) -> str:
    """`SamplePatient` -> `Sample patient`, `organ_name` -> `Organ name`, `TOMOAcquisition` -> `TOMO acquisition`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text).replace("_", " ").strip()
    parts = spaced.split()
    parts = [parts[0]] + [part if part.isupper() else part.lower() for part in parts[1:]] if parts else []
    shown = " ".join(parts)
    return shown[:1].upper() + shown[1:]


def collection_yaml(draft: Draft) -> str:
    names: dict[str, str] = {}  # parameter -> field
    for summary in draft.parameters:
        names[summary.name] = field_name(summary.name, set(names.values()))
    groups: dict[str, list[ParameterSummary]] = {}
    for summary in draft.parameters:
        groups.setdefault(prefix_of(summary.name), []).append(summary)
    facets = _facets(draft, names)
    lines = [f"# yaml-language-server: $schema={COLLECTION_SCHEMA}",
             f"# The collection '{draft.name}', written by 'atlasgen new collection' from",
             f"# {draft.source}: {draft.datasets} datasets, {len(draft.parameters)} parameters.",
             "# Every key is documented in docs/collections.md; 'atlasgen fields --collection NAME' lists the",
             "# parameters, 'atlasgen validate' checks this file against the snapshot.",
             f"title: {q(words(draft.name))}",
             'description: ""',
             "",
             "# Which datasets belong: every rule given must match (a list matches any of its items).",
             "select:" + ("" if draft.select else " {}  # every dataset of the snapshot")]
    lines += [f"  {rule}: [{', '.join(q(value) for value in values)}]" for rule, values in draft.select.items()]
    lines += ["", "# One field per parameter: label and parameter; add 'unit', 'digits' or 'values' to show it "
                  "otherwise.", "fields:" + ("" if draft.parameters else " {}")]
    for prefix, members in groups.items():
        lines.append(f"  # {words(prefix) if prefix else 'Parameters'}")
        for summary in members:
            label = words(summary.name.removeprefix(prefix).lstrip("_")) if prefix else summary.name
            lines.append(f"  {names[summary.name]}: {{label: {q(label)}, parameter: {q(summary.name)}}}  "
                         f"# {_described(summary, draft.datasets)}")
    lines += ["", "# What a dataset page shows, in order.", "groups:"]
    for prefix, members in groups.items():
        lines += [f"  - label: {q(words(prefix) if prefix else 'Parameters')}",
                  f"    fields: [{', '.join(names[s.name] for s in members)}]"]
    lines += ["  - label: Dataset", f"    fields: [{', '.join(DATASET_GROUP)}]", ""]
    card_fields = [field for field, _ in facets if field not in ("instrument", "technique")][:3] or ["instrument"]
    lines += ["# A result card on the explore page.", "card:", "  title: [title]",
              f"  fields: [{', '.join(card_fields)}]", "  text: description", ""]
    lines += ["# Filters of the explore page: a terms facet for strings with few values, a range facet for numbers,",
              "# a date facet for dates (the type follows from the parameter).",
              "facets:" + ("" if facets else " []")]
    lines += [f"  - {{field: {field}}}  # {why}" for field, why in facets]
    searched = {"title": 10, "name": 8, "description": 5, "technique": 3, "instrument": 3}
    searched |= {field: 2 for field, why in facets if why.startswith("text")}
    lines += ["", "sort:", "  default: start_date", "  options:",
              "    start_date: {field: start_date, label: Newest first, descending: true}",
              "    name: {field: name, label: Name}", "",
              "# Searched fields and their boosts.", "search:",
              f"  fields: {{{', '.join(f'{field}: {boost}' for field, boost in searched.items())}}}", ""]
    return "\n".join(lines)


def _described(summary: ParameterSummary, datasets: int) -> str:
    kind = {"NUMERIC": "number", "DATE_AND_TIME": "date"}.get(summary.value_type, "text")
    units = f" in {summary.units}" if summary.units else ""
    if summary.numeric and summary.low is not None:
        values = f"{summary.low:g} to {summary.high:g}"
    else:
        values = ", ".join(summary.examples)
    counted = f"{summary.distinct} value{'s' if summary.distinct != 1 else ''}"
    return f"{kind}{units}, {summary.datasets} of {datasets} datasets, {counted}: {values}"[:100]


def _facets(draft: Draft, names: dict[str, str]) -> list[tuple[str, str]]:
    """(field, why) of the facets worth having, most widely present first."""
    enough = max(2, int(draft.datasets * MIN_SHARE))
    chosen = []
    for summary in sorted(draft.parameters, key=lambda s: (-s.datasets, s.name)):
        if summary.datasets < enough or summary.distinct < 2:
            continue
        if summary.numeric and summary.distinct >= 3:
            chosen.append((names[summary.name], f"range: {summary.distinct} numbers"))
        elif summary.value_type == "DATE_AND_TIME":
            chosen.append((names[summary.name], f"date: {summary.distinct} dates"))
        elif not summary.numeric and summary.distinct <= MAX_TERMS:
            chosen.append((names[summary.name], f"text with {summary.distinct} values"))
    chosen = chosen[:MAX_FACETS]
    chosen += [(attribute, f"{count} {attribute}s") for attribute, count in
               (("instrument", draft.instruments), ("technique", draft.techniques)) if count >= 2]
    return chosen


def site_yaml(name: str, collections: list[str]) -> str:
    listed = ", ".join(collections)
    return "\n".join([
        f"# yaml-language-server: $schema={SITE_SCHEMA}",
        f"# The site '{name}', written by 'atlasgen new site'. Every key is documented in docs/sites.md;",
        f"# 'atlasgen serve {name}' previews it and rebuilds it on every edit.",
        f"title: {q(words(name))}",
        'description: ""',
        "# Where the site is published: links, sitemaps and citations use it.",
        f"base_url: {q(f'https://example.org/{name}/')}",
        "# The collections it shows (collections/<name>.yml), each with its explore page.",
        f"collections: [{listed}]",
        "# Help pages in Markdown, beside this file:",
        "# pages:",
        f"#   - {{path: help, source: {name}/help.md}}",
        "# nav:",
        "#   - {label: Help, url: help/}",
        "",
    ])
