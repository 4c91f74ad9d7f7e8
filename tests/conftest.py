"""Shared test setup: make ``from builders import ...`` work as well as ``from tests.builders``."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
