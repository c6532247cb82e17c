"""Harvest: ask a source for what changed, merge it into the snapshot, write it atomically, report the DOIs.

`harvest(options)` is what `atlasgen harvest` calls; tests call it directly.
Which DOIs and proposals to ask for comes from the collection schemas'
`select:` rules, so curators configure it in one place. The previous
snapshot's head says since when to ask: its `date` is the newest change the
last harvest of the same service saw. Only a snapshot the same service made
loses the DOIs the service no longer has; into any other, a harvest only adds
and replaces. A dump only ever adds and replaces: it is a part to merge in.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from builder.catalogue.records import normalise_doi
from builder.catalogue.snapshot import Head, Snapshot, read_snapshot, write_snapshot
from builder.config.validation import validate_document
from builder.config.yamlfile import load_yaml
from builder.errors import ConfigError, HarvestError, Location, Problem
from builder.harvest.merge import Changes, merge
from builder.harvest.sources.request import Harvest, HarvestRequest
from builder.project import DEFAULT_SNAPSHOT, Project
from builder.views.collections import CollectionConfig

# Source name -> "module:function" in builder.harvest.sources; imported only when asked for.
SOURCES = {
    "dump": "dump:harvest_dump",
    "hoa": "hoa:harvest_hoa",
    "icat": "icat:harvest_icat",
    "icatplus": "icatplus:harvest_icatplus",
}
DEFAULT_URLS = {"icatplus": "https://icatplus.esrf.fr"}
MERGE_ONLY = {"dump"}  # a dump is a part to merge in: what it lacks is not removed

Source = Callable[[HarvestRequest], Harvest]


@dataclass(frozen=True)
class HarvestOptions:
    source: str
    url: str | None = None  # default: DEFAULT_URLS[source]
    project: Path = Path(".")
    snapshot: Path | None = None  # default: the project's embedded snapshot
    report: Path | None = None  # where to write the JSON report
    full: bool = False  # ask for everything, not only what changed since the snapshot's date
    new: bool = False  # start the snapshot from nothing: it must not exist yet (a production catalogue)
    username: str | None = None
    password: str | None = None
    authenticator: str = "anon"
    timeout: float = 30.0
    retries: int = 4


@dataclass(frozen=True)
class HarvestReport:
    source: str
    service: str
    since: str | None
    date: str
    snapshot: str
    written: bool  # False: the snapshot already held everything
    changes: Changes

    def as_json(self) -> dict:
        return {"source": self.source, "service": self.service, "since": self.since, "date": self.date,
                "snapshot": self.snapshot, "written": self.written, "new": list(self.changes.new),
                "changed": list(self.changes.changed), "removed": list(self.changes.removed)}


def harvest(options: HarvestOptions, log: Callable[[str], None] = lambda message: None) -> HarvestReport:
    project = Project(options.project)
    path = options.snapshot or project.root / DEFAULT_SNAPSHOT
    if options.new:
        _check_new(path, project, options.snapshot)
    previous = _previous(path)
    source = source_function(options.source)
    url = options.url or _default_url(options.source)
    dois, investigations = selection(project.collections)
    same_service = previous.head.service == url  # else the snapshot came from elsewhere: add and replace only
    since = previous.head.date or None if same_service and not options.full else None
    request = HarvestRequest(url=url, dois=dois, investigations=investigations, since=since,
                             username=options.username, password=options.password,
                             authenticator=options.authenticator, timeout=options.timeout, retries=options.retries)
    log(f"harvesting {options.source} {url}" + (f" for changes since {since}" if since else " in full"))
    result = source(request)
    head = Head(date=result.snapshot.head.date or since or previous.head.date,
                generator=f"atlasgen harvest ({options.source})", service=url,
                apiversion=result.snapshot.head.apiversion)
    removes = same_service and options.source not in MERGE_ONLY
    scope = _scope(previous, dois, investigations) if removes else set()
    merged = merge(previous, result.snapshot, result.dois, scope, head)
    written = write_snapshot(merged.snapshot, path)
    report = HarvestReport(options.source, url, since, head.date, project.shown(path), written, merged.changes)
    if options.report:
        options.report.parent.mkdir(parents=True, exist_ok=True)
        options.report.write_text(json.dumps(report.as_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return report


def source_function(name: str) -> Source:
    if name not in SOURCES:
        raise HarvestError(f"unknown source '{name}': expected one of {', '.join(sorted(SOURCES))}")
    module, _, function = SOURCES[name].partition(":")
    return getattr(importlib.import_module(f"builder.harvest.sources.{module}"), function)


def _default_url(source: str) -> str:
    if source not in DEFAULT_URLS:
        raise HarvestError(f"the {source} source needs --url: the file or folder to harvest")
    return DEFAULT_URLS[source]


def _check_new(path: Path, project: Project, given: Path | None) -> None:
    """A new snapshot is a file of its own: never the embedded demo, never one that exists."""
    if given is None:
        raise HarvestError(Problem(Location("--new"), "give the new snapshot's file with --snapshot, e.g. "
                                                      "--snapshot catalogue/production.xml; the embedded one "
                                                      "holds the demo's example records"))
    if path.exists():
        raise HarvestError(Problem(Location(project.shown(path)), "exists already; --new starts a snapshot from "
                                                                  "nothing: leave out --new to update it"))


def _previous(path: Path) -> Snapshot:
    """The snapshot to merge into; none yet is an empty one, so that a first harvest makes it."""
    if not path.exists():
        return Snapshot(Head(date="", generator=""), [], str(path))
    return read_snapshot(path)


def selection(collections: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(DOIs, proposals) the collection schemas select; both empty when any schema selects by other rules."""
    files = sorted(collections.glob("*.yml"))
    if not files:
        raise ConfigError(Problem(Location(str(collections)),
                                  "no collection schemas (*.yml): nothing says what to harvest"))
    dois: set[str] = set()
    investigations: set[str] = set()
    for path in files:
        select = validate_document(CollectionConfig, load_yaml(path)).select
        if not (select.dois or select.investigations):
            return (), ()  # this collection takes datasets by technique, parameter, ...: it needs every DOI
        dois |= {normalise_doi(doi) or doi for doi in select.dois}
        investigations |= set(select.investigations)
    return tuple(sorted(dois)), tuple(sorted(investigations))


def _scope(previous: Snapshot, dois: tuple[str, ...], investigations: tuple[str, ...]) -> set[str] | None:
    """The DOIs a harvest answers for: all (None), or those asked for and those of the proposals asked for."""
    if not (dois or investigations):
        return None
    scope = set(dois)
    for publication in previous.of_kind("dataPublication"):
        collection = previous.resolve(publication.ref("content"), "dataCollection")
        links = collection.many("dataCollectionDatasets") if collection else []
        datasets = [previous.resolve(link.ref("dataset"), "dataset") for link in links]
        proposals = {previous.resolve(d.ref("investigation"), "investigation") for d in datasets if d}
        if any(p is not None and p.text("name") in investigations for p in proposals):
            scope.add(normalise_doi(publication.text("pid")) or "")
    return scope
