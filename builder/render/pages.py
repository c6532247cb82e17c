"""Render page jobs into files, on every core.

Templates are CPU-bound Python: worker processes forked from the build
inherit its environment and records without copying them through pipes,
build the contexts of a slice of the pages each, render and write them,
and send back only the content hashes. Where fork is unavailable, or the site is small, one
process renders everything; the files are the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Sequence

from jinja2 import Environment

from ..output import OutputFolder, write_file
from . import context as ctx

Job = tuple[str, Callable[[], ctx.Page]]  # (template name, makes the page's context)
SLICE = 250
PARALLEL_FROM = 600  # pages; below this, starting workers costs more than it saves

_worker_state: tuple | None = None  # set in each worker by _adopt, before any job runs


def render_pages(jobs: Sequence[Job], environment: Environment, site: ctx.SiteContext, output: OutputFolder,
                 progress: Callable[[int], None], meanwhile: Callable[[], None] = lambda: None) -> None:
    """Render and write every job; `meanwhile` runs in this process while workers render."""
    workers = _worker_count(len(jobs))
    if workers < 2:
        meanwhile()
        for start in range(0, len(jobs), SLICE):
            output.hashes.update(_render_slice(jobs, environment, site, str(output.folder), start))
            progress(len(jobs[start:start + SLICE]))
        return
    context = multiprocessing.get_context("fork")
    state = (jobs, environment, site, str(output.folder))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_adopt, initargs=(state,)) as pool:
        futures = {pool.submit(_render_assigned, start): start for start in range(0, len(jobs), SLICE)}
        meanwhile()
        for future in as_completed(futures):
            output.hashes.update(future.result())
            progress(len(jobs[futures[future]:futures[future] + SLICE]))


def _worker_count(pages: int) -> int:
    if pages < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, 8)


def _adopt(state: tuple) -> None:
    global _worker_state
    _worker_state = state


def _render_assigned(start: int) -> dict[str, str]:
    assert _worker_state is not None
    jobs, environment, site, folder = _worker_state
    return _render_slice(jobs, environment, site, folder, start)


def _render_slice(jobs: Sequence[Job], environment: Environment, site: ctx.SiteContext, folder: str,
                  start: int) -> dict[str, str]:
    hashes = {}
    for template, make_page in jobs[start:start + SLICE]:
        page = make_page()
        html = environment.get_template(template).render(site=site, page=page)
        hashes[page.output_file] = write_file(folder, page.output_file, html.encode("utf-8"))
    return hashes
