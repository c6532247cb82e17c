"""The `dump` source: another ICAT dump file (python-icat's `icatdump`, or a snapshot of this project).

A dump holds no change times atlasgen relies on, so the whole file is the
harvest; entities replace the snapshot's by id, and every DOI of the file counts
as present.
"""

from __future__ import annotations

from dataclasses import replace

from builder.catalogue.records import normalise_doi
from builder.catalogue.snapshot import Snapshot, read_snapshot
from builder.errors import HarvestError, SnapshotError
from builder.harvest.sources.request import Harvest, HarvestRequest


def harvest_dump(request: HarvestRequest) -> Harvest:
    try:
        snapshot = read_snapshot(request.url)
    except SnapshotError as error:
        raise HarvestError(error.problems) from None
    head = replace(snapshot.head, service=request.url)
    return Harvest(Snapshot(head, snapshot.entities, snapshot.path), dois_of(snapshot))


def dois_of(snapshot: Snapshot) -> tuple[str, ...]:
    """Every DOI the snapshot publishes, sorted."""
    found = (normalise_doi(entity.text("pid")) for entity in snapshot.of_kind("dataPublication"))
    return tuple(sorted({doi for doi in found if doi}))
