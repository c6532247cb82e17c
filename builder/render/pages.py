"""Render page jobs into files, on every core.

Templates are CPU-bound Python: worker processes forked from the build
inherit its environment and records without copying them through pipes,
build the contexts of a slice of the pages each, render and write them,
and send back only the content hashes. The files that are no pages (the
search index) are made by the workers too, first. Where fork is
unavailable, or the site is small, one process does everything; the files
are the same either way.

A page's inputs are its template's name, a fingerprint of everything every
page shares (code, templates, site context, asset names) and the repr of its
own context, which holds all a template can read. A page whose inputs the
previous site's manifest lists unchanged is carried over, not rendered; so
are the files beside it (a landing page's exports) when what they are made
from besides the page is unchanged too.

A page whose path is known ahead is a piece of work (`memory/site_memory.py`): where
what it looked up and what it was given are unchanged since the previous
build, it is carried over, files beside it included, without even working
out its context.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from jinja2 import Environment

from builder.memory.fingerprint import code_fingerprint
from builder.memory.lookups import Read
from builder.memory.manifest import inputs_digest
from builder.memory.site_memory import MemoryKeeper, Piece
from builder.publish.output import OutputFolder, Placed, Tree
from builder.render import context as ctx
from builder.render.environment import template_error
from builder.workers import run_as_done, worker_count


class FilesBeside(NamedTuple):
    """Files written beside a page (a landing page's metadata exports), made from it and from more."""

    inputs: str  # digest of what they are made from besides the page's context
    names: tuple[str, ...]  # file names, in the page's folder
    make: Callable[[], Mapping[str, str]]  # name -> text of every file


class Job(NamedTuple):
    template: str
    page: Callable[[], ctx.Page]  # makes the page's context
    beside: Callable[[ctx.Page], FilesBeside] | None = None  # the files beside the page, if it has any
    path: str | None = None  # known ahead: the page may be kept from the previous build
    extra_inputs: Any = None  # what the page is made from besides its lookups (its images), compared by value
    read_before: frozenset[Read] = frozenset()  # lookups made for it beforehand (its dataset's view)


@dataclass(frozen=True)
class PageMade:
    """What a page piece made, as the next build checks it."""

    template: str
    extra_inputs: str  # digest of the repr of the job's `extra_inputs`
    files: tuple[str, ...]  # the page and the files beside it


Made = tuple[str, Piece | None]  # (page path, what the page piece read and made; None: kept from before)
Files = Callable[[], Mapping[str, str]]  # makes files that are no page (search index): relative path -> text
_Task = tuple[Callable[["_State", int], tuple[list[Placed], list[Made]]], int, int]  # (work, index, pages)
SLICE = 250
PARALLEL_FROM = 600  # pages; below this, starting workers costs more than it saves


def render_pages(jobs: Sequence[Job], environment: Environment, site: ctx.SiteContext, output: OutputFolder,
                 progress: Callable[[int], None], memory: MemoryKeeper, files: Sequence[Files] = ()) -> None:
    """Render and write every job (or carry it over), and the `files` that are no pages, on every core."""
    fingerprint = shared_fingerprint(environment, site)
    memory.made_with("page", fingerprint)
    state = _State(jobs, files, environment, site, output.tree, fingerprint, memory)
    tasks = [(_make_files, index, 0) for index in range(len(files))] + \
            [(_render_slice, start, len(jobs[start:start + SLICE])) for start in range(0, len(jobs), SLICE)]

    def done(task: _Task, result: tuple[list[Placed], list[Made]]) -> None:
        _record(output, memory, *result)
        progress(task[2])

    run_as_done(_run_task, tasks, state, worker_count(len(jobs), PARALLEL_FROM), done)


def shared_fingerprint(environment: Environment, site: ctx.SiteContext) -> str:
    """What every page of a site is made with besides its own context: code, templates, site, plain globals."""
    loader = environment.loader
    assert loader is not None
    templates = [f"{name}\0{loader.get_source(environment, name)[0]}" for name in environment.list_templates()]
    data = {name: value for name, value in environment.globals.items()
            if isinstance(value, (str, int, float, bool, dict, list, tuple))}  # asset URLs; callables are code
    return inputs_digest(code_fingerprint("builder.render.site"), *templates, repr(site), repr(sorted(data.items())))


class _State(NamedTuple):
    """What a worker needs, inherited through fork."""

    jobs: Sequence[Job]
    files: Sequence[Files]
    environment: Environment
    site: ctx.SiteContext
    tree: Tree  # where files go
    fingerprint: str
    memory: MemoryKeeper


def _record(output: OutputFolder, memory: MemoryKeeper, placed: list[Placed], made: list[Made]) -> None:
    for relative, inputs, digest, carried in placed:
        output.placed(relative, inputs, digest, carried)
    for path, piece in made:
        if piece is None:
            memory.carry_over("page", path, memory.previous.pieces[("page", path)])  # type: ignore[union-attr]
        else:
            memory.add_made("page", path, piece)


def _run_task(state: _State, task: _Task) -> tuple[list[Placed], list[Made]]:
    work, index, _ = task
    return work(state, index)


def _make_files(state: _State, index: int) -> tuple[list[Placed], list[Made]]:
    made = state.files[index]()
    return [state.tree.write(relative, text.encode("utf-8")) for relative, text in made.items()], []


def _render_slice(state: _State, start: int) -> tuple[list[Placed], list[Made]]:
    placed: list[Placed] = []
    made: list[Made] = []
    for job in state.jobs[start:start + SLICE]:
        kept = _kept(state, job) if job.path is not None else None
        if kept is not None:
            placed += kept
            made.append((job.path, None))  # type: ignore[arg-type]
            continue
        with state.memory.recorder.piece() as reads:
            page = job.page()
            inputs = inputs_digest(state.fingerprint, job.template, repr(page))
            these = [_place_page(state, job.template, page, inputs)]
            if job.beside is not None:
                these += _place_beside(state, page, inputs, job.beside(page))
        placed += these
        if job.path is not None:
            files = tuple(relative for relative, *_ in these)
            made.append((job.path, Piece(state.memory.lookups.fingerprints(reads | job.read_before),
                                         PageMade(job.template, _extra_inputs_digest(job.extra_inputs), files))))
    return placed, made


def _kept(state: _State, job: Job) -> list[Placed] | None:
    """Keep the page and the files beside it as published, if the previous build made them from what it would now."""
    piece = state.memory.unchanged("page", job.path)
    if piece is None or piece.made.template != job.template or \
            piece.made.extra_inputs != _extra_inputs_digest(job.extra_inputs):
        return None
    tree, kept = state.tree, []
    for relative in piece.made.files:
        old = tree.previous.get(relative)
        if old is None or tree.carry_over(relative, old.inputs) is None:
            for done, _, digest, _ in kept:  # the page is made instead: never write through a new link to it
                if tree.present.get(done) != digest:
                    os.unlink(os.path.join(tree.folder, done))
            return None
        kept.append(Placed(relative, old.inputs, old.digest, True))
    return kept


def _extra_inputs_digest(extra_inputs: Any) -> str:
    return inputs_digest(repr(extra_inputs))


def _place_page(state: _State, template: str, page: ctx.Page, inputs: str) -> Placed:
    relative = page.output_file
    old = state.tree.carry_over(relative, inputs)
    if old is not None:
        return Placed(relative, inputs, old.digest, True)
    try:
        html = state.environment.get_template(template).render(site=state.site, page=page)
    except Exception as error:  # in a worker too: the error must name the template's line before it is pickled
        raise template_error(error) or error
    return Placed(relative, inputs, state.tree.overwrite(relative, html.encode("utf-8")), False)


def _place_beside(state: _State, page: ctx.Page, page_inputs: str, beside: FilesBeside) -> list[Placed]:
    """Carry over the files beside a page whose inputs are unchanged; make the others."""
    inputs = inputs_digest(page_inputs, beside.inputs)
    placed, missing = [], []
    for name in beside.names:
        relative = page.path + name
        old = state.tree.carry_over(relative, inputs)
        if old is not None:
            placed.append(Placed(relative, inputs, old.digest, True))
        else:
            missing.append(name)
    if missing:
        made = beside.make()
        placed += [Placed(page.path + name, inputs, state.tree.overwrite(page.path + name, made[name].encode("utf-8")),
                          False) for name in missing]
    return placed
