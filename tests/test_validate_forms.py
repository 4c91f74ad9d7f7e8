"""Checks of each form alone: errors planted at known cells are found there, and nothing else."""

from __future__ import annotations

from collections import Counter

from branchctl.rules.rubric_file import builtin_text, parse_rubric
from tests.builders import (
    ASPECTS,
    Layout,
    classification_sheet,
    creation_ledger_sheet,
    instructions_sheet,
    lists_combined_sheet,
    sample_branches,
    sample_problems,
    with_claims,
    with_wrong_claim,
    write_workbook,
)
from tests.validate_helpers import check, codes, errors, merge_down, only, set_cell


def _records(n=12, seed=31):
    return sample_branches(n, seed=seed, small_branches=False, veto_rate=0)


def test_cell_errors_in_the_per_branch_table(tmp_path):
    records = _records()
    records[5] = with_wrong_claim(records[5], "星级")
    records[6] = with_wrong_claim(records[6], "定级类别")
    records[7] = with_wrong_claim(records[7], "等次")
    weak = 9  # 2 formal members, 基本组织 honestly marked unmet
    records[weak] = with_claims(
        {**records[weak], "基本组织": False, "正式党员": 2, "预备党员": 0, "党员人数": 2}
    )
    spec = classification_sheet(records, Layout.messy(unit_values=False, fullwidth_digits=False))
    planted = {
        "bad-mark": set_cell(spec, 1, "基本活动", "尽量"),
        "bad-number": set_cell(spec, 2, "党员人数", "十二人"),
        "bad-enum": set_cell(spec, 3, "支部类型", "合作社"),
        "duplicate-branch": set_cell(spec, 4, "党支部名称", records[0]["党支部名称"]),
        "required-blank": set_cell(spec, 8, "发挥作用", None),
    }
    path = write_workbook(tmp_path / "附件1.xlsx", [spec])
    findings = check(path)

    assert codes(findings) == Counter(
        {
            "bad-mark": 1,
            "bad-number": 1,
            "bad-enum": 1,
            "duplicate-branch": 1,
            "required-blank": 1,
            "stars-mismatch": 1,
            "category-mismatch": 2,
            "too-few-members": 1,
        }
    )
    for code, cell in planted.items():
        assert only(findings, code).cell == cell
    mark = only(findings, "bad-mark")
    row = spec.data_rows[1]
    assert (mark.sheet, mark.row, mark.column, mark.value) == ("附件1", row, "基本活动", "尽量")
    assert mark.message.startswith(f"第{row}行“基本活动”填写为“尽量”，不是有效的达标标记")
    dup = only(findings, "duplicate-branch")
    assert f"与第{spec.data_rows[0]}行重复" in dup.message
    blank = only(findings, "required-blank")
    assert blank.message == f"第{spec.data_rows[8]}行“发挥作用”未填写（按未达标计），请补填"
    stars = only(findings, "stars-mismatch")
    assert stars.cell == spec.ref(5, "星级") and stars.severity == "error"
    assert [f.cell for f in findings if f.code == "category-mismatch"] == [
        spec.ref(6, "定级类别"),
        spec.ref(7, "等次"),
    ]
    few = only(findings, "too-few-members")
    assert (few.severity, few.cell, few.column) == (
        "warning",
        spec.ref(weak, "正式党员"),
        "正式党员",
    )


def test_unreadable_claims_and_dates_in_the_creation_ledger(tmp_path):
    records = _records(8, seed=32)
    done = next(i for i, r in enumerate(records) if all(r[a] for a in ASPECTS))
    open_ = next(i for i, r in enumerate(records) if not all(r[a] for a in ASPECTS))
    late = next(i for i, r in enumerate(records) if i != open_ and not all(r[a] for a in ASPECTS))
    spec = creation_ledger_sheet(records)
    cells = {
        "closed-without-date": set_cell(spec, done, "销号时间", None),
        "bad-date": set_cell(spec, open_, "完成时限", "尽快"),
        "deadline-overdue": set_cell(spec, late, "完成时限", "2025年3月底"),
        "bad-enum": set_cell(spec, 0, "星级", "四星半"),
    }
    findings = check(write_workbook(tmp_path / "附件2.xlsx", [spec]))
    assert codes(findings) == Counter(list(cells))
    for code, cell in cells.items():
        assert only(findings, code).cell == cell
    assert only(findings, "closed-without-date").column == "销号时间"
    overdue = only(findings, "deadline-overdue")
    assert overdue.severity == "warning" and "2025年3月31日" in overdue.message
    assert "截至2025年6月30日" in overdue.message


def test_creation_ledger_follows_the_veto_recorded_in_the_classification_table(tmp_path):
    records = _records(6, seed=33)
    records[2] = with_claims({**records[2], "负面清单": "支部书记受到党纪处分"})
    path = write_workbook(
        tmp_path / "a.xlsx", [classification_sheet(records), creation_ledger_sheet(records)]
    )
    assert errors(check(path)) == []


def test_no_per_branch_table_is_form_missing(tmp_path):
    records = _records(4)
    path = write_workbook(
        tmp_path / "lists.xlsx",
        [instructions_sheet(), lists_combined_sheet(sample_problems(records))],
    )
    findings = check(path)
    assert [(f.code, f.sheet, f.row) for f in findings] == [("form-missing", None, None)]
    assert "附件1" in findings[0].message


def test_a_form_whose_header_cannot_be_found(tmp_path):
    spec = classification_sheet(_records(4))
    for r in (h - 1 for h in spec.header_rows):
        spec.rows[r] = [f"第{c}栏" if v is not None else None for c, v in enumerate(spec.rows[r])]
    findings = check(write_workbook(tmp_path / "h.xlsx", [spec]))
    assert [(f.code, f.sheet) for f in findings] == [("header-not-found", "附件1")]
    assert "党支部名称" in findings[0].message


def test_missing_columns(tmp_path):
    layout = Layout(
        columns=["序号", "党支部名称", "支部类型", *[a for a in ASPECTS if a != "基本保障"]],
        fill_row=None,
    )
    spec = classification_sheet(_records(4), layout)
    findings = check(write_workbook(tmp_path / "c.xlsx", [spec]))
    assert [(f.code, f.column, f.row, f.cell) for f in findings] == [
        ("column-missing", "所属党组织", spec.header_rows[-1], None),
        ("column-missing", "基本保障", spec.header_rows[-1], None),
    ]
    assert findings[1].message == "附件1党支部分类定级表缺少“基本保障”列，请按标准表式补上"


def test_no_false_alarm_from_layout_habits(tmp_path):
    """Merged 所属党组织, pre-numbered empty rows, an empty 所属党组织 column under 填报单位."""
    records = _records(6, seed=34)
    merged = classification_sheet(records)
    merge_down(merged, "所属党组织", 0, 5)
    width = len(merged.rows[0])
    for n in range(7, 10):  # template rows numbered but never filled
        row = [None] * width
        row[merged.columns["序号"]] = n
        merged.rows.append(row)
    blank_org = classification_sheet(records, Layout(columns=None), name="Sheet2")
    for i in range(len(records)):
        set_cell(blank_org, i, "所属党组织", None)
    assert check(write_workbook(tmp_path / "m.xlsx", [merged])) == []
    assert check(write_workbook(tmp_path / "o.xlsx", [blank_org])) == []


def test_every_count_column_of_forms_toml_is_checked(tmp_path):
    """A meeting count (党员大会次数, declared a count in forms.toml) written as words is a
    bad-number at its cell, like 党员人数; 12 and “6次” are counts."""
    from tests.builders import CLASSIFICATION_COLUMNS, table_sheet

    records = [
        {**r, "党员大会次数": 6 if i % 2 else "6次"} for i, r in enumerate(_records(6, seed=7))
    ]
    columns = [*CLASSIFICATION_COLUMNS[:-1], "党员大会次数", CLASSIFICATION_COLUMNS[-1]]
    spec = table_sheet(
        "附件1", columns, records, Layout(), annex="附件1", title="城关镇党支部分类定级表"
    )
    cell = set_cell(spec, 3, "党员大会次数", "若干次")
    findings = check(write_workbook(tmp_path / "附件1.xlsx", [spec]))

    bad = only(findings, "bad-number")
    assert (bad.cell, bad.column, bad.value) == (cell, "党员大会次数", "若干次")
    assert "不是有效的人数或次数" in bad.message
    assert not errors([f for f in findings if f is not bad])


def test_a_bad_count_is_found_beside_an_equal_good_one(tmp_path):
    """Rows that give no finding are told apart a column at a time, each different value read
    once: TRUE (not a count) is a bad-number even where 1 (equal to it) fills other rows."""
    from tests.builders import CLASSIFICATION_COLUMNS, table_sheet

    records = [{**r, "党员大会次数": 1} for r in _records(6, seed=8)]
    columns = [*CLASSIFICATION_COLUMNS[:-1], "党员大会次数", CLASSIFICATION_COLUMNS[-1]]
    spec = table_sheet(
        "附件1", columns, records, Layout(), annex="附件1", title="城关镇党支部分类定级表"
    )
    cells = [set_cell(spec, i, "党员大会次数", True) for i in (1, 4)]
    findings = check(write_workbook(tmp_path / "附件1.xlsx", [spec]))

    bad = [f for f in findings if f.code == "bad-number"]
    assert [(f.cell, f.column) for f in bad] == [(c, "党员大会次数") for c in cells]
    assert not errors([f for f in findings if f.code != "bad-number"])


def test_claims_are_read_by_each_rubrics_own_spellings(tmp_path):
    """Values are parsed once per process, by what reads them: a claim one rubric spells (中间)
    is checked again, and flagged, under a county's rubric that spells it otherwise (一般)."""
    records = [with_claims(r) for r in _records(n=12, seed=37)]
    for rec in records:
        rec.update(
            {"星级": "四星", "定级类别": "加强指导", "等次": "中间", **dict.fromkeys(ASPECTS, True)}
        )
        rec.update({"基本保障": False, "发挥作用": False})  # four stars: 加强指导, 中间
    path = write_workbook(tmp_path / "台账.xlsx", [classification_sheet(records)])
    text = builtin_text("six-star").replace('name = "中间"\n', 'name = "一般"\n')
    county = parse_rubric(
        text.replace('aliases = ["中间支部", "中间党支部", "一般"]', "aliases = []")
    )
    assert "bad-enum" not in codes(check(path))
    flagged = [f for f in check(path, rubric=county) if f.code == "bad-enum"]
    assert [(f.column, f.value) for f in flagged] == [("等次", "中间")] * 12
    assert "bad-enum" not in codes(check(path))  # the built-in's reading is still its own
