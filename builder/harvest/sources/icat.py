"""The `icat` source: harvest any ICAT server through python-icat's SOAP client.

For facilities without ICAT+. The harvest lists the data publications the
session may read (those of the request's DOIs or investigations, or all),
then fetches those new or changed since the request's date in full: the
publication with its users, dates, related items and funding, its data
collection, and every dataset of it with parameters, files, sample and
investigation. Transient failures (5xx answers, resets, timeouts, broken
XML) are retried with exponential backoff and jitter; an expired session is
renewed once; anything else stops the harvest with a HarvestError that names
the server and what failed.
"""

from __future__ import annotations

import http.client
import xml.sax
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, TypeVar

import icat
import icat.exception
import suds.transport
import tenacity
from icat.query import Query

from builder.catalogue.snapshot import Head, Snapshot
from builder.errors import HarvestError, Location, Problem
from builder.harvest.sources.entities import icat_datetime
from builder.harvest.sources.icat_entities import DuplicateName, EntityConverter
from builder.harvest.sources.request import Harvest, HarvestRequest

GENERATOR = "atlasgen icat source (python-icat)"
IN_LIST = 100  # values per IN (...) condition: keeps each query short
CHUNK = 50  # objects per search call; each dataset comes with its parameters and files
PUBLICATION_INCLUDES = ("facility", "type", "dates", "relatedItems", "fundingReferences.funding", "users.user",
                        "users.affiliations", "content.parameters.type",
                        "content.dataCollectionDatasets.dataset.investigation")
DATASET_INCLUDES = ("type", "parameters.type", "datafiles.datafileFormat", "datasetInstruments.instrument.facility",
                    "datasetTechniques.technique", "sample.type", "sample.parameters.type", "sample.investigation",
                    "investigation.facility", "investigation.type", "investigation.parameters.type",
                    "investigation.investigationUsers.user", "investigation.investigationInstruments.instrument",
                    "investigation.keywords")
# What may change under a publication, as paths from it: any of them newer than `since` makes it changed
# (as does the publication's own modTime, which the list of publications brings).
CHANGE_PATHS = ("users", "relatedItems", "content", "content.parameters", "content.dataCollectionDatasets.dataset",
                "content.dataCollectionDatasets.dataset.parameters", "content.dataCollectionDatasets.dataset.datafiles",
                "content.dataCollectionDatasets.dataset.sample")
T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Waits between attempts: exponential from `first` up to `longest` seconds, plus up to `jitter` at random."""

    first: float = 1.0
    longest: float = 30.0
    jitter: float = 1.0


def harvest_icat(request: HarvestRequest, backoff: Backoff = Backoff()) -> Harvest:
    """Harvest the public data publications of an ICAT server; see the module's description."""
    since = _since(request)
    with _Session(request, backoff) as session:
        listed = _listed_publications(session, request)
        changed = _changed(session, listed, since)
        converter = EntityConverter()
        publications = session.search_ids("DataPublication", sorted(changed), PUBLICATION_INCLUDES)
        dataset_ids = sorted({link.dataset.id for publication in publications if publication.content
                              for link in publication.content.dataCollectionDatasets if link.dataset})
        datasets = session.search_ids("Dataset", dataset_ids, DATASET_INCLUDES)
    try:
        for entity in (*publications, *datasets):
            converter.add(entity)
    except DuplicateName as error:
        raise HarvestError(Problem(Location(request.url), f"ICAT: {error}")) from None
    newest = [when for when in (converter.newest, since) if when is not None]
    date = max(newest).astimezone(timezone.utc).isoformat() if newest else icat_datetime("1970-01-01")
    head = Head(date=date, generator=GENERATOR, service=request.url, apiversion=session.api_version)
    return Harvest(Snapshot(head, converter.entities(), path=request.url),
                   tuple(sorted({publication.pid for publication in listed.values()})))


def _listed_publications(session: _Session, request: HarvestRequest) -> dict[int, Any]:
    """ICAT id -> publication, for every publication the request selects."""
    found: dict[int, Any] = {}
    if not request.dois and not request.investigations:
        found.update((p.id, p) for p in session.search(lambda client: Query(client, "DataPublication", order=["id"])))
    for values in _slices(request.dois):
        found.update((p.id, p) for p in session.search(
            lambda client: Query(client, "DataPublication", order=["id"], conditions={"pid": _in(values)})))
    path = "content.dataCollectionDatasets.dataset.investigation.name"
    for values in _slices(request.investigations):
        found.update((p.id, p) for p in session.search(
            lambda client: Query(client, "DataPublication", order=["id"], aggregate="DISTINCT",
                                 conditions={path: _in(values)})))
    return found


def _changed(session: _Session, listed: dict[int, Any], when: datetime | None) -> set[int]:
    """The ids of the listed publications that are new, or have anything under them modified after `when`."""
    if when is None:
        return set(listed)
    literal = "> {ts %s}" % when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    changed = {key for key, publication in listed.items() if _aware(publication.modTime) > when}
    for path in CHANGE_PATHS:
        changed.update(p.id for p in session.search(
            lambda client: Query(client, "DataPublication", order=["id"], aggregate="DISTINCT",
                                 conditions={f"{path}.modTime": literal})))
    return changed & set(listed)


def _since(request: HarvestRequest) -> datetime | None:
    if not request.since:
        return None
    try:
        return _aware(datetime.fromisoformat(request.since))
    except ValueError:
        raise HarvestError(Problem(Location(request.url), f"ICAT: since: expected an ICAT dateTime such as "
                                                         f"2026-02-01T00:00:00+00:00, got {request.since!r}")) from None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _in(values: Iterable[Any]) -> str:
    quoted = (str(v) if isinstance(v, int) else "'%s'" % str(v).replace("'", "''") for v in values)
    return "IN (%s)" % ", ".join(quoted)


def _slices(values: Iterable[T]) -> list[list[T]]:
    values = list(values)
    return [values[start:start + IN_LIST] for start in range(0, len(values), IN_LIST)]


# ---------------------------------------------------------------- talking to ICAT


class _Client(icat.Client):
    """python-icat's Client, with the timeout applied to every request from the first (the WSDL).

    suds applies options in the order given, and python-icat gives its transport last: the new
    transport's default timeout (90 s) would replace the one asked for.
    """

    def set_options(self, **kwargs: Any) -> None:
        transport = kwargs.pop("transport", None)
        if transport is not None:
            super().set_options(transport=transport)
        super().set_options(**kwargs)


class _Session:
    """A logged-in python-icat client whose calls are retried and whose failures are HarvestErrors."""

    def __init__(self, request: HarvestRequest, backoff: Backoff):
        self.request = request
        self.backoff = backoff
        self.client: _Client | None = None
        self.api_version: str | None = None

    def __enter__(self) -> _Session:
        # cache=None: always the server's current WSDL, never one suds kept on disk from an earlier run
        self.client = self._retried("reading the WSDL and entity types",
                                    lambda: _Client(self.request.url, timeout=self.request.timeout, cache=None))
        self.api_version = str(self.client.apiversion)
        self._login()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except Exception:  # a failed logout loses nothing: the session expires on its own
                self.client.sessionId = None

    def _login(self) -> None:
        request = self.request
        credentials = {} if request.username is None else {"username": request.username,
                                                          "password": request.password or ""}
        who = "anonymously" if request.username is None else f"as {request.username!r}"
        try:
            self._retried(f"logging in {who}", lambda: self.client.login(request.authenticator, credentials))
        except HarvestError as error:
            cause = error.__cause__
            if isinstance(cause, icat.exception.ICATSessionError):
                raise self._error(f"the login {who} with authenticator {request.authenticator!r} was refused: "
                                  f"{cause.message}") from None
            raise

    def search(self, make_query: Callable[[icat.Client], Query]) -> list[Any]:
        """All results of a query, in chunks; the query is made with the client, which knows the entity types."""
        query = make_query(self.client)

        def run() -> list[Any]:  # the whole search again on a retry: a chunked search cannot resume midway
            return list(self.client.searchChunked(query, chunksize=CHUNK))

        what = f"searching {query.entity.BeanName}"
        try:
            return self._retried(what, run)
        except HarvestError as error:
            if not isinstance(error.__cause__, icat.exception.ICATSessionError):
                raise
        self._login()  # the session expired during the harvest: once more with a new one
        try:
            return self._retried(what, run)
        except HarvestError as error:
            if isinstance(error.__cause__, icat.exception.ICATSessionError):
                raise self._error(f"{what}: the session expired again right after a new login") from None
            raise

    def search_ids(self, bean: str, ids: list[int], includes: tuple[str, ...]) -> list[Any]:
        found = []
        for values in _slices(ids):
            found += self.search(lambda client: Query(client, bean, order=["id"], includes=includes,
                                                      conditions={"id": _in(values)}))
        return found

    def _retried(self, what: str, action: Callable[[], T]) -> T:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.request.retries + 1),
            wait=tenacity.wait_exponential_jitter(multiplier=self.backoff.first, max=self.backoff.longest,
                                                  jitter=self.backoff.jitter),
            retry=tenacity.retry_if_exception(_transient), reraise=True)
        try:
            return retrying(action)
        except Exception as error:
            attempts = f" after {self.request.retries + 1} attempts" if _transient(error) else ""
            raise self._error(f"{what} failed{attempts}: {_described(error)}") from error

    def _error(self, message: str) -> HarvestError:
        return HarvestError(Problem(Location(self.request.url), f"ICAT: {message}"))


def _status(error: BaseException) -> int | None:
    """The HTTP status of an answer that was not SOAP, as suds reports it."""
    if isinstance(error, suds.transport.TransportError):
        return error.httpcode
    if type(error) is Exception and error.args and isinstance(error.args[0], tuple):
        return error.args[0][0]  # suds: Exception((status, reason))
    return None


def _transient(error: BaseException) -> bool:
    """Worth another attempt: the server or the network failed, not the request."""
    status = _status(error)
    if status is not None:
        return status >= 500
    return isinstance(error, (icat.exception.ICATInternalError, xml.sax.SAXParseException, http.client.HTTPException,
                              OSError))


def _described(error: BaseException) -> str:
    status = _status(error)
    if status is not None:
        reason = error.args[0][1] if isinstance(error.args[0], tuple) else str(error)
        return f"HTTP {status} {reason}"
    if isinstance(error, xml.sax.SAXParseException):
        return f"the answer is not well-formed XML, truncated or not SOAP ({error.getMessage()})"
    if isinstance(error, TimeoutError) or "timed out" in str(error):
        return f"no answer within the timeout ({error})"
    if isinstance(error, icat.exception.ICATError):
        return f"{type(error).__name__}: {error.message}"
    return f"{type(error).__name__}: {error}"
