"""`branchctl archive` at the edges: what a clerk mistypes, and what each command shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from branchctl.cli.archive import COMMANDS
from tests.archive_helpers import branches, cli, cli_json, with_stars, write_submission

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Two quarters of two townships; 城关镇 and 青山乡 both have a 东风 branch."""
    root = tmp_path_factory.mktemp("archive")
    db = root / "档案.db"
    roster = root / "名册.txt"
    roster.write_text("城关镇\n青山乡\n", "utf-8")
    for period, stars in (("2025Q1", 2), ("2025Q2", 4)):
        assert cli(db, "archive", "roster", str(roster), "--period", period).exit_code == 0
        for town, seed in (("城关镇", 1), ("青山乡", 2)):
            records = [with_stars(r, stars) for r in branches(town, 3, seed)]
            records[0] = {**records[0], "党支部名称": "东风党支部"}
            path = write_submission(root / period / f"{town}.xlsx", town, records)
            result = cli(db, "archive", "add", str(path), "--period", period)
            assert result.exit_code == 0, result.output
    return root, db


def _error(result) -> str:
    assert result.exit_code == 2, result.output
    [line] = result.stderr.strip().splitlines()
    return line


def test_adjust_needs_one_branch_a_reason_and_stars_in_range(archive):
    _, db = archive
    base = ["archive", "adjust", "--period", "2025Q2", "--stars", "5", "--reason", "破格"]
    assert _error(cli(db, *base[:2], "没有这个党支部", *base[2:])) == (
        "错误：2025年第二季度档案中没有党支部“没有这个党支部”。"
    )
    assert _error(cli(db, *base[:2], "东风党支部", *base[2:])) == (
        "错误：2025年第二季度有2个党支部叫“东风党支部”（城关镇、青山乡），请用 --org 指明是哪个。"
    )
    assert "请用 --reason 写明调整的理由" in _error(
        cli(
            db,
            "archive",
            "adjust",
            "东风党支部",
            "--org",
            "青山乡",
            "--period",
            "2025Q2",
            "--stars",
            "5",
            "--reason",
            "  ",
        )  # fmt: skip
    )
    assert (
        _error(
            cli(
                db,
                "archive",
                "adjust",
                "东风党支部",
                "--org",
                "青山乡",
                "--period",
                "2025Q2",
                "--stars",
                "7",
                "--reason",
                "x",
            )  # fmt: skip
        )
        == "错误：--stars 应为 0 到 6 之间的整数。"
    )
    assert "档案中还没有2025年第三季度的名册或报送" in _error(
        cli(
            db,
            "archive",
            "adjust",
            "东风党支部",
            "--period",
            "2025Q3",
            "--stars",
            "1",
            "--reason",
            "x",
        )  # fmt: skip
    )


def test_decisions_stack_and_the_newest_counts(archive):
    _, db = archive
    for stars, reason in ((6, "公示前更正"), (5, "公示期间群众反映，改回5星")):
        result = cli(db, "archive", "adjust", "东风党支部", "--org", "青山乡党委", "--period",
                     "2025Q2", "--stars", str(stars), "--reason", reason)  # fmt: skip
        assert result.exit_code == 0, result.output
    log = cli_json(db, "archive", "log", "--period", "2025Q2")["decisions"]
    assert [(d["previous_stars"], d["stars"], d["reason"]) for d in log[-2:]] == [
        (4, 6, "公示前更正"),
        (6, 5, "公示期间群众反映，改回5星"),
    ]
    history = cli_json(db, "archive", "history", "东风党支部", "--org", "青山乡")["branches"]
    assert [(p["stars"], p["adjusted"]) for p in history[0]["periods"]] == [(2, False), (5, True)]
    assert history[0]["flags"] == []  # 2 → 5, but decided with a reason
    text = cli(db, "archive", "log").stdout
    assert "公示期间群众反映，改回5星" in text and "从不删除" in text


def test_history_of_everyone_and_its_text(archive):
    _, db = archive
    data = cli_json(db, "archive", "history")
    assert len(data["branches"]) == 6
    assert all(set(b) == {"name", "party_org", "periods", "flags"} for b in data["branches"])
    both = [b for b in data["branches"] if b["name"] == "东风党支部"]
    assert [b["party_org"] for b in both] == ["城关镇党委", "青山乡党委"]
    text = cli(db, "archive", "history").stdout
    assert "2025Q1" in text and "2025Q2" in text and "最近变动" in text
    assert "连续两期软弱涣散" not in text  # 2 stars then 4: weak once only
    assert "比上期升星超过一星且没有记录理由" in text
    assert (
        _error(cli(db, "archive", "history", "西风党支部"))
        == "错误：档案中没有党支部“西风党支部”的评定记录。"
    )


def test_diff_and_status_name_the_township_or_say_which_exist(archive):
    _, db = archive
    assert _error(cli(db, "archive", "diff", "柳林镇", "--period", "2025Q2")) == (
        "错误：2025年第二季度没有“柳林镇”；本期的乡镇（街道）：城关镇、青山乡。"
    )
    only = cli(db, "archive", "diff", "城关镇", "--period", "2025Q2")
    assert only.exit_code == 0 and "只有这一次报送" in only.stdout
    assert _error(cli(db, "archive", "status", "--period", "下季度")).startswith(
        "错误：期次“下季度”无法识别"
    )


def test_export_and_notice_refuse_what_they_cannot_do(archive, tmp_path):
    _, db = archive
    csv = tmp_path / "a.csv"
    assert _error(cli(db, "archive", "export", "--period", "2025Q2", "-o", str(csv))) == (
        f"错误：文件“{csv}”：导出文件应以 .xlsx 结尾。"
    )
    assert "--archive 需要 --period" in _error(cli(db, "notice", "通报", "--archive"))
    assert "--period 只与 --archive 同用" in _error(cli(db, "notice", "通报", "--period", "2025Q2"))
    assert "退回修改意见按报送文件生成" in _error(
        cli(db, "notice", "退回修改意见", "--archive", "--period", "2025Q2", "--set", "发文机关=x")
    )


def test_the_other_rating_notices_from_the_archive(archive, tmp_path):
    _, db = archive
    out = tmp_path / "公示.md"
    made = cli(db, "notice", "公示", "--archive", "--period", "2025Q2", "-o", str(out),
               "--set", "发文机关=中共某县委组织部", "--set", "公示期=2025年7月1日至7日",
               "--set", "联系电话=0538-1234567")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "2025年第二季度" in out.read_text("utf-8")
    folder = tmp_path / "整改"
    made = cli(db, "notice", "整改通知书", "--archive", "--period", "2025Q2", "--per-branch",
               "--format", "md", "-o", str(folder))  # fmt: skip
    assert made.exit_code == 0, made.output
    letters = sorted(p.name for p in folder.iterdir())
    assert len(letters) == 6  # four stars of six: every branch short of the standard
    assert "东风党支部.md" in letters and "东风党支部（2）.md" in letters


def test_notice_from_the_first_period_has_nothing_to_compare(archive, monkeypatch):
    root, db = archive
    monkeypatch.chdir(root)
    result = cli(db, "notice", "通报", "--archive", "--period", "2025Q1", "--format", "md",
                 "--set", "发文机关=中共某县委组织部")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (root / "2025Q1.通报.md").read_text("utf-8")  # beside the archive, named by period
    assert "2025年第一季度是档案中第一次评定，暂无上期可比较。" in text


def test_add_json_and_exit_codes(tmp_path):
    db = tmp_path / "档案.db"
    good = write_submission(tmp_path / "城关镇.xlsx", "城关镇", branches("城关镇", 3, 1))
    broken = tmp_path / "青山乡.xlsx"
    broken.write_bytes(b"not a workbook at all")
    data = cli_json(db, "archive", "add", str(good), str(broken), "--period", "2025Q2")
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    assert by_name["城关镇.xlsx"]["result"] == "recorded"
    assert by_name["城关镇.xlsx"]["matched_by"] == "填报单位"  # no roster: as the file says
    # unreadable, and its name is no township the archive knows: not guessed
    assert by_name["青山乡.xlsx"]["result"] == "unmatched"
    assert data["summary"] == {"files": 2, "recorded": 1, "resubmitted": 0, "duplicate": 0,
                               "unmatched": 1, "unreadable": 0}  # fmt: skip
    again = cli(db, "archive", "add", str(broken), "--period", "2025Q2", "--township", "青山乡")
    assert again.exit_code == 1 and "退回修改（错误 1 条）" in again.stdout
    status = cli_json(db, "archive", "status", "--period", "2025Q2")
    assert [(t["name"], t["state"]) for t in status["townships"]] == [
        ("城关镇党委", "已通过"),
        ("青山乡", "退回修改"),
    ]
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    assert "没有找到工作簿" in _error(cli(db, "archive", "add", str(empty), "--period", "2025Q2"))


def test_every_archive_command_has_an_example_and_is_in_the_readme():
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("### branchctl archive", 1)[1].split("\n### ", 1)[0]
    for _, name, _, more in COMMANDS:
        assert f"示例：branchctl archive {name}" in more, name
        assert f"branchctl archive {name}" in section, name
    assert "BRANCHCTL_DB" in section and "notice 通报 --archive" in section
    json.dumps(COMMANDS[0][2])  # help text is plain text


def test_a_county_history_is_written_as_json_dumps_would(tmp_path):
    """Over a hundred branches the JSON is put together from pieces: the same document."""
    from branchctl.archive import store
    from branchctl.archive.db import open_archive
    from branchctl.jobs.archive import archive_rubric
    from branchctl.jobs.archive_history import branch_histories
    from branchctl.rules.periods import parse_period
    from branchctl.rules.rubric_file import load_rubric

    db = tmp_path / "县.db"
    spec = archive_rubric(load_rubric())
    names = [f"第{i}村党支部" for i in range(150)] + [
        '引号"与\\反斜杠\x1b党支部',
        "\u202e倒序党支部",
    ]
    with open_archive(db, create=True) as archive, archive.transaction(write=True) as conn:
        rubric = store.rubric_id(conn, spec)
        for n, key in enumerate(("2025Q1", "2025Q2")):
            p = parse_period(key)
            pid = store.ensure_period(conn, p.key, p.label, p.sort)
            ratings = []
            for i, name in enumerate(names):
                stars = (i + 3 * n) % 7
                category, level = spec["by_stars"][str(stars)]
                ratings.append(
                    store.RatingRow(
                        "附件1",
                        6 + i,
                        "城关镇党委",
                        name,
                        name,
                        "农村",
                        stars,
                        category,
                        level,
                        category == spec["weak"],
                        stars == 6,
                        None,
                        "[]",
                        "[]",
                    )  # fmt: skip
                )
            store.add_submission(
                conn,
                store.NewSubmission(
                    pid,
                    "城关镇",
                    "城关镇",
                    "填报单位",
                    "城关镇.xlsx",
                    "x",
                    key,
                    1,
                    p.end.isoformat(),
                    "2025-07-01 00:00:00",
                    rubric,
                    [],
                    ratings,
                ),  # fmt: skip
            )
    from branchctl.text import json_safe

    report = branch_histories(db)
    expected = json_safe(json.dumps(report.to_json(), ensure_ascii=False))
    assert "".join(report.json_text(per_piece=7)) == expected
    result = cli(db, "archive", "history", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == report.to_json()
    assert "\\u001b" in result.stdout and "\\u202e" in result.stdout  # escapes stay escaped
    flags = {b["name"]: b["flags"] for b in report.to_json()["branches"]}
    assert flags["第1村党支部"] == ["star-jump"]  # 1 → 4
    assert flags["第4村党支部"] == []  # 4 → 0: a fall breaks no rule
