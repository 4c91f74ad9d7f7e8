"""The command line: parse arguments, call the library, print. The only module that prints or exits."""

from __future__ import annotations

import datetime as dt
import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from branchctl import __version__
from branchctl.errors import BranchctlError

app = typer.Typer(
    name="branchctl",
    help="党支部标准化建设与评星定级工具：评定台账、批量校验乡镇报表、生成通报和通知。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state: dict[str, bool] = {"debug": False}

# Options several commands share, declared once.
RubricOption = Annotated[
    str | None, typer.Option("--rubric", help="评定规则：内置规则名或 TOML 规则文件路径。")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="以 JSON 输出结果（标准输出只有一个 JSON 文档）。")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"branchctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="显示版本号后退出。", callback=_version, is_eager=True
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="出错时显示完整的技术信息（供开发者排查），可写在命令行任何位置。"
        ),
    ] = False,
) -> None:
    _state["debug"] = debug


@contextmanager
def _errors() -> Iterator[None]:
    """Every failure ends as one Chinese sentence on stderr and exit code 2."""
    try:
        yield
    except typer.Exit:
        raise
    except BranchctlError as e:
        if _state["debug"]:
            traceback.print_exc()
        typer.echo(f"错误：{e.sentence()}", err=True)
        raise typer.Exit(2) from None
    except BrokenPipeError:  # `branchctl validate … | head`: the reader has gone, say nothing
        sys.stderr.close()
        raise typer.Exit(0) from None
    except KeyboardInterrupt:
        typer.echo("已中断，未写出任何不完整的文件。", err=True)
        raise typer.Exit(130) from None
    except MemoryError:
        typer.echo("错误：文件过大，内存不足，无法处理。", err=True)
        raise typer.Exit(2) from None
    except Exception as e:  # a bug of ours: still no traceback unless asked
        if _state["debug"]:
            traceback.print_exc()
        typer.echo(
            f"错误：程序内部出错（{type(e).__name__}: {e}），请加 --debug 重新运行并反馈。",
            err=True,
        )
        raise typer.Exit(2) from None


def parse_as_of(text: str | None) -> dt.date:
    from branchctl.forms.values import BadValue, parse_date

    if not text:
        return dt.date.today()
    try:
        parsed = parse_date(text)
    except BadValue:
        parsed = None
    if parsed is None or parsed.date is None:
        raise BranchctlError(f"--as-of 的日期“{text}”无法识别，请写成 2025-06-30 或 2025年6月30日")
    return parsed.date


class Progress:
    """Stage messages and a bar on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._last = 0

    def stage(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\033[K{text}")
            sys.stderr.flush()

    def bar(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\r\033[K{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _print_json(data: Any, large: bool = False) -> None:
    # indented JSON goes through the pure-Python encoder: for big results stay compact (10× faster)
    typer.echo(json.dumps(data, ensure_ascii=False, indent=None if large else 2))


def _default_out(path: Path, suffix: str) -> Path:
    return path.with_name(f"{path.stem}{suffix}")


# ---------------------------------------------------------------------------------- rate


@app.command(
    "rate",
    short_help="评定台账中各支部的星级、类别和等次，核对自评，写出批注工作簿。",
    help=(
        "评定一个台账中每个党支部的星级、定级类别和等次，与填报的自评核对，并写出批注工作簿。\n\n"
        "示例：branchctl rate 城关镇台账.xlsx\n\n"
        "退出码：0 全部一致；1 有自评与核算不符；2 无法运行（文件无法读取、参数错误等）。"
    ),
)
def rate_command(
    file: Annotated[
        Path, typer.Argument(help="台账文件（.xlsx .xlsm .xls .ods）。", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="批注工作簿的输出路径，默认为“原文件名.rated.xlsx”。"),
    ] = None,
    rubric: RubricOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="核对日期，如 2025-06-30，默认今天。")
    ] = None,
    as_json: JsonOption = False,
    bottom: Annotated[
        int, typer.Option("--bottom", min=0, help="列出最弱的 N 个支部（倒排），写入汇总表。")
    ] = 0,
) -> None:
    with _errors():
        from branchctl.jobs.rate import rate_file

        progress = Progress()
        report = rate_file(
            file,
            out=out or _default_out(file, ".rated.xlsx"),
            rubric=rubric,
            as_of=parse_as_of(as_of),
            bottom=bottom,
            stage=progress.stage,
        )
        progress.done()
        for note in report.notes:
            typer.echo(f"提示：{note}。", err=True)
        if as_json:
            _print_json(report.result.to_json(), large=len(report.result.branches) > 2000)
        else:
            from branchctl.cli.display import rating_text

            typer.echo(rating_text(report))
        raise typer.Exit(1 if report.result.summary()["mismatches"] else 0)


# ------------------------------------------------------------------------------- compare


@app.command(
    "compare",
    short_help="对比两期台账：升星、降星、持平、新增、撤销（授星摘星），写出标色的对比工作簿。",
    help=(
        "对比两期台账（如上季度与本季度）：每个党支部的上期和本期星级、定级类别、等次，"
        "升星、降星、持平、新增、撤销，按所属党组织汇总，并写出标色的对比工作簿。\n\n"
        "示例：branchctl compare 一季度台账.xlsx 二季度台账.xlsx --map 更名对照.xlsx\n\n"
        "退出码：0 对比完成（有升降星也是 0）；2 无法运行（文件无法读取、参数错误等）。"
    ),
)
def compare_command(
    old: Annotated[Path, typer.Argument(help="上期台账。", show_default=False)],
    new: Annotated[Path, typer.Argument(help="本期台账。", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="对比工作簿的输出路径，默认为“本期文件名.compare.xlsx”。"),
    ] = None,
    as_json: JsonOption = False,
    name_map: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="更名对照表：两列（原名称、新名称）的 .xlsx/.csv，或 TOML 表 [更名]。",
        ),
    ] = None,
    rubric: RubricOption = None,
) -> None:
    with _errors():
        from branchctl.jobs.compare import compare_files
        from branchctl.reports.compare import comparison_text

        progress = Progress()
        report = compare_files(
            old,
            new,
            out=out or _default_out(new, ".compare.xlsx"),
            rubric=rubric,
            name_map=name_map,
            stage=progress.stage,
        )
        progress.done()
        for note in report.notes:
            typer.echo(f"提示：{note}。", err=True)
        if as_json:
            _print_json(report.comparison.to_json())
        else:
            typer.echo(comparison_text(report.comparison, report.out))


# ------------------------------------------------------------------------------- collect


@app.command(
    "collect",
    short_help="把各乡镇报表汇总成一个总台账，标出有误的行和重复的支部。",
    help=(
        "把各乡镇报送的工作簿汇总成一个总台账：每个党支部一行，注明来源文件、工作表和行号，"
        "附计算星级和校验结果；同一支部出现两次的会标出；另有“汇总说明”工作表。\n\n"
        "示例：branchctl collect 二季度报表/ -o 全县二季度汇总.xlsx\n\n"
        "退出码：0 全部汇总且无问题；1 已汇总，但有无法读取的文件、有误的行或重复的支部；"
        "2 无法运行。"
    ),
)
def collect_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="工作簿或文件夹（递归查找 .xlsx .xlsm .xls .ods）。", show_default=False
        ),
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="汇总工作簿（.xlsx）的输出路径。")],
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="同时读取的进程数，默认为 CPU 核数。")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="核对日期（判断任务是否逾期），默认今天。")
    ] = None,
    rubric: RubricOption = None,
) -> None:
    with _errors():
        from branchctl.jobs.collect import collect_files
        from branchctl.reports.collect import collect_text

        progress = Progress()
        report = collect_files(
            paths,
            out=out,
            rubric=rubric,
            jobs=jobs,
            as_of=parse_as_of(as_of),
            progress=lambda done, total: progress.bar(done, total, "读取"),
        )
        progress.done()
        typer.echo(collect_text(report))
        raise typer.Exit(1 if report.collection.has_problems else 0)


# ------------------------------------------------------------------------------ template


@app.command(
    "template",
    short_help="生成空白的标准表格（附件1–4），带下拉选项和打印设置。",
    help=(
        "生成空白的标准表格（附件1–4），带表头样式、冻结表头、列宽、A4 横向打印设置，"
        "以及达标标记、支部类型、问题类别、完成情况等下拉选项，供乡镇填报。\n\n"
        "KIND：附件1（分类定级表）、附件2（达标创建台账）、附件3（三个清单合表）、"
        "附件3-分表（问题清单、任务清单、责任清单三张表）、附件4（创建工作台账）、全部；"
        "也可写 1、2、3、4。可一次写多个，生成在同一个工作簿中。\n\n"
        "示例：branchctl template 附件1 --unit 城关镇党委 -o 城关镇分类定级表.xlsx\n\n"
        "退出码：0 已生成；2 无法运行。"
    ),
)
def template_command(
    kinds: Annotated[list[str], typer.Argument(help="表格类型，如 附件1。", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="输出路径（.xlsx），默认按表名命名，写在当前文件夹。"),
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="预先填好的填报单位，如“城关镇党委”。")
    ] = None,
    rows: Annotated[int, typer.Option("--rows", min=1, max=5000, help="预先编号的空行数。")] = 50,
    rubric: Annotated[
        str | None,
        typer.Option("--rubric", help="评定规则（决定各方面的列和问题类别的选项）。"),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="输出文件已存在时覆盖它（原有内容会丢失）。")
    ] = False,
) -> None:
    with _errors():
        from branchctl.documents.blank_forms import default_name, write_template
        from branchctl.rules.rubric_file import load_rubric

        the_rubric = load_rubric(rubric)
        if out is None:
            out = Path(default_name(kinds, unit))
            if out.exists() and not force:
                raise BranchctlError(
                    "文件已存在，请用 -o 指定输出路径，或加 --force 覆盖", path=out
                )
        result = write_template(kinds, out, the_rubric, unit=unit, rows=rows, overwrite=force)
        typer.echo(
            f"已生成空白表格：{result.out}（工作表：{'、'.join(result.sheets)}；"
            f"每表预留 {result.rows} 行）"
        )


# -------------------------------------------------------------------------------- rubric

rubric_app = typer.Typer(
    name="rubric",
    help=(
        "评定规则：查看内置规则、复制一份修改、检查改好的规则文件。\n\n"
        "示例：branchctl rubric show six-star > 我的规则.toml\n\n"
        "改好后：branchctl rubric check 我的规则.toml，再用 branchctl rate 台账.xlsx --rubric 我的规则.toml"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(rubric_app, name="rubric")


@rubric_app.command(
    "list",
    help=(
        "列出内置的评定规则，每行一个：名称和说明。\n\n"
        "示例：branchctl rubric list\n\n"
        "退出码：0 完成。"
    ),
)
def rubric_list_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出（标准输出只有一个 JSON 文档）。")
    ] = False,
) -> None:
    with _errors():
        from branchctl.rules.rubric import as_json as rubric_json
        from branchctl.rules.rubric_file import builtin_rubrics

        rubrics = builtin_rubrics()
        if as_json:
            _print_json({"rubrics": [rubric_json(r) for r in rubrics]})
            return
        width = max(len(r.name) for r in rubrics) + 2
        for r in rubrics:
            typer.echo(f"{r.name:<{width}}{r.summary_line()}")


@rubric_app.command(
    "show",
    help=(
        "原样输出一个内置规则的 TOML 文本（带注释），可重定向到文件后修改。\n\n"
        "示例：branchctl rubric show five-basics > 我的规则.toml\n\n"
        "退出码：0 完成；2 没有这个内置规则。"
    ),
)
def rubric_show_command(
    name: Annotated[str, typer.Argument(help="内置规则名，如 six-star。", show_default=False)],
) -> None:
    with _errors():
        from branchctl.rules.rubric_file import builtin_text

        typer.echo(builtin_text(name), nl=False)


@rubric_app.command(
    "check",
    help=(
        "检查一个规则文件：每个键、类型和取值。通过时输出一行说明；有错时指出哪一项错在哪里。\n\n"
        "示例：branchctl rubric check 我的规则.toml\n\n"
        "退出码：0 检查通过；2 规则文件有错或无法读取。"
    ),
)
def rubric_check_command(
    file: Annotated[
        str, typer.Argument(help="规则文件（.toml），也可写内置规则名。", show_default=False)
    ],
) -> None:
    with _errors():
        from branchctl.rules.rubric import describe_rubric
        from branchctl.rules.rubric_file import load_rubric

        rubric = load_rubric(file)
        typer.echo(f"检查通过：{describe_rubric(rubric)}。")


# -------------------------------------------------------------------------------- notice


@app.command(
    "notice",
    short_help="用模板生成通报、公示、整改通知书、退回修改意见（Word 或 Markdown）。",
    help=(
        "用模板生成通报、公示、整改通知书、退回修改意见，输出为 Word（.docx，党政机关公文格式）"
        "或 Markdown（.md）。TEMPLATE 为内置模板名（通报、公示、整改通知书、退回修改意见），"
        "或自备模板文件（Markdown 加 Jinja 标记的 .md，或带 Jinja 标记的 Word 文档 .docx）。\n\n"
        "发文机关、成文日期、联系电话等自由变量用 --set 变量名=值 或 --vars 变量.toml 提供；"
        "模板需要而未提供的变量会报错指出。--list 列出内置模板及其变量。\n\n"
        "示例：branchctl notice 通报 --data 全县台账.xlsx --set 发文机关=中共××县委组织部 "
        "-o 评星定级通报.docx\n\n"
        "示例：branchctl notice 整改通知书 --data 城关镇台账.xlsx --per-branch -o 整改通知书/\n\n"
        "示例：branchctl notice 退回修改意见 --data 二季度报表/ --per-branch "
        "--set 发文机关=中共××县委组织部 -o 退回/\n\n"
        "退出码：0 已生成（或无需生成）；2 无法运行（文件无法读取、模板有误、缺少变量等）。"
    ),
)
def notice_command(
    template: Annotated[
        str | None,
        typer.Argument(
            help="内置模板名（通报、公示、整改通知书、退回修改意见）或模板文件（.md、.docx）。",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            "-d",
            help="数据：台账文件；退回修改意见可为文件、文件夹或 validate --json 的结果文件。",
        ),
    ] = None,
    per_branch: Annotated[
        bool,
        typer.Option(
            "--per-branch",
            help="逐份生成：每个支部（退回修改意见为每个文件）一份，写入 -o 文件夹。",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--out", help="输出文件；逐份生成时为文件夹。默认写在数据文件旁，以模板名命名。"
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="docx（默认）或 md；默认按 -o 的后缀。")
    ] = None,
    mask: Annotated[
        bool, typer.Option("--mask", help="隐去个人信息：姓名（张*）和电话号码（138****5678）。")
    ] = False,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="自由变量，如 --set 联系电话=0538-1234567；可重复。"),
    ] = None,
    vars_file: Annotated[
        Path | None, typer.Option("--vars", help='自由变量文件（TOML：每行 变量名 = "值"）。')
    ] = None,
    like: Annotated[
        str | None,
        typer.Option("--like", help="自备模板使用哪个内置模板的数据，如 --like 整改通知书。"),
    ] = None,
    bottom: Annotated[int, typer.Option("--bottom", min=0, help="通报中倒排末位的支部数。")] = 10,
    rubric: RubricOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="核对日期，如 2025-06-30，默认今天。")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="生成 Word 的进程数，默认为 CPU 核数。"),
    ] = None,
    list_templates: Annotated[
        bool, typer.Option("--list", help="列出内置模板和每个模板可用的变量。")
    ] = False,
    show_source: Annotated[
        bool, typer.Option("--source", help="显示模板原文（复制后可修改成自己的模板）。")
    ] = False,
) -> None:
    with _errors():
        from branchctl.documents import templates as nt

        if list_templates:
            typer.echo(nt.describe_templates())
            return
        if template is None:
            raise BranchctlError(
                "请给出模板名（通报、公示、整改通知书、退回修改意见）或模板文件；--list 查看内置模板"
            )
        the_template = nt.load_template(template, like)
        if show_source:
            if the_template.source is None:
                raise BranchctlError("Word 模板没有文本原文，请用 Word 打开查看")
            typer.echo(the_template.source, nl=False)
            return
        if data is None:
            raise BranchctlError("请用 --data 指定数据文件（台账，或退回修改意见的报表文件夹）")
        from branchctl.jobs.notice import make_notices

        progress = Progress()
        report = make_notices(
            the_template,
            data,
            out=out,
            per_unit=per_branch,
            fmt=fmt,
            mask=mask,
            fields=nt.parse_fields(sets or [], vars_file),
            rubric=rubric,
            # no --as-of: the ledger's 填报时间 decides the quarter the notice speaks of
            as_of=parse_as_of(as_of) if as_of else None,
            bottom=bottom,
            jobs=jobs,
            stage=progress.stage,
            progress=lambda done, total: progress.bar(done, total, "生成"),
        )
        progress.done()
        for name in report.unused_fields:
            typer.echo(f"提示：模板没有用到变量“{name}”，请检查变量名是否写对。", err=True)
        typer.echo(notice_text(report))


def notice_text(report: Any) -> str:
    name = report.template.name
    if not report.outputs:
        if report.template.kind == "退回修改意见":
            return "所有报送文件都没有错误，无需退回修改，未生成文件。"
        return "没有未达标的党支部，未生成整改通知书。"
    if report.per_unit:
        folder = report.outputs[0].parent
        return f"已生成 {len(report.outputs)} 份{name}（.{report.fmt}），保存在：{folder}"
    count = f"（共 {report.units} 份）" if report.template.unit else ""
    return f"已生成{name}{count}：{report.outputs[0]}"


# ------------------------------------------------------------------------------ validate


@app.command(
    "validate",
    short_help="批量校验乡镇报表：逐格查错，写出批注副本和问题报告。",
    help=(
        "批量校验乡镇（街道）报送的工作簿：表格是否齐全、必填项、达标标记、人数、日期、"
        "可选值，自评星级和类别是否与达标情况相符，三个清单和工作台账是否与分类定级表对应，"
        "任务是否有责任人和完成时限、是否超期。每个问题精确到工作表、行和单元格。\n\n"
        "示例：branchctl validate 二季度报表/ --annotate 退回修改/ --report 校验结果.xlsx\n\n"
        "退出码：0 全部通过（可有警告）；1 有文件存在错误；2 无法运行（路径不存在、"
        "参数或规则有误、没有找到任何工作簿）。"
    ),
)
def validate_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="工作簿或文件夹（递归查找 .xlsx .xlsm .xls .ods）。", show_default=False
        ),
    ],
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            help="把有错误的文件各复制一份“原文件名.checked.xlsx”到此文件夹，问题单元格标色并加批注。",
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="把全部问题写入报告文件（.md、.xlsx 或 .json）。"),
    ] = None,
    as_json: JsonOption = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="核对日期（判断任务是否超期），默认今天。")
    ] = None,
    rubric: RubricOption = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="同时校验的进程数，默认为 CPU 核数；1 为不并行。"),
    ] = None,
) -> None:
    with _errors():
        from branchctl.jobs.validate import validate_paths
        from branchctl.reports.validation import validation_text, write_report
        from branchctl.rules.rubric_file import load_rubric

        the_rubric = load_rubric(rubric)
        date = parse_as_of(as_of)
        progress = Progress()
        run = validate_paths(
            paths,
            rubric=the_rubric,
            as_of=date,
            annotate_dir=annotate,
            report_path=report,
            jobs=jobs,
            progress=lambda done, total: progress.bar(done, total, "校验"),
        )
        progress.done()
        if report is not None:
            write_report(run.report, report)
        for note in run.notes:
            typer.echo(f"提示：{note}", err=True)
        if as_json:
            _print_json(run.report.to_json(), large=len(run.report.files) > 100)
        else:
            annotated = [r.annotated for r in run.results if r.annotated]
            typer.echo(validation_text(run.report, annotated))
            if annotated and annotate is not None:
                typer.echo(f"批注副本在：{annotate}")
            if report is not None:
                typer.echo(f"已写出报告：{report}")
        raise typer.Exit(1 if run.has_errors else 0)


# --------------------------------------------------------------------------- usage errors
# Click reports a mistyped command line in English inside a "Usage: … Error: …" box; a clerk
# gets one Chinese sentence instead, naming the option, argument or command, and exit code 2.


def _move_debug(args: list[str]) -> list[str]:
    """``--debug`` may stand anywhere before ``--``; click only knows it before the subcommand."""
    end = args.index("--") if "--" in args else len(args)
    head = [a for a in args[:end] if a != "--debug"]
    if len(head) == end:
        return args
    return ["--debug", *head, *args[end:]]


def _command_path(group: Any, args: list[str]) -> str:
    """``branchctl rate`` for ``rate x.xlsx -o``: the errors that carry no context need it."""
    path = ["branchctl"]
    command = group
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("-"):
            continue
        sub = getattr(command, "commands", {}).get(arg)
        if sub is None:
            break
        path.append(arg)
        command = sub
    return " ".join(path)


def _param_label(param: Any) -> str:
    """``选项 --bottom`` or ``参数 FILE``."""
    if getattr(param, "param_type_name", "") == "option":
        opts = list(getattr(param, "opts", [])) or [f"--{param.name}"]
        long = [o for o in opts if o.startswith("--")]
        return f"选项 {max(long or opts, key=len)}"
    return f"参数 {(param.name or '').upper()}"


def _param_what(param: Any) -> str:
    """The first sentence of the parameter's help without its parentheses: ``（台账文件）``."""
    import re

    text = str(getattr(param, "help", None) or "")
    while True:
        shorter = re.sub(r"（[^（）]*）", "", text)
        if shorter == text:
            break
        text = shorter
    text = text.split("。")[0].split("；")[0].strip()
    return f"（{text}）" if text else ""


def _commands_of(ctx: Any) -> list[str]:
    group = ctx.command
    names = group.list_commands(ctx)
    return [n for n in names if not getattr(group.commands.get(n), "hidden", False)]


def _unquote(text: str) -> str:
    import ast

    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            return str(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            return text[1:-1]
    return text


def _bad_value(message: str) -> tuple[str | None, str | None]:
    """The value click rejected, and what was wrong with a path, from click's English message."""
    import re

    m = re.match(
        r"^\w+ (.+) (does not exist|is a file|is a directory|is not readable|"
        r"is not writable)\.$",
        message,
        re.S,
    )
    if m:
        problem = {
            "does not exist": "不存在",
            "is a file": "应为文件夹，不能是文件",
            "is a directory": "应为文件，不能是文件夹",
            "is not readable": "没有读取权限",
            "is not writable": "没有写入权限",
        }[m.group(2)]
        return _unquote(m.group(1)), problem
    m = re.match(r"^(.*) is not ", message, re.S)
    if m:
        return _unquote(m.group(1)), None
    return None, None


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _requirement(param_type: Any) -> str:
    """What the parameter's type accepts, in Chinese: ``应为不小于 0 的整数``."""
    names = {c.__name__ for c in type(param_type).__mro__}
    noun = "整数" if "IntParamType" in names else "数字"
    if "_NumberRangeBase" in names:
        low, high = param_type.min, param_type.max
        lo = f"{'大于' if param_type.min_open else '不小于'} {_number(low)}"
        hi = f"{'小于' if param_type.max_open else '不大于'} {_number(high)}"
        if low is not None and high is not None:
            if not (param_type.min_open or param_type.max_open):
                return f"应为 {_number(low)} 到 {_number(high)} 之间的{noun}"
            return f"应为{lo}且{hi} 的{noun}"
        if low is not None:
            return f"应为{lo} 的{noun}"
        if high is not None:
            return f"应为{hi} 的{noun}"
        return f"应为{noun}"
    if "IntParamType" in names or "FloatParamType" in names:
        return f"应为{noun}"
    if "BoolParamType" in names:
        return "应为 yes 或 no"
    choices = getattr(param_type, "choices", None)
    if choices:
        return "可选值：" + "、".join(str(getattr(c, "value", c)) for c in choices)
    if "DateTime" in names:
        return "应为日期，如 2025-06-30"
    return "不符合要求"


def _usage_sentence(error: Exception, where: str, root: Any = None) -> str:
    """One Chinese sentence (without 错误：) for a click usage error; ``root``: the app's group."""
    import re
    from difflib import get_close_matches

    names = {c.__name__ for c in type(error).__mro__}
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        where = ctx.command_path
    see = f"用 {where} --help 查看用法"
    message = str(getattr(error, "message", "") or "")
    if "NoSuchOption" in names:
        option = getattr(error, "option_name", "")
        root_opts = {o for p in getattr(root, "params", []) for o in getattr(p, "opts", [])}
        if where != "branchctl" and option in root_opts:  # `branchctl rate x.xlsx --version`
            return f"选项 {option} 要写在命令名之前，如 branchctl {option}。"
        guesses = sorted(getattr(error, "possibilities", None) or [])
        guess = f"是不是要用 {' 或 '.join(guesses)}？" if guesses else ""
        return f"没有选项 {option}，{guess}用 {where} --help 查看全部选项。"
    if "BadOptionUsage" in names:
        option = getattr(error, "option_name", "")
        if "requires" in message:
            return f"选项 {option} 后面缺少值，{see}。"
        if "does not take a value" in message:
            return f"选项 {option} 不带值，请去掉“=”及其后面的内容。"
        return f"选项 {option} 的用法有误，{see}。"
    param = getattr(error, "param", None)
    if "MissingParameter" in names and param is not None:
        what = "选项" if param.param_type_name == "option" else "参数"
        label = _param_label(param).split(" ", 1)[1]
        return f"缺少{what} {label}{_param_what(param)}，{see}。"
    if "BadParameter" in names and param is not None:
        value, problem = _bad_value(message)
        label = _param_label(param)
        shown = f"“{value}”" if value is not None else ""
        if problem is not None:
            return f"{label} 的值{shown}无效：{problem}。"
        return f"{label} 的值{shown}无效：{_requirement(param.type)}。"
    m = re.match(r"^No such command (.+?)\.(?: Did you mean .*\?)?$", message, re.S)
    if m and ctx is not None:
        name = _unquote(m.group(1))
        commands = _commands_of(ctx)
        guesses = get_close_matches(name, commands)
        guess = f"是不是要用 {' 或 '.join(guesses)}？" if guesses else ""
        which = "可用的命令" if ctx.parent is None else f"{where} 可用的子命令"
        return f"没有命令“{name}”，{guess}{which}：{'、'.join(commands)}。"
    if message.startswith("Missing command") and ctx is not None:
        return f"缺少命令，可用的命令：{'、'.join(_commands_of(ctx))}。{see}。"
    m = re.match(r"^Got unexpected extra arguments?(?:\(s\))? \((.*)\)$", message, re.S)
    if m:
        return f"多余的参数“{m.group(1)}”（文件名含空格时请加引号），{see}。"
    return f"命令行写法有误，{see}。"


def main(argv: list[str] | None = None) -> None:
    """The ``branchctl`` entry point: run the app, turning click's usage errors into Chinese."""
    from branchctl.io.termination import handle_termination

    handle_termination()  # SIGTERM and SIGHUP unwind like Ctrl+C: no temporary file left
    args = _move_debug(list(sys.argv[1:] if argv is None else argv))
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="branchctl", standalone_mode=False)
    except BrokenPipeError:  # e.g. `branchctl rate x.xlsx | head`
        sys.stderr.close()
        return
    except Exception as e:
        names = {c.__name__ for c in type(e).__mro__}
        if "NoArgsIsHelpError" in names:  # bare `branchctl`: the help, as before
            e.show()  # type: ignore[attr-defined]
            sys.exit(2)
        if "UsageError" in names:
            sentence = _usage_sentence(e, _command_path(command, args), command)
            typer.echo(f"错误：{sentence}", err=True)
            sys.exit(2)
        if "FileError" in names:
            typer.echo(f"错误：无法打开文件“{getattr(e, 'filename', '')}”。", err=True)
            sys.exit(2)
        if "Exit" in names:
            sys.exit(getattr(e, "exit_code", 0))
        if "Abort" in names:
            typer.echo("已取消。", err=True)
            sys.exit(1)
        if _state["debug"]:
            traceback.print_exc()
        typer.echo(
            f"错误：程序内部出错（{type(e).__name__}: {e}），请加 --debug 重新运行并反馈。",
            err=True,
        )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


_Stage = Callable[[str], None]
