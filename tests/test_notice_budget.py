"""Templates from others cannot take the machine down: every hostile template ends in one
Chinese sentence naming it, exit code 2, within 60 seconds and 1.5 GB.

Each case runs `branchctl notice` in a child process limited to 1.5 GB of address space, with a
60-second timeout, two at a time; a child that hangs, crashes or takes the memory fails here.
Without the budget these ran for minutes, took 5–16 GB or ended in "程序内部出错（RecursionError）".
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from branchctl.documents.sandbox import MAX_SECONDS
from branchctl.documents.templates import NoticeTemplate, compile_template, environment, render_text
from branchctl.errors import BranchctlError
from tests.builders import classification_sheet, sample_branches, write_workbook

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 1536 << 20
TIME_LIMIT = 60

CHILD = r"""
import atexit, json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
start = time.perf_counter()

def report():
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
    sys.stderr.write("\n@@" + json.dumps({"seconds": time.perf_counter() - start, "mb": peak}))

atexit.register(report)
sys.argv = ["branchctl", *sys.argv[2:]]
from branchctl.cli.app import main
main()
"""

# name: (template source, what the sentence says)
MARKDOWN_CASES: dict[str, tuple[str, str]] = {
    "repeat": ("{{ 'x' * 10**9 }}", "生成的文字超过 200 万个字符"),
    "list_repeat": ("{{ ([0] * 10**9) | length }}", "生成的列表超过 100 万项"),
    "format_width": ("{{ '{:>1000000000}'.format(1) }}", "格式宽度或精度超过 10000"),
    "format_nested": ("{{ '{:>{w}}'.format(1, w=10**9) }}", "格式宽度或精度超过 10000"),
    "format_many": ("{{ ('{0}' * 100000).format('y' * 1000000) }}", "生成的文字超过 200 万个字符"),
    "percent_width": ("{{ '%1000000000d' % 1 }}", "格式宽度或精度超过 10000"),
    "percent_star": ("{{ '%*s' % (10**9, 'x') }}", "格式宽度或精度超过 10000"),
    "format_filter": ("{{ '%.1000000000f' | format(1.5) }}", "格式宽度或精度超过 10000"),
    "ljust": ("{{ 'x'.ljust(10**9) }}", "格式宽度或精度超过 10000"),
    "join_filter": (
        "{% set items = range(100000) | map('string') | list %}{{ items | join('x' * 100000) }}",
        "生成的文字超过 200 万个字符",
    ),
    "join_method": (
        "{{ ('y' * 1000000).join(range(100000) | map('string')) }}",
        "生成的文字超过 200 万个字符",
    ),
    "replace": ("{{ ('x' * 1000000) | replace('', 'yyyyyyyyyy') }}", "生成的文字超过 200 万个字符"),
    "indent": ("{{ ('a\\n' * 500000) | indent(10000) }}", "生成的文字超过 200 万个字符"),
    "doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s | length }}",
        "生成的文字超过 200 万个字符",
    ),
    "power": ("{{ 9 ** 999999999 }}", "数字太大"),
    "nested_loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        f"生成一份文件用时超过 {MAX_SECONDS:g} 秒",
    ),
    "recursion": (
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "宏或函数的调用嵌套超过 50 层",
    ),
    "deep_nesting": ("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", "嵌套太深"),
    "memory": (
        "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}"
        "{% set ns.l = ns.l + [('x' * 1000000) ~ i] %}{% endfor %}",
        "占用内存超过 512 MB",
    ),
    "output": (
        "{% for i in range(100000) %}{{ 'x' * 1000 }}\n{% endfor %}",
        "生成的文件超过 500 万个字符",
    ),
    "lines": ("{% for i in range(100000) %}甲\n\n乙\n{% endfor %}", "生成的文件超过 10 万行"),
}
WORD_CASES: dict[str, tuple[str, str]] = {  # one paragraph a line
    # docxtpl's own rewriting takes the square of the time on unclosed tags: 9 s for 300 KB
    "word_unclosed": ("{{ x\n" * 20000, "中的 Jinja 标记不成对：“{{”没有对应的“}}”"),
    "word_repeat": ("{{ 'x' * 10**9 }}", "生成的文字超过 200 万个字符"),
    "word_recursion": (
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "宏或函数的调用嵌套超过 50 层",
    ),
}


def _run(args: list[str]) -> dict[str, Any]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(MEMORY_LIMIT), *args],
            capture_output=True,
            text=True,
            timeout=TIME_LIMIT,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    message, _, stats = done.stderr.rpartition("\n@@")
    return {"code": done.returncode, "stderr": message, **json.loads(stats or "{}")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("budget")
    ledger = write_workbook(
        folder / "台账.xlsx", [classification_sheet(sample_branches(4, seed=41))]
    )
    jobs: dict[str, list[str]] = {}
    for name, (source, _) in MARKDOWN_CASES.items():
        (folder / f"{name}.md").write_text(source, encoding="utf-8")
        jobs[name] = [
            "notice", str(folder / f"{name}.md"), "--data", str(ledger),
            "-o", str(folder / f"{name}.out.md"),
        ]  # fmt: skip
    for name, (source, _) in WORD_CASES.items():
        doc = Document()
        doc.add_paragraph("红头")
        for line in source.splitlines():
            doc.add_paragraph(line)
        doc.save(str(folder / f"{name}.docx"))
        jobs[name] = [
            "notice", str(folder / f"{name}.docx"), "--data", str(ledger),
            "-o", str(folder / f"{name}.out.docx"),
        ]  # fmt: skip
    with ThreadPoolExecutor(2) as pool:
        results = dict(zip(jobs, pool.map(_run, jobs.values()), strict=True))
    left = sorted(p.name for p in folder.iterdir() if ".out." in p.name or p.name.startswith(".~"))
    return {"results": results, "left": left}


@pytest.mark.parametrize("name", [*MARKDOWN_CASES, *WORD_CASES])
def test_hostile_template_ends_in_one_sentence_within_bounds(runs, name):
    result = runs["results"][name]
    assert not result.get("timeout"), f"{name}: still running after {TIME_LIMIT} s"
    assert result["code"] == 2, result
    reason = {**MARKDOWN_CASES, **WORD_CASES}[name][1]
    kind = "Word 模板" if name in WORD_CASES else "模板"
    suffix = ".docx" if name in WORD_CASES else ".md"
    lines = result["stderr"].splitlines()
    assert len(lines) == 1, result["stderr"]
    assert lines[0].startswith(f"错误：{kind}“{name}{suffix}”") and reason in lines[0], lines[0]
    assert lines[0].endswith("。") and "Traceback" not in lines[0] and "Error" not in lines[0]
    assert result["seconds"] < TIME_LIMIT and result["mb"] < MEMORY_LIMIT >> 20


def test_nothing_is_left_behind(runs):
    assert runs["left"] == []


# ------------------------------------------------------------------ ordinary templates still work


def _render(source: str) -> str:
    template = NoticeTemplate("t.md", "通报", "", source)
    env = environment()
    return render_text(template, compile_template(template, env), {"items": ["甲", "乙"]})


def test_ordinary_formatting_loops_and_macros_are_untouched():
    source = (
        "{% macro row(x) %}| {{ x }} |{% endmacro %}"
        "{% for i in range(3) %}{{ row(i) }}{% endfor %} "
        "{{ '%5.1f' % 3.14159 }} {{ '{:>4}'.format(7) }} {{ '%s、%s' | format('a', 'b') }} "
        "{{ items | join('、') }} {{ 'ab' * 3 }} {{ 2 ** 10 }} {{ 'a-b' | replace('-', '—') }}"
        "{% set ns = namespace(n=0) %}{% for x in items %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        " {{ ns.n }} {{ 'x' | center(5) }}|"
    )
    assert _render(source) == (
        "\\| 0 \\|\\| 1 \\|\\| 2 \\|   3.1    7 a、b 甲、乙 ababab 1024 a—b 2   x  |\n"
    )


def test_the_sentence_names_the_line():
    with pytest.raises(BranchctlError) as e:
        _render("第一行\n{{ 'x' * 10**9 }}\n")
    assert str(e.value) == "模板“t.md”第2行超出限制：生成的文字超过 200 万个字符。"


def test_a_huge_template_file_is_refused_unread(tmp_path):
    from branchctl.documents.templates import load_template

    path = tmp_path / "大.md"
    path.write_bytes(b"x" * (2**20 + 1))
    with pytest.raises(BranchctlError) as e:
        load_template(str(path))
    assert str(e.value) == (
        f"文件“{path}”：模板文件过大（1.0 MB，上限 1.0 MB），不像是模板文件，已拒绝读取。"
    )
