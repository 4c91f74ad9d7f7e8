"""Terminal text for results: short Chinese summaries built with tabulate. Returns strings only."""

from __future__ import annotations

from tabulate import tabulate

from branchctl.forms.values import name_key
from branchctl.jobs.rate import RateReport
from branchctl.rules.results import RatingResult
from branchctl.rules.scoring import number_text

MAX_LISTED = 30


def rating_text(report: RateReport) -> str:
    result = report.result
    s = report.summary or result.summary()
    total = s["total"]
    lines = [
        f"文件：{result.path.name}    规则：{result.rubric.title}（{result.rubric.name}）",
        f"参评支部 {total} 个，达标 {s['standard_count']} 个（{s['standard_rate']:.1%}），"
        f"自评与核算不符 {s['mismatches']} 个。",
        "",
    ]
    star_rows = [[f"{k}星", n] for k, n in s["by_stars"].items()]
    cat_rows = [[k, n] for k, n in s["by_category"].items()]
    lines.append(tabulate(star_rows, headers=["星级", "支部数"], tablefmt="simple"))
    lines.append("")
    lines.append(tabulate(cat_rows, headers=["定级类别", "支部数"], tablefmt="simple"))
    lines += _rubric_lines(result)  # quota moves, months counted, ranking (some rubrics)
    mismatched = [b for b in result.branches if b.mismatch]
    if mismatched:
        lines += ["", "自评与核算不符的支部："]
        rows = [[b.sheet, b.row, b.name, b.check_text()] for b in mismatched[:MAX_LISTED]]
        lines.append(
            tabulate(rows, headers=["工作表", "行", "党支部名称", "核对结果"], tablefmt="simple")
        )
        if len(mismatched) > MAX_LISTED:
            lines.append(f"……另有 {len(mismatched) - MAX_LISTED} 个，见批注工作簿。")
    warned = [b for b in result.branches if b.warnings and not b.veto]
    vetoed = [b for b in result.branches if b.veto]
    if vetoed:
        lines.append("")
        lines.append(
            f"负面清单一票否决 {len(vetoed)} 个：" + "、".join(b.name for b in vetoed[:MAX_LISTED])
        )
    if warned:
        lines.append("")
        lines.append(f"提示 {sum(len(b.warnings) for b in warned)} 条，例如：")
        for b in warned[:5]:
            lines.append(f"  {b.sheet} 第{b.row}行 {b.name}：{'；'.join(b.warnings)}")
    if report.bottom:
        lines += ["", f"倒排最弱的 {len(report.bottom)} 个支部："]
        rows = [
            [
                i,
                b.party_org or "",
                b.name,
                b.stars,
                len(b.unmet),
                report.overdue.get(name_key(b.name), 0),
            ]
            for i, b in enumerate(report.bottom, 1)
        ]
        headers = ["名次", "所属党组织", "党支部名称", "星级", "未达标方面数", "逾期任务数"]
        lines.append(tabulate(rows, headers=headers))
    if report.out is not None:
        lines += ["", f"已写出批注工作簿：{report.out}"]
    return "\n".join(lines)


MAX_RANKED = 10


def _rubric_lines(result: RatingResult) -> list[str]:
    lines: list[str] = []
    for note in result.notes:
        lines += ["", note]
    if result.rubric.ranking and result.branches:
        ranked = sorted(result.branches, key=lambda b: (b.rank or 0, b.sheet, b.row))
        rows = [
            [b.rank, b.name, b.stars, number_text(b.score), b.category] for b in ranked[:MAX_RANKED]
        ]
        lines += ["", f"排名（前{min(MAX_RANKED, len(ranked))}名，完整排名见汇总表）："]
        lines.append(tabulate(rows, headers=["名次", "名称", "星级", "得分", "定级类别"]))
    return lines
