"""Shared test setup: make ``from builders import ...`` work as well as ``from tests.builders``."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Every hostile file of tests/hostile.py, built once per run in one folder: name -> (path, code)."""
    from tests.hostile import HOSTILE_CASES

    folder = tmp_path_factory.mktemp("hostile")
    return {name: (Path(builder(folder)), code) for name, builder, code in HOSTILE_CASES}
