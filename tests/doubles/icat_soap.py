"""An ICAT SOAP service on loopback: the double python-icat's real Client talks to in tests.

It serves the WSDL and XSD at /ICATService/ICAT?wsdl and ?xsd=1, answers the
operations a Client calls (getApiVersion, getEntityNames, getEntityInfo,
login, logout, refresh, getRemainingMinutes, getUserName, search) with the
envelopes ICAT sends, and answers a search from the objects of a snapshot.
Faults can be switched on for the next requests: an HTTP 500 page, a 403
page, ICAT's INTERNAL fault, a connection reset, an answer slower than the
client's timeout, a truncated XML answer, and an expired session (ICAT's
SESSION fault).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping

from lxml import etree

from builder.catalogue.snapshot import Snapshot
from builder.harvest.sources.entities import number_text
from tests.doubles.icat_query import IcatFault, parse_query, run_query
from tests.doubles.icat_store import CREATED, IcatObject, IcatStore
from tests.doubles.icat_wsdl import NS, EntityType, entity_types, schema_document, wsdl_document

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
API_VERSION = "5.0.1"
FAULTS = ("http500", "internal", "forbidden", "reset", "slow", "truncated", "session")
ERROR_PAGE = ("<html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1>"
              "<p>The proxy in front of ICAT could not serve the request.</p></body></html>")


@dataclass
class _Fault:
    kind: str
    operation: str | None  # None: any request
    times: int


class IcatDouble:
    """An ICAT server on 127.0.0.1 and a free port; use as a context manager."""

    def __init__(self, snapshot: Snapshot, accounts: Mapping[tuple[str, str], str] | None = None,
                 slow_seconds: float = 2.0):
        self.store = IcatStore(snapshot)
        self.accounts = dict(accounts or {})  # (authenticator, username) -> password; 'anon' needs none
        self.slow_seconds = slow_seconds
        self.sessions: dict[str, str] = {}  # session id -> user name
        self.calls: Counter[str] = Counter()  # operation -> times it was asked, faults included
        self.queries: list[str] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> IcatDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- what a test changes

    def inject(self, kind: str, times: int = 1, operation: str | None = None) -> None:
        """Fail the next `times` requests (of one operation, or 'wsdl' for the WSDL fetch) with a fault."""
        assert kind in FAULTS, kind
        with self._lock:
            self._faults.append(_Fault(kind, operation, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def touch(self, bean: str, when: datetime, **attributes: Any) -> int:
        """Set the modTime of the objects with these attribute values, as an update in ICAT would."""
        found = self.store.matching(bean, **attributes)
        for obj in found:
            obj.mod_time = when
        return len(found)

    def delete(self, bean: str, **attributes: Any) -> int:
        found = self.store.matching(bean, **attributes)
        for obj in found:
            self.store.remove(obj)
        return len(found)

    # ---- answering

    def take_fault(self, operation: str) -> str | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.operation in (None, operation):
                    fault.times -= 1
                    return fault.kind
        return None

    def answer(self, operation: str, arguments: dict[str, Any]) -> etree._Element:
        """The body of the response to one SOAP call, or raise IcatFault."""
        if operation == "getApiVersion":
            return _returning(operation, [API_VERSION])
        if operation == "getEntityNames":
            return _returning(operation, sorted(entity_types()))
        if operation == "getEntityInfo":
            return _entity_info(arguments.get("beanName") or "")
        if operation == "login":
            return _returning(operation, [self._login(arguments.get("plugin") or "", arguments.get("credentials", {}))])
        user = self._user(arguments.get("sessionId"))
        if operation == "logout":
            self.sessions.pop(arguments["sessionId"], None)
            return _returning(operation, [])
        if operation == "refresh":
            return _returning(operation, [])
        if operation == "getRemainingMinutes":
            return _returning(operation, ["119.5"])
        if operation == "getUserName":
            return _returning(operation, [user])
        if operation == "search":
            return self._search(arguments.get("query") or "")
        raise IcatFault("NOT_IMPLEMENTED", f"This ICAT does not offer the operation {operation}")

    def _login(self, plugin: str, credentials: dict[str, str]) -> str:
        if plugin == "anon":
            user = "anon/anon"
        elif not any(authenticator == plugin for authenticator, _ in self.accounts):
            raise IcatFault("SESSION", f"Authenticator mnemonic {plugin} not recognised")
        elif self.accounts.get((plugin, credentials.get("username", ""))) != credentials.get("password"):
            raise IcatFault("SESSION", "The username and password do not match")
        else:
            user = f"{plugin}/{credentials['username']}"
        session = str(uuid.uuid4())
        self.sessions[session] = user
        return session

    def _user(self, session: str | None) -> str:
        if session not in self.sessions:
            raise IcatFault("SESSION", f"Unable to find user by sessionid: {session}")
        return self.sessions[session]

    def _search(self, text: str) -> etree._Element:
        self.queries.append(text)
        query = parse_query(text)
        response = _response("search")
        for obj in run_query(self.store, query):
            element = etree.SubElement(response, "return")
            element.set(f"{{{XSI}}}type", f"ns2:{obj.type.kind}")
            _fill(element, obj, query.includes, "")
        return response

    def expire_sessions(self) -> None:
        self.sessions.clear()


# ---------------------------------------------------------------- envelopes


def _response(operation: str) -> etree._Element:
    return etree.Element(f"{{{NS}}}{operation}Response", nsmap={"ns2": NS, "xsi": XSI})


def _returning(operation: str, values: list[str]) -> etree._Element:
    response = _response(operation)
    for value in values:
        etree.SubElement(response, "return").text = value
    return response


def _entity_info(bean: str) -> etree._Element:
    if bean == "Parameter":  # the abstract type all parameters extend; python-icat asks for it first
        entity = EntityType("Parameter", tuple(f for f in entity_types()["DatasetParameter"].fields
                                              if f.name != "dataset"), ())
    elif bean in entity_types():
        entity = entity_types()[bean]
    else:
        raise IcatFault("BAD_PARAMETER", f"{bean} is not an ICAT entity")
    response = _response("getEntityInfo")
    info = etree.SubElement(response, "return")
    etree.SubElement(info, "classComment").text = f"{bean} of the ICAT 5 schema"
    if entity.constraint:
        constraint = etree.SubElement(info, "constraints")
        for name in entity.constraint:
            etree.SubElement(constraint, "fieldNames").text = name
    meta = [("createId", "String"), ("createTime", "Date"), ("id", "Long"), ("modId", "String"), ("modTime", "Date")]
    rows = [(name, "ATTRIBUTE", java, name == "id") for name, java in meta]
    rows += [(f.name, f.rel_type, f.type, f.not_nullable) for f in entity.fields]
    for name, rel_type, java, not_nullable in rows:
        field = etree.SubElement(info, "fields")
        etree.SubElement(field, "name").text = name
        etree.SubElement(field, "notNullable").text = "true" if not_nullable else "false"
        etree.SubElement(field, "relType").text = rel_type
        etree.SubElement(field, "type").text = java
    return response


def _fill(element: etree._Element, obj: IcatObject, includes: frozenset[str], path: str) -> None:
    """An entity as ICAT writes it: stamps, attributes, and the relations the INCLUDE names."""
    stamps = {"createId": "db/root", "createTime": CREATED, "id": obj.id, "modId": "db/root", "modTime": obj.mod_time}
    for name, value in stamps.items():
        etree.SubElement(element, name).text = _text(value)
    for spec in obj.type.fields:
        full = f"{path}.{spec.name}".lstrip(".")
        if spec.rel_type == "ATTRIBUTE":
            value = obj.attributes.get(spec.name)
            if value is not None:
                etree.SubElement(element, spec.name).text = _text(value)
        elif full in includes:
            related = [obj.one[spec.name]] if spec.rel_type == "ONE" and spec.name in obj.one else (
                obj.many.get(spec.name, []) if spec.rel_type == "MANY" else [])
            for target in related:
                _fill(etree.SubElement(element, spec.name), target, includes, full)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return number_text(value)
    return str(value)


def _envelope(body: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"S": SOAP})
    etree.SubElement(envelope, f"{{{SOAP}}}Body").append(body)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _fault_envelope(fault: IcatFault) -> bytes:
    element = etree.Element(f"{{{SOAP}}}Fault", nsmap={"S": SOAP})
    etree.SubElement(element, "faultcode").text = "S:Server"
    etree.SubElement(element, "faultstring").text = fault.message
    detail = etree.SubElement(etree.SubElement(element, "detail"), f"{{{NS}}}IcatException", nsmap={"ns2": NS})
    etree.SubElement(detail, "message").text = fault.message
    etree.SubElement(detail, "offset").text = "-1"
    etree.SubElement(detail, "type").text = fault.kind
    return _envelope(element)


def _call(body: bytes) -> tuple[str, dict[str, Any]]:
    """The operation and arguments of a SOAP request (document/literal, wrapped)."""
    try:
        root = etree.fromstring(body)
        wrapper = root.find(f"{{{SOAP}}}Body")[0]
    except (etree.XMLSyntaxError, TypeError, IndexError):
        raise IcatFault("BAD_PARAMETER", "The request is not a SOAP envelope") from None
    arguments: dict[str, Any] = {}
    for child in wrapper:
        name = etree.QName(child).localname
        if name == "credentials":
            arguments[name] = {entry.findtext("key"): entry.findtext("value") for entry in child.iter("entry")}
        else:
            arguments[name] = child.text
    return etree.QName(wrapper).localname, arguments


# ---------------------------------------------------------------- HTTP


def _cut(reply: bytes, fault: bool | str | None) -> bytes:
    """A truncated answer: complete as HTTP, but its XML stops halfway."""
    return reply[: len(reply) // 2] if fault == "truncated" else reply


def _handler(double: IcatDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet in tests
            pass

        def do_GET(self) -> None:
            double.calls["wsdl"] += 1
            fault = self._faulted("wsdl")
            if fault is True:
                return
            if self.path.endswith("?wsdl"):
                self._send(200, _cut(wsdl_document(double.url), fault))
            elif self.path.endswith("?xsd=1"):
                self._send(200, _cut(schema_document(), fault))
            else:
                self._send(404, ERROR_PAGE.format(code=404, reason="Not Found").encode(), "text/html")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                operation, arguments = _call(body)
            except IcatFault as fault:
                self._send(500, _fault_envelope(fault))
                return
            double.calls[operation] += 1
            fault = self._faulted(operation)
            if fault is True:
                return
            if fault == "session":
                double.expire_sessions()
            try:
                if fault == "internal":  # what ICAT answers when its database fails
                    raise IcatFault("INTERNAL", "Connection to the database was lost")
                reply = _envelope(double.answer(operation, arguments))
            except IcatFault as error:
                self._send(500, _fault_envelope(error))
                return
            self._send(200, _cut(reply, fault))

        def _faulted(self, operation: str) -> bool | str | None:
            """Play a fault that ends the request (True), or name one that changes the answer."""
            kind = double.take_fault(operation)
            if kind == "http500":
                self._send(500, ERROR_PAGE.format(code=500, reason="Internal Server Error").encode(), "text/html")
            elif kind == "forbidden":
                self._send(403, ERROR_PAGE.format(code=403, reason="Forbidden").encode(), "text/html")
            elif kind == "reset":  # RST instead of an answer
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
            else:
                if kind == "slow":  # the answer comes, but after the client gave up
                    time.sleep(double.slow_seconds)
                return kind
            return True

        def _send(self, status: int, body: bytes, content_type: str = "text/xml;charset=utf-8") -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
