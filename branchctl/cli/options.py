"""The options several commands share, declared once for typer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

RubricOption = Annotated[
    str | None,
    typer.Option(
        "--rubric", metavar="规则", help="评定规则：内置规则名（如 six-star）或 TOML 规则文件路径。"
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="以 JSON 输出结果（标准输出只有一个 JSON 文档，UTF-8 编码）。"),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=1,
        metavar="进程数",
        help="同时处理的进程数，默认为 CPU 核数；1 为不并行。",
    ),
]

DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar="BRANCHCTL_DB",
        metavar="档案文件",
        help="档案文件，默认当前文件夹的 branchctl.db；也可用环境变量 BRANCHCTL_DB 指定。",
    ),
]
PeriodOption = Annotated[
    str,
    typer.Option(
        "--period",
        "-p",
        metavar="期次",
        help="期次：2025Q2、2025年二季度、2025-06（月）或 2025（年）。",
    ),
]


def as_of_option(default: str = "今天") -> Any:
    """``--as-of DATE``; commands differ only in what stands when it is not given."""
    return typer.Option(
        None,
        "--as-of",
        metavar="日期",
        help=f"核对日期（判断任务是否超期），如 2025-06-30 或 2025年6月30日；默认{default}。",
    )
