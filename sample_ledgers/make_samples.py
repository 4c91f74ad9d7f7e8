"""Regenerate every sample ledger in this folder, and its README, deterministically.

Run from the repository root: ``.venv/bin/python -m sample_ledgers.make_samples``.
The expected outcomes in README.md are computed with ``tests.builders.expected_rating``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.builders import (
    ASPECT_GROUP,
    ASPECTS,
    EVERY_OTHER,
    EVERY_THIRD,
    Layout,
    SheetSpec,
    claim_differences,
    classification_sheet,
    expected_rating,
    instructions_sheet,
    is_met,
    is_vetoed,
    lists_combined_sheet,
    problem_sheet,
    responsibility_sheet,
    sample_branches,
    sample_problems,
    sample_work_items,
    scratch_sheet,
    task_sheet,
    with_claims,
    with_wrong_claim,
    work_ledger_sheet,
    write_workbook,
)

HERE = Path(__file__).resolve().parent


@dataclass
class Sample:
    file: str
    what: str  # one line: what the file is
    mess: list[str]  # what is messy in it
    sheets: list[SheetSpec]
    rated: str  # name of the per-branch sheet
    messy: bool = True


def chengguan() -> Sample:
    org = "城关镇党委"
    records = sample_branches(40, seed=101, townships=[org], small_branches=False)
    problems = sample_problems(records, seed=101)
    items = sample_work_items(records, seed=101)
    table = classification_sheet(records, Layout(org=org), name="附件1 分类定级表")
    sheets = [
        table,
        lists_combined_sheet(problems, Layout(org=org), name="附件3 三清单"),
        work_ledger_sheet(items, Layout(org=org, two_level=False), name="附件4 工作台账"),
    ]
    return Sample(
        "城关镇_规范台账.xlsx",
        "一份规范的乡镇报送：附件1 分类定级表（两级合并表头）、附件3 三清单合表、附件4 创建工作台账。",
        [
            "基本规范：首行“附件1”、合并标题、填报单位行、“六个方面达标情况”两级表头",
            "附件3 的问题与每个支部的未达标方面一一对应，每个问题都有任务、责任人和完成时限",
            "完成时限写法不一（2025年9月30日、2025/10/31、2025.12.31、2025年12月底、长期坚持、立行立改、日期）",
        ],
        sheets,
        table.name,
        messy=False,
    )


def qingshan() -> Sample:
    org = "青山乡党委"
    records = sample_branches(24, seed=202, townships=[org], veto_rate=0)
    # One vetoed branch (at an odd index, so its zero stars are written 无星).
    veto_at = next(i for i in range(1, 24, 2) if expected_rating(records[i])[0] >= 4)
    records[veto_at] = with_claims(records[veto_at] | {"负面清单": "班子不团结、内耗严重"})
    # One blank mark: the clerk left a met aspect empty; the claims count it as not met.
    blank_at = next(i for i in range(24) if i != veto_at and records[i]["基本活动"] is True)
    records[blank_at] = with_claims(records[blank_at] | {"基本活动": None})
    # Exactly three claims that disagree with the marks.
    free = [
        i
        for i in range(24)
        if i not in (veto_at, blank_at) and 2 <= expected_rating(records[i])[0] <= 5
    ]
    for i, column in zip((free[2], free[7], free[12]), ("星级", "定级类别", "等次"), strict=True):
        records[i] = with_wrong_claim(records[i], column)
    records[free[7]]["备注"] = "=请核实"
    layout = Layout.messy(
        org=org,
        blank_rows=frozenset({3, 8, 15}),
        groups={ASPECT_GROUP: ASPECTS, "评定结果": ("星级", "定级类别", "等次")},
        fill_row=f"填报单位（盖章）：{org}            填报时间：2025年6月28日",
    )
    table = classification_sheet(records, layout, name="Sheet1")
    sheets = [instructions_sheet(), table, scratch_sheet("草稿", hidden=True)]
    return Sample(
        "青山乡_分类定级表.xlsx",
        "一份不规范的乡镇分类定级表（附件1），前有填表说明，后有隐藏的草稿表。",
        [
            "第一张表是纯文字的“填表说明”；定级表的工作表名是 Sheet1",
            "表格从 B 列开始；两级合并表头（“六个方面达标情况”“评定结果”）",
            "表头用同义词（所属党委、支部名称、所属领域、基本队伍、评定星级、类别、先进中间后进），"
            "有空格（支 部 名 称）、换行（党员人数↵（人））和单位（支委人数（人））",
            "人数有全角数字（１２）和带单位（12人）；星级写法混杂（四星、★★★、5星、四星级、无星）；"
            "达标标记混杂（√ × 是 否 ✓ ✗ 达标 未达标）",
            "名称前后有多余空格；数据之间有空行；表尾有“合计”行、填报人和说明行",
            "一个支部有负面清单（一票否决）；一个支部有一项标记空白；一处备注写作“=请核实”（文本）",
            "隐藏工作表“草稿”里是统计草稿，不是台账",
        ],
        sheets,
        table.name,
    )


def hexi() -> Sample:
    org = "河西街道党工委"
    records = sample_branches(30, seed=303, townships=[org])
    for i, column in ((5, "星级"), (21, "定级类别")):
        records[i] = with_wrong_claim(records[i], column)
    layout = Layout(
        org=org,
        two_level=False,
        synonyms={
            "所属党组织": "乡镇（街道）",
            "党支部名称": "党组织名称",
            "支部类型": "类型",
            "支部书记": "书记姓名",
            "星级": "自评星级",
            "定级类别": "分类",
        },
        unit_headers=True,
        counts_as_text=EVERY_THIRD,
        star_style="chinese_ji",
        zero_stars="无星",
        mark_style="yesno",
        blank_rows=frozenset({10, 20}),
        totals_row=True,
        totals_label="总计",
        footer=True,
    )
    table = classification_sheet(records, layout, name="河西街道")
    return Sample(
        "河西街道_分类定级表.xls",
        "旧版 Excel 97-2003（.xls）格式的街道分类定级表（附件1）。",
        [
            "单行表头，无“六个方面达标情况”分组",
            "表头同义词：乡镇（街道）、党组织名称、类型、书记姓名、自评星级、分类；人数列带单位（党员人数（人））",
            "星级写作“四星级”，零星写作“无星”；标记写作“是/否”；部分人数是文本",
            "数据之间有空行，表尾有“总计”行、填报人和说明行",
        ],
        [table],
        table.name,
    )


def shiqiao() -> Sample:
    org = "石桥镇党委"
    records = sample_branches(25, seed=404, townships=[org])
    records[13] = with_wrong_claim(records[13], "等次")
    layout = Layout(
        org=org,
        leading_blank_rows=1,
        synonyms={
            "所属党组织": "上级党组织",
            "党支部名称": "支部名称",
            "支部类型": "领域",
            "组织队伍": "基本队伍",
            "等次": "先进中间后进",
        },
        linebreak_headers=True,
        fullwidth_digits=True,
        stray_spaces=EVERY_OTHER,
        star_style="black",
        zero_stars="无星",
        mark_style="dabiao",
        footer=True,
    )
    table = classification_sheet(records, layout, name="分类定级")
    return Sample(
        "石桥镇_分类定级表.ods",
        "OpenDocument（.ods，WPS/LibreOffice 另存）格式的乡镇分类定级表（附件1）。",
        [
            "填报单位行和表头之间有一个空行；两级合并表头",
            "表头同义词：上级党组织、支部名称、领域、基本队伍、先进中间后进；人数列表头换行（党员人数↵（人））",
            "人数全部是全角数字文本（１２）；星级写作★★★★，零星写作“无星”；标记写作“达标/未达标”",
            "隔行的支部名称、书记姓名前后有多余空格（含全角空格）；表尾有填报人和说明行",
        ],
        [table],
        table.name,
    )


def liulin() -> Sample:
    org = "柳林镇党委"
    records = sample_branches(20, seed=505, townships=[org], small_branches=False)
    problems = sample_problems(records, seed=505)
    items = sample_work_items(records, seed=505)
    single = Layout(org=org, two_level=False)
    table = classification_sheet(records, Layout(org=org), name="分类定级表")
    sheets = [
        table,
        problem_sheet(problems, single, name="问题清单"),
        task_sheet(problems, single, name="任务清单"),
        responsibility_sheet(problems, single, name="责任清单"),
        work_ledger_sheet(items, single, name="工作台账"),
    ]
    return Sample(
        "柳林镇_三清单分表.xlsx",
        "附件1 分类定级表，附件3 分为问题清单、任务清单、责任清单三张表（按序号关联），附件4 工作台账。",
        [
            "任务清单以“对应问题序号”关联问题清单，责任清单以“对应任务序号”关联任务清单",
            "查摆时间、销号时间为 Excel 日期；完成时限写法不一",
        ],
        sheets,
        table.name,
        messy=False,
    )


SAMPLES: list[Callable[[], Sample]] = [chengguan, qingshan, hexi, shiqiao, liulin]


def describe(sample: Sample) -> list[str]:
    """README lines for one sample, computed from its records with expected_rating."""
    table = next(s for s in sample.sheets if s.name == sample.rated)
    ratings = [expected_rating(r) for r in table.records]
    stars = Counter(r[0] for r in ratings)
    categories = Counter(r[1] for r in ratings)
    all_met = [all(is_met(r.get(a)) for a in ASPECTS) for r in table.records]
    vetoed_all_met = sum(m and is_vetoed(r) for m, r in zip(all_met, table.records, strict=True))
    lines = [
        f"### {sample.file}",
        "",
        sample.what,
        "",
        "不规范之处：" if sample.messy else "要点：",
        "",
        *[f"- {m}" for m in sample.mess],
        "",
        f"预期评定结果（工作表“{table.name}”）：",
        "",
        f"- 党支部 {len(ratings)} 个；按星级："
        + "，".join(f"{n}星 {stars[n]} 个" for n in range(6, -1, -1) if stars[n]),
        "- 按类别："
        + "，".join(
            f"{c} {categories[c]} 个"
            for c in ("示范点", "重点对象", "加强指导", "软弱涣散")
            if categories[c]
        ),
        f"- 六个方面全部达标 {sum(all_met)} 个"
        + (f"（其中 {vetoed_all_met} 个被负面清单否决）" if vetoed_all_met else ""),
    ]
    for i, r in enumerate(table.records):
        if is_vetoed(r):
            lines.append(
                f"- 负面清单否决：第 {table.data_rows[i]} 行 {r['党支部名称']}（{r['负面清单']}），0 星、软弱涣散、后进"
            )
        blanks = [a for a in ASPECTS if r.get(a) is None]
        if blanks:
            lines.append(
                f"- 标记空白：第 {table.data_rows[i]} 行 {r['党支部名称']} 的“{'、'.join(blanks)}”（按未达标计，并提示）"
            )
    wrong = [(i, claim_differences(r)) for i, r in enumerate(table.records)]
    wrong = [(i, cols) for i, cols in wrong if cols]
    lines.append(f"- 自评与核算不一致 {len(wrong)} 处" + ("：" if wrong else "（rate 退出码 0）"))
    for i, cols in wrong:
        stars_, category, level = ratings[i]
        computed = {"星级": f"{stars_}星", "定级类别": category, "等次": level}
        for col in cols:
            lines.append(
                f"  - 第 {table.data_rows[i]} 行 {table.records[i]['党支部名称']}："
                f"{col}填“{table.cell(i, col)}”，核算为“{computed[col]}”"
            )
    if wrong:
        lines.append("  - 因此 `branchctl rate` 退出码为 1")
    return [*lines, ""]


README_HEAD = """# 示例台账

本目录的工作簿由 `make_samples.py` 生成（数据虚构，人名、电话均为示例），用于演示和测试。
修改后请在仓库根目录重新生成：

```
.venv/bin/python -m sample_ledgers.make_samples
```

下列预期结果由脚本按六星级规则（每达标一个方面计 1 星；6 星示范点，5 星重点对象，3–4 星加强指导，
0–2 星软弱涣散；5–6 星先进，3–4 星中间，0–2 星后进；有负面清单的直接 0 星、软弱涣散、后进）计算得出。
行号是 Excel 行号。填报时间均为 2025 年 6 月，校验完成时限时请加 `--as-of 2025-06-30`。

"""


def main() -> None:
    readme = [README_HEAD]
    for make in SAMPLES:
        sample = make()
        path = write_workbook(HERE / sample.file, sample.sheets)
        size = path.stat().st_size
        if size > 200_000:
            raise SystemExit(f"{path.name} is {size} bytes, over the 200 KB budget")
        readme.append("\n".join(describe(sample)))
        print(f"{path.name}: {size // 1024} KB")
    (HERE / "README.md").write_text("\n".join(readme).rstrip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
