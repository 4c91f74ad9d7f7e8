"""Python's cyclic garbage collector held off while a batch makes many objects and no garbage.

Rating, importing the job's modules and reading a county's history each make hundreds of
thousands of objects, freed by reference counting; every collection would walk all of them
again (measured: 16% of a 100,000-row rate, a tenth of history, 6% of a township file's rate).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """No collection inside the block; ``freeze``: what is alive on entry also stays out of
    the collections after it. A block inside another one leaves the collector as it found it."""
    if not gc.isenabled():
        yield
        return
    if freeze:
        gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        if freeze:
            gc.unfreeze()
