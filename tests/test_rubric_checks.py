"""Validation findings that depend on the rubric: indicator-disagrees and quota-exceeded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from branchctl.checks.rubric import rubric_findings
from branchctl.checks.run import check_workbook
from branchctl.io.workbook import read_workbook
from branchctl.rules.rating import rate_table, rated_tables
from branchctl.rules.rubric_file import load_rubric
from tests.builders import Layout, classification_sheet, sample_branches, write_workbook
from tests.test_rating_rubrics import HEFEI, JUNE, _indicator_ledger, five_basics_sheet


def _findings(path: Path, rubric_name: str, as_of: dt.date = JUNE):
    rubric = load_rubric(rubric_name)
    book = read_workbook(path)
    rated = [
        (t, rate_table(t, rubric, book.path, strict=False, as_of=as_of))
        for t in rated_tables(book, rubric)
    ]
    return rubric_findings(rated, rubric, as_of)


def test_indicator_disagrees_names_the_mark_cell(tmp_path: Path) -> None:
    path, _ = _indicator_ledger(
        tmp_path, {1: {"正式党员": 2, "预备党员": 1, "党员人数": 3}, 4: {"支委会次数": 5}}
    )
    findings = _findings(path, "six-star")
    assert [(f.code, f.severity, f.row, f.column) for f in findings] == [
        ("indicator-disagrees", "warning", 7, "基本组织"),
        ("indicator-disagrees", "warning", 11, "基本活动"),  # a blank row stands before the 4th
    ]
    first = findings[0]
    assert first.sheet == "附件1" and first.cell is not None and first.value
    assert first.message.startswith("第7行“")
    assert first.message.endswith(
        "“基本组织”标记为达标，但核算不符：正式党员不少于3名（正式党员为2），请核实"
    )


def test_no_disagreement_without_the_data(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "台账.xlsx", [classification_sheet(sample_branches(20, seed=2), Layout.messy())]
    )
    assert _findings(path, "six-star") == []


def test_validate_reports_indicator_disagrees(tmp_path: Path) -> None:
    path, _ = _indicator_ledger(tmp_path, {3: {"支委人数": 9}})
    findings = check_workbook(read_workbook(path), load_rubric("six-star"), JUNE)
    found = [f for f in findings if f.code == "indicator-disagrees"]
    assert len(found) == 1 and "委员3至7名（支委人数为9）" in found[0].message


def test_quota_exceeded_when_the_submission_claims_too_many_a(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "定级.xlsx", [five_basics_sheet(HEFEI)])
    (f,) = [f for f in _findings(path, "five-basics") if f.code == "quota-exceeded"]
    assert (f.severity, f.sheet, f.row, f.column) == ("error", "附件1", None, "定级类别")
    assert f.message == (
        "自评为A级的有4个，超过名额：A级不超过参评总数的10%，参评12个（向下取整）最多1个"
        "（局机关第一党支部、局机关第二党支部、局机关第三党支部、监狱第一党支部），请按总分从高到低重新核定"
    )


def test_claims_within_the_quota_are_fine(tmp_path: Path) -> None:
    rows = [
        (name, scores, veto, "A" if i == 0 else None)
        for i, (name, scores, veto, _) in enumerate(HEFEI)
    ]
    path = write_workbook(tmp_path / "定级.xlsx", [five_basics_sheet(rows)])
    assert [f for f in _findings(path, "five-basics") if f.code == "quota-exceeded"] == []


def test_validate_reports_quota_exceeded(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "定级.xlsx", [five_basics_sheet(HEFEI)])
    findings = check_workbook(read_workbook(path), load_rubric("five-basics"), JUNE)
    assert [f.code for f in findings if f.code == "quota-exceeded"] == ["quota-exceeded"]


def test_points_stars_mismatch_speaks_of_points(tmp_path: Path) -> None:
    from tests.test_rating_rubrics import BRANCH_POINTS, points_sheet

    path = write_workbook(tmp_path / "积分.xlsx", [points_sheet(BRANCH_POINTS)])
    report = check_workbook(read_workbook(path), load_rubric("star-points"), JUNE)
    stars = [f for f in report if f.code == "stars-mismatch"]
    # 北坡村 claims ★★ but one 减星项 takes a star: 1★
    # 李家庄村 claims 5★ but its 否决项 gives none
    assert [f.value for f in stars] == ["★★", "5"], [f.message for f in stars]
    assert "累计36分" in stars[0].message and "减星项1项" in stars[0].message
    assert "达标情况" not in stars[0].message
    assert "发生重大安全生产事故" in stars[1].message and "一票否决" in stars[1].message
