"""A stand-in ICAT+ server on 127.0.0.1: the routes and JSON shapes of ICAT+, serving a snapshot's DOIs.

It answers as the `icat-plus-client` models describe (sessions, data
collections, datasets with `parameters` as `[{id, name, value, units}]`,
samples, investigations, datafiles) and DOIs' metadata in DataCite's REST
JSON shape, with `skip`/`limit` paging. Switches inject faults on the
requests whose path contains a given text: HTTP 500, a reset connection, an
answer slower than the client's timeout, truncated JSON, a session that
expires (answered 403, as ICAT+ does).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from builder.catalogue.snapshot import Entity, Snapshot

MOD_TIME = "2026-01-10T09:00:00+00:00"  # when every served collection was last modified, until changed
FAULTS = ("500", "reset", "slow", "truncated", "expire")


@dataclass
class Fault:
    kind: str
    route: str
    times: int


class IcatPlusDouble:
    def __init__(self, snapshot: Snapshot, slow_seconds: float = 2.0):
        self.slow_seconds = slow_seconds
        self.faults: list[Fault] = []
        self.replaced: dict[str, Any] = {}
        self.sessions: set[str] = set()
        self.logins = 0
        self.paths: list[str] = []
        self._lock = threading.Lock()
        self._build(snapshot)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- switches

    def fail(self, kind: str, route: str = "", times: int = 1) -> None:
        """The next `times` requests whose path contains `route` meet the fault."""
        assert kind in FAULTS, kind
        with self._lock:
            self.faults.append(Fault(kind, route, times))

    def answer_instead(self, route: str, answer: Any) -> None:
        """Requests whose path contains `route` get `answer` (as JSON), whatever they asked."""
        self.replaced[route] = answer

    def expire_sessions(self) -> None:
        with self._lock:
            self.sessions.clear()

    def retitle(self, doi: str, title: str, mod_time: str) -> None:
        """The DOI's metadata changes, as a curator's edit in ICAT would change it."""
        self.datacite[doi]["titles"] = [{"title": title}]
        self.collections[doi]["modTime"] = mod_time

    def withdraw(self, doi: str) -> None:
        self.withdrawn[doi] = self.collections.pop(doi)

    def publish(self, doi: str, mod_time: str) -> None:
        """A withdrawn DOI comes (back), as a newly minted one does."""
        self.collections[doi] = {**self.withdrawn.pop(doi), "modTime": mod_time}

    # ---- the served data, from the snapshot's entities

    def _build(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._numbers: dict[str, int] = {}
        self.collections: dict[str, dict[str, Any]] = {}
        self.withdrawn: dict[str, dict[str, Any]] = {}
        self.datacite: dict[str, dict[str, Any]] = {}
        self.doi_datasets: dict[str, list[dict[str, Any]]] = {}
        self.datasets: list[dict[str, Any]] = []
        self.samples: dict[int, dict[str, Any]] = {}
        self.investigations: dict[int, dict[str, Any]] = {}
        self.datafiles: dict[int, list[dict[str, Any]]] = {}
        self.facilities = [{"name": f.text("name"), "fullName": f.text("fullName"), "url": f.text("url")}
                           for f in snapshot.of_kind("facility")]
        for dataset in snapshot.of_kind("dataset"):
            self.datasets.append(self._dataset(dataset))
        for datafile in snapshot.of_kind("datafile"):
            owner = self._number(datafile.ref("dataset").id)
            self.datafiles.setdefault(owner, []).append(
                {"id": self._number(datafile.id), "name": datafile.text("name"), "location": datafile.text("location")})
        for publication in snapshot.of_kind("dataPublication"):
            self._publication(publication)

    def _number(self, entity_id: str | None) -> int:
        return self._numbers.setdefault(entity_id or "", len(self._numbers) + 1)

    def _resolve(self, entity: Entity, name: str) -> Entity:
        return self.snapshot.by_id[entity.ref(name).id]

    def _parameters(self, holder: Entity) -> list[dict[str, Any]]:
        served = []
        for index, parameter in enumerate(holder.many("parameters")):
            kind = self.snapshot.by_id[parameter.ref("type").id]
            served.append({"id": self._number(f"{holder.id}#{index}"), "name": kind.text("name"),
                           "value": _value(parameter), "units": kind.text("units") or ""})
        return served

    def _investigation(self, entity: Entity) -> dict[str, Any]:
        number = self._number(entity.id)
        if number not in self.investigations:
            users = [{"role": item.text("role"), "user": _login(self._resolve(item, "user"))}
                     for item in entity.many("investigationUsers")]
            instruments = [self._resolve(i, "instrument") for i in entity.many("investigationInstruments")]
            self.investigations[number] = {
                "id": number, "name": entity.text("name"), "title": entity.text("title"),
                "visitId": entity.text("visitId"), "investigationUsers": users,
                **({"instrument": {"id": self._number(instruments[0].id), "name": instruments[0].text("name")}}
                   if instruments else {})}
        return self.investigations[number]

    def _dataset(self, entity: Entity) -> dict[str, Any]:
        investigation = self._investigation(self._resolve(entity, "investigation"))
        sample = self._resolve(entity, "sample")
        sample_number = self._number(sample.id)
        self.samples[sample_number] = {
            "id": sample_number, "name": sample.text("name"), "modTime": MOD_TIME,
            "investigation": {"id": investigation["id"], "name": investigation["name"], "startDate": MOD_TIME},
            "parameters": self._parameters(sample)}
        instruments = [self._resolve(i, "instrument").text("name") for i in entity.many("datasetInstruments")]
        techniques = [self._resolve(t, "technique") for t in entity.many("datasetTechniques")]
        return {
            "id": self._number(entity.id), "name": entity.text("name"), "startDate": entity.text("startDate"),
            "description": entity.text("description"), "sampleName": sample.text("name"), "sampleId": sample_number,
            "type": self._resolve(entity, "type").text("name"), "instrumentName": instruments[0],
            "techniques": [{"id": self._number(t.id), "pid": t.text("pid") or t.text("name"), "name": t.text("name"),
                            "description": t.text("description")} for t in techniques],
            "investigation": {k: investigation[k] for k in ("id", "name", "visitId", "title")},
            "parameters": self._parameters(entity),
        }

    def _publication(self, publication: Entity) -> None:
        doi = publication.text("pid")
        collection = self._resolve(publication, "content")
        members = [self._resolve(link, "dataset") for link in collection.many("dataCollectionDatasets")]
        by_number = {d["id"]: d for d in self.datasets}
        self.doi_datasets[doi] = [by_number[self._number(m.id)] for m in members]
        self.collections[doi] = {
            "id": self._number(collection.id), "modTime": MOD_TIME, "doi": doi,
            "dataCollectionDatasets": [{"dataset": {"id": self._number(m.id), "name": m.text("name")}}
                                       for m in members]}
        rights = [p for p in collection.many("parameters")]
        self.datacite[doi] = {
            "doi": doi, "url": f"https://doi.org/{doi}", "publisher": self.facilities[0]["fullName"],
            "titles": [{"title": publication.text("title")}],
            "creators": [self._creator(user) for user in sorted(publication.many("users"),
                                                                key=lambda u: u.text("orderKey") or "")
                         if user.text("contributorType") == "Creator"],
            "dates": [{"date": d.text("date"), "dateType": d.text("dateType")} for d in publication.many("dates")],
            "subjects": [], "types": {"resourceTypeGeneral": "Dataset"},
            "rightsList": [_rights(p.text("stringValue") or "") for p in rights],
        }

    def _creator(self, entry: Entity) -> dict[str, Any]:
        if entry.ref("user") is None:
            return {"name": entry.text("fullName"), "nameType": "Organizational"}
        user = self._resolve(entry, "user")
        identifiers = [{"nameIdentifier": f"https://orcid.org/{user.text('orcidId')}", "nameIdentifierScheme": "ORCID"}]
        return {"name": entry.text("fullName"), "nameType": "Personal", "givenName": entry.text("givenName"),
                "familyName": entry.text("familyName"), "affiliation": [],
                "nameIdentifiers": identifiers if user.text("orcidId") else []}

    # ---- answering

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        for route, answer in self.replaced.items():
            if route in path:
                return 200, answer
        if method == "POST" and path == "/session":
            return self._login(body)
        if method == "GET" and path == "/facilities":
            return 200, self.facilities
        doi_route = re.fullmatch(r"/doi/([^/]+/[^/]+)/(datasets|json-datacite)", path)
        if method == "GET" and doi_route:
            doi, what = unquote(doi_route.group(1)), doi_route.group(2)
            if doi not in self.collections:
                return 400, "DOI not found"
            return 200, _page(self.doi_datasets[doi], query) if what == "datasets" else self.datacite[doi]
        catalogue = re.fullmatch(r"/catalogue/([^/]+)/(\w+)", path)
        if method == "GET" and catalogue:
            session, route = catalogue.groups()
            if session not in self.sessions:
                return 403, "Session not found or expired"
            return self._catalogue(route, query)
        return 404, "Not found"

    def _login(self, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict) or (body.get("username"), body.get("password")) != ("reader", "reader"):
            return 403, "Authentication failed"
        with self._lock:
            self.logins += 1
            session = f"session-{self.logins}"
            self.sessions.add(session)
        return 200, {"sessionId": session, "username": "reader", "name": "reader", "fullName": "Reader",
                     "lifeTimeMinutes": 120, "isAdministrator": False}

    def _catalogue(self, route: str, query: dict[str, str]) -> tuple[int, Any]:
        def ids(name: str) -> set[int]:
            return {int(part) for part in query.get(name, "").split(",") if part}

        if route == "datacollection":
            return 200, _page([self.collections[doi] for doi in sorted(self.collections)], query)
        if route == "investigation":
            found = [i for n, i in sorted(self.investigations.items())
                     if (not ids("ids") or n in ids("ids"))
                     and query.get("investigationName", i["name"]) == i["name"]]
            return 200, _page(found, query)
        if route == "samples":
            return 200, _page([self.samples[n] for n in sorted(ids("sampleIds")) if n in self.samples], query)
        if route == "dataset":
            wanted = ids("investigationIds")
            return 200, _page([d for d in self.datasets if d["investigation"]["id"] in wanted], query)
        if route == "datafile":
            return 200, _page(self.datafiles.get(int(query.get("datasetId", "0")), []), query)
        return 404, "Not found"

    def fault_for(self, path: str) -> str | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.route in path:
                    fault.times -= 1
                    return fault.kind
        return None


def _handler(double: IcatPlusDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # headers and body in one write: no Nagle delay between them

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read double.paths instead
            pass

        def do_GET(self) -> None:
            self._serve("GET", None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            self._serve("POST", json.loads(raw) if raw else None)

        def _serve(self, method: str, body: Any) -> None:
            parts = urlsplit(self.path)
            double.paths.append(self.path)
            fault = double.fault_for(parts.path)
            if fault == "reset":
                return self._reset()
            if fault == "slow":
                time.sleep(double.slow_seconds)
            if fault == "expire":
                double.expire_sessions()
            if fault == "500":
                return self._send(500, b"Internal Server Error", "text/plain")
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            status, answer = double.answer(method, parts.path, query, body)
            if isinstance(answer, str):
                return self._send(status, answer.encode(), "text/plain")
            data = json.dumps(answer).encode()
            self._send(status, data[: len(data) // 2] if fault == "truncated" else data, "application/json")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting: as a real server sees it
                pass

        def _reset(self) -> None:
            """Close with a TCP reset, as a crashing proxy does."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

    return Handler


def _page(items: list[Any], query: dict[str, str]) -> list[Any]:
    skip, limit = int(query.get("skip", "0")), int(query.get("limit", str(len(items) or 1)))
    return items[skip: skip + limit]


def _value(parameter: Entity) -> str:
    """ICAT+ gives every value as text; a one-sided range as '<18.0' or '>18.0'."""
    values = parameter.values
    if "rangeTop" in values and "rangeBottom" not in values:
        return f"<{values['rangeTop']}"
    if "rangeBottom" in values and "rangeTop" not in values:
        return f">{values['rangeBottom']}"
    for name in ("numericValue", "stringValue", "dateTimeValue"):
        if name in values:
            return str(values[name])
    raise ValueError(f"the double serves no value of the form {sorted(values)}")


def _login(user: Entity) -> dict[str, Any]:
    return {"name": user.text("name"), "fullName": user.text("fullName"), "givenName": user.text("givenName"),
            "familyName": user.text("familyName")}


def _rights(text: str) -> dict[str, str]:
    name, identifier, uri = (text.rsplit(",", 2) + ["", ""])[:3]
    return {"rights": name, "rightsIdentifier": identifier, "rightsUri": uri}
