"""The DOIs a site has published, kept in the site itself (`dois.json`).

A DOI must resolve forever. When a DOI of an earlier build is no longer in
the snapshot, the next build reads this file from the previous site and
keeps a "withdrawn" page for it, with the citation it had. The file travels
with the site, so a deployment that starts from the published site keeps
every tombstone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Mapping

from builder.errors import ConfigError, Location, Problem

REGISTRY_FILE = "dois.json"


@dataclass(frozen=True)
class PublishedDoi:
    doi: str
    title: str
    citation: str
    year: str = ""
    withdrawn: str = ""  # the snapshot date of the first build without it; "" while it is in the catalogue


def read_published(site_folder: Path) -> dict[str, PublishedDoi]:
    """The DOIs of the site built before, by DOI; none if there was no site."""
    path = site_folder / REGISTRY_FILE
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["dois"]
        found = {entry["doi"]: PublishedDoi(**entry) for entry in entries}
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(Problem(Location(str(path)), f"the list of published DOIs cannot be read ({error}); "
                                  "restore it from the published site, or delete it to forget withdrawn DOIs"))
    return found


def withdrawn_since(previous: Mapping[str, PublishedDoi], current: Iterable[str], date: str) -> list[PublishedDoi]:
    """DOIs published before and gone now, dated by the first snapshot that lacks them."""
    present = set(current)
    gone = []
    for doi in sorted(set(previous) - present):
        entry = previous[doi]
        gone.append(entry if entry.withdrawn else PublishedDoi(**{**asdict(entry), "withdrawn": date[:10]}))
    return gone


def registry_json(entries: Iterable[PublishedDoi]) -> str:
    """One DOI a line: json's C encoder writes each (an indent would take the pure-Python one, for every DOI)."""
    rows = [json.dumps(asdict(entry), sort_keys=True, ensure_ascii=False)
            for entry in sorted(entries, key=lambda entry: entry.doi)]
    return '{"dois": [' + ("\n" + ",\n".join(rows) + "\n" if rows else "") + "]}\n"
