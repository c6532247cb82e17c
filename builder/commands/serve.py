"""Serve a built site over HTTP for previewing, as a static host would."""

from __future__ import annotations

import functools
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote_to_bytes

from builder.errors import AtlasError, Location, Problem
from builder.render.headers import HEADERS_FILE, headers_for, read_headers_file

# Files whose type their name says better than their extension: the metadata beside landing pages.
TYPES_BY_NAME = {"linkset.json": "application/linkset+json", "datacite.xml": "application/vnd.datacite.datacite+xml",
                 "datacite.json": "application/vnd.datacite.datacite+json",
                 "citation.json": "application/vnd.citationstyles.csl+json"}


def refused(target: str) -> HTTPStatus | None:
    """Why a request's path is not served, if it is not: not UTF-8, a NUL or a '..' segment (400); a segment
    starting with '.' (the manifest, a build's folders) or `_headers` (404). Any other character may be in the
    name of a page the build wrote (a dataset's name is anyone's), and is looked up as it is."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    try:
        segments = unquote_to_bytes(path).decode("utf-8").split("/")
    except UnicodeDecodeError:
        return HTTPStatus.BAD_REQUEST
    if any("\x00" in part or part == ".." for part in segments):
        return HTTPStatus.BAD_REQUEST
    if any(part.startswith(".") for part in segments) or segments[-1] == HEADERS_FILE:
        return HTTPStatus.NOT_FOUND
    return None


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files, with the site's own 404 page, the headers of its `_headers` file, and quiet logs."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".json": "application/json",
                      ".mjs": "text/javascript", ".svg": "image/svg+xml", ".webp": "image/webp",
                      ".jsonld": "application/ld+json", ".bib": "application/x-bibtex",
                      ".ris": "application/x-research-info-systems"}

    default_request_version = "HTTP/1.0"  # not 0.9: every answer, an error too, starts with its status line

    def __init__(self, *args, extra_headers: dict[str, list[tuple[str, str]]], **kwargs):
        self.extra_headers = extra_headers
        super().__init__(*args, **kwargs)

    def send_head(self):
        """The file a GET or HEAD asks for; a malformed path gets 400, a dot-file or `_headers` 404, as if absent."""
        refusal = refused(self.path)
        if refusal is not None:
            self.send_error(refusal)
            return None
        try:
            return super().send_head()
        except (OSError, ValueError):  # a name the file system cannot take
            self.send_error(HTTPStatus.BAD_REQUEST)
            return None

    def guess_type(self, path) -> str:
        return TYPES_BY_NAME.get(Path(str(path)).name) or super().guess_type(path)

    def end_headers(self) -> None:
        path = getattr(self, "path", "")  # none yet when the request line itself is refused
        for name, value in headers_for(self.extra_headers, path.split("?", 1)[0].split("#", 1)[0]):
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
