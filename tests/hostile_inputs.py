"""Hostile inputs that are not workbooks, and the bounded run of the CLI that every case gets.

``CLI_CASES`` gives each command that reads a file or a folder what a bad day brings: FIFOs,
devices, symbolic-link loops, dangling links, non-UTF-8 file names, huge or deeply nested small
files. :func:`all_cases` adds a ``rate`` run for every file of :mod:`tests.hostile`.
:func:`run_bounded` runs one command in a child process limited to 1.5 GB of address space and
60 seconds and reports its exit code, output, wall time and peak memory.

``python -m tests.hostile_inputs FOLDER`` builds every case in FOLDER and prints each run's
figures (the before/after table of the safety work).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.hostile import BOUNDED_CASES, HOSTILE_CASES, UNREADABLE
from tests.hostile_parts import ledger_rows, sheet_xml, write_package

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 1536 << 20
TIME_LIMIT = 60.0


@dataclass(frozen=True)
class CliCase:
    """A command run on hostile inputs that ``setup`` builds in ``folder / "in"``.

    ``setup`` returns the arguments after ``branchctl``; outputs go to ``folder / "out"``.
    ``exit`` is the exit code expected; with exit 2, stderr is one sentence holding every
    phrase of ``says`` and none of ``never``. ``findings`` (validate --json): file name -> the
    code of its one finding ("" for none), or a function of the folder giving them.
    ``outputs``: what the run may leave in ``out``.
    """

    name: str
    setup: Callable[[Path], list[str]]
    exit: int
    says: tuple[str, ...] = ()
    never: tuple[str, ...] = ()
    findings: dict[str, str] | Callable[[Path], dict[str, str]] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()


SET = ["--set", "发文机关=城关镇党委"]
NOT_UTF8_NAME = "城关镇".encode("gb18030") + b".xlsx"  # unzipped from a Windows archive


def _good(folder: Path, name: str = "东村.xlsx", branches: int = 3) -> Path:
    return write_package(folder / name, sheet_xml(ledger_rows(branches)))


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _bad_entries(folder: Path) -> None:
    """A good ledger beside every kind of folder entry that cannot be read."""
    _good(folder)
    (folder / "循环.xlsx").symlink_to("循环.xlsx")
    (folder / "断链.xlsx").symlink_to("不存在的文件.xlsx")
    _fifo(folder / "管道.xlsx")
    with open(os.path.join(os.fsencode(folder), NOT_UTF8_NAME), "wb") as f:
        f.write(sheet_xml(""))
    (folder / "子文件夹").mkdir()
    (folder / "子文件夹" / "环.xlsx").symlink_to("../子文件夹/环.xlsx")
    if os.geteuid() != 0:  # root reads a folder whatever its permissions
        (folder / "锁住的文件夹").mkdir(mode=0)


BAD_ENTRY_FINDINGS = {
    "循环.xlsx": UNREADABLE,
    "断链.xlsx": UNREADABLE,
    "管道.xlsx": UNREADABLE,
    "环.xlsx": UNREADABLE,
    "城关镇.xlsx": UNREADABLE,  # shown decoded; the name is not UTF-8
    "东村.xlsx": "",
    **({"锁住的文件夹": UNREADABLE} if os.geteuid() != 0 else {}),
}


def _folder(args: list[str]) -> Callable[[Path], list[str]]:
    def setup(folder: Path) -> list[str]:
        _bad_entries(folder / "in")
        return [
            a.replace("{in}", str(folder / "in")).replace("{out}", str(folder / "out"))
            for a in args
        ]

    return setup


def _nested_toml(depth: int) -> str:
    return "x = " + "[" * depth + "]" * depth + "\n"


def _small_file_case(
    name: str, option: str, make: Callable[[Path], str], says: tuple[str, ...] = ()
) -> CliCase:
    """``option`` given a hostile small file, on the command that takes it."""

    def setup(folder: Path) -> list[str]:
        inputs = folder / "in"
        ledger = str(_good(inputs))
        value = make(inputs)
        out = folder / "out"
        if option == "--map":
            other = str(_good(inputs, "西村.xlsx", branches=4))
            return ["compare", ledger, other, "--map", value, "-o", str(out / "对比.xlsx")]
        if option == "--rubric":
            return ["rate", ledger, "--rubric", value, "-o", str(out / "评定.xlsx")]
        if option == "--vars":
            return [
                "notice",
                "通报",
                "--data",
                ledger,
                "--vars",
                value,
                *SET,
                "-o",
                str(out / "通报.md"),
            ]
        assert option == "--data"
        return ["notice", "退回修改意见", "--data", value, *SET, "-o", str(out / "退回.md")]

    return CliCase(name, setup, 2, says=says, never=("不存在", "Error", "Traceback"))


def _write(name: str, text: str) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        (folder / name).write_text(text, encoding="utf-8")
        return str(folder / name)

    return make


def _sparse(name: str, size: int) -> Callable[[Path], str]:
    def make(folder: Path) -> str:
        with open(folder / name, "wb") as f:
            f.truncate(size)
        return str(folder / name)

    return make


def _fifo_named(name: str) -> Callable[[Path], str]:
    return lambda folder: str(_fifo(folder / name))


def _workbook_arg(make: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    def setup(folder: Path) -> list[str]:
        return ["rate", str(make(folder / "in")), "-o", str(folder / "out" / "评定.xlsx")]

    return setup


def _fifo_to(*args: str) -> Callable[[Path], list[str]]:
    """A command given a FIFO named like a workbook (and a good ledger where it takes two)."""

    def setup(folder: Path) -> list[str]:
        fifo, good = _fifo(folder / "in" / "管道.xlsx"), _good(folder / "in")
        out = str(folder / "out")
        return [
            a.replace("{fifo}", str(fifo)).replace("{good}", str(good)).replace("{out}", out)
            for a in args
        ]

    return setup


def _loop(folder: Path) -> Path:
    (folder / "循环.xlsx").symlink_to("循环.xlsx")
    return folder / "循环.xlsx"


CLI_CASES: list[CliCase] = [
    CliCase(
        "validate-folder-bad-entries",
        _folder(["validate", "{in}", "--json", "--jobs", "2"]),
        1,
        findings=BAD_ENTRY_FINDINGS,
    ),
    CliCase(
        "validate-annotate-bad-entries",
        _folder(["validate", "{in}", "--annotate", "{out}", "--jobs", "1"]),
        1,
        outputs=(),
    ),
    CliCase(
        "collect-bad-entries",
        _folder(["collect", "{in}", "-o", "{out}/汇总.xlsx", "--jobs", "2"]),
        1,  # files that cannot be read
        outputs=("汇总.xlsx",),
    ),
    CliCase(
        "notice-return-bad-entries",
        _folder(["notice", "退回修改意见", "--data", "{in}", *SET, "-o", "{out}/退回.md"]),
        0,
        outputs=("退回.md",),
    ),
    CliCase("fifo-as-workbook", _workbook_arg(lambda f: _fifo(f / "管道.xlsx")), 2, ("普通文件",)),
    CliCase(
        "fifo-to-compare",
        _fifo_to("compare", "{fifo}", "{good}", "-o", "{out}/对比.xlsx"),
        2,
        ("普通文件",),
    ),
    CliCase(
        "fifo-to-validate",
        _fifo_to("validate", "{fifo}", "{good}", "--json"),
        1,
        findings={"管道.xlsx": UNREADABLE, "东村.xlsx": ""},
    ),
    CliCase(
        "fifo-to-collect",
        _fifo_to("collect", "{fifo}", "{good}", "-o", "{out}/汇总.xlsx"),
        1,
        outputs=("汇总.xlsx",),
    ),
    CliCase(
        "fifo-as-notice-data",
        _fifo_to("notice", "通报", "--data", "{fifo}", *SET, "-o", "{out}/通报.md"),
        2,
        ("普通文件",),
    ),
    CliCase(
        "fifo-to-archive-add",
        _fifo_to("archive", "add", "{fifo}", "--period", "2025Q2", "--db", "{out}/档案.db"),
        1,
        outputs=("档案.db",),
    ),
    CliCase(
        "fifo-as-roster",
        _fifo_to("archive", "roster", "{fifo}", "--period", "2025Q2", "--db", "{out}/档案.db"),
        2,
        ("普通文件",),
    ),
    CliCase("loop-as-workbook", _workbook_arg(_loop), 2, ("循环",), never=("不存在",)),
    _small_file_case("fifo-as-map", "--map", _fifo_named("更名.toml"), ("普通文件",)),
    _small_file_case("fifo-as-rubric", "--rubric", _fifo_named("规则.toml"), ("普通文件",)),
    _small_file_case("fifo-as-vars", "--vars", _fifo_named("变量.toml"), ("普通文件",)),
    _small_file_case("dev-zero-as-vars", "--vars", lambda folder: "/dev/zero", ("普通文件",)),
    _small_file_case("huge-vars", "--vars", _sparse("变量.toml", 1536 << 20), ("过大",)),
    _small_file_case("nested-vars", "--vars", _write("变量.toml", _nested_toml(5000)), ("嵌套",)),
    _small_file_case(
        "nested-rubric", "--rubric", _write("规则.toml", _nested_toml(5000)), ("嵌套",)
    ),
    _small_file_case("nested-map", "--map", _write("更名.toml", _nested_toml(5000)), ("嵌套",)),
    _small_file_case(
        "nested-report-json",
        "--data",
        _write("校验.json", "[" * 100_000 + "]" * 100_000),
        ("嵌套",),
    ),
]


def _rate(builder: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    def setup(folder: Path) -> list[str]:
        return ["rate", str(builder(folder / "in")), "-o", str(folder / "out" / "评定.xlsx")]

    return setup


def _validate_all(folder: Path) -> list[str]:
    expected = {}
    for _name, builder, code in HOSTILE_CASES:
        path = builder(folder / "in")
        if path.is_file():  # a folder named x.xlsx is searched, not reported
            expected[path.name] = code
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), "utf-8")
    return ["validate", str(folder / "in"), "--json", "--jobs", "2"]


def _hostile_findings(folder: Path) -> dict[str, str]:
    found: dict[str, str] = json.loads((folder / "expected.json").read_text("utf-8"))
    return found


def _validate(builder: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    return lambda folder: ["validate", str(builder(folder / "in")), "--json", "--jobs", "1"]


def all_cases(each_file: bool = False) -> list[CliCase]:
    """CLI_CASES; one ``validate`` of every file of HOSTILE_CASES (a finding each); ``rate`` and
    ``validate`` of every file of BOUNDED_CASES (done). With ``each_file``, also ``rate`` of
    every hostile file alone (exit 2), for measuring each one."""
    cases = [CliCase("validate-hostile-files", _validate_all, 1, findings=_hostile_findings)]
    if each_file:
        cases += [CliCase(f"rate-{name}", _rate(b), 2) for name, b, _ in HOSTILE_CASES]
    for name, builder in BOUNDED_CASES:
        cases.append(CliCase(f"rate-{name}", _rate(builder), 0, outputs=("评定.xlsx",)))
        cases.append(CliCase(f"validate-{name}", _validate(builder), 0))
    return cases + CLI_CASES


# --- the bounded run --------------------------------------------------------------------------

# The child's own peak: ru_maxrss from wait4 would include the parent's resident set at the
# fork (Linux keeps the high-water mark of the forked image across exec).
_CHILD = """
import atexit, resource, sys
limit, peak_file = int(sys.argv.pop(1)), sys.argv.pop(1)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

def peak():
    kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the workers waited for
    with open("/proc/self/status") as status:
        kb = max([kb] + [int(line.split()[1]) for line in status if line.startswith("VmHWM:")])
    with open(peak_file, "w") as out:
        out.write(str(kb))

atexit.register(peak)
sys.argv[0] = "branchctl"
from branchctl.cli.app import main
main()
"""


@dataclass
class Run:
    exit: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    timed_out: bool = False


def run_bounded(
    args: list[str], root: Path = ROOT, timeout: float = TIME_LIMIT, memory: int = MEMORY_LIMIT
) -> Run:
    """``branchctl ARGS`` in a child process under RLIMIT_AS ``memory``, killed after ``timeout``.

    The peak is the largest resident set of the child and the workers it waited for (wait4).
    """
    env = dict(os.environ, PYTHONPATH=str(root))
    # The bounds are the product's, not a tracer's: no coverage in these children (coverage
    # counts the same refusals in-process, tests/test_hostile.py).
    env.pop("COVERAGE_PROCESS_CONFIG", None)
    env.pop("COVERAGE_PROCESS_START", None)
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        peak_file = Path(scratch) / "peak"
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(memory), str(peak_file), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=root,
            env=env,
            start_new_session=True,
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        try:  # the child's own figure; without it (killed) the wait4 one, an upper bound
            peak_kb = int(peak_file.read_text())
        except (OSError, ValueError):
            peak_kb = usage.ru_maxrss
        return Run(
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            peak_kb / 1024,
            timed_out,
        )


def prepare(case: CliCase, folder: Path) -> list[str]:
    """Build the case's inputs in ``folder / "in"`` (outputs go to ``folder / "out"``)."""
    (folder / "in").mkdir(parents=True)
    (folder / "out").mkdir()
    return case.setup(folder)


def main(folder: Path) -> None:
    print(f"{'case':44} exit  seconds  peak MB")
    for case in all_cases(each_file=True):
        args = prepare(case, folder / case.name)
        run = run_bounded(args)
        late = " (killed)" if run.timed_out else ""
        print(
            f"{case.name:44} {run.exit:4} {run.seconds:8.2f} {run.peak_mb:8.0f}{late}", flush=True
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
