"""Shared test setup: the hostile corpus, built once per run.

``tests`` is a package: test modules import their helpers as ``tests.builders``.
"""

from pathlib import Path

import pytest

from tests.hostile import HOSTILE_CASES


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Every hostile file of tests/hostile.py, built once per run in one folder: name -> (path, code)."""
    folder = tmp_path_factory.mktemp("hostile")
    return {name: (Path(builder(folder)), code) for name, builder, code in HOSTILE_CASES}
