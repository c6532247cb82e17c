"""Parameter names: the ESRF's ICAT vocabulary, plus the few atlasgen adds.

`schema/esrf-icat-parameters.tsv` lists the names defined by the
`icat-esrf-definitions` 3.8.0 package (MIT, see the licence beside it).
`schema/atlasgen-parameters.tsv` adds names for facts the ESRF vocabulary
has no name for (status `extension`) and retypes names whose values some
sources have as text (status `retyped`). Sources give every parameter they
write these units and types; collection schemas accept every name here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SCHEMA = Path(__file__).parent / "schema"
VALUE_TYPES = {"NX_CHAR": "STRING", "NX_BOOLEAN": "STRING", "NX_DATE_TIME": "DATE_AND_TIME"}


@dataclass(frozen=True)
class ParameterDefinition:
    name: str
    units: str
    value_type: str  # ICAT's NUMERIC, STRING or DATE_AND_TIME
    description: str
    status: str = ""  # "", deprecated, extension or retyped


def _read(path: Path) -> dict[str, ParameterDefinition]:
    with path.open(encoding="utf-8", newline="") as stream:
        return {
            row["name"]: ParameterDefinition(
                name=row["name"],
                units=row["units"],
                value_type=VALUE_TYPES.get(row["nexus_type"], "NUMERIC"),
                description=row["description"] + (" (atlasgen extension)" if row["status"] == "extension" else ""),
                status=row["status"],
            )
            for row in csv.DictReader(stream, delimiter="\t")
        }


@cache
def esrf_parameters() -> dict[str, ParameterDefinition]:
    return _read(SCHEMA / "esrf-icat-parameters.tsv")


@cache
def parameter_definitions() -> dict[str, ParameterDefinition]:
    """Every known name; atlasgen's entries take precedence over the ESRF ones they retype."""
    return {**esrf_parameters(), **_read(SCHEMA / "atlasgen-parameters.tsv")}
