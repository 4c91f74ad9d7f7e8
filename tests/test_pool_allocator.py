"""A pool worker on glibc keeps the memory it frees for the next file: blocks under 16 MiB come
from the heap (not a mapping of their own, handed back to the system when freed)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

CHECK = """
import ctypes, sys

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "worker":
    from branchctl.io.pool import _worker_start
    _worker_start()
block = bytearray(8 << 20)  # a reader's buffer: 8 MiB
print(libc.mallinfo2().hblkhd >= 8 << 20)  # held in a mapping of its own
"""


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_a_worker_takes_a_readers_buffer_from_the_heap() -> None:
    def mapped(kind: str) -> bool:
        run = subprocess.run(
            [sys.executable, "-c", CHECK, kind], capture_output=True, text=True, check=True
        )
        return run.stdout.strip() == "True"

    assert mapped("plain")  # glibc's default: a block this size gets a mapping
    assert not mapped("worker")
