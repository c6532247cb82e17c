"""`atlasgen fields`: the parameters a snapshot (or one collection's datasets) holds, so curators name them right."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.catalogue.inventory import ParameterSummary, summarise
from builder.memory.catalogue_cache import cached_catalogue
from builder.project import CACHE_FOLDER, DEFAULT_SNAPSHOT, Project
from builder.views.collections import load_collection


@dataclass(frozen=True)
class FieldsOptions:
    project: Path = Path(".")
    collection: str | None = None  # only the datasets collections/NAME.yml selects
    snapshot: Path | None = None
    cache: bool = True


@dataclass(frozen=True)
class FieldsReport:
    snapshot: str
    collection: str | None
    datasets: int
    parameters: list[ParameterSummary]

    def as_json(self) -> dict:
        return {"snapshot": self.snapshot, "collection": self.collection, "datasets": self.datasets,
                "parameters": [summary.as_json() for summary in self.parameters]}

    def table(self, width: int = 120) -> str:
        """One line per parameter: name, datasets, distinct values, type, units, the most common values."""
        rows = [("parameter", "datasets", "values", "type", "units", "examples")]
        rows += [(p.name, str(p.datasets), str(p.distinct), p.value_type, p.units, _examples(p))
                 for p in self.parameters]
        widths = [max(len(row[column]) for row in rows) for column in range(5)]
        lines = ["  ".join(cell.ljust(size) if column in (0, 3, 4) else cell.rjust(size)
                           for column, (cell, size) in enumerate(zip(row, widths))) + "  " + row[5]
                 for row in rows]
        return "\n".join(line if len(line) <= width else line[:width - 1] + "…" for line in lines)


def _examples(summary: ParameterSummary) -> str:
    if summary.numeric and summary.low is not None:
        return f"{summary.low:g} … {summary.high:g}"
    return ", ".join(summary.examples)


def list_fields(options: FieldsOptions) -> FieldsReport:
    project = Project(options.project)
    snapshot = options.snapshot or project.root / DEFAULT_SNAPSHOT
    catalogue, _ = cached_catalogue(snapshot, project.root / CACHE_FOLDER if options.cache else None)
    datasets = list(catalogue.datasets.values())
    if options.collection:
        path = project.collections / f"{options.collection}.yml"
        collection = load_collection(path, catalogue, project.shown(path))
        datasets = [catalogue.datasets[key] for key in collection.keys]
    return FieldsReport(project.shown(snapshot), options.collection, len(datasets),
                        summarise(datasets, catalogue.parameter_types))
