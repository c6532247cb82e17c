#!/usr/bin/env python3
"""Synthetic HOA-shaped records and snapshots for benchmarks.

    python scripts/bench/synthetic.py 10000 -o /tmp/hoa-10k.xml

Each synthetic record is a real HOA record (chosen in turn) with a new donor,
name and DOI and its numbers varied a little, so that a large snapshot has
the shape, vocabulary and value spread of the real one. Seeded: the same
count always gives the same records.

The snapshot is written as a stream, a batch of records at a time: 100,000
datasets (about 2 GB of XML) are made in a few hundred MB of memory.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import random
import sys
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from builder.catalogue.snapshot import SnapshotWriter  # noqa: E402
from builder.harvest.sources.hoa import add_hoa_records, hoa_collector, hoa_head  # noqa: E402

HOA_JSON = ROOT / "catalogue" / "sources" / "hoa-metadata-2.0.0"
ORGANS = ["brain", "heart", "lung", "kidney", "liver", "spleen", "colon", "eye", "testis", "prostate", "placenta",
          "uterus", "pancreas", "stomach", "bladder", "thyroid", "tongue", "achillesTendon"]


# Records converted at a time: a multiple of the 12 a donor has, and more than the real records (378), so
# the first batch meets every person and the snapshot is the one all records at once would give.
BATCH = 1200


def synthetic_records(count: int, seed: int = 42) -> list[dict]:
    return list(synthetic_record_stream(count, seed))


def synthetic_record_stream(count: int, seed: int = 42) -> Iterator[dict]:
    """The records one at a time: the first n of any count are those of count n."""
    real = [json.loads(path.read_text()) for path in sorted(HOA_JSON.glob("*.json"))]
    rng = random.Random(seed)
    for number in range(count):
        record = copy.deepcopy(real[number % len(real)])
        donor = f"SYN-{number // 12:05d}"
        organ = rng.choice(ORGANS) if rng.random() < 0.3 else record["sample"]["organ"]
        voxel = round(record["data"]["voxel_size_um"] * rng.uniform(0.8, 1.25), 3)
        record["name"] = f"{donor}_{organ}_{record['voi']}_{voxel}um_{record['scan']['beamline'].lower()}"
        record["donor"]["id"] = donor
        record["sample"]["organ"] = organ
        record["data"]["voxel_size_um"] = voxel
        record["data"]["gcs_url"] = record["data"]["gcs_url"].rsplit("/", 2)[0] + f"/{record['name']}/"
        if isinstance(record["donor"]["age"], int):
            record["donor"]["age"] = max(1, record["donor"]["age"] + rng.randint(-15, 15))
        if record["scan"]["energy"]:
            record["scan"]["energy"] = round(record["scan"]["energy"] * rng.uniform(0.9, 1.1), 1)
        record["scan"]["date"] = f"{rng.randint(2020, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if record.get("registration"):
            record["registration"]["source_dataset"] = record["name"]
        record["citation"]["doi"] = f"10.99999/SYN-{number:07d}"
        record["citation"]["title"] = (f"Synthetic example: {record['dataset_type']} at {voxel}um of the {organ} "
                                       f"of donor {donor}")
        yield record


def write_synthetic_snapshot(count: int, path: Path, seed: int = 42, batch: int = BATCH) -> None:
    """The snapshot of `synthetic_records(count, seed)`, written as a stream, `batch` records at a time."""
    dates = []
    with SnapshotWriter(path) as writer:
        collector = hoa_collector(sink=writer.add)
        records = synthetic_record_stream(count, seed)
        while chunk := list(itertools.islice(records, batch)):
            add_hoa_records(collector, chunk)
            dates.append(max(chunk, key=lambda record: record["scan"]["date"]))
        for parameter_type in collector.parameter_types():  # amended by every batch: written last
            writer.add(parameter_type)
        writer.finish(hoa_head(dates))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    write_synthetic_snapshot(args.count, args.output)
    print(f"wrote {args.output}: {args.count} synthetic datasets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
