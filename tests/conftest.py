"""Shared fixtures: the real HOA site built once, a real HTTP server, a real Chromium."""

from __future__ import annotations

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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors = PageErrors()
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.errors = errors
    tab.wait_for_function = partial(wait_until, tab)
    yield tab
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
