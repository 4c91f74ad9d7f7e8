"""One process pool for a batch: parallel, crash-isolating, results in task order.

Tasks go to worker processes in chunks (shrinking towards the end so the workers finish
together); results come back in task order whatever order they finish in. A worker that dies (a
file that crashes a reader) costs only its own task: the tasks not done are retried each in a
fresh process, and a task that kills that one too becomes ``crashed(task)``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


def run_tasks(
    work: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int,
    crashed: Callable[[T], R],
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 16,
) -> list[R]:
    """``[work(t) for t in tasks]``, in ``jobs`` worker processes (in this one when ``jobs`` is 1).

    ``work`` must be a module-level function (it is pickled), as must ``tasks``.
    """
    tick = progress or (lambda done, total: None)
    results: list[R | None] = [None] * len(tasks)
    done = [False] * len(tasks)
    if jobs <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            results[i] = work(task)
            tick(i + 1, len(tasks))
        return cast(list[R], results)
    count = 0
    gc.freeze()  # what the workers inherit is never garbage: no copy-on-write of its pages
    try:
        with ProcessPoolExecutor(min(jobs, len(tasks)), initializer=_worker_gc) as pool:
            futures: list[Future[list[tuple[int, R]]]] = [
                pool.submit(_run_chunk, work, [(i, tasks[i]) for i in part])
                for part in chunks(len(tasks), jobs, chunk)
            ]
            try:
                for future in as_completed(futures):
                    for i, result in future.result():
                        results[i], done[i] = result, True
                        count += 1
                    tick(count, len(tasks))
            except BrokenProcessPool:
                pass  # a worker died: the tasks not done are retried one by one
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        gc.unfreeze()
    for i, task in enumerate(tasks):
        if not done[i]:
            results[i] = _isolated(work, task, crashed)
            count += 1
            tick(count, len(tasks))
    return cast(list[R], results)


def chunks(n: int, jobs: int, largest: int) -> list[list[int]]:
    """Task indices in chunks of up to ``largest``, shrinking towards the end (what is left
    over four per worker), so that the workers finish together."""
    out: list[list[int]] = []
    i = 0
    while i < n:
        size = max(1, min(largest, (n - i) // (jobs * 4)))
        out.append(list(range(i, min(n, i + size))))
        i += size
    return out


def _run_chunk(work: Callable[[T], R], items: list[tuple[int, T]]) -> list[tuple[int, R]]:
    return [(i, work(task)) for i, task in items]


def _worker_gc() -> None:
    """Collect a worker's young objects less often: a task makes tens of thousands of them,
    nearly all freed by reference counting."""
    gc.set_threshold(50_000, 20, 100)


def _isolated(work: Callable[[T], R], task: T, crashed: Callable[[T], R]) -> R:
    """One task in a process of its own, so that a crash costs only this task."""
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(work, task).result()
    except BrokenProcessPool:
        return crashed(task)
