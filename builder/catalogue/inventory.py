"""What parameters a set of datasets holds: counts, units, value types and example values.

`atlasgen fields` prints it; `atlasgen new collection` writes a collection from it. A dataset sees its own
parameters, its sample's and its investigation's (`Dataset.parameters_seen`), as a collection's fields do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

from builder.catalogue.records import Dataset, Parameter, ParameterInfo

EXAMPLES = 3


@dataclass(frozen=True)
class ParameterSummary:
    name: str
    units: str
    value_type: str  # ICAT's: NUMERIC, STRING or DATE_AND_TIME
    datasets: int  # how many of the datasets have a value
    distinct: int  # how many different values they have
    examples: tuple[str, ...]  # the most common values first
    low: float | None = None  # the smallest and largest number, for numeric parameters
    high: float | None = None

    @property
    def numeric(self) -> bool:
        return self.value_type == "NUMERIC"

    def as_json(self) -> dict:
        return {"name": self.name, "units": self.units, "value_type": self.value_type, "datasets": self.datasets,
                "distinct": self.distinct, "examples": list(self.examples), "min": self.low, "max": self.high}


def value_text(parameter: Parameter) -> str | None:
    """A parameter's value as `select.parameters` compares it: numbers in their shortest form."""
    value = parameter.value
    if value is None:
        return None
    return f"{value:g}" if isinstance(value, float) else str(value)


def summarise(datasets: Iterable[Dataset], types: Mapping[str, ParameterInfo]) -> list[ParameterSummary]:
    """One summary per parameter any of the datasets has, by name."""
    values: dict[str, Counter] = {}
    numbers: dict[str, list[float]] = {}
    units: dict[str, str] = {}
    for dataset in datasets:
        for name, parameter in dataset.parameters_seen().items():
            text = value_text(parameter)
            if text is None:
                continue
            values.setdefault(name, Counter())[text] += 1
            units.setdefault(name, parameter.units)
            if parameter.number is not None:
                numbers.setdefault(name, []).append(parameter.number)
    summaries = []
    for name in sorted(values):
        counts, found = values[name], numbers.get(name, [])
        info = types.get(name)
        examples = tuple(value for value, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:EXAMPLES])
        summaries.append(ParameterSummary(
            name=name, units=(info.units if info else "") or units.get(name, ""),
            value_type=info.value_type if info else ("NUMERIC" if found else "STRING"),
            datasets=sum(counts.values()), distinct=len(counts), examples=examples,
            low=min(found) if found else None, high=max(found) if found else None))
    return summaries
