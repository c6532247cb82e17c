"""What a harvest asks of a source, and what a source gives back: the same whatever the source."""

from __future__ import annotations

from dataclasses import dataclass

from builder.catalogue.snapshot import Snapshot


@dataclass(frozen=True)
class HarvestRequest:
    url: str  # the service's base URL (ICAT+, ICAT), or a file or folder for the dump and hoa sources
    dois: tuple[str, ...] = ()  # DOIs the collections select
    investigations: tuple[str, ...] = ()  # proposals the collections select; with no DOIs either: every public DOI
    since: str | None = None  # ICAT dateTime: only what was modified after it (the previous snapshot's head date)
    username: str | None = None  # None: anonymous (ICAT+ 'reader' account, ICAT 'anon' authenticator)
    password: str | None = None
    authenticator: str = "anon"  # the ICAT authenticator plugin
    timeout: float = 30.0  # seconds per request
    retries: int = 4  # further attempts on 5xx answers, resets and timeouts


@dataclass(frozen=True)
class Harvest:
    snapshot: Snapshot  # entities new or changed since request.since (all of them without it), refs by id
    dois: tuple[str, ...]  # every DOI the source has now for the request, changed or not: any other was removed
