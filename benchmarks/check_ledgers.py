"""Check generated ledgers against their sidecars, reading them back with python-calamine alone.

Independent of branchctl: it parses the documented layout by hand (merges, Excel rows, marks,
counts with `人` or full-width digits, star text) and recomputes what the generator promised.

    python benchmarks/check_ledgers.py benchmarks/out/ledger_1000.xlsx benchmarks/out/townships_30
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from python_calamine import CalamineWorkbook

ASPECTS = ["基本组织", "组织队伍", "基本活动", "基本制度", "基本保障", "发挥作用"]
MET = {"√", "是"}
NOT_MET = {"×", "否"}
CN = {c: i for i, c in enumerate("零一二三四五六")}
FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def category_of(stars: int) -> str:
    return {6: "示范点", 5: "重点对象", 4: "加强指导", 3: "加强指导"}.get(stars, "软弱涣散")


def level_of(stars: int) -> str:
    return "先进" if stars >= 5 else "中间" if stars >= 3 else "后进"


def parse_count(v) -> int:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    text = str(v).translate(FULL_WIDTH).strip().removesuffix("人")
    if not text.isdigit():
        raise ValueError(f"bad count {v!r}")
    return int(text)


def parse_stars(v) -> int:
    if isinstance(v, float):
        return int(v)
    text = str(v).strip()
    if text in ("无星", "0"):
        return 0
    if set(text) == {"★"}:
        return len(text)
    m = re.fullmatch(r"([0-6零一二三四五六])星", text)
    if not m:
        raise ValueError(f"bad stars {v!r}")
    d = m.group(1)
    return int(d) if d.isdigit() else CN[d]


def find_branch_sheet(wb: CalamineWorkbook):
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        if rows and len(rows[0]) > 1 and rows[0][1] == "附件1":
            return name, sheet, rows
    raise AssertionError("no 附件1 sheet")


def header_names(rows: list[list]) -> list[str]:
    """Column names of a two-level header at Excel rows 4-5, table from column B."""
    top, sub = rows[3], rows[4]
    return [sub[c] or top[c] for c in range(1, len(top))]


def check_branch_sheet(path: Path, meta: dict, problems: list[str]) -> dict:
    wb = CalamineWorkbook.from_path(str(path))
    name, sheet, rows = find_branch_sheet(wb)
    layout = meta["layout"]
    width = len(rows[0])
    if width != 21:
        problems.append(f"{path.name}: width {width}, want 21 (A + B:U)")
    merges = {(a, b) for a, b in sheet.merged_cell_ranges}
    want = {((1, 1), (1, 20)), ((2, 1), (2, 20)), ((3, 10), (3, 15))}
    want |= {((3, c), (4, c)) for c in list(range(1, 10)) + list(range(16, 21))}
    want.add(((layout["totals_row"] - 1, 1), (layout["totals_row"] - 1, 4)))
    want |= {((r - 1, 1), (r - 1, 20)) for r in layout["footer_rows"]}
    if merges != want:
        problems.append(
            f"{path.name}: merges differ: extra {merges - want}, missing {want - merges}"
        )
    if rows[0][1] != "附件1" or not str(rows[2][1]).startswith("填报单位（盖章）："):
        problems.append(f"{path.name}: preamble rows wrong")
    cols = header_names(rows)
    if rows[3][10] != "六个方面达标情况" or cols[9:15] != ASPECTS:
        problems.append(f"{path.name}: aspect header wrong: {rows[3][10]!r} {cols[9:15]}")
    for r in layout["blank_rows"]:
        if any(v != "" for v in rows[r - 1]):
            problems.append(f"{path.name}: row {r} should be blank")
    total_row = rows[layout["totals_row"] - 1]
    if total_row[1] != "合计" or not isinstance(total_row[5], float):
        problems.append(f"{path.name}: totals row wrong: {total_row[:6]}")
    for r, prefix in zip(layout["footer_rows"], ("填报人：", "说明："), strict=True):
        if not str(rows[r - 1][1]).startswith(prefix):
            problems.append(f"{path.name}: footer row {r} wrong")

    seen: set[str] = set()
    by_stars: Counter[str] = Counter()
    wrong_rows, branches, standard = [], {}, 0
    seq = 0
    for r in range(layout["first_data_row"], layout["totals_row"]):
        row = rows[r - 1]
        if r in layout["blank_rows"]:
            continue
        seq += 1
        if row[1] != float(seq):
            problems.append(f"{path.name}: row {r} 序号 {row[1]!r}, want {seq}")
        bname = row[3]
        if bname in seen:
            problems.append(f"{path.name}: duplicate branch {bname}")
        seen.add(bname)
        members, formal, prob, committee = (parse_count(v) for v in row[5:9])
        if members != formal + prob:
            problems.append(f"{path.name}: row {r} 党员人数 != 正式 + 预备")
        marks = row[10:16]
        if not set(marks) <= MET | NOT_MET:
            problems.append(f"{path.name}: row {r} bad marks {marks}")
        met = [m in MET for m in marks]
        if met[0] != (formal >= 3 and (formal < 7 or 3 <= committee <= 7)):
            problems.append(f"{path.name}: row {r} 基本组织 mark disagrees with its data")
        veto = row[16] not in ("无", "")
        stars = 0 if veto else sum(met)
        standard += all(met) and not veto  # a veto: 0 stars, not 达标
        by_stars[str(stars)] += 1
        claims = (parse_stars(row[17]), row[18], row[19])
        if claims != (stars, category_of(stars), level_of(stars)):
            wrong_rows.append(r)
        branches[bname] = met
    expected = meta["expected"]
    got = {
        "total": seq,
        "by_stars": {str(s): by_stars.get(str(s), 0) for s in range(7)},
        "standard_count": standard,
        "wrong_claims": len(wrong_rows),
    }
    for key, value in got.items():
        if expected[key] != value:
            problems.append(f"{path.name}: {key} {value}, sidecar says {expected[key]}")
    if "wrong_rows" in meta and meta["wrong_rows"] != wrong_rows:
        problems.append(f"{path.name}: wrong rows differ from sidecar")
    return {"sheet": name, "branches": branches, "wb": wb, **got}


def check_lists(path: Path, wb: CalamineWorkbook, branches: dict, problems: list[str]) -> int:
    """附件3 has one problem per unmet aspect; 附件4 closed rows carry a 销号时间."""
    found = {}
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if rows and len(rows[0]) > 1 and rows[0][1] in ("附件3", "附件4"):
            found[rows[0][1]] = rows
    if set(found) != {"附件3", "附件4"}:
        problems.append(f"{path.name}: sheets 附件3/附件4 missing: {sorted(found)}")
        return 0
    rows3 = found["附件3"]
    start = 5 if rows3[4][1] == "" else 4  # two-level header leaves B5 empty (merged down)
    listed = Counter()
    for row in rows3[start:]:
        if isinstance(row[1], float):
            if row[2] not in branches:
                problems.append(f"{path.name}: 附件3 unknown branch {row[2]}")
            listed[(row[2], row[3])] += 1
            if row[8] in ("", None):
                problems.append(f"{path.name}: 附件3 row without deadline")
    want = Counter(
        {
            (b, a): 1
            for b, met in branches.items()
            for a, m in zip(ASPECTS, met, strict=True)
            if not m
        }
    )
    if listed != want:
        problems.append(f"{path.name}: 附件3 problems differ from unmet aspects")
    closed = 0
    for row in found["附件4"][4:]:
        if isinstance(row[1], float) and row[6] == "已完成":
            closed += 1
            if row[7] in ("", None):
                problems.append(f"{path.name}: 附件4 closed task without 销号时间")
    return sum(listed.values())


def check_path(target: Path) -> list[str]:
    problems: list[str] = []
    if target.is_dir():
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        for meta in manifest["files"]:
            path = target / meta["file"]
            result = check_branch_sheet(path, meta, problems)
            n = check_lists(path, result["wb"], result["branches"], problems)
            if n != meta["problems"]:
                problems.append(f"{path.name}: {n} problems, manifest says {meta['problems']}")
        print(f"{target}: {len(manifest['files'])} files, {manifest['branches']} branches checked")
        return problems
    meta = json.loads(target.with_suffix(".meta.json").read_text(encoding="utf-8"))
    result = check_branch_sheet(target, meta, problems)
    if meta.get("kind") == "township-sample":
        check_lists(target, result["wb"], result["branches"], problems)
    print(
        f"{target}: {result['total']} branches, {result['wrong_claims']} wrong claims, "
        f"stars {result['by_stars']}"
    )
    return problems


def main(argv: list[str]) -> int:
    problems: list[str] = []
    for arg in argv:
        problems += check_path(Path(arg))
    for p in problems[:50]:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
