"""One process pool for every batch (validate, collect, notice): parallel, crash-isolating, and
sized to the memory each task needs.

Tasks go to worker processes in chunks (up to ``chunk`` tasks, shrinking towards the end so the
workers finish together); results come back in task order whatever order they finish in. A
worker that dies (a file that crashes a reader) costs only its own task: the tasks not done are
retried each in a fresh process, and a task that kills that one too becomes ``crashed(task)``.
An exception raised by the task function itself ends the batch, as it would in one process.

With ``needs`` (bytes each task may take), the tasks that fit ``jobs`` at a time in the memory
available run first with ``jobs`` workers; the rest after, with as many workers as the largest
of them allows (at least one).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Any, TypeVar, cast

from branchctl.io.safety.limits import machine_memory

T = TypeVar("T")
R = TypeVar("R")

# The share of the available memory a batch plans to use: the rest is the system's, and the
# parent's (which holds the results).
MEMORY_SHARE = 0.7


def run_tasks(
    work: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int,
    crashed: Callable[[T], R],
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 16,
    needs: Sequence[int] | None = None,
    context: BaseContext | None = None,
) -> list[R]:
    """``[work(t) for t in tasks]``, in ``jobs`` worker processes (in this one when ``jobs`` is 1).

    ``work`` must be a module-level function (it is pickled), as must ``tasks``.
    """
    tick = progress or (lambda done, total: None)
    results: list[R | None] = [None] * len(tasks)
    done = [False] * len(tasks)
    count = 0
    if jobs <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            results[i] = work(task)
            tick(i + 1, len(tasks))
        return _all(results)
    for indices, workers in phases(needs, len(tasks), jobs, available_memory()):
        count = _pool(work, tasks, indices, workers, chunk, context, results, done, count, tick)
    for i, task in enumerate(tasks):
        if not done[i]:
            results[i] = _isolated(work, task, crashed, context)
            done[i] = True
            count += 1
            tick(count, len(tasks))
    return _all(results)


def phases(
    needs: Sequence[int] | None, n: int, jobs: int, available: int
) -> list[tuple[list[int], int]]:
    """(task indices, workers) for each phase: the tasks that fit ``jobs`` at a time, then the
    rest with as many workers as the largest of them allows."""
    everything = list(range(n))
    if not needs:
        return [(everything, min(jobs, n))]
    budget = int(available * MEMORY_SHARE)
    light = [i for i in everything if needs[i] * jobs <= budget]
    heavy = [i for i in everything if needs[i] * jobs > budget]
    out = []
    if light:
        out.append((light, min(jobs, len(light))))
    if heavy:
        workers = max(1, min(jobs, len(heavy), budget // max(needs[i] for i in heavy)))
        out.append((heavy, workers))
    return out


def available_memory() -> int:
    """Bytes of memory the system can give without swapping (MemAvailable), or half of it all."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    machine = machine_memory()  # physical memory (Windows too), or the ulimit if lower
    return machine // 2 if machine > 0 else 4 << 30


def chunks(indices: list[int], jobs: int, largest: int) -> list[list[int]]:
    """Chunks of up to ``largest`` tasks, shrinking towards the end (what is left over four per
    worker), so that the workers finish together without paying per-task messaging."""
    out: list[list[int]] = []
    i = 0
    while i < len(indices):
        size = max(1, min(largest, (len(indices) - i) // (jobs * 4)))
        out.append(indices[i : i + size])
        i += size
    return out


# A worker's task function, handed over once when it starts rather than with every chunk: a
# chunk's own copy of it (its rubric unpickled again) would start every memo keyed by the rubric
# afresh, measured at about 20 M instructions a chunk.
_work: Callable[[Any], Any] | None = None


def _run_chunk(items: list[tuple[int, T]]) -> list[tuple[int, Any]]:
    work = _work
    assert work is not None, "a pool worker runs chunks only after _worker_start"
    return [(i, work(task)) for i, task in items]


def _pool(
    work: Callable[[T], R],
    tasks: Sequence[T],
    indices: list[int],
    workers: int,
    largest: int,
    context: BaseContext | None,
    results: list[R | None],
    done: list[bool],
    count: int,
    tick: Callable[[int, int], None],
) -> int:
    # What the workers inherit is never garbage: frozen, the collector skips it (measured 3-4%
    # fewer instructions per file, and no copy-on-write of the inherited pages).
    gc.freeze()
    # this process meanwhile unpickles the results: as many objects, as rarely garbage
    threshold = gc.get_threshold()
    _worker_gc()
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker_start, initargs=(work,)
        ) as pool:
            futures: list[Future[list[tuple[int, Any]]]] = [
                pool.submit(_run_chunk, [(i, tasks[i]) for i in part])
                for part in chunks(indices, workers, largest)
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
        gc.set_threshold(*threshold)
        gc.unfreeze()
    return count


def _worker_start(work: Callable[[Any], Any] | None = None) -> None:
    """What a worker sets once, before its first task: its task function, the collector and
    the allocator."""
    global _work
    _work = work
    _worker_gc()
    _keep_freed_memory()


# glibc's mallopt parameters, and what a worker sets them to: blocks under 16 MiB come from the
# heap rather than a mapping of their own, and up to 64 MiB freed at the heap's top is kept.
# A worker reads file after file, each allocating and freeing the same few megabytes (the
# reader's buffers, the grid); by default glibc hands them back to the system and faults them
# in again for the next file: measured on 1,000 township files, the workers' system time
# 0.31 -> 0.17 s and validate's wall time 1-3% less. What a worker keeps is bounded by the
# larger threshold.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_KEEP_FREED = 64 << 20
_OWN_MAPPING = 16 << 20


def _keep_freed_memory() -> None:
    """Tune glibc's allocator for a worker's file-after-file work (nothing elsewhere: Windows,
    macOS, musl)."""
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, _OWN_MAPPING)
        libc.mallopt(_M_TRIM_THRESHOLD, _KEEP_FREED)
    except (OSError, AttributeError):  # no mallopt to call: the defaults stay
        pass


def _worker_gc() -> None:
    """Collect a worker's young objects less often: a task makes tens of thousands of them,
    nearly all freed by reference counting."""
    gc.set_threshold(50_000, 20, 100)


def _isolated(
    work: Callable[[T], R], task: T, crashed: Callable[[T], R], context: BaseContext | None
) -> R:
    """One task in a process of its own, so that a crash costs only this task."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(work, task).result()
    except BrokenProcessPool:
        return crashed(task)


def _all(results: list[R | None]) -> list[R]:
    return cast(list[R], results)  # every slot filled: by a worker, a retry or ``crashed``
