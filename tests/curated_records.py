"""Records made in tests: curated YAML, written as a real ICAT dump and read back."""

from __future__ import annotations

import textwrap
from pathlib import Path

from builder.catalogue.from_snapshot import catalogue_from_snapshot
from builder.catalogue.records import Catalogue
from builder.catalogue.snapshot import Head, Snapshot, read_snapshot, write_snapshot
from builder.harvest.sources.curated import add_curated_records, read_curated
from builder.harvest.sources.entities import EntityCollector, entity_id


def write_dump(folder: Path, text: str, name: str = "records") -> Path:
    """The curated records of `text` (YAML) as an ICAT dump file in `folder`."""
    source = folder / f"{name}.yml"
    source.write_text(textwrap.dedent(text))
    curated, _ = read_curated(source)
    collector = EntityCollector(entity_id("facility", "ESRF"))
    add_curated_records(collector, curated)
    dump = folder / f"{name}.xml"
    write_snapshot(Snapshot(Head(date="2024-01-01T00:00:00+00:00", generator="tests"), collector.entities()), dump)
    return dump


def catalogue_of(folder: Path, text: str) -> Catalogue:
    return catalogue_from_snapshot(read_snapshot(write_dump(folder, text)))
