"""Live preview: serve a site, rebuild it whenever the project changes, reload the open pages.

`atlasgen serve SITE` builds the site, serves it, and watches the project (collections, site configs and help
pages, themes, the snapshot) with watchfiles. Each change starts an incremental build; every open page listens
on `/_atlasgen/events` (server-sent events) and reloads when a build succeeds. A failed build leaves the last good
site served and shows its problems, with file, line and column, in the terminal and as an overlay in the page.

The reload script is injected into pages as they are sent, never written into the site: built sites stay the same
bytes with or without a preview. It is a served file, not inline code, so a strict Content-Security-Policy holds.
"""

from __future__ import annotations

import functools
import io
import json
import threading
import time
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import watchfiles

from builder.commands.build import BuildOptions, build
from builder.commands.serve import SiteHandler, listen, read_site_headers
from builder.errors import AtlasError, Location, Problem
from builder.project import DEFAULT_SNAPSHOT, Project

PREFIX = "/_atlasgen/"
EVENTS = PREFIX + "events"
ASSETS = Path(__file__).resolve().parent / "assets"
ASSET_TYPES = {"reload.js": "text/javascript; charset=utf-8", "preview.css": "text/css; charset=utf-8"}
KEEPALIVE_SECONDS = 15.0
NOT_BUILT = (b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not built yet</title></head>'
             b"<body><h1>The site has not been built yet</h1><p>The page loads as soon as a build succeeds.</p>"
             b"</body></html>")


@dataclass(frozen=True)
class PreviewOptions:
    site: str
    project: Path = Path(".")
    snapshot: Path | None = None
    out: Path | None = None  # folder holding one folder per site (default: site/)
    host: str = "127.0.0.1"
    port: int = 8000


@dataclass(frozen=True)
class Status:
    """What open pages are told: the number of the last good build, and the problems of the latest attempt."""

    build: int = 0
    problems: tuple[Problem, ...] = ()

    def as_json(self) -> str:
        problems = [{**problem.as_json(), "where": str(problem.location)} for problem in self.problems]
        return json.dumps({"build": self.build, "problems": problems}, sort_keys=True)


class BuildState:
    """The latest build's outcome, which every open page waits on."""

    def __init__(self) -> None:
        self.status = Status()
        self.closed = False
        self._changed = threading.Condition()

    def succeeded(self) -> None:
        self._set(Status(self.status.build + 1))

    def failed(self, problems: list[Problem]) -> None:
        self._set(Status(self.status.build, tuple(problems)))

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, seen: Status | None, timeout: float) -> Status:
        """The status once it differs from `seen`, or `seen` again after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.status is not seen or self.closed, timeout)
            return self.status

    def _set(self, status: Status) -> None:
        with self._changed:
            self.status = status
            self._changed.notify_all()


@dataclass
class Preview:
    """One site being previewed: its build state, the headers of its `_headers` file, the paths to watch."""

    options: PreviewOptions
    log: Callable[[str], None]
    state: BuildState = field(default_factory=BuildState)
    headers: dict = field(default_factory=dict)

    @property
    def project(self) -> Project:
        return Project(self.options.project)

    @property
    def folder(self) -> Path:
        return (self.options.out or self.project.root / "site") / self.options.site

    @property
    def snapshot(self) -> Path:
        return self.options.snapshot or self.project.root / DEFAULT_SNAPSHOT

    def rebuild(self) -> Status:
        """Build the site; whatever goes wrong is reported and the last good site stays served."""
        started = time.perf_counter()
        try:
            report = build(BuildOptions(project=self.options.project, sites=(self.options.site,),
                                        snapshot=self.options.snapshot, out=self.options.out, quiet=True))
        except AtlasError as error:
            self._failed(error.problems)
        except Exception as error:  # a bug must not stop the preview: show it like bad input
            self.log(traceback.format_exc().rstrip())
            self._failed([Problem(Location("atlasgen"), f"internal error: {type(error).__name__}: {error}")])
        else:
            self.headers.clear()
            self.headers.update(read_site_headers(self.folder))
            self.state.succeeded()
            site = report.sites[0]
            self.log(f"built {site.name} in {time.perf_counter() - started:.1f} s: {site.rendered} files made, "
                     f"{site.carried} kept" + "".join(f"\nwarning: {w}" for w in report.all_warnings))
        return self.state.status

    def _failed(self, problems: list[Problem]) -> None:
        self.state.failed(problems)
        self.log("\n".join(f"error: {problem}" for problem in problems)
                 + "\nThe last good build is still served; fix the file and save it.")

    def watched(self) -> list[Path]:
        """The folders a build reads from, and the snapshot's folder (only the snapshot counts there)."""
        project = self.project
        folders = [project.collections, project.site_config, project.themes, self.snapshot.parent]
        return list(dict.fromkeys(folder.resolve() for folder in folders if folder.is_dir()))

    def counts(self, path: Path) -> bool:
        """Whether a change of `path` can change the site."""
        project = self.project
        inputs = [project.collections, project.site_config, project.themes]
        snapshot = self.snapshot.parent.resolve() / self.snapshot.name  # a link to a snapshot elsewhere counts
        return path == snapshot or any(path.is_relative_to(f.resolve()) for f in inputs)

    def watch(self, stop: threading.Event) -> None:
        """Rebuild after every batch of changes until `stop` is set."""
        accepted = watchfiles.DefaultFilter()

        def wanted(change: watchfiles.Change, path: str) -> bool:
            return accepted(change, path) and self.counts(Path(path))

        for changes in watchfiles.watch(*self.watched(), watch_filter=wanted, stop_event=stop, yield_on_timeout=False,
                                        raise_interrupt=False):
            names = sorted({self.project.shown(Path(path)) for _, path in changes})
            self.log(f"changed: {', '.join(names)}")
            self.rebuild()


class PreviewHandler(SiteHandler):
    """The site's files as SiteHandler serves them, each page with the reload script, and the reload events."""

    def __init__(self, *args, preview: Preview, **kwargs):
        self.preview = preview
        super().__init__(*args, extra_headers=preview.headers, **kwargs)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == EVENTS:
            self._send_events()
        elif path.startswith(PREFIX):
            self._send_asset(path.removeprefix(PREFIX))
        else:
            super().do_GET()

    def send_head(self):
        page = self._page()
        if page is None:
            return super().send_head()
        body = self.html_body(page.read_bytes())
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        return io.BytesIO(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == HTTPStatus.NOT_FOUND and not (Path(self.directory) / "404.html").is_file():
            body = self.html_body(NOT_BUILT)  # so that the first successful build loads the page
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def html_body(self, body: bytes) -> bytes:
        return inject_reload(body, self.preview.state.status.build)

    def _page(self) -> Path | None:
        """The HTML file a request is for, if it is one."""
        path = urlsplit(self.path).path
        local = Path(self.translate_path(path))
        if local.is_dir() and path.endswith("/"):
            local = local / "index.html"
        return local if local.suffix == ".html" and local.is_file() else None

    def _send_asset(self, name: str) -> None:
        if name not in ASSET_TYPES:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = (ASSETS / name).read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ASSET_TYPES[name])
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _send_events(self) -> None:
        """One event now and one after each build, until the page goes away or the server stops."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        state, seen = self.preview.state, None
        try:
            while not state.closed:
                status = state.wait(seen, KEEPALIVE_SECONDS)
                self.wfile.write(b": waiting\n\n" if status is seen else f"data: {status.as_json()}\n\n".encode())
                self.wfile.flush()
                seen = status
        except (BrokenPipeError, ConnectionResetError):
            pass


def inject_reload(page: bytes, build_number: int) -> bytes:
    """The page with the reload script, which knows the build the page comes from."""
    tag = f'<script src="{PREFIX}reload.js" data-build="{build_number}" defer></script>'.encode()
    head = page.lower().find(b"</head>")
    return page[:head] + tag + page[head:] if head >= 0 else page + tag


def start_preview(options: PreviewOptions, log: Callable[[str], None]):
    """Build once, then serve and watch in the background; returns (server, stop) to run and to end it."""
    preview = Preview(options, log)
    preview.rebuild()
    handler = functools.partial(PreviewHandler, directory=str(preview.folder), preview=preview)
    server = listen(options.host, options.port, handler)
    stop = threading.Event()
    watcher = threading.Thread(target=preview.watch, args=(stop,), name="atlasgen-watch", daemon=True)
    watcher.start()

    def close() -> None:
        stop.set()
        preview.state.close()
        watcher.join(timeout=5)

    return server, close
