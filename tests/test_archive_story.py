"""Two quarters of a county clerk's work, end to end, on one real archive file.

roster → add (one township late, one sent back twice and resubmitted) → status → diff →
adjust → history flags → export → 通报 with the comparison with the quarter before.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from tests.archive_helpers import branches, cli, cli_json, with_stars, write_submission
from tests.builders import Layout, with_wrong_claim, write_workbook
from tests.validate_helpers import set_cell, submission

Q1_STARS = {
    "城关镇": [6, 5, 1, 3, 2],
    "青山乡": [3, 4, 5, 3, 0],
    "河西街道": [4, 4, 4, 4, 4],
    "石桥镇": [3, 3, 3, 3],
}
Q2_STARS = {"城关镇": [6, 5, 1, 3, 4], "青山乡": [3, 4, 5, 3, 0], "河西街道": [4, 2, 4, 4, 4]}
SEEDS = {"城关镇": 1, "青山乡": 2, "河西街道": 3, "石桥镇": 4}


def records(township: str, stars: list[int]) -> list[dict]:
    base = branches(township, len(stars), SEEDS[township])
    return [with_stars(r, n) for r, n in zip(base, stars, strict=True)]


def name(township: str, i: int) -> str:
    return branches(township, len(Q1_STARS[township]), SEEDS[township])[i]["党支部名称"]


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The archive after both quarters, and the folder of everything."""
    root = tmp_path_factory.mktemp("county")
    db = root / "县委组织部档案.db"
    (root / "名册.txt").write_text("城关镇\n青山乡\n河西街道\n石桥镇\n", "utf-8")
    (root / "名册.csv").write_text("序号,名称\n1,城关镇\n2,青山乡\n3,河西街道\n4,石桥镇\n", "gbk")

    # --- 2025年第一季度: three on time, 石桥镇 late
    q1 = root / "一季度"
    for township, stars in Q1_STARS.items():
        write_submission(q1 / f"{township}.xlsx", township, records(township, stars))
    assert cli(db, "archive", "roster", str(root / "名册.txt"), "--period", "2025Q1",
               "--deadline", "2025-04-10").exit_code == 0  # fmt: skip
    on_time = [str(q1 / f"{t}.xlsx") for t in ("城关镇", "青山乡", "河西街道")]
    first = cli(db, "archive", "add", *on_time, "--period", "2025Q1", "--received", "2025-04-08")
    assert first.exit_code == 0, first.output
    late = cli(db, "archive", "add", str(q1 / "石桥镇.xlsx"), "--period", "2025年一季度",
               "--received", "2025年4月15日")  # fmt: skip
    assert late.exit_code == 0, late.output

    # --- 2025年第二季度: the roster as a CSV saved by Excel in Chinese (GBK)
    assert cli(db, "archive", "roster", str(root / "名册.csv"), "--period", "2025年二季度",
               "--deadline", "2025-07-10").exit_code == 0  # fmt: skip
    q2 = root / "二季度"
    for township in ("城关镇", "河西街道"):
        write_submission(q2 / f"{township}.xlsx", township, records(township, Q2_STARS[township]))
        result = cli(db, "archive", "add", str(q2 / f"{township}.xlsx"), "--period", "2025Q2",
                     "--received", "2025-07-05")  # fmt: skip
        assert result.exit_code == 0, result.output

    # 青山乡, first try: a wrong star claim on branch 1, an unreadable mark on branch 3
    bad = records("青山乡", Q2_STARS["青山乡"])
    bad[1] = with_wrong_claim(bad[1], "星级")
    sheets = submission(bad, layout=Layout(org="青山乡党委"))
    set_cell(sheets[0], 3, "基本活动", "基本达标")
    write_workbook(q2 / "青山乡.xlsx", sheets)
    sent_back = cli(db, "archive", "add", str(q2 / "青山乡.xlsx"), "--period", "2025Q2",
                    "--received", "2025-07-06")  # fmt: skip
    assert sent_back.exit_code == 1

    # second try: the claim fixed; the mark still wrong (another word, and a blank row
    # inserted above moves it down); a new bad deadline in the problem list
    fixed = records("青山乡", Q2_STARS["青山乡"])
    sheets = submission(fixed, layout=Layout(org="青山乡党委", blank_rows={0}))
    set_cell(sheets[0], 3, "基本活动", "差不多")
    lists = sheets[1]
    lists.rows[lists.data_rows[0] - 1][lists.columns["完成时限"]] = "尽快"
    write_workbook(q2 / "青山乡（第二次）.xlsx", sheets)
    assert cli(db, "archive", "add", str(q2 / "青山乡（第二次）.xlsx"), "--period", "2025Q2",
               "--received", "2025-07-09").exit_code == 1  # fmt: skip
    (root / "diff.json").write_text(
        cli(db, "archive", "diff", "青山乡党委", "--period", "2025Q2", "--json").stdout, "utf-8"
    )
    status_mid = cli_json(db, "archive", "status", "--period", "2025Q2")
    (root / "status_mid.json").write_text(json.dumps(status_mid, ensure_ascii=False), "utf-8")

    # third try, after the deadline (a resubmission asked for: not late): clean
    write_submission(q2 / "青山乡（第三次）.xlsx", "青山乡", records("青山乡", Q2_STARS["青山乡"]))
    assert cli(db, "archive", "add", str(q2 / "青山乡（第三次）.xlsx"), "--period", "2025Q2",
               "--received", "2025-07-12").exit_code == 0  # fmt: skip
    return root, db


def test_status_after_two_quarters(county):
    root, db = county
    q1 = cli_json(db, "archive", "status", "--period", "2025Q1")
    assert q1 == {
        "period": "2025Q1",
        "townships": [
            {"name": "城关镇", "state": "已通过", "submissions": 1, "last": "2025-04-08",
             "late": False, "errors": 0},
            {"name": "青山乡", "state": "已通过", "submissions": 1, "last": "2025-04-08",
             "late": False, "errors": 0},
            {"name": "河西街道", "state": "已通过", "submissions": 1, "last": "2025-04-08",
             "late": False, "errors": 0},
            {"name": "石桥镇", "state": "已通过", "submissions": 1, "last": "2025-04-15",
             "late": True, "errors": 0},
        ],
    }  # fmt: skip
    mid = json.loads((root / "status_mid.json").read_text("utf-8"))
    assert mid["townships"][1] == {"name": "青山乡", "state": "退回修改", "submissions": 2,
                                   "last": "2025-07-09", "late": False, "errors": 2}  # fmt: skip
    q2 = cli_json(db, "archive", "status", "--period", "2025年第二季度")
    assert [(t["name"], t["state"], t["submissions"], t["late"]) for t in q2["townships"]] == [
        ("城关镇", "已通过", 1, False),
        ("青山乡", "已通过", 3, False),
        ("河西街道", "已通过", 1, False),
        ("石桥镇", "未报送", 0, True),
    ]
    text = cli(db, "archive", "status", "--period", "2025Q2").stdout
    assert "2025年第二季度报送情况（截止日期：2025-07-10）" in text
    assert "共 4 个：未报送 1 个，退回修改 0 个，已通过 3 个；逾期 1 个。" in text


def test_diff_matches_findings_by_code_sheet_branch_and_column(county):
    root, _ = county
    diff = json.loads((root / "diff.json").read_text("utf-8"))
    assert diff["township"] == "青山乡"
    assert [(f["code"], f["column"]) for f in diff["fixed"]] == [("stars-mismatch", "星级")]
    assert name("青山乡", 1) in diff["fixed"][0]["message"]
    # the same unreadable mark, now written differently and one row lower: still there
    [still] = diff["remaining"]
    assert (still["code"], still["column"], still["value"]) == ("bad-mark", "基本活动", "差不多")
    assert [(f["code"], f["value"]) for f in diff["new"]] == [("bad-date", "尽快")]
    assert set(still) == {"code", "severity", "sheet", "row", "column", "cell", "value", "message"}


def test_resubmitting_the_same_file_is_a_no_op_that_says_so(county):
    root, db = county
    again = cli(db, "archive", "add", str(root / "二季度" / "城关镇.xlsx"), "--period", "2025Q2")
    assert again.exit_code == 0
    assert "完全相同，未重复登记" in again.stdout
    status = cli_json(db, "archive", "status", "--period", "2025Q2")
    assert status["townships"][0]["submissions"] == 1


def test_adjust_history_export_and_bulletin(county, tmp_path):
    root, db = county
    promoted = name("青山乡", 0)
    reason = "破格晋升：获评省级先进基层党组织"
    result = cli(db, "archive", "adjust", promoted, "--period", "2025Q2", "--stars", "5",
                 "--reason", reason, "--by", "王明")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3星 → 5星" in result.stdout and "加强指导 → 重点对象" in result.stdout

    # history: the adjusted value, and the flags
    one = cli_json(db, "archive", "history", promoted)
    assert one == {
        "branches": [
            {"name": promoted, "party_org": "青山乡党委",
             "periods": [
                 {"period": "2025Q1", "stars": 3, "category": "加强指导", "level": "中间",
                  "adjusted": False},
                 {"period": "2025Q2", "stars": 5, "category": "重点对象", "level": "先进",
                  "adjusted": True},
             ],
             "flags": []}  # up two stars, but with a recorded reason
        ]
    }  # fmt: skip
    county_wide = cli_json(db, "archive", "history")
    flags = {b["name"]: b["flags"] for b in county_wide["branches"]}
    assert len(flags) == 19
    assert flags[name("城关镇", 2)] == ["weak-twice"]
    assert flags[name("青山乡", 4)] == ["weak-twice"]
    assert flags[name("城关镇", 4)] == ["star-jump"]  # 2 → 4 with no reason
    assert flags[name("河西街道", 1)] == []  # 摘星 breaks no rule
    assert all(f == [] for n, f in flags.items() if n.startswith("石桥"))
    org = cli_json(db, "archive", "history", "--org", "城关镇")
    assert [b["name"] for b in org["branches"]] == [name("城关镇", i) for i in range(5)]
    text = cli(db, "archive", "history", name("城关镇", 4)).stdout
    assert "授星" in text and "比上期升星超过一星且没有记录理由" in text

    log = cli(db, "archive", "log").stdout
    assert reason in log and "王明" in log and "2025年第二季度" in log

    # export: the ledger with 上期星级, 变动, 调整原因; the 趋势 with its chart
    out = tmp_path / "二季度全县台账.xlsx"
    exported = cli(db, "archive", "export", "--period", "2025Q2", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert "授星 2 个、摘星 1 个、持平 12 个" in exported.stdout
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["全县台账", "趋势", "报送情况"]
    ledger = list(wb["全县台账"].iter_rows(values_only=True))
    header = ledger[2]
    rows = {r[header.index("党支部名称")]: dict(zip(header, r, strict=True)) for r in ledger[3:]}
    assert len(rows) == 15
    row = rows[promoted]
    assert (row["星级"], row["定级类别"], row["上期星级"], row["变动"]) == (
        5,
        "重点对象",
        3,
        "授星",
    )
    assert row["调整原因"] == f"{reason}（核算3星）"
    down = rows[name("河西街道", 1)]
    assert (down["星级"], down["上期星级"], down["变动"]) == (2, 4, "摘星")
    assert rows[name("城关镇", 2)]["提示"] == "连续两期软弱涣散"
    trend = list(wb["趋势"].iter_rows(values_only=True))
    stars_header = next(r for r in trend if r[0] == "期次")  # the first table: by stars
    first = trend.index(stars_header)
    q1, q2 = trend[first + 1], trend[first + 2]
    assert (q1[0], q2[0]) == ("2025年第一季度", "2025年第二季度")
    total = stars_header.index("合计")
    assert (q1[total], q2[total]) == (19, 15)  # 石桥镇 has not sent its second quarter yet
    assert q2[stars_header.index("5星")] == 3  # two of 城关镇 and 青山乡, one adjusted
    assert len(wb["趋势"]._charts) == 1
    status = list(wb["报送情况"].iter_rows(values_only=True))
    assert ("石桥镇", "未报送", 0, None, "逾期", 0, None) in status

    # the bulletin: this quarter against the last, the flagged branches, the adjustment
    md = tmp_path / "通报.md"
    made = cli(db, "notice", "通报", "--archive", "--period", "2025Q2", "-o", str(md),
               "--set", "发文机关=中共某县委组织部")  # fmt: skip
    assert made.exit_code == 0, made.output
    text = md.read_text("utf-8")
    assert "## 五、与上期比较" in text
    assert "与2025年第一季度相比，授星党支部2个，摘星党支部1个，星级持平12个。" in text
    assert "| 青山乡 | 1 | 0 | 4 | 0 | 0 |" in text
    assert "| 合计 | 2 | 1 | 12 | 0 | 0 |" in text
    assert f"| {name('城关镇', 4)} | 4 | 加强指导 | 比上期升星超过一星且没有记录理由 |" in text
    assert f"{name('城关镇', 2)} | 1 | 软弱涣散 | 连续两期软弱涣散 |" in text
    assert f"{promoted}由3星调整为5星（{reason}）" in text
    assert "本次共评定党支部15个" in text and "## 七、下步工作要求" in text


def test_nothing_is_deleted_and_the_file_is_what_it_says(county):
    _, db = county
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM submissions").fetchone() == (9,)
        counts = conn.execute(
            "SELECT township, count(*) FROM submissions GROUP BY township ORDER BY township"
        ).fetchall()
    assert dict(counts)["青山乡"] == 4  # one in Q1, three in Q2: every one kept
    assert Path(db).read_bytes()[:16] == b"SQLite format 3\x00"
