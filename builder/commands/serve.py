"""Serve a built site over HTTP for previewing, as a static host would."""

from __future__ import annotations

import functools
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from builder.errors import AtlasError, Location, Problem

HEADERS_FILE = "_headers"
# Files whose type their name says better than their extension: the metadata beside landing pages.
TYPES_BY_NAME = {"linkset.json": "application/linkset+json", "datacite.xml": "application/vnd.datacite.datacite+xml",
                 "datacite.json": "application/vnd.datacite.datacite+json",
                 "citation.json": "application/vnd.citationstyles.csl+json"}


def read_headers_file(text: str) -> dict[str, list[tuple[str, str]]]:
    """`_headers` as static hosts read it: a path line, then indented `Name: value` lines."""
    headers: dict[str, list[tuple[str, str]]] = {}
    path = None
    for line in text.splitlines():
        if line and not line[0].isspace():
            path = line.strip()
            headers.setdefault(path, [])
        elif line.strip() and path is not None and ":" in line:
            name, _, value = line.strip().partition(":")
            headers[path].append((name.strip(), value.strip()))
    return headers


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files, with the site's own 404 page, the headers of its `_headers` file, and quiet logs."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".json": "application/json",
                      ".mjs": "text/javascript", ".svg": "image/svg+xml", ".webp": "image/webp",
                      ".jsonld": "application/ld+json", ".bib": "application/x-bibtex",
                      ".ris": "application/x-research-info-systems"}

    def __init__(self, *args, extra_headers: dict[str, list[tuple[str, str]]], **kwargs):
        self.extra_headers = extra_headers
        super().__init__(*args, **kwargs)

    def guess_type(self, path) -> str:
        return TYPES_BY_NAME.get(Path(str(path)).name) or super().guess_type(path)

    def end_headers(self) -> None:
        for name, value in self.extra_headers.get(self.path.split("?", 1)[0].split("#", 1)[0], ()):
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body = self.html_body(page.read_bytes())
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def html_body(self, body: bytes) -> bytes:
        """A page as sent: as built here; the live preview adds its reload script."""
        return body

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    if not (folder / "index.html").is_file():
        raise AtlasError(Problem(Location(str(folder)), "no built site here; run 'atlasgen build' first"))
    extra = read_site_headers(folder)
    return listen(host, port, functools.partial(SiteHandler, directory=str(folder), extra_headers=extra))


def read_site_headers(folder: Path) -> dict[str, list[tuple[str, str]]]:
    headers_file = folder / HEADERS_FILE
    return read_headers_file(headers_file.read_text(encoding="utf-8")) if headers_file.is_file() else {}


def listen(host: str, port: int, handler) -> ThreadingHTTPServer:
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        raise AtlasError(Problem(Location(f"{host}:{port}"), f"cannot listen: {error.strerror}; try --port")) from None
