"""The one worker pool: the same results on every core as in the calling process, work really spread."""

from __future__ import annotations

import os
import threading

import pytest

from builder.workers import map_in_order, run_as_done, worker_count

needs_fork_and_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2 or not hasattr(os, "fork"),
                                          reason="needs fork and two cores")


def square_and_pid(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


def test_below_the_threshold_the_caller_works_alone():
    results = map_in_order(square_and_pid, list(range(5)), parallel_from=6)
    assert [value for value, _ in results] == [0, 1, 4, 9, 16]
    assert {pid for _, pid in results} == {os.getpid()}
    assert worker_count(5, parallel_from=6) == 1


@needs_fork_and_cores
def test_from_the_threshold_workers_share_the_tasks_and_keep_their_order():
    results = map_in_order(square_and_pid, list(range(40)), parallel_from=6, chunks_per_worker=4)
    assert [value for value, _ in results] == [number * number for number in range(40)]
    assert os.getpid() not in {pid for _, pid in results}
    assert 2 <= worker_count(40, parallel_from=6) <= 8


def _scaled(shared: dict, task: int) -> tuple[int, int]:
    return shared["factor"] * task, os.getpid()


@needs_fork_and_cores
def test_shared_state_reaches_workers_through_fork_even_if_it_cannot_be_pickled():
    shared = {"factor": 3, "lock": threading.Lock()}  # a lock cannot be pickled
    done: dict[int, tuple[int, int]] = {}
    run_as_done(_scaled, list(range(12)), shared, workers=2, done=done.__setitem__)
    assert {task: value for task, (value, _) in done.items()} == {task: 3 * task for task in range(12)}
    assert os.getpid() not in {pid for _, pid in done.values()}


def test_with_one_worker_the_tasks_run_here_in_order():
    order: list[int] = []
    run_as_done(_scaled, [4, 1, 3], {"factor": 2}, workers=1, done=lambda task, result: order.append(result[0]))
    assert order == [8, 2, 6]


def _fail_on_three(shared: None, task: int) -> int:
    if task == 3:
        raise ValueError("task three is broken")
    return task


@needs_fork_and_cores
def test_an_error_in_a_worker_reaches_the_caller():
    with pytest.raises(ValueError, match="task three is broken"):
        run_as_done(_fail_on_three, list(range(6)), None, workers=2, done=lambda task, result: None)
