"""Shared harness of the benchmarks: run a command as a child, measure wall time and peak RSS.

Peak RSS is taken by /usr/bin/time (``%M``, the child's own high-water mark). Without it the
fallback is ``os.wait4`` on the child; that figure also includes this harness's own RSS,
because Linux carries the parent's high-water mark into a vfork()ed child, so the harness
keeps itself small (it never loads a big workbook or a big JSON before measuring).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT = BENCH_DIR / "out"
PYTHON = sys.executable
GEN = BENCH_DIR / "gen_ledgers.py"
FLOOR = BENCH_DIR / "floor_calamine.py"
GNU_TIME = "/usr/bin/time"
NOT_AVAILABLE = "command not available yet"

# What a usage error or a missing module prints: the command (or the CLI) does not exist yet,
# or does not take SPEC's arguments yet. A run that fails for other reasons is a real failure.
# A command this build does not have: the CLI answers in one Chinese sentence. An import
# error or a traceback is a bug to report, never "not available".
USAGE_ERROR = re.compile(r"错误：没有命令|错误：没有选项")


@dataclass
class Run:
    argv: list[str]
    wall_s: float
    peak_mb: float | None
    exit_code: int | None  # None: killed at the timeout
    stderr_tail: str
    rss_method: str

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None

    def usage_error(self) -> bool:
        return self.exit_code not in (0, 1) and bool(USAGE_ERROR.search(self.stderr_tail))

    def to_json(self) -> dict:
        d = asdict(self)
        d["argv"] = [str(a) for a in self.argv]
        return d


def measure(
    argv: list[str | Path],
    *,
    stdout: Path | None = None,
    cwd: Path = REPO,
    timeout: float | None = None,
) -> Run:
    """Run argv once as a fresh child; stdout to the file given or /dev/null."""
    argv = [str(a) for a in argv]
    use_time = os.access(GNU_TIME, os.X_OK)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        stats = Path(tmp) / "time.txt"
        err_path = Path(tmp) / "stderr.txt"
        full = [GNU_TIME, "-f", "BENCH_PEAK_KB=%M", "-o", str(stats), *argv] if use_time else argv
        with contextlib.ExitStack() as files:
            out_f = files.enter_context(open(stdout, "wb")) if stdout else subprocess.DEVNULL
            err_f = files.enter_context(open(err_path, "wb"))
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                full,
                stdout=out_f,
                stderr=err_f,
                stdin=subprocess.DEVNULL,
                cwd=cwd,
                start_new_session=True,
            )
            exit_code, peak_kb = _wait(proc, timeout, use_time)
            wall = time.perf_counter() - t0
        if use_time and stats.exists():
            m = re.search(r"BENCH_PEAK_KB=(\d+)", stats.read_text(errors="replace"))
            peak_kb = int(m.group(1)) if m else None
        tail = err_path.read_bytes()[-4000:].decode("utf-8", errors="replace")
    return Run(
        argv=argv,
        wall_s=wall,
        peak_mb=peak_kb / 1024 if peak_kb else None,
        exit_code=exit_code,
        stderr_tail=tail,
        rss_method="/usr/bin/time %M" if use_time else "wait4 ru_maxrss",
    )


def _wait(proc: subprocess.Popen, timeout: float | None, use_time: bool) -> tuple[int | None, int]:
    """Wait for our child; on timeout kill its process group (ours alone: a new session)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, 0 if use_time else usage.ru_maxrss
        if deadline is not None and time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return None, 0
        time.sleep(0.002)


def branchctl_argv() -> list[str] | None:
    """How to run the CLI: $BRANCHCTL if set (e.g. "python -m branchctl"), the installed entry
    point, else `python -m branchctl` from the repo."""
    if os.environ.get("BRANCHCTL"):
        return shlex.split(os.environ["BRANCHCTL"])
    beside = Path(PYTHON).parent / "branchctl"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("branchctl")
    if found:
        return [found]
    if (REPO / "branchctl" / "__main__.py").exists():
        return [PYTHON, "-m", "branchctl"]
    return None


def probe(command: str) -> tuple[list[str] | None, str]:
    """(argv prefix, "") when `branchctl COMMAND --help` works, else (None, why not)."""
    base = branchctl_argv()
    if base is None:
        return None, "branchctl is not installed and branchctl/__main__.py does not exist"
    run = measure([*base, command, "--help"], timeout=60)
    if run.exit_code == 0:
        return base, ""
    last = [line for line in run.stderr_tail.strip().splitlines() if line.strip()][-1:]
    return None, f"`branchctl {command} --help` exited {run.exit_code}: {' '.join(last)}"


def failure_text(run: Run) -> str:
    if run.timed_out:
        return "timed out"
    lines = [line.strip() for line in run.stderr_tail.strip().splitlines() if line.strip()]
    if run.usage_error():
        # Prefer the line that names the problem over Typer's trailing box border.
        why = next((x for x in reversed(lines) if USAGE_ERROR.search(x)), lines[-1])
        return f"{NOT_AVAILABLE} (exit {run.exit_code}: {why[:160]})"
    return f"exit {run.exit_code}: {(lines[-1] if lines else '')[:200]}"


def generate(*args: str) -> None:
    """Make sure the inputs exist (gen_ledgers.py skips what is up to date); not timed."""
    subprocess.run([PYTHON, str(GEN), *args], check=True, cwd=REPO)


def median_run(runs: list[Run]) -> Run:
    ok = sorted(runs, key=lambda r: r.wall_s)
    return ok[len(ok) // 2]


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine_info() -> dict:
    try:
        from importlib.metadata import version

        calamine = version("python-calamine")
    except Exception:  # informational only
        calamine = None
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "python_calamine": calamine,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "rss_method": "/usr/bin/time %M" if os.access(GNU_TIME, os.X_OK) else "wait4 ru_maxrss",
    }


def secs(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def mb(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.0f} MB" if x < 1024 else f"{x / 1024:.2f} GB"


def bar(ok: bool | None) -> str:
    return "–" if ok is None else ("✅" if ok else "❌")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


def finish(results: dict, failed: bool, name: str, report: Callable[[dict], str]) -> int:
    """Record and print a benchmark's results; exit code 0 bars met, 1 missed, 2 unavailable."""
    results.setdefault("status", "failed" if failed else "ok")
    path = OUT / f"results_{name}.json"
    write_json(path, results)
    print(report(results))
    print(f"\nresults: {path}")
    if results["status"] == "unavailable":
        return 2
    return 1 if failed else 0


def timed(run):  # type: ignore[no-untyped-def]
    """run() and the CPU seconds (user + system) of the process tree it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result, cpu
