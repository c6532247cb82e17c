"""Serve a built site over HTTP for previewing, as a static host would."""

from __future__ import annotations

import functools
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import AtlasError, Location, Problem


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files, with the site's own 404 page and quiet logs."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".json": "application/json",
                      ".mjs": "text/javascript", ".svg": "image/svg+xml", ".webp": "image/webp"}

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == HTTPStatus.NOT_FOUND and page.is_file():
            body = page.read_bytes()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def make_server(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    if not (folder / "index.html").is_file():
        raise AtlasError(Problem(Location(str(folder)), "no built site here; run 'atlasgen build' first"))
    handler = functools.partial(SiteHandler, directory=str(folder))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        raise AtlasError(Problem(Location(f"{host}:{port}"), f"cannot listen: {error.strerror}; try --port")) from None
