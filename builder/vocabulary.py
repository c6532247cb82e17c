"""The ESRF's ICAT parameter names, with their units and types.

`schema/esrf-icat-parameters.tsv` lists the names defined by the
`icat-esrf-definitions` 3.8.0 package (MIT, see the licence beside it).
Sources use it to give every parameter they write its official units.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VOCABULARY_PATH = Path(__file__).parent / "schema" / "esrf-icat-parameters.tsv"

VALUE_TYPES = {"NX_CHAR": "STRING", "NX_BOOLEAN": "STRING", "NX_DATE_TIME": "DATE_AND_TIME"}


@dataclass(frozen=True)
class ParameterDefinition:
    name: str
    units: str
    value_type: str  # ICAT's NUMERIC, STRING or DATE_AND_TIME
    description: str
    deprecated: bool = False


@cache
def esrf_parameters() -> dict[str, ParameterDefinition]:
    with VOCABULARY_PATH.open(encoding="utf-8", newline="") as stream:
        rows = csv.DictReader(stream, delimiter="\t")
        return {
            row["name"]: ParameterDefinition(
                name=row["name"],
                units=row["units"],
                value_type=VALUE_TYPES.get(row["nexus_type"], "NUMERIC"),
                description=row["description"],
                deprecated=row["status"] == "deprecated",
            )
            for row in rows
        }
