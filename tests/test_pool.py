"""The one process pool of every batch: order kept, a crash costs one task, workers sized to
the memory each task needs."""

from __future__ import annotations

import os

import pytest

from branchctl.io.pool import chunks, phases, run_tasks
from branchctl.io.workbook import reading_memory


def square_or_die(n: int) -> int:
    if n == 13:
        os._exit(134)  # what an abort inside the reader does to a worker
    return n * n


def fail_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven")
    return n


def crashed(n: int) -> int:
    return -1


def test_results_in_task_order_and_a_crash_costs_only_its_task() -> None:
    seen: list[tuple[int, int]] = []
    out = run_tasks(
        square_or_die,
        list(range(20)),
        jobs=2,
        crashed=crashed,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert out == [n * n if n != 13 else -1 for n in range(20)]
    assert seen[-1] == (20, 20)


class Rated:
    """A task function carrying state, as validate's carries its rubric and memos keyed by it."""

    def __call__(self, n: int) -> tuple[int, int]:
        return os.getpid(), id(self)


def test_a_worker_keeps_one_copy_of_the_task_function_for_all_its_chunks() -> None:
    # a fresh copy with each chunk would start every memo keyed by the rubric afresh
    out = run_tasks(Rated(), list(range(200)), jobs=2, crashed=crashed, chunk=4)
    copies: dict[int, set[int]] = {}
    for pid, copy in out:
        copies.setdefault(pid, set()).add(copy)
    assert all(len(seen) == 1 for seen in copies.values())


def test_in_one_process_when_one_job() -> None:
    assert run_tasks(fail_on_seven, [1, 2, 3], jobs=1, crashed=crashed) == [1, 2, 3]
    with pytest.raises(ValueError, match="seven"):
        run_tasks(fail_on_seven, [1, 7], jobs=1, crashed=crashed)


def test_an_error_in_a_worker_ends_the_batch() -> None:
    with pytest.raises(ValueError, match="seven"):
        run_tasks(fail_on_seven, list(range(10)), jobs=2, crashed=crashed, chunk=1)


def test_chunks_cover_every_task_once_and_shrink_towards_the_end() -> None:
    parts = chunks(list(range(1000)), jobs=2, largest=16)
    assert [i for part in parts for i in part] == list(range(1000))
    sizes = [len(part) for part in parts]
    assert max(sizes) == 16 and sizes[-1] == 1
    assert sizes[-8:] == sorted(sizes[-8:], reverse=True)  # the last ones get smaller
    assert [len(part) for part in chunks([0, 1, 2], jobs=2, largest=16)] == [1, 1, 1]


def test_workers_are_chosen_against_the_memory_each_file_needs() -> None:
    gb = 1 << 30
    township = reading_memory(50 << 10)  # a township's 50 KB file
    assert township < 300 << 20
    assert phases([township] * 100, 100, jobs=4, available=8 * gb) == [(list(range(100)), 4)]
    # four 3.8 MB files that may each inflate to 243 MB of XML: not four at a time in 2 GB
    heavy = reading_memory(3_800_000)
    assert 700 << 20 < heavy < 1 * gb
    assert phases([heavy] * 4, 4, jobs=4, available=2 * gb) == [([0, 1, 2, 3], 1)]
    # the light files keep every worker; the heavy ones follow, fewer at a time
    needs = [township, heavy, township, heavy]
    assert phases(needs, 4, jobs=4, available=3 * gb) == [([0, 2], 2), ([1, 3], 2)]
    assert phases(None, 3, jobs=8, available=gb) == [([0, 1, 2], 3)]
