"""Helpers for the archive tests: township submissions whose branches have the stars a story
needs, and the CLI run against one archive file.

The workbooks come from ``tests/builders.py``; a branch keeps its name from quarter to quarter
(same seed), and :func:`with_stars` sets how many aspects it meets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from branchctl.cli.app import app
from tests.builders import ASPECTS, Layout, sample_branches, with_claims, write_workbook
from tests.validate_helpers import submission

runner = CliRunner()

TOWNSHIPS = {
    "城关镇": "城关镇党委",
    "青山乡": "青山乡党委",
    "河西街道": "河西街道党工委",
    "石桥镇": "石桥镇党委",
}


def branches(township: str, n: int = 5, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` branches of a township, the same names whenever called with the same seed."""
    org = TOWNSHIPS[township]
    return sample_branches(
        n, seed=seed, townships=[org], small_branches=False, veto_rate=0, stars=[3]
    )


def with_stars(record: dict[str, Any], stars: int) -> dict[str, Any]:
    """A copy meeting the last ``stars`` aspects (基本组织 first to go), claims agreeing."""
    marks = {a: i >= len(ASPECTS) - stars for i, a in enumerate(ASPECTS)}
    return with_claims({**record, **marks})


def write_submission(
    path: Path, township: str, records: Sequence[dict[str, Any]], **layout: Any
) -> Path:
    """A township's workbook: 附件1 with 填报单位, the three lists, the work ledger."""
    sheets = submission(list(records), layout=Layout(org=TOWNSHIPS[township], **layout))
    return write_workbook(path, sheets)


def cli(db: Path, *args: str) -> Any:
    """``branchctl <args>`` on the archive ``db`` (given through BRANCHCTL_DB)."""
    return runner.invoke(app, list(args), env={"BRANCHCTL_DB": str(db)})


def cli_json(db: Path, *args: str) -> Any:
    result = cli(db, *args, "--json")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)
