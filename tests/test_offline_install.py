"""The offline route of the README: `make wheelhouse` collects every wheel for Windows and Linux
into one folder, and a machine without a network installs branchctl from it alone.

Slow (about a minute) and needs the package index to build the wheelhouse: not in the default
run. `make test-offline` runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
PLATFORMS = ("win_amd64", "x86_64", "aarch64")


def _no_network() -> list[str]:
    """A prefix that cuts the install off from every network, where this machine allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def _offline_env() -> dict[str, str]:
    """No pip configuration at all: no index, no extra find-links from this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return env | {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1"}


# Markers as a 64-bit Windows Python 3.11 sees them: `pip download --platform win_amd64` still
# judges them by the machine it runs on, so a Windows-only requirement (typer's colorama) is
# left out unless asked for.
WINDOWS = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
           "platform_machine": "AMD64", "python_version": "3.11", "python_full_version": "3.11.9",
           "implementation_name": "cpython", "platform_python_implementation": "CPython"}  # fmt: skip


def windows_missing(wheelhouse: Path) -> list[str]:
    """What a wheel in ``wheelhouse`` requires on Windows that no wheel there provides."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    have = {canonicalize_name(p.name.split("-")[0]) for p in wheelhouse.glob("*.whl")}
    missing = []
    for wheel in wheelhouse.glob("*.whl"):
        with zipfile.ZipFile(wheel) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
            lines = z.read(meta).decode("utf-8").splitlines()
        for line in lines:
            if not line.startswith("Requires-Dist:"):
                continue
            req = Requirement(line.split(":", 1)[1].strip())
            env = WINDOWS | {"extra": ""}
            if req.marker is None or req.marker.evaluate(env):
                if canonicalize_name(req.name) not in have:
                    missing.append(f"{wheel.name}: {req}")
    return missing


def test_wheelhouse_installs_without_a_network(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wheelhouse"
    built = subprocess.run(
        ["make", "--no-print-directory", "wheelhouse", f"WHEELHOUSE={wheelhouse}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr

    wheels = [p.name for p in wheelhouse.glob("*.whl")]
    assert any(name.startswith("branchctl-") for name in wheels)
    platforms: dict[str, set[str]] = defaultdict(set)
    for name in wheels:
        dist, tags = name.split("-")[0].lower(), name.rsplit("-", 1)[1]
        platforms[dist] |= {p for p in PLATFORMS if p in tags}
    compiled = {dist: found for dist, found in platforms.items() if found}
    assert {"python_calamine", "lxml"} <= set(compiled)  # the readers and the Word writer
    for dist, found in compiled.items():  # each compiled package for every platform
        assert found == set(PLATFORMS), f"{dist}: only {sorted(found)}"
    for name in wheels:  # Python 3.11 wheels only (or ones for every Python 3)
        assert re.search(r"-(cp311|cp3\d*-abi3|py3|py2\.py3)-", name), name
    assert windows_missing(wheelhouse) == []

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / "bin"
    install = subprocess.run(
        [
            *_no_network(),
            str(bin_dir / "pip"),
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
            str(wheelhouse),
            "branchctl",
        ],
        env=_offline_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr

    version = subprocess.run(
        [str(bin_dir / "branchctl"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.returncode == 0 and version.stdout.startswith("branchctl ")
    out = tmp_path / "青山乡.rated.xlsx"
    rated = subprocess.run(
        [
            *_no_network(),
            str(bin_dir / "branchctl"),
            "rate",
            str(REPO / "sample_ledgers" / "青山乡_分类定级表.xlsx"),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rated.returncode in (0, 1), rated.stderr
    assert "参评支部" in rated.stdout and out.is_file()
