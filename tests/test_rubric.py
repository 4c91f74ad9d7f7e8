"""Rubric files: the built-ins load, and a bad file ends in one sentence naming the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from branchctl.errors import BranchctlError
from branchctl.forms.values import BadValue
from branchctl.rules.rubric import MAX_RUBRIC_BYTES, Quota, months_completed
from branchctl.rules.rubric_file import builtin_names, builtin_text, load_rubric, parse_rubric
from branchctl.rules.scoring import (
    competition_ranks,
    deduction_entries,
    parse_number,
    points_period,
)

BUILTINS = ["five-basics", "five-standard", "hundred-points", "six-star", "star-points"]

# A small valid rubric each hostile case below breaks in one place.
SMALL = """
name = "mini"
title = "小规则"
max_stars = 2

[[aspects]]
name = "甲方面"
aliases = ["甲"]

[[aspects]]
name = "乙方面"

[[categories]]
name = "好"
stars = [2]

[[categories]]
name = "差"
stars = [0, 1]

[[levels]]
name = "先进"
stars = [2]

[[levels]]
name = "后进"
stars = [0, 1]
"""


def _error(text: str, tmp_path: Path, name: str = "bad.toml") -> str:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    with pytest.raises(BranchctlError) as info:
        load_rubric(str(path))
    assert info.value.code == "bad-rubric"
    return str(info.value)


# ------------------------------------------------------------------------------ built-ins


def test_builtins_load_with_their_shapes() -> None:
    assert builtin_names() == BUILTINS
    six = load_rubric("six-star")
    assert (six.max_stars, six.star_method, len(six.aspects)) == (6, "count", 6)
    assert six.aspect("基本组织").indicators[0].describe() == "正式党员不少于3名"
    five = load_rubric("five-standard")
    assert five.aspect_names == [
        "支部设置规范化",
        "组织生活正常化",
        "管理服务精细化",
        "工作制度系统化",
        "阵地建设标准化",
    ]
    assert [five.category_for(s) for s in range(6)] == [
        "软弱涣散",
        "软弱涣散",
        "加强指导",
        "加强指导",
        "重点对象",
        "示范点",
    ]
    basics = load_rubric("five-basics")
    assert [a.judge for a in basics.aspects] == ["score"] * 5
    assert [q.category for q in basics.quotas] == ["A"] and basics.quotas[0].max_share == 0.1
    assert basics.category_for(5, 90) == "A" and basics.category_for(4, 95) == "B"
    assert basics.level_for(5, 85, "B") == "中间" and basics.level_for(0, 10, "D") == "后进"
    points = load_rubric("star-points")
    assert points.points is not None and points.thresholds == (60, 72, 84, 96, 108)
    assert points.member is not None and points.member.key_column == "党员姓名"
    assert points.member.category_for(1) == "不合格党员"
    assert [points.category_for(s) for s in (5, 4, 3, 2, 0)] == [
        "补贴奖励",
        "补贴奖励",
        "补贴照发",
        "补贴扣发",
        "补贴扣发",
    ]


def test_default_is_six_star_and_keeps_its_api() -> None:
    rubric = load_rubric()
    assert rubric.name == "six-star"
    assert rubric.aspect_headers()["基本队伍"] == "组织队伍"
    assert rubric.category_labels()["软弱松散"] == "软弱涣散"
    assert rubric.level_labels()["一般"] == "中间"
    assert rubric.veto_columns == ("负面清单",)
    assert (rubric.category_for(6), rubric.level_for(2)) == ("示范点", "后进")


def test_builtin_text_is_the_file_with_comments() -> None:
    text = builtin_text("six-star")
    assert text.startswith("# 六星级党支部评星定级")
    assert parse_rubric(text, "copy").aspect_names == load_rubric("six-star").aspect_names


def test_unknown_builtin_name_lists_the_choices() -> None:
    with pytest.raises(BranchctlError, match="没有名为“seven-star”的内置规则.*six-star"):
        load_rubric("seven-star")


# ------------------------------------------------------------------------------ hostile


@pytest.mark.parametrize(
    ("change", "key", "what"),
    [
        (("max_stars = 2", 'max_stars = 2\ncolour = "red"'), "colour", "不认识这个键"),
        (('aliases = ["甲"]', 'aliases = ["甲"]\nweight = 2'), "aspects[1].weight", "不认识这个键"),
        (("max_stars = 2", 'max_stars = "2"'), "max_stars", "应为1至30的整数"),
        (("max_stars = 2", "max_stars = 3"), "max_stars", "应等于方面数 2"),
        (('aliases = ["甲"]', 'aliases = "甲"'), "aspects[1].aliases", "应为文本列表"),
        (
            ('name = "乙方面"', 'name = "乙方面"\njudge = "guess"'),
            "aspects[2].judge",
            "应为 mark / score / indicators",
        ),
        (
            ("stars = [0, 1]\n\n[[levels]]", "stars = [1]\n\n[[levels]]"),
            "categories",
            "没有覆盖 0 星",
        ),
        (
            ("stars = [2]\n\n[[categories]]", "stars = [2, 7]\n\n[[categories]]"),
            "categories[1].stars",
            "应为0至2的整数列表",
        ),
        (('name = "甲方面"', 'name = "正式党员"'), "aspects[1].name", "是“正式党员”列的写法"),
        (('name = "乙方面"', 'name = "甲"'), "aspects[2].name", "与方面“甲方面”重复"),
    ],
)
def test_bad_keys_are_named(tmp_path: Path, change: tuple[str, str], key: str, what: str) -> None:
    old, new = change
    assert old in SMALL
    message = _error(SMALL.replace(old, new, 1), tmp_path)
    assert f"规则项 {key}：" in message and what in message
    assert message.startswith(f"文件“{tmp_path / 'bad.toml'}”")


def test_a_python_expression_where_a_number_belongs_is_refused_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"""
name = "evil"
[[aspects]]
name = "得分项"
judge = "score"
pass_mark = "__import__('os').system('touch {marker}')"
[[categories]]
name = "甲"
stars = [0, 1]
[[levels]]
name = "乙"
stars = [0, 1]
"""
    message = _error(text, tmp_path)
    assert "aspects[1].pass_mark" in message
    assert "应为数字" in message and "不作为公式或表达式计算" in message
    assert not marker.exists()


def test_an_arithmetic_expression_is_not_toml(tmp_path: Path) -> None:
    message = _error(SMALL.replace("max_stars = 2", "max_stars = 1 + 1"), tmp_path)
    assert "第4行" in message and "不是有效的 TOML" in message


def test_an_indicator_must_use_a_declared_operator_and_known_column(tmp_path: Path) -> None:
    rule = '\n[[aspects.indicators]]\ncolumn = "{col}"\nop = "{op}"\nvalue = {value}\n'
    base = SMALL.replace('aliases = ["甲"]\n', 'aliases = ["甲"]\n' + rule, 1)
    cases = [
        (("正式党员", "=~", "3"), "aspects[1].indicators[1].op", "应为 >= / >"),
        (("正式党员", "lambda", "3"), "aspects[1].indicators[1].op", "之一"),
        (("正式党员人数", ">=", '"3"'), "aspects[1].indicators[1].value", "应为数字"),
        (("党员年龄", ">=", "3"), "aspects[1].indicators[1].column", "不是已知的列名"),
        (("支部类型", ">=", "3"), "aspects[1].indicators[1].op", "不是数字列"),
        (
            ("支委人数", "between", "[3, 5, 7]"),
            "aspects[1].indicators[1].value",
            "between 应为两个数字",
        ),
        (("支委人数", "between", "[7, 3]"), "aspects[1].indicators[1].value", "下限不能大于上限"),
        (("正式党员", "in", '["3"]'), "aspects[1].indicators[1].op", "不是文本列"),
        (("换届时间", ">=", "3"), "aspects[1].indicators[1].op", "不是数字列"),
        (("正式党员", ">=", "nan"), "aspects[1].indicators[1].value", "有限的数字"),
    ]
    for (col, op, value), key, what in cases:
        message = _error(base.format(col=col, op=op, value=value), tmp_path)
        assert f"规则项 {key}：" in message and what in message, (col, op, message)


def test_aliases_of_standard_columns_are_resolved(tmp_path: Path) -> None:
    rule = '\n[[aspects.indicators]]\ncolumn = "正式党员人数"\nop = ">="\nvalue = 3\nwhen = { column = "类型", op = "in", value = ["农村"] }\n'
    path = tmp_path / "ok.toml"
    path.write_text(SMALL.replace('aliases = ["甲"]\n', 'aliases = ["甲"]\n' + rule, 1), "utf-8")
    indicator = load_rubric(str(path)).aspects[0].indicators[0]
    assert indicator.test.column == "正式党员" and indicator.when[0].column == "支部类型"


@pytest.mark.parametrize(
    ("extra", "key", "what"),
    [
        (
            '[[quotas]]\ncategory = "好"\nmax_share = 10\nfall_to = "差"\n',
            "quotas[1].max_share",
            "应为0至1之间的比例",
        ),
        (
            '[[quotas]]\ncategory = "优"\nmax_share = 0.1\nfall_to = "差"\n',
            "quotas[1].category",
            "应为 好 / 差 之一",
        ),
        (
            '[[quotas]]\ncategory = "好"\nmax_share = 0.1\nfall_to = "好"\n',
            "quotas[1].fall_to",
            "应为 差 之一",
        ),
        ('[ranking]\nby = ["score"]\n', "ranking.by", "需要计分的方面"),
        ('[stars]\nmethod = "total"\n', "stars.method", "需要计分的方面"),
        ('[standard]\nrule = "min-stars"\n', "standard.min_stars", "缺少此项"),
        (
            '[veto]\ncolumns = ["负面清单"]\ncategory = "示范点"\n',
            "veto.category",
            "应为 categories 中的一个名称",
        ),
        ('[deduct]\ncolumns = ["扣星"]\n', "deduct.columns", "不是已知的列名"),
        (
            '[member]\nkey_column = "党支部名称"\n',
            "member.key_column",
            "应与党支部的 key_column 不同",
        ),
        ('[columns."正式党员"]\naliases = []\n', "columns.正式党员", "已是标准列"),
        ("[stars]\nthresholds = [1, 2]\n", "stars.thresholds", '只在 method = "total"'),
    ],
)
def test_bad_tables_are_named(tmp_path: Path, extra: str, key: str, what: str) -> None:
    message = _error(SMALL + "\n" + extra, tmp_path)
    assert f"规则项 {key}：" in message and what in message, message


def test_total_rubric_thresholds_must_rise(tmp_path: Path) -> None:
    text = builtin_text("star-points").replace(
        "thresholds = [60, 72, 84, 96, 108]", "thresholds = [60, 72, 72, 96, 108]"
    )
    assert "规则项 stars.thresholds：应从小到大排列" in _error(text, tmp_path)
    text = builtin_text("star-points").replace(
        "thresholds = [60, 72, 84, 96, 108]", "thresholds = [60, 72, 84]"
    )
    assert "规则项 stars.thresholds：应为 5 个数字" in _error(text, tmp_path)


def test_band_selectors_cannot_mix(tmp_path: Path) -> None:
    text = builtin_text("five-basics").replace(
        'name = "C"\nmin_total = 60', 'name = "C"\nstars = [3]'
    )
    assert "规则项 categories[3].stars：同一组中各项应都用 min_total" in _error(text, tmp_path)
    text = builtin_text("five-basics").replace('categories = ["B", "C"]', 'categories = ["B"]')
    assert "规则项 levels：没有覆盖类别 C" in _error(text, tmp_path)


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(SMALL + "#" * (MAX_RUBRIC_BYTES + 10), "utf-8")
    with pytest.raises(BranchctlError, match="规则文件过大"):
        load_rubric(str(path))


def test_a_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(SMALL.encode("gbk"))
    with pytest.raises(BranchctlError, match="规则文件不是 UTF-8 编码"):
        load_rubric(str(path))


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(SMALL.encode("utf-8-sig"))
    assert load_rubric(str(path)).name == "mini"


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(BranchctlError, match="规则文件不存在"):
        load_rubric(str(tmp_path / "nope.toml"))
    with pytest.raises(BranchctlError, match="这是一个文件夹而不是规则文件"):
        load_rubric(str(tmp_path))


def test_binary_junk_is_not_a_rubric(tmp_path: Path) -> None:
    path = tmp_path / "junk.toml"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    with pytest.raises(BranchctlError, match="bad.toml|junk.toml"):
        load_rubric(str(path))


# ------------------------------------------------------------------------- small pieces


def test_quota_limits_by_rounding() -> None:
    floor, rnd, ceil = (Quota("A", 0.1, "B", r) for r in ("floor", "round", "ceil"))
    assert [floor.limit(n) for n in (9, 10, 19, 20, 25)] == [0, 1, 1, 2, 2]
    assert [rnd.limit(n) for n in (4, 5, 14, 15)] == [0, 1, 1, 2]
    assert [ceil.limit(n) for n in (1, 10, 11)] == [1, 1, 2]
    assert Quota("A", 0.3, "B").limit(10) == 3  # 0.3 * 10 is 2.9999… in floating point


def test_months_completed_counts_whole_months() -> None:
    assert months_completed(dt.date(2025, 6, 30)) == 6
    assert months_completed(dt.date(2025, 6, 29)) == 5
    assert months_completed(dt.date(2025, 1, 15)) == 0
    assert months_completed(dt.date(2024, 2, 29)) == 2
    assert months_completed(dt.date(2025, 12, 31)) == 12


def test_points_period_moves_stars_at_quarter_ends() -> None:
    def p(title: str | None, day: dt.date) -> tuple[int, int]:
        period = points_period(title, day)
        return period.months, period.star_months

    assert p("2025年度积分表", dt.date(2025, 3, 30)) == (2, 0)
    assert p("2025年度积分表", dt.date(2025, 3, 31)) == (3, 3)
    assert p("2025年度积分表", dt.date(2025, 8, 31)) == (8, 6)
    assert p("2025年度积分表", dt.date(2025, 12, 31)) == (12, 12)
    assert p("2025年度积分表", dt.date(2026, 2, 1)) == (12, 12)  # last year's sheet: in full
    assert p("2026年度积分表", dt.date(2025, 12, 31)) == (0, 0)
    assert p("积分表", dt.date(2026, 1, 20)) == (0, 0)  # a new year starts from zero


def test_numbers_and_deductions_as_written() -> None:
    assert [parse_number(v) for v in (18, 8.5, "１８分", " 7 ", "-2", None)] == [
        18,
        8.5,
        18,
        7,
        -2,
        None,
    ]
    for bad in ("十八", "18-2", "=A1+1", True):
        with pytest.raises(BadValue):
            parse_number(bad)
    assert deduction_entries("无", "减星项") == []
    assert deduction_entries(2, "减星项") == ["减星项", "减星项"]
    assert deduction_entries("２项", "减星项") == ["减星项", "减星项"]
    assert deduction_entries("三会一课不落实；党费未按时交纳", "减星项") == [
        "三会一课不落实",
        "党费未按时交纳",
    ]


def test_competition_ranks_share_ties() -> None:
    assert competition_ranks([(5.0, 54.0), (4.0, 48.0), (4.0, 48.0), (3.0, 40.0)]) == [1, 2, 2, 4]


def test_the_readme_example_is_a_valid_rubric() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = readme[readme.index("### branchctl rubric") :]
    example = section[section.index("```toml\n") + len("```toml\n") :]
    example = example[: example.index("```")]
    rubric = parse_rubric(example, "README")
    assert rubric.name == "county-four" and rubric.star_method == "total"
    assert [a.judge for a in rubric.aspects] == ["score", "score", "score", "indicators"]
    assert rubric.aspect("组织建设").indicators[1].when[0].instead == ("党员人数",)
    assert rubric.columns[0].name == "志愿服务次数"
    assert rubric.aspect_headers()["志愿服务(次)"] == "志愿服务次数"
    assert (rubric.quotas[0].category, rubric.ranking) == ("示范", ("stars", "score"))
    assert rubric.level_for(4, 95, "示范") == "先进"
