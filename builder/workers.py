"""Run a stage's work on every core: the one place the build starts worker processes.

Workers are forked from the build, so they inherit its records, templates
and caches without copying them through pipes. Where fork is unavailable,
or the work is too small to repay starting workers, the calling process
does it alone; the results are the same either way.

Workers die with the build: each asks Linux (prctl PR_SET_PDEATHSIG) to be
sent SIGKILL when the process that made it dies, however it dies (SIGKILL
too, which no handler sees), so a killed build leaves no worker behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Callable, Iterator, Sequence, TypeVar

MAX_WORKERS = 8
PR_SET_PDEATHSIG = 1

Task = TypeVar("Task")
Result = TypeVar("Result")

_shared: Any = None  # set in each worker by _start_worker, before any task runs


def worker_count(tasks: int, parallel_from: int) -> int:
    """How many processes should share `tasks` pieces of work: 1 (the caller alone) below `parallel_from`."""
    if tasks < parallel_from or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, MAX_WORKERS)


def map_in_order(function: Callable[[Task], Result], tasks: Sequence[Task], parallel_from: int,
                 chunks_per_worker: int = 4) -> list[Result]:
    """`function` of every task, in the tasks' order, on every core once there are `parallel_from` tasks."""
    workers = worker_count(len(tasks), parallel_from)
    if workers < 2:
        return [function(task) for task in tasks]
    chunk = max(1, len(tasks) // (workers * chunks_per_worker))
    with _pool(workers, None) as pool:
        return list(pool.map(function, tasks, chunksize=chunk))


def run_as_done(function: Callable[[Any, Task], Result], tasks: Sequence[Task], shared: Any, workers: int,
                done: Callable[[Task, Result], None]) -> None:
    """`done(task, function(shared, task))` for every task, as each finishes, on `workers` processes.

    `shared` reaches the workers through fork, never through a pipe: it may be
    large, and need not pickle. With fewer than two workers the tasks run here, in order.
    `done` runs in the calling process, so the pool is shut down before an error it raises leaves.
    """
    if workers < 2:
        for task in tasks:
            done(task, function(shared, task))
        return
    with _pool(workers, shared) as pool:
        futures = {pool.submit(_with_shared, function, task): task for task in tasks}
        for future in as_completed(futures):
            done(futures[future], future.result())


@contextmanager
def _pool(workers: int, shared: Any) -> Iterator[ProcessPoolExecutor]:
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(shared, os.getpid())) as pool:
        yield pool


def _start_worker(shared: Any, parent: int) -> None:
    global _shared
    die_with_parent(parent)
    _shared = shared


def die_with_parent(parent: int) -> None:
    """Called first in a process forked by process `parent` (its id taken before the fork)."""
    prctl = _prctl()
    if prctl is None:  # not Linux: nothing to ask
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request was made: no signal will come
        os._exit(1)


@lru_cache(maxsize=1)
def _prctl():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True).prctl if name else None
    except (OSError, AttributeError):
        return None


def _with_shared(function: Callable[[Any, Task], Result], task: Task) -> Result:
    return function(_shared, task)
