"""Static HTTP servers that compress text responses, as a CDN would, for measuring bytes on the wire."""

from __future__ import annotations

import functools
import gzip
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

COMPRESSED_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/wasm")


class GzipHandler(SimpleHTTPRequestHandler):
    """Keeps connections open and serves files gzipped in advance, as a CDN's edge does."""

    protocol_version = "HTTP/1.1"
    compressed: dict[Path, bytes] = {}
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "application/javascript",
                      ".mjs": "application/javascript", ".json": "application/json", ".wasm": "application/wasm"}

    def send_head(self):  # noqa: D102 - same contract as the base class
        path = Path(self.translate_path(self.path)).resolve()
        if path.is_dir():
            path = path / "index.html"
        content_type = self.guess_type(str(path))
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not path.is_file() or not wants_gzip or not content_type.startswith(COMPRESSED_TYPES):
            return super().send_head()
        body = self.compressed.get(path)
        if body is None:
            body = self.compressed[path] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return _Body(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = self.data, b""
        return data

    def close(self) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A browser closing a page mid-download is normal here, not an error worth a traceback."""


def _precompressed(folder: Path) -> dict[Path, bytes]:
    """Every compressible file, gzipped before the first request, as a CDN serves it."""
    types = GzipHandler.extensions_map
    found = {}
    for path in folder.rglob("*"):
        kind = types.get(path.suffix, "text/html" if path.suffix == ".html" else "")
        if path.is_file() and kind.startswith(COMPRESSED_TYPES):
            found[path.resolve()] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
    return found


class Server:
    """Serves `folder` on 127.0.0.1 at a free port, in a thread."""

    def __init__(self, folder: Path):
        handler = type("Handler", (GzipHandler,), {"compressed": _precompressed(folder)})
        self.httpd = _QuietServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


NGINX_CONFIG = """
daemon off;
worker_processes 1;
{user}
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    keepalive_timeout 30;
    gzip on;
    gzip_comp_level 6;
    gzip_min_length 0;
    gzip_types application/json application/javascript text/javascript text/css image/svg+xml application/wasm;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        add_header Cache-Control no-store;
    }}
}}
"""


class NginxServer:
    """Debian's nginx serving `folder` with gzip, as a production host would."""

    def __init__(self, folder: Path):
        import os
        import socket
        import subprocess
        import tempfile
        import time

        self.work = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        user = "user root;" if os.geteuid() == 0 else ""
        (self.work / "nginx.conf").write_text(NGINX_CONFIG.format(user=user, work=self.work, port=port,
                                                                  root=folder.resolve()))
        self.process = subprocess.Popen(["nginx", "-c", str(self.work / "nginx.conf")], stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)

    def close(self) -> None:
        import shutil

        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def serve(folder: Path):
    """nginx where the machine has it (the fairer, faster host), else the Python server."""
    import shutil

    return NginxServer(folder) if shutil.which("nginx") else Server(folder)
