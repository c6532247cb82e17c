#!/usr/bin/env python3
"""Convert Human Organ Atlas metadata JSON into an ICAT dump snapshot.

    python scripts/import_hoa_metadata.py [SOURCE] [-o catalogue/esrf-public.xml]

SOURCE is a folder of HOA metadata JSON files (default: the copy of hoa-tools
2.0.0's files in catalogue/sources/) or a downloaded hoa-tools wheel
(`pip download --no-deps hoa-tools==2.0.0`). Running it again on the same
input writes the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from builder.catalogue.snapshot import write_snapshot  # noqa: E402
from builder.errors import AtlasError  # noqa: E402
from builder.harvest.sources.hoa import hoa_snapshot, read_records  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", nargs="?", type=Path, default=ROOT / "catalogue/sources/hoa-metadata-2.0.0")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "catalogue/esrf-public.xml")
    args = parser.parse_args(argv)
    try:
        records = [record for _, record in read_records(args.source)]
        snapshot = hoa_snapshot(records)
        write_snapshot(snapshot, args.output)
    except AtlasError as error:
        print(f"error: {error.report()}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {len(records)} datasets, {len(snapshot.of_kind('dataPublication'))} DOIs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
