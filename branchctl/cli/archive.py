"""``branchctl archive …``: the archive of submissions, ratings and decisions across periods."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from branchctl.cli.command import ChineseCommand, command_group
from branchctl.cli.common import DEFAULT_DB, Progress, handled, parse_day
from branchctl.cli.console import print_json, print_json_text, say
from branchctl.cli.options import (
    DbOption,
    JobsOption,
    JsonOption,
    PeriodOption,
    RubricOption,
    as_of_option,
)

SUMMARY = "档案：逐期登记名册、报送、评定结果和调整，查看报送情况、历次变动，导出台账。"
HELP = (
    "档案：把每一期（季度、月或年）的名册和截止日期、各乡镇报送的每个文件（文件名、校验值、"
    "收到日期、乡镇）、校验出的问题、评定结果和经办人的调整，记在一个档案文件里（默认当前文件夹的 "
    "branchctl.db，或用 --db 指定），第一次使用时自动建立。\n\n"
    "期次写作 2025Q2、2025年二季度、2025-06（月）或 2025（年）。\n\n"
    "示例：branchctl archive roster 名册.txt --period 2025Q2 --deadline 2025-07-10\n\n"
    "示例：branchctl archive add 二季度报表/ --period 2025Q2\n\n"
    "示例：branchctl archive status --period 2025Q2"
)


@handled
def add(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH",
            help="乡镇报送的工作簿或文件夹（递归查找 .xlsx .xlsm .xls .ods）。",
            show_default=False,
        ),
    ],
    period: PeriodOption,
    township: Annotated[
        str | None,
        typer.Option(
            "--township",
            metavar="乡镇",
            help="指定报送单位（无法自动对应时用），对每个文件都适用。",
        ),
    ] = None,
    received: Annotated[
        str | None,
        typer.Option(
            "--received", metavar="日期", help="收到文件的日期（判断是否逾期），默认今天。"
        ),
    ] = None,
    as_of: str | None = as_of_option("期末（如 2025Q2 为 2025-06-30）"),
    rubric: RubricOption = None,
    as_json: JsonOption = False,
    jobs: JobsOption = None,
    db: DbOption = DEFAULT_DB,
) -> int:
    from branchctl.cli.archive_text import add_text
    from branchctl.jobs.archive_add import add_files

    progress = Progress()
    report = add_files(
        db,
        paths,
        period=period,
        rubric=rubric,
        as_of=parse_day(as_of, "--as-of") if as_of else None,
        received=parse_day(received, "--received") if received else None,
        township=township,
        jobs=jobs,
        progress=lambda done, total: progress.bar(done, total, "校验"),
    )
    progress.done()
    if as_json:
        print_json(report.to_json(), large=len(report.files) > 100)
    else:
        say(add_text(report))
    return 1 if report.has_problems else 0


@handled
def roster(
    file: Annotated[
        Path,
        typer.Argument(
            help="名册：.txt（每行一个名称），或带“名称”列的 .csv、工作簿。", show_default=False
        ),
    ],
    period: PeriodOption,
    deadline: Annotated[
        str | None,
        typer.Option("--deadline", metavar="日期", help="报送截止日期，如 2025-07-10。"),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> int:
    from branchctl.cli.archive_text import roster_text
    from branchctl.jobs.archive import set_roster

    due = parse_day(deadline, "--deadline") if deadline else None
    say(roster_text(set_roster(db, file, period=period, deadline=due)))
    return 0


@handled
def status(period: PeriodOption, as_json: JsonOption = False, db: DbOption = DEFAULT_DB) -> int:
    from branchctl.cli.archive_text import status_text
    from branchctl.jobs.archive import period_status

    report = period_status(db, period=period)
    if as_json:
        print_json(report.to_json())
    else:
        say(status_text(report))
    return 0


@handled
def diff(
    township: Annotated[
        str, typer.Argument(metavar="TOWNSHIP", help="乡镇（街道）名称。", show_default=False)
    ],
    period: PeriodOption,
    as_json: JsonOption = False,
    db: DbOption = DEFAULT_DB,
) -> int:
    from branchctl.cli.archive_text import diff_text
    from branchctl.jobs.archive import township_diff

    report = township_diff(db, township, period=period)
    if as_json:
        print_json(report.to_json())
    else:
        say(diff_text(report))
    return 0


@handled
def history(
    branch: Annotated[
        str | None, typer.Argument(help="党支部名称；不写则为全部（或 --org 的）党支部。")
    ] = None,
    org: Annotated[
        str | None,
        typer.Option("--org", metavar="组织", help="只看这个乡镇（街道）或所属党组织的。"),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = DEFAULT_DB,
) -> int:
    from branchctl.jobs.archive_history import branch_histories

    report = branch_histories(db, branch, org)
    if as_json and len(report.branches) > 100:
        print_json_text(report.json_text(), escaped=True)  # a county: tens of megabytes
    elif as_json:
        print_json(report.to_json())
    else:
        from branchctl.cli.archive_text import history_text

        say(history_text(report))
    return 0


@handled
def adjust(
    branch: Annotated[str, typer.Argument(help="党支部名称。", show_default=False)],
    period: PeriodOption,
    stars: Annotated[int, typer.Option("--stars", min=0, metavar="星级", help="调整后的星级。")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", metavar="理由", help="调整理由，如“破格晋升：……”“公示期间反映……”。"
        ),
    ],
    by: Annotated[str | None, typer.Option("--by", metavar="姓名", help="调整人。")] = None,
    org: Annotated[
        str | None, typer.Option("--org", metavar="组织", help="同名支部时指明乡镇（街道）。")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> int:
    from branchctl.cli.archive_text import adjust_text
    from branchctl.jobs.archive import adjust_branch

    say(
        adjust_text(
            adjust_branch(db, branch, period=period, stars=stars, reason=reason, by=by, org=org)
        )
    )
    return 0


@handled
def log(
    period: Annotated[
        str | None, typer.Option("--period", "-p", metavar="期次", help="只看这一期的调整。")
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = DEFAULT_DB,
) -> int:
    from branchctl.cli.archive_text import log_text
    from branchctl.jobs.archive import decision_log

    rows = decision_log(db, period=period)
    if as_json:
        print_json({"decisions": [r._asdict() for r in rows]})
    else:
        say(log_text(rows))
    return 0


@handled
def export(
    period: PeriodOption,
    out: Annotated[
        Path, typer.Option("-o", "--out", metavar="文件", help="导出的工作簿（.xlsx）。")
    ],
    db: DbOption = DEFAULT_DB,
) -> int:
    from branchctl.cli.archive_text import export_text
    from branchctl.jobs.archive_ledger import export_period

    say(export_text(export_period(db, period, out), out))
    return 0


COMMANDS = (
    (add, "add", "校验、评定并登记乡镇报送的工作簿；同一文件不重复登记，新文件为重新报送。",
     "示例：branchctl archive add 二季度报表/ --period 2025Q2\n\n"
     "示例：branchctl archive add 城关镇（修改后）.xlsx --period 2025Q2 --received 2025-07-12\n\n"
     "报送单位依次按表头“填报单位”、各支部统一的“所属党组织”、文件名、所在文件夹名与名册对应；"
     "对应不上的文件不登记，并说明原因（可加 --township 指定）。\n\n"
     "退出码：0 全部登记且通过；1 有文件需退回修改、无法对应或无法读取；2 无法运行。"),
    (roster, "roster", "登记一期应报送的乡镇（街道）名册和截止日期。",
     "示例：branchctl archive roster 名册.txt --period 2025Q2 --deadline 2025-07-10\n\n"
     "名册为 .txt（每行一个名称），或带“名称”列的 .csv、工作簿；再次登记以新名册为准。\n\n"
     "退出码：0 已登记；2 无法运行。"),
    (status, "status", "一期各乡镇的报送情况：未报送、退回修改、已通过，报送次数、逾期、错误数。",
     "示例：branchctl archive status --period 2025Q2 --json\n\n"
     "逾期：第一次报送晚于截止日期，或截止日期已过仍未报送。\n\n退出码：0 完成；2 无法运行。"),
    (diff, "diff", "一个乡镇最近一次报送与上一次相比：已改正、仍存在、新出现的问题。",
     "示例：branchctl archive diff 城关镇 --period 2025Q2\n\n"
     "同一问题按问题代码、工作表、党支部和列对应，与行号和说明文字无关。\n\n"
     "退出码：0 完成；2 无法运行。"),
    (history, "history", "党支部历期的星级、类别、等次，授星、摘星、持平，以及提示。",
     "示例：branchctl archive history 东街村党支部\n\n"
     "示例：branchctl archive history --org 城关镇 --json\n\n"
     "提示：连续两期软弱涣散、连续两年低于三星、比上期升星超过一星且没有记录理由"
     "（--json 中另有英文代码，见说明文档）。\n\n退出码：0 完成；2 无法运行。"),
    (adjust, "adjust", "记录经办人对一个支部某期星级的调整（破格晋升、公示后更正、摘星），写明理由。",
     "示例：branchctl archive adjust 东街村党支部 --period 2025Q2 --stars 5 "
     "--reason 破格晋升：获评省级先进基层党组织 --by 王明\n\n"
     "调整从不删除，以最近一次为准；之后的状态、历史、导出和通报都用调整后的星级并注明理由。\n\n"
     "退出码：0 已记录；2 无法运行。"),
    (log, "log", "列出全部调整记录（谁、何时、为什么）。",
     "示例：branchctl archive log --period 2025Q2\n\n退出码：0 完成；2 无法运行。"),
    (export, "export", "导出一期的全县台账：上期星级、变动、调整原因，另有趋势表和报送情况。",
     "示例：branchctl archive export --period 2025Q2 -o 二季度全县台账.xlsx\n\n"
     "“趋势”表按期次列出各星级、各定级类别的支部数（附柱状图），以及各乡镇（街道）各期的分布。\n\n"
     "退出码：0 已导出；2 无法运行。"),
)  # fmt: skip


def register(app: typer.Typer) -> None:
    group = command_group("archive", HELP, SUMMARY)
    for command, name, summary, more in COMMANDS:
        group.command(name, cls=ChineseCommand, short_help=summary, help=f"{summary}\n\n{more}")(
            command
        )
    app.add_typer(group, name="archive")
