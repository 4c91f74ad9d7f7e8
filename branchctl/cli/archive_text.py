"""Terminal text of the ``archive`` commands: short Chinese summaries. Returns strings only."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tabulate import tabulate

from branchctl.archive.store import AdjustmentRow, FindingRow
from branchctl.findings.catalogue import entry
from branchctl.jobs.archive import Adjustment, DiffReport, RosterReport
from branchctl.jobs.archive_add import AddReport
from branchctl.jobs.archive_history import HistoryReport
from branchctl.rules.history import CHANGES, FLAGS, PeriodPicture
from branchctl.rules.submissions import STATES, StatusReport

MAX_ROWS = 500  # branches listed on the terminal; --json and export have them all


def add_text(report: AddReport) -> str:
    lines = [f"{f.path.name}：{f.message}" for f in report.files]
    counts = Counter(f.result for f in report.files)
    recorded = counts["recorded"] + counts["resubmitted"]
    parts = [f"登记 {recorded} 个（其中重新报送 {counts['resubmitted']} 个）"]
    if counts["duplicate"]:
        parts.append(f"与已登记文件相同、未重复登记 {counts['duplicate']} 个")
    if counts["unmatched"]:
        parts.append(f"无法确定报送单位、未登记 {counts['unmatched']} 个")
    if counts["unreadable"]:
        parts.append(f"无法读取 {counts['unreadable']} 个")
    sent_back = sum(1 for f in report.files if f.result in ("recorded", "resubmitted") and f.errors)
    if sent_back:
        parts.append(f"需退回修改 {sent_back} 个")
    lines += [
        "",
        f"{report.period.label}：共 {len(report.files)} 个文件，" + "，".join(parts) + "。",
    ]
    lines.append(f"档案：{report.db}")
    return "\n".join(lines)


def roster_text(report: RosterReport) -> str:
    replaced = f"（替换原名册的 {report.replaced} 个）" if report.replaced else ""
    due = report.deadline.isoformat() if report.deadline else "未设定"
    return (
        f"已登记{report.period.label}名册：{len(report.townships)} 个乡镇（街道）{replaced}，"
        f"报送截止日期：{due}。\n" + "、".join(report.townships)
    )


def status_text(report: StatusReport) -> str:
    due = report.deadline.isoformat() if report.deadline else "未设定"
    rows = [
        [t.name, t.state, t.submissions, t.last or "—", "逾期" if t.late else "",
         t.errors if t.submissions else "—", "" if t.on_roster else "不在名册"]
        for t in report.townships
    ]  # fmt: skip
    counts = Counter(t.state for t in report.townships)
    late = sum(1 for t in report.townships if t.late)
    summary = "，".join(f"{state} {counts[state]} 个" for state in STATES)
    return "\n".join(
        [
            f"{report.period.label}报送情况（截止日期：{due}）",
            tabulate(
                rows,
                headers=["乡镇（街道）", "状态", "报送次数", "最近报送", "逾期", "错误", "备注"],
            ),
            "",
            f"共 {len(report.townships)} 个：{summary}；逾期 {late} 个。",
        ]
    )


def _where(f: FindingRow) -> str:
    if not f.sheet:
        return "整个文件"
    return f"{f.sheet}!{f.cell}" if f.cell else f"{f.sheet} 第{f.row}行" if f.row else f.sheet


def _findings(title: str, items: list[FindingRow]) -> list[str]:
    lines = ["", f"{title}（{len(items)} 条）"]
    if items:
        rows = [[_where(f), entry(f.code).title, f.message] for f in items]
        lines.append(tabulate(rows, headers=["位置", "问题", "说明"]))
    return lines


def diff_text(report: DiffReport) -> str:
    latest, previous = report.latest, report.previous
    head = f"{report.township}{report.period.label}最近一次报送：{latest.file_name}（{latest.received_on}）"
    if previous is None:
        return "\n".join(
            [head, "只有这一次报送，没有可对比的上一次；其中的问题都算新出现。"]
            + _findings("新出现", report.new)
        )
    lines = [head, f"上一次报送：{previous.file_name}（{previous.received_on}）"]
    lines += _findings("已改正", report.fixed)
    lines += _findings("仍存在", report.remaining)
    lines += _findings("新出现", report.new)
    return "\n".join(lines)


def history_text(report: HistoryReport) -> str:
    if len(report.branches) == 1:
        return _one_history(report)
    keys = [p.key for p in report.periods]
    rows = []
    for b in report.branches[:MAX_ROWS]:
        stars = {s.period.key: f"{s.stars}{'*' if s.adjusted else ''}" for s in b.standings}
        last = b.changes()[-1] or ""
        rows.append(
            [b.party_org, b.name, *[stars.get(k, "") for k in keys], last,
             "、".join(FLAGS[f] for f in b.flags)]
        )  # fmt: skip
    lines = [tabulate(rows, headers=["所属党组织", "党支部名称", *keys, "最近变动", "提示"])]
    if len(report.branches) > MAX_ROWS:
        lines.append(
            f"……共 {len(report.branches)} 个党支部，只显示前 {MAX_ROWS} 个；全部内容用 --json，"
            "或用 --org 指定乡镇（街道）。"
        )
    flagged = Counter(f for b in report.branches for f in b.flags)
    if flagged:
        lines += [
            "",
            "提示：" + "，".join(f"{FLAGS[f]} {flagged[f]} 个" for f in FLAGS if flagged[f]) + "。",
        ]
    if any(s.adjusted for b in report.branches for s in b.standings):
        lines.append("星级后带 * 的是经调整的结果（理由见 archive log）。")
    return "\n".join(lines)


def _one_history(report: HistoryReport) -> str:
    b = report.branches[0]
    rows = []
    for s, change in zip(b.standings, b.changes(), strict=True):
        reason = s.reason if s.adjusted else ""
        rows.append([s.period.label, s.stars, s.category, s.level, change or "—", reason or ""])
    lines = [
        f"{b.party_org} {b.name}",
        tabulate(rows, headers=["期次", "星级", "定级类别", "等次", "变动", "调整理由"]),
    ]
    if b.flags:
        lines += ["", "提示：" + "；".join(FLAGS[f] for f in b.flags) + "。"]
    return "\n".join(lines)


def adjust_text(a: Adjustment) -> str:
    by = f"，调整人：{a.by}" if a.by else ""
    text = (
        f"已记录调整：{a.township} {a.name} {a.period.label} {a.previous_stars}星 → {a.stars}星"
        f"（{a.previous_category} → {a.category}，{a.level}），理由：{a.reason}{by}。"
    )
    return text + (f"\n提示：{a.note}。" if a.note else "")


def log_text(rows: list[AdjustmentRow]) -> str:
    if not rows:
        return "档案中还没有调整记录。"
    table = [
        [r.recorded_at, r.period_label, r.township, r.name, f"{r.previous_stars}星 → {r.stars}星",
         r.category, r.reason, r.by_name or ""]
        for r in rows
    ]  # fmt: skip
    headers = ["记录时间", "期次", "乡镇（街道）", "党支部名称", "调整", "类别", "理由", "调整人"]
    return tabulate(table, headers=headers) + f"\n\n共 {len(rows)} 条调整记录（从不删除）。"


def export_text(picture: PeriodPicture, out: Path) -> str:
    counts: Counter[str] = Counter()
    for _, c in picture.changes_by_township():
        counts.update(c)
    if picture.previous is None:
        compared = "档案中没有更早的评定，未与上期对比"
    else:
        changes = "、".join(f"{k} {counts[k]} 个" for k in (*CHANGES, "撤销") if counts[k])
        compared = f"与{picture.previous.label}相比：{changes or '无变动'}"
    return (
        f"已导出{picture.period.label}全县台账：{out}（{len(picture.rows)} 个党支部；{compared}）。"
    )
