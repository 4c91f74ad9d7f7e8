"""The rated copy is the same file whatever Python's hash seed: a row whose cells carry several
formats gets its category fill through each format in a fixed order (once, the order of a set of
bytes, which changes from run to run: the same styles numbered differently).

tests/data/mixed_formats_township.xlsx: a township's submission as a differential fuzz run left
it (rows blanked, merges added and removed, blank columns left of the table, a column filled),
whose 附件1 rows carry three formats each: the case that found the fault.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "data" / "mixed_formats_township.xlsx"


def _rated(out: Path, seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run(
        [sys.executable, "-m", "branchctl", "rate", str(SOURCE), "-o", str(out), "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )
    with zipfile.ZipFile(out) as z:
        # the document properties carry the time of writing
        return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}


def test_the_rated_copy_does_not_change_with_the_hash_seed(tmp_path: Path) -> None:
    first = _rated(tmp_path / "1.xlsx", "1")
    assert b"<cellXfs" in first["xl/styles.xml"]
    for seed in ("2", "3", "4", "5", "6"):
        assert _rated(tmp_path / f"{seed}.xlsx", seed) == first
