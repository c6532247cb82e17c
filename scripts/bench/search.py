#!/usr/bin/env python3
"""Search benchmark: atlasgen's sharded index against a prebuilt lunr index and Pagefind.

    python scripts/bench/search.py [--sizes 1000 10000 100000]

For each size, a synthetic snapshot of HOA-shaped datasets is built into the
HOA site by `atlasgen build` (ours: its explore page, assets and sharded index,
as a visitor gets them); the same documents, from the same pipeline
(records, the HOA collection schema, views), are indexed by each other engine. Headless Chromium (Playwright)
runs the same 10 queries on each, every query in a fresh browser context
over a gzip-compressing HTTP server (Debian's nginx where installed), and the script prints per engine and
size: index build time, index size on disk, bytes transferred from page load
until the first results are shown (gzip, from the browser's network events),
and the time from the query to results painted (median of the 10). Bytes
count every request of the page and its workers (Playwright network
events, encoded sizes with headers) that had finished when the results were
painted.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from builder.catalogue.from_snapshot import catalogue_from_snapshot  # noqa: E402
from builder.catalogue.snapshot import read_snapshot  # noqa: E402
from builder.commands.build import BuildOptions, build  # noqa: E402
from builder.config.sites import load_site  # noqa: E402
from builder.render.plan import plan_site  # noqa: E402
from builder.render.urls import url_path  # noqa: E402
from builder.views.collections import load_collection  # noqa: E402
from scripts.bench import search_engines as engines  # noqa: E402
from scripts.bench.gzip_server import serve  # noqa: E402
from scripts.bench.synthetic import write_synthetic_snapshot  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# text only, facet only, text + facets, ranges; "lung" and "zoom" each match about a third of the records or more
QUERIES = [
    {"q": "lung"},
    {"q": "kidney"},
    {"q": "zoom"},
    {"q": "bm18 overview"},
    {"organ": ["brain"]},
    {"sex": ["female"], "beamline": ["BM05"]},
    {"q": "zoom", "organ": ["heart"]},
    {"q": "covid", "sex": ["male"]},
    {"age": [50, 70]},
    {"q": "brain", "voxel_size": [1, 3]},
]


def plan_for(snapshot: Path):
    """The HOA site's plan of a snapshot: the views every engine indexes."""
    catalogue = catalogue_from_snapshot(read_snapshot(snapshot))
    site = load_site(ROOT / "site_config" / "hoa.yml")
    collection = load_collection(ROOT / "collections" / "hoa.yml", catalogue)
    return plan_site(site, [collection], catalogue)


def build_ours(snapshot: Path, folder: Path, work: Path) -> tuple[Path, float]:
    """The HOA site as `atlasgen build` makes it, in a project of its own (its caches start empty)."""
    project = work / "project"
    for name in ("collections", "site_config", "themes"):
        shutil.copytree(ROOT / name, project / name, dirs_exist_ok=True)
    report = build(BuildOptions(project=project, sites=("hoa",), snapshot=snapshot, out=folder, quiet=True))
    shutil.rmtree(project / ".cache", ignore_errors=True)
    return report.sites[0].output, report.seconds


def as_url(state: dict) -> str:
    params = []
    for name, value in state.items():
        if name == "q":  # quoted: our search reads a word naming a facet value as that filter, the others as text
            params.append(("q", " ".join(f'"{word}"' for word in value.split())))
        elif isinstance(value[0], (int, float)):
            params.append((name, f"{value[0]}..{value[1]}"))
        else:
            params += [(name, v) for v in value]
    return "?" + urlencode(params)


def measure(browser, url: str, engine: str) -> list[dict]:
    """Each query in a fresh context: bytes from page load to first results, and time to results."""
    figures = []
    for state in QUERIES:
        if engine == "pagefind" and any(isinstance(v[0], (int, float)) for k, v in state.items() if k != "q"):
            figures.append(None)  # Pagefind has no numeric range filters
            continue
        context = browser.new_context()
        finished = []  # every request of the page and its workers, as the browser's network events report them
        context.on("requestfinished", lambda request: finished.append(request))
        page = context.new_page()
        page.goto(url)
        if engine == "ours":
            page.wait_for_selector(".explore[data-ready=true]")
            page.add_script_tag(content=engines.OURS_HARNESS)
            result = page.evaluate("query => window.benchRun(query)", as_url(state))
        else:
            page.wait_for_function("window.benchReady !== undefined && window.benchRun !== undefined")
            page.evaluate("() => window.benchReady")
            result = page.evaluate("state => window.benchRun(state)", state)
        page.wait_for_timeout(300)  # let the events of requests that finished before the paint arrive
        result["bytes"] = sum(sizes["responseBodySize"] + sizes["responseHeadersSize"]
                              for request, sizes in ((r, r.sizes()) for r in finished)
                              if request.timing["startTime"] + request.timing["responseEnd"] <= result["paintedAt"])
        figures.append(result)
        context.close()
    return figures


def report(size: int, engine: str, build_seconds: float, index_bytes: int, figures: list[dict | None]) -> dict:
    done = [f for f in figures if f is not None]
    row = {"size": size, "engine": engine, "build": build_seconds, "disk": index_bytes,
           "bytes_median": statistics.median(f["bytes"] for f in done),
           "bytes_max": max(f["bytes"] for f in done),
           "ms_median": statistics.median(f["ms"] for f in done),
           "ms_max": max(f["ms"] for f in done),
           "counts": [f["count"] if f else None for f in figures]}
    skipped = len(figures) - len(done)
    print(f"  {engine:<9} build {build_seconds:7.2f} s   index {index_bytes / 1e6:8.2f} MB   "
          f"to first results {row['bytes_median'] / 1e3:8.1f} kB median, {row['bytes_max'] / 1e3:8.1f} kB max   "
          f"query to painted {row['ms_median']:7.1f} ms median, {row['ms_max']:7.1f} ms max"
          + (f"   ({skipped} range queries not supported)" if skipped else ""), flush=True)
    return row


def run_size(size: int, browser, work: Path, engine_names: list[str]) -> list[dict]:
    print(f"\n{size} datasets", flush=True)
    started = time.perf_counter()
    snapshot = work / f"synthetic-{size}.xml"
    write_synthetic_snapshot(size, snapshot)
    plan = plan_for(snapshot)
    corpus = engines.corpus_of(plan.collections[0])
    print(f"  (snapshot and pipeline to views: {time.perf_counter() - started:.1f} s)", flush=True)
    rows = []
    for name in engine_names:
        folder = work / f"{name}-{size}"
        if name == "ours":
            site, build_seconds = build_ours(snapshot, folder, work)
            index = site / "search" / plan.collections[0].collection.name
            folder = site
        elif name == "lunr":
            started = time.perf_counter()
            engines.build_lunr(corpus, folder, work)
            build_seconds = time.perf_counter() - started
            index = folder
        else:
            index, build_seconds = engines.build_pagefind(corpus, folder)
        server = serve(folder)
        try:
            page = url_path(plan.collections[0].explore_path) if name == "ours" else ""
            figures = measure(browser, server.url + page, name)
        finally:
            server.close()
        index_bytes = engines.folder_size(index) if name != "lunr" else sum(
            (folder / f).stat().st_size for f in ("lunr-index.json", "docs.json"))
        rows.append(report(size, name, build_seconds, index_bytes, figures))
        shutil.rmtree(work / f"{name}-{size}", ignore_errors=True)
    snapshot.unlink()
    ours = next((r for r in rows if r["engine"] == "ours"), None)
    for other in (r for r in rows if r["engine"] != "ours" and ours):
        print(f"  ours / {other['engine']}: "
              f"bytes to first results x{ours['bytes_median'] / other['bytes_median']:.3f}, "
              f"time to results x{ours['ms_median'] / other['ms_median']:.2f}, index on disk "
              f"x{ours['disk'] / other['disk']:.2f}, build x{ours['build'] / other['build']:.2f}")
    mismatched = [(r["engine"], r["counts"]) for r in rows]
    print(f"  result counts per query: {mismatched}", flush=True)
    return rows


def main() -> int:
    gc.disable()  # as `atlasgen build` does: the pipeline makes millions of acyclic objects
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--engines", nargs="+", default=["ours", "lunr", "pagefind"],
                        choices=["ours", "lunr", "pagefind"])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="atlasgen-search-bench-"))
    try:
        with sync_playwright() as playwright:
            chromium = Path("/usr/bin/chromium")
            options = {"args": CHROMIUM_ARGS, **({"executable_path": str(chromium)} if chromium.exists() else {})}
            browser = playwright.chromium.launch(**options)
            for size in args.sizes:
                run_size(size, browser, work, args.engines)
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\ntargets at 100,000 datasets: under 1 MB before the first results and under 150 ms to results; "
          "at 10,000: under 300 kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
