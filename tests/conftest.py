"""Shared fixtures: the real HOA site built once, a real HTTP server, a real Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
import time
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from builder.commands.build import BuildOptions, build
from builder.commands.serve import make_server

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT = REPO / "catalogue" / "esrf-public.xml"
HOA_JSON = REPO / "catalogue" / "sources" / "hoa-metadata-2.0.0"
FIXTURES = REPO / "tests" / "fixtures"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def built_sites(tmp_path_factory) -> Path:
    """Every site of the repository, built once from the embedded snapshot."""
    out = tmp_path_factory.mktemp("sites")
    build(BuildOptions(project=REPO, out=out, quiet=True))
    return out


@pytest.fixture(scope="session")
def hoa_site(built_sites) -> Path:
    return built_sites / "hoa"


@pytest.fixture
def project(tmp_path) -> Path:
    """A writable copy of the project's configs, for tests that break them."""
    for name in ("collections", "site_config"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "catalogue").mkdir()
    (tmp_path / "catalogue" / "esrf-public.xml").symlink_to(SNAPSHOT)
    return tmp_path


class Served:
    def __init__(self, folder: Path):
        self.server = make_server(folder, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """A plain static host: files as they are, and the site's 404.html for any missing path."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class StaticServed(Served):
    def __init__(self, folder: Path):
        handler = functools.partial(StaticHandler, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


SITES = ("hoa", "paleo", "cultural-heritage", "structural-biology", "doi")


def serve_every_site(built_sites: Path, server: type[Served]):
    servers = {name: server(built_sites / name) for name in SITES}
    yield servers
    for served in servers.values():
        served.close()


@pytest.fixture(scope="session")
def site_servers(built_sites):
    """Every built site under a plain static server, by name."""
    yield from serve_every_site(built_sites, StaticServed)


@pytest.fixture(scope="session")
def preview_servers(built_sites):
    """Every built site under the project's own preview server, by name."""
    yield from serve_every_site(built_sites, Served)


@pytest.fixture(scope="session")
def hoa_server(hoa_site):
    served = Served(hoa_site)
    yield served
    served.close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        options = {"args": CHROMIUM_ARGS}
        if CHROMIUM.exists():
            options["executable_path"] = str(CHROMIUM)
        instance = playwright.chromium.launch(**options)
        yield instance
        instance.close()


class PageErrors(list):
    """Console errors and uncaught exceptions of a page: a test asserts there are none."""


def watched_page(context):
    """A new tab of the context whose console errors and uncaught exceptions are kept in `tab.errors`."""
    tab = context.new_page()
    errors = PageErrors()
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors
    tab.wait_for_function = partial(wait_until, tab)
    return tab


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield watched_page(context)
    context.close()


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):
    """A tab in a phone's viewport that may use the clipboard."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  permissions=["clipboard-read", "clipboard-write"])
    yield watched_page(context)
    context.close()


def wait_until(page, expression: str, arg=None, *, timeout: float = 30_000, polling=None):
    """`page.wait_for_function` for pages served with their strict CSP: Playwright's own compiles the
    expression in the page (`new Function`), which the CSP refuses; `evaluate` is not the page's script."""
    deadline = time.monotonic() + timeout / 1000
    while not (value := page.evaluate(expression, arg)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expression} still false after {timeout} ms")
        page.wait_for_timeout(50)
    return value


def screenshot(page, name: str) -> None:
    """Keep what a visitor saw, for reviewers."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
