"""The keys counties' schemes need — parts, satisfaction, score bands, caps, shares, evidence —
read from a small rubric, and each refused, key by key, when written wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchctl.errors import BranchctlError
from branchctl.rules.rubric_file import load_rubric, parse_rubric
from branchctl.rules.schemes import Grade

# A valid rubric using every new key; each case below breaks it in one place.
MINI = """
name = "mini-points"
title = "小百分制"
max_stars = 3

[columns."满意度"]
aliases = ["群众满意率"]
kind = "percent"

[columns."满意"]
kind = "count"

[columns."不满意"]
kind = "count"

[columns."整顿情形"]
kind = "text"

[[aspects]]
name = "甲方面"
judge = "score"
pass_mark = 30
max_score = 50

[[aspects]]
name = "乙方面"
aliases = ["乙"]
judge = "score"
pass_mark = 30
max_score = 50

[satisfaction]
column = "满意度"
tallies = [{ column = "满意", weight = 1 }, { column = "不满意", weight = 0 }]

[[parts]]
name = "基础项"
weight = 0.7
aspects = ["甲方面", "乙"]

[[parts]]
name = "评议项"
weight = 0.3
satisfaction = true

[stars]
method = "total"
bands = [{ min = 90, stars = 3 }, { min = 80, stars = 2 }]

[[caps]]
when = { column = "满意度", op = "<", value = 60 }
max_stars = 1

[[caps]]
column = "整顿情形"
max_stars = 1
text = "列入整顿的最高一星"

[[categories]]
name = "好"
stars = [2, 3]

[[categories]]
name = "差"
stars = [0, 1]

[[levels]]
name = "先进"
stars = [3]

[[levels]]
name = "中间"
stars = [2]

[[levels]]
name = "后进"
stars = [0, 1]

[[shares]]
level = "后进"
min_share = 0.1
except_types = ["社区"]

[[shares]]
stars = [3]
target = 0.2

[evidence]
closed = ["佐证材料"]

[[evidence.claims]]
stars = [3]
columns = ["佐证材料"]
"""


def _error(text: str, tmp_path: Path) -> str:
    path = tmp_path / "本县规则.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(BranchctlError) as info:
        load_rubric(str(path))
    assert info.value.code == "bad-rubric"
    return str(info.value)


def test_the_new_keys_are_read() -> None:
    r = parse_rubric(MINI, "mini")
    assert [(p.name, p.weight, p.aspects, p.satisfaction) for p in r.parts] == [
        ("基础项", 0.7, ("甲方面", "乙方面"), False),  # an alias names its aspect
        ("评议项", 0.3, (), True),
    ]
    assert r.satisfaction is not None and r.satisfaction.column == "满意度"
    assert [(t.column, t.weight) for t in r.satisfaction.tallies] == [("满意", 1), ("不满意", 0)]
    # bands with no 1-star band: 1 star needs what 2 stars need, so it is never given
    assert r.thresholds == (80, 80, 90) and r.bands == ((90, 3), (80, 2))
    assert [r.stars_for_total(t) for t in (79.9, 80, 89.99, 90)] == [0, 2, 2, 3]
    assert [(c.max_stars, c.text) for c in r.caps] == [
        (1, "满意度 < 60%的，最高1星"),  # the text written when the rubric gives none
        (1, "列入整顿的最高一星"),
    ]
    assert r.shares[0].grade == Grade("level", name="后进")
    assert r.shares[0].except_types == ("城市社区",)  # 社区 is 城市社区
    assert (
        r.shares[0].rounding_for("min") == "ceil" and r.shares[1].rounding_for("target") == "round"
    )
    assert r.evidence.closed == ("佐证材料",) and r.evidence.claims[0].columns == ("佐证材料",)
    assert r.has_total and "parts" in r.json_extras() and "caps" in r.json_extras()


def test_a_rubric_without_the_new_keys_keeps_the_default_evidence() -> None:
    r = load_rubric("six-star")
    assert r.parts == () and r.caps == () and r.shares == () and r.satisfaction is None
    assert r.evidence.closed == ("佐证材料",) and r.evidence.claims == ()
    assert "caps" not in r.json_extras()


@pytest.mark.parametrize(
    ("old", "new", "key", "what"),
    [
        # [[parts]]
        ("weight = 0.3", "weight = 0.2", "parts", "各部分的 weight 合计应为1（即100%），现为 0.9"),
        ("weight = 0.7", 'weight = "70%"', "parts[1].weight", "应为数字，现为文本“70%”"),
        ("weight = 0.7", "weight = 70", "parts[1].weight", "应为0至1之间的比例，如 0.7 表示70%"),
        ('aspects = ["甲方面", "乙"]', 'aspects = ["甲方面", "丙"]', "parts[1].aspects",
         "“丙”不是计分的方面"),
        ('aspects = ["甲方面", "乙"]', 'aspects = ["甲方面"]', "parts",
         "计分的方面“乙方面”没有归入任何部分"),
        ("satisfaction = true", 'satisfaction = true\naspects = ["乙"]', "parts[2]",
         "应有且只有 aspects（计分的方面）或 satisfaction = true"),
        ('name = "基础项"', 'name = "基础项"\nshare = 1', "parts[1].share", "不认识这个键"),
        # [satisfaction]
        ('column = "满意度"\ntallies', 'column = "满意"\ntallies', "satisfaction.column",
         "“满意”不是百分比列"),
        ('column = "满意度"\ntallies', 'column = "满意程度"\ntallies', "satisfaction.column",
         "“满意程度”不是已知的列名"),
        ('{ column = "不满意", weight = 0 }', '{ column = "不满意", weight = 2 }',
         "satisfaction.tallies[2].weight", "应为0至1之间的数，现为 2"),
        ('{ column = "不满意", weight = 0 }', '{ column = "满意度", weight = 0 }',
         "satisfaction.tallies[2].column", "“满意度”不是票数列"),
        ('{ column = "不满意", weight = 0 }', '{ column = "满意", weight = 0 }',
         "satisfaction.tallies[2].column", "“满意”重复"),
        ('{ column = "满意", weight = 1 }, { column = "不满意", weight = 0 }',
         '{ column = "满意", weight = 1 }', "satisfaction.tallies", "至少要有两项"),
        ('[satisfaction]\ncolumn = "满意度"\ntallies = [{ column = "满意", weight = 1 }, '
         '{ column = "不满意", weight = 0 }]', "", "parts[2].satisfaction",
         "需要先写 [satisfaction]"),
        ('column = "满意度"\ntallies', 'scale = 100\ncolumn = "满意度"\ntallies',
         "satisfaction.scale", "不认识这个键"),
        # [stars] bands
        ("{ min = 90, stars = 3 }, { min = 80, stars = 2 }",
         "{ min = 80, stars = 3 }, { min = 90, stars = 2 }", "stars.bands",
         "星级越高，所需分数应越高"),
        ("{ min = 90, stars = 3 }, { min = 80, stars = 2 }", "{ min = 80, stars = 2 }",
         "stars.bands", "没有得3星（max_stars）的分数段"),
        ("{ min = 80, stars = 2 }", "{ min = 80, stars = 4 }", "stars.bands[2].stars",
         "应为1至3的整数，现为4"),
        ("{ min = 80, stars = 2 }", "{ min = 80, stars = 3 }", "stars.bands[2].stars",
         "3星已有分数段"),
        ("{ min = 80, stars = 2 }", '{ min = "八十", stars = 2 }', "stars.bands[2].min",
         "应为数字，现为文本“八十”"),
        ("{ min = 80, stars = 2 }", "{ low = 80, stars = 2 }", "stars.bands[2].low",
         "不认识这个键"),
        ('method = "total"', 'method = "total"\nthresholds = [70, 80, 90]', "stars.bands",
         "与 thresholds 只能写一个"),
        ("bands = [{ min = 90, stars = 3 }, { min = 80, stars = 2 }]", "bands = 90",
         "stars.bands", "应为分数段的列表"),
        # [[caps]]
        ('value = 60 }\nmax_stars = 1', 'value = 60 }\nmax_stars = 3', "caps[1].max_stars",
         "应为0至2的整数，现为3"),
        ('value = 60 }\nmax_stars = 1', 'value = 60 }', "caps[1].max_stars", "缺少此项"),
        ('op = "<", value = 60 }', 'op = "<", value = "六十" }', "caps[1].when.value",
         "应为数字，现为文本“六十”（规则文件中的值不作为公式或表达式计算）"),
        ('op = "<", value = 60 }', 'op = "<", value = 0.6 }', "caps[1].when.value",
         "“满意度”是百分比列，按百分数写，如 60 表示60%；现为 0.6，即0.6%"),
        ('op = "<", value = 60 }', 'op = "between", value = [50, 160] }', "caps[1].when.value",
         "“满意度”是百分比列，应为0至100之间的数，现为 160"),
        ('when = { column = "满意度"', 'when = { column = "满意度测评"', "caps[1].when.column",
         "“满意度测评”不是已知的列名"),
        ('op = "<", value = 60 }', 'op = "in", value = ["低"] }', "caps[1].when.op",
         "“满意度”不是文本列，不能用 in"),
        ('column = "整顿情形"\nmax_stars = 1', 'column = "整顿情形"\nwhen = { column = "满意度", '
         'op = "<", value = 50 }\nmax_stars = 1', "caps[2]", "应有且只有 when（条件）或 column"),
        ('column = "整顿情形"', 'column = "整改情形"', "caps[2].column",
         "“整改情形”不是已知的列名"),
        # [[shares]]
        ("min_share = 0.1", "min_share = 10", "shares[1].min_share",
         "应为0至1之间的比例，如 0.1 表示10%，现为 10"),
        ('level = "后进"\nmin_share', 'level = "落后"\nmin_share', "shares[1].level",
         "应为 先进 / 中间 / 后进 之一，现为文本“落后”"),
        ('except_types = ["社区"]', 'except_types = ["街道"]', "shares[1].except_types",
         "“街道”不是支部类型"),
        ('except_types = ["社区"]', 'except_types = ["社区"]\ntypes = ["农村"]',
         "shares[1].except_types", "不能与 types 同时使用"),
        ("target = 0.2", "target = 0.2\nmax_share = 0.3", "shares[2].target",
         "不能与 min_share、max_share 同时使用"),
        ("min_share = 0.1", "max_share = 0.05\nmin_share = 0.1", "shares[1].min_share",
         "不能大于 max_share"),
        ("min_share = 0.1\n", "", "shares[1]", "应写 min_share（不少于）、max_share（不超过）或 target"),
        ('level = "后进"\nmin_share', 'level = "后进"\nstars = [0]\nmin_share', "shares[1]",
         "应有且只有 stars（星级）、category（类别）或 level（等次）其中一项"),
        ("stars = [3]\ntarget", "stars = [4]\ntarget", "shares[2].stars", "应为0至3的整数列表"),
        ("target = 0.2", 'target = 0.2\nrounding = "up"', "shares[2].rounding",
         "应为 floor / round / ceil 之一"),
        # [evidence]
        ('closed = ["佐证材料"]', 'closed = ["证明材料"]', "evidence.closed",
         "“证明材料”不是已知的列名"),
        ('closed = ["佐证材料"]', 'closed = ["佐证材料"]\nstrict = true', "evidence.strict",
         "不认识这个键"),
        ('columns = ["佐证材料"]\n', "columns = []\n", "evidence.claims[1].columns",
         "应至少列出一列佐证材料"),
        ('stars = [3]\ncolumns = ["佐证材料"]', 'category = "优"\ncolumns = ["佐证材料"]',
         "evidence.claims[1].category", "应为 好 / 差 之一"),
        # [columns] kinds
        ('kind = "percent"', 'kind = "ratio"', "columns.满意度.kind",
         "应为 count / score / percent / text / date 之一"),
    ],
)  # fmt: skip
def test_bad_new_keys_are_named(tmp_path: Path, old: str, new: str, key: str, what: str) -> None:
    assert old in MINI
    message = _error(MINI.replace(old, new, 1), tmp_path)
    assert message.startswith(f"文件“{tmp_path / '本县规则.toml'}”：")  # the path as given
    assert f"规则项 {key}：" in message and what in message, message
    assert len(message.splitlines()) == 1


def test_bands_and_parts_need_a_scheme_they_fit(tmp_path: Path) -> None:
    count = MINI.replace('method = "total"', 'method = "count"').replace(
        "max_stars = 3", "max_stars = 2"
    )
    message = _error(count, tmp_path)
    assert '规则项 stars.bands：只在 method = "total"（按总分定星）时使用' in message
