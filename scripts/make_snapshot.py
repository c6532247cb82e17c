#!/usr/bin/env python3
"""Write the embedded snapshot: the Human Organ Atlas metadata and the curated records, in one ICAT dump.

    python scripts/make_snapshot.py [-o catalogue/esrf-public.xml]

The HOA records come from catalogue/sources/hoa-metadata-2.0.0/ (see
scripts/import_hoa_metadata.py); the curated ones from the YAML files of
catalogue/sources/curated/, in name order. Running it again writes the same
bytes; SOURCE_DATE_EPOCH, if set, dates the snapshot.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from builder.catalogue.snapshot import Head, Snapshot, write_snapshot  # noqa: E402
from builder.errors import AtlasError  # noqa: E402
from builder.harvest.sources.curated import add_curated_records, curated_dates, read_curated  # noqa: E402
from builder.harvest.sources.entities import EntityCollector, entity_id, snapshot_date  # noqa: E402
from builder.harvest.sources.hoa import FACILITY, add_hoa_records, read_records  # noqa: E402

HOA = ROOT / "catalogue/sources/hoa-metadata-2.0.0"
CURATED = ROOT / "catalogue/sources/curated"


def embedded_snapshot(hoa: Path = HOA, curated: Path = CURATED) -> Snapshot:
    collector = EntityCollector(entity_id("facility", FACILITY["name"]))
    records = [record for _, record in read_records(hoa)]
    add_hoa_records(collector, records)
    dates: list = [record["scan"]["date"] for record in records]
    problems = []
    for path in sorted(curated.glob("*.yml")):
        try:
            found, _ = read_curated(path, str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path))
        except AtlasError as error:
            problems.extend(error.problems)
            continue
        add_curated_records(collector, found)
        dates += curated_dates(found)
    if problems:
        raise AtlasError(problems)
    return Snapshot(Head(date=snapshot_date(dates), generator="atlasgen make_snapshot"), collector.entities())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "catalogue/esrf-public.xml")
    args = parser.parse_args(argv)
    try:
        snapshot = embedded_snapshot()
        write_snapshot(snapshot, args.output)
    except AtlasError as error:
        print(f"error: {error.report()}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {len(snapshot.of_kind('dataset'))} datasets, "
          f"{len(snapshot.of_kind('dataPublication'))} DOIs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
