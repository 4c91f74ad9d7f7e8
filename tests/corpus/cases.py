"""The fidelity corpus: workbooks made the way township clerks make them (issue 11).

Each case is a function returning a :class:`Case`: the sheets, the formats it is written in,
and the exact :class:`Outcome` both commands must give. Classes (issue 11):
 1 所属党组织 merged down          2 section rows, 小计, 合计        3 hidden last-quarter columns
 4 ○ as a mark                    5 example rows and sheets          6 "none" in 负面清单 in words
 7 two tables on one sheet         8 a two-row header repeated        9 header spellings
10 ☆ and 颗星 star claims          11 dates clerks write             12 hidden data rows
13 full-width digits, titles, footers, blank rows, data not from column A
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.builders import ASPECTS, SheetSpec, instructions_sheet
from tests.corpus.expect import Expected, Finding, Outcome, RowWarning
from tests.corpus.layout import FOOTER, NOTE, UNSET, Col, Grid, Table, std_cols

FORMATS = ("xlsx", "xls", "ods")


@dataclass
class Case:
    name: str
    classes: tuple[int, ...]
    about: str
    sheets: list[SheetSpec]
    outcome: Outcome
    formats: tuple[str, ...] = FORMATS


def branches_of(*tables: Table) -> list[Expected]:
    return [b for t in tables for b in t.branches]


CASES: list[Callable[[], Case]] = []


def case(fn: Callable[[], Case]) -> Callable[[], Case]:
    CASES.append(fn)
    return fn


# --------------------------------------------------------------------------- 1 merged 所属党组织


@case
def merged_org_groups() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="河西街道党工委")
    t.preamble()
    t.header()
    with t.org_group("河西街道阳光社区党委"):
        t.branch("阳光社区第一党支部", "√√√√√√", type="城市社区")
        t.branch("阳光社区第二党支部", "√√√√√×", type="城市社区")
        t.branch("阳光社区离退休党支部", "√×√√××", type="城市社区")
    with t.org_group("河西街道机关党委"):
        t.branch("河西街道机关第一党支部", "√√√√√√", type="机关")
        t.branch("河西街道机关第二党支部", "√√√×√√", type="机关")
    t.branch("河西街道非公企业联合党支部", "√√×√××", type="非公有制经济组织")
    with t.org_group("河西街道幸福社区党委"):
        t.branch("幸福社区第一党支部", "√√√√√×", type="城市社区")
        t.branch("幸福社区第二党支部", "××√√××", type="城市社区")
        t.branch("幸福社区物业服务行业党支部", "√√√√√√", type="社会组织")
    t.footer([FOOTER])
    return Case(
        "merged_org_groups",
        (1,),
        "所属党组织 merged down over each group of branches; one group of one branch unmerged",
        [g.spec()],
        Outcome(branches_of(t)),
    )


@case
def merged_org_messy() -> Case:
    g = Grid("定级表")
    cols = std_cols(
        headers={"所属党组织": "所属\n党组织", "党支部名称": "党 支 部 名 称", "支部书记": "书记"}
    )
    t = Table(g, cols, org="青山乡党委", start_col=1, fullwidth=True, star_style="xing")
    t.preamble(annex="附件1", blank_after=1)
    t.header()
    with t.org_group("青山乡李家庄村党总支"):
        t.branch("李家庄村第一党支部", "√√√√√√", type="农村")
        t.branch("李家庄村第二党支部", "√√×√√√", type="农村")
        t.branch("李家庄村老年党支部", "√×××√×", type="农村")
    t.blank()
    with t.org_group("青山乡中心学校党总支"):
        t.branch("青山乡中心学校教师党支部", "√√√√√√", type="事业单位")
        t.branch("青山乡中心学校退休教师党支部", "√√√√××", type="事业单位")
    t.blank()
    with t.org_group("青山乡党委", written=" 青山乡党委 "):
        t.branch(" 青山乡柳树屯村党支部", "√√√×√√", type="农村")
        t.branch("青山乡马家坪村党支部\u3000", "×√√×√×", type="农村")
        t.branch("青山乡卫生院党支部", "√√√√√×", type="事业单位")
    t.total()
    t.footer([FOOTER, NOTE])
    return Case(
        "merged_org_messy",
        (1, 13),
        "merged 所属党组织 groups with blank rows between them, data from column B, full-width "
        "counts, spaced and broken headers, stray spaces, 合计 and a merged footer",
        [instructions_sheet(), g.spec()],
        Outcome(branches_of(t)),
    )


# --------------------------------------------------------------------------- 2 section rows


@case
def sections_in_serial() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols())
    t.preamble()
    t.header()
    t.section("一、农村党支部（4个）", type="农村")
    t.branch("城关镇东街村党支部", "√√√√√√")
    t.branch("城关镇西关村党支部", "√√√√√×")
    t.branch("城关镇南岗村党支部", "√√×√√×")
    t.branch("城关镇北坡村党支部", "√××√××")
    t.subtotal()
    t.section("二、城市社区党支部（2个）", type="城市社区")
    t.branch("城关镇阳光社区党支部", "√√√√√√")
    t.branch("城关镇幸福社区党支部", "√√√×√√")
    t.subtotal()
    t.section("三、机关和事业单位党支部（3个）")
    t.branch("城关镇机关第一党支部", "√√√√√√", type="机关")
    t.branch("城关镇中心学校党支部", "√√√√×√", type="事业单位")
    t.branch("城关镇卫生院党支部", "√√×××√", type="事业单位")
    t.subtotal()
    t.total()
    t.footer([FOOTER])
    return Case(
        "sections_in_serial",
        (2,),
        "section labels in 序号 (一、农村党支部（4个）), 序号 restarting, 小计 per section, 合计; "
        "支部类型 blank where the section names the type",
        [g.spec()],
        Outcome(branches_of(t)),
    )


@case
def sections_in_name() -> Case:
    g = Grid("Sheet1")
    t = Table(g, std_cols(counts=False), org="青山乡党委")
    t.preamble(annex="附件1")
    t.header()
    t.section("一、农村党支部（3个）", where="name", type="农村")
    t.branch("青山乡杨柳村党支部", "√√√√√√")
    t.branch("青山乡桃园村党支部", "×√√√√×")
    t.branch("青山乡枣林村党支部", "√√√√√×")
    t.subtotal(where="name")
    t.section("二、非公有制经济组织党支部（2个）", where="name", type="非公有制经济组织")
    t.branch("华兴农业开发有限公司党支部", "√√×√××")
    t.branch("青山乡非公企业联合党支部", "√√√√√√")
    t.subtotal(where="name")
    t.section("三、社会组织党支部（1个）", where="name", type="社会组织")
    t.branch("青山乡老年人协会党支部", "√×√√××")
    t.subtotal(where="name")
    t.total()
    return Case(
        "sections_in_name",
        (2,),
        "section labels alone in 党支部名称, 序号 blank on them and restarting, 小计 in the name "
        "column, every 支部类型 blank (the type is the section's)",
        [g.spec()],
        Outcome(branches_of(t)),
    )


@case
def sections_split_merged() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="石桥镇党委")
    t.preamble()
    t.header()
    t.section("农村党支部", where="split", serial_text="一", type="农村")
    t.branch("石桥镇石门村党支部", "√√√√√√")
    t.branch("石桥镇双桥村党支部", "√×√√√√")
    t.branch("石桥镇河口村党支部", "××√√××")
    t.section("城市社区党支部", where="split", serial_text="二", type="城市社区")
    t.branch("石桥镇锦绣社区党支部", "√√√√√×")
    t.branch("石桥镇滨河社区党支部", "√√√√√√")
    t.section("机关党支部", where="split", serial_text="三", type="机关")
    t.branch("石桥镇机关第一党支部", "√√√√×√")
    t.total()
    t.footer([FOOTER, NOTE])
    return Case(
        "sections_split_merged",
        (2,),
        "一/二/三 in 序号 and the section label merged across the rest of the row; 合计",
        [g.spec()],
        Outcome(branches_of(t)),
    )


# --------------------------------------------------------------------------- 3 hidden columns


def quarter_cols(
    old_group: str | None, new_group: str | None, *, counts: bool = False
) -> list[Col]:
    cols = std_cols(counts=counts, group=new_group)
    first = next(j for j, c in enumerate(cols) if c.key == ASPECTS[0])
    old = [Col(f"旧{a}", a, old_group) for a in ASPECTS]
    return cols[:first] + old + cols[first:]


def old_marks(text: str) -> dict[str, str]:
    return {f"旧{a}": m for a, m in zip(ASPECTS, text, strict=True)}


@case
def hidden_last_quarter() -> Case:
    g = Grid("附件1")
    t = Table(g, quarter_cols("2025年一季度达标情况", "2025年二季度达标情况"))
    t.preamble(title="城关镇党支部分类定级表（2025年二季度）")
    t.header()
    rows = [
        ("城关镇东街村党支部", "农村", "√√√√××", "√√√√√√"),
        ("城关镇西关村党支部", "农村", "√×√×××", "√√√√√×"),
        ("城关镇南岗村党支部", "农村", "√√√√√√", "√√√√√√"),
        ("城关镇阳光社区党支部", "城市社区", "××√√××", "√√√√××"),
        ("城关镇中心学校党支部", "事业单位", "√√√√√×", "√√√√√√"),
        ("宏达建材有限公司党支部", "非公有制经济组织", "××××××", "√××√××"),
    ]
    for name, kind, old, new in rows:
        t.branch(name, new, type=kind, values=old_marks(old))
    for key in (f"旧{a}" for a in ASPECTS):
        g.hidden_cols.add(t.index[key])
    t.footer([FOOTER])
    return Case(
        "hidden_last_quarter",
        (3,),
        "last quarter's six aspect columns kept and hidden left of this quarter's, under group "
        "headers 2025年一季度达标情况 / 2025年二季度达标情况; the visible ones count",
        [g.spec()],
        Outcome(branches_of(t)),
    )


@case
def duplicate_column_visible() -> Case:
    g = Grid("附件1")
    cols = std_cols()
    at = next(j for j, c in enumerate(cols) if c.key == "基本活动")
    cols.insert(at + 1, Col("基本活动2", "基本活动", cols[at].group))
    t = Table(g, cols)
    t.preamble()
    t.header()
    rows = [
        ("城关镇东街村党支部", "√√√√√√", "√"),
        ("城关镇西关村党支部", "√√×√√√", "√"),
        ("城关镇南岗村党支部", "√√√√√×", "×"),
        ("城关镇幸福社区党支部", "√√×√××", "√"),
    ]
    for name, ms, second in rows:
        t.branch(
            name, ms, type="农村" if "村" in name else "城市社区", values={"基本活动2": second}
        )
    a, b = t.header_cells["基本活动"], t.header_cells["基本活动2"]
    return Case(
        "duplicate_column_visible",
        (3,),
        "基本活动 twice, both visible, under the same group header: no choice is right",
        [g.spec()],
        Outcome(
            branches_of(t),
            refuse_cells=(a, b),
            errors=[Finding.at("duplicate-column", "附件1", a, b)],
        ),
    )


@case
def duplicate_quarter_columns_one_row_header() -> Case:
    g = Grid("Sheet1")
    t = Table(g, quarter_cols(None, None), org="青山乡党委")
    t.preamble(annex=None, title="青山乡党支部分类定级表", fill=None)
    t.header()
    rows = [
        ("青山乡杨柳村党支部", "√√√√××", "√√√√√√"),
        ("青山乡桃园村党支部", "√×√×××", "√√√√√×"),
        ("青山乡枣林村党支部", "√√√√√√", "√√√√√√"),
        ("青山乡卫生院党支部", "××√√××", "√√√√××"),
    ]
    for name, old, new in rows:
        t.branch(name, new, type="农村" if "村" in name else "事业单位", values=old_marks(old))
    pairs = [(t.header_cells[f"旧{a}"], t.header_cells[a]) for a in ASPECTS]
    return Case(
        "duplicate_quarter_columns_one_row_header",
        (3,),
        "last quarter's six aspect columns kept visible beside this quarter's under a one-row "
        "header (no group header to tell them apart): refused, every pair named",
        [g.spec()],
        Outcome(
            branches_of(t),
            refuse_cells=pairs[0],
            errors=[Finding.at("duplicate-column", "Sheet1", *p) for p in pairs],
        ),
    )


# --------------------------------------------------------------------------- 4 ○


@case
def circle_mark() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="柳林镇党委")
    t.preamble()
    t.header()
    t.branch("柳林镇刘家河村党支部", "√√√√√√", type="农村")
    t.branch("柳林镇陈家沟村党支部", "√√√√√×", type="农村")
    circled = t.branch(
        "柳林镇孙家坝村党支部",
        ["√", "√", "√", "√", "○", "√"],
        type="农村",
        values={"星级": None, "定级类别": None, "等次": None},
    )
    t.branch("柳林镇杏花社区党支部", "√×√√××", type="城市社区")
    t.footer([FOOTER])
    cell = t.cell(circled.row, "基本保障")
    return Case(
        "circle_mark",
        (4,),
        "○ in one 基本保障 cell (claims blank on that row): an error naming the cell",
        [g.spec()],
        Outcome(
            branches_of(t), refuse_cells=(cell,), errors=[Finding.at("bad-mark", "附件1", cell)]
        ),
    )


@case
def circle_marks_messy() -> Case:
    g = Grid("柳林镇")
    t = Table(g, std_cols(claims=False), org="柳林镇党委", start_col=1, fullwidth=True)
    t.preamble(annex="附件1", blank_after=1)
    t.header()
    t.section("一、农村党支部（3个）", type="农村")
    a = t.branch("柳林镇赵庄村党支部", "√ √ ○ √ √ √")
    t.branch("柳林镇何家湾村党支部", "√√√√√√")
    t.branch("柳林镇罗家坪村党支部", "√×√√××")
    t.section("二、城市社区党支部（1个）", type="城市社区")
    b = t.branch("柳林镇春晖社区党支部", "√ √ √ √ √ ○")
    t.total()
    t.footer([FOOTER])
    cells = (t.cell(a.row, "基本活动"), t.cell(b.row, "发挥作用"))
    return Case(
        "circle_marks_messy",
        (4, 2, 13),
        "○ in two cells of a sectioned table from column B with full-width digits, no claims",
        [g.spec()],
        Outcome(
            branches_of(t),
            refuse_cells=cells,
            errors=[Finding.at("bad-mark", "柳林镇", c) for c in cells],
        ),
    )


# --------------------------------------------------------------------------- 5 examples


def example_form(name: str, org: str, rows: Sequence[tuple[str, str]], *, wrong: bool) -> Grid:
    g = Grid(name)
    t = Table(g, std_cols(), org=org)
    t.preamble(title=f"{org.removesuffix('党委')}党支部分类定级表（{name}）")
    t.header()
    for n, ms in rows:
        t.branch(n, ms, type="农村", claim=6 if wrong else UNSET)
    t.footer([FOOTER, NOTE])
    return g


@case
def example_sheet_fill() -> Case:
    ex = example_form(
        "填表示例",
        "XX镇党委",
        [("东风村党支部", "√√√√√√"), ("红星村党支部", "√√×√√×"), ("前进社区党支部", "√×××√×")],
        wrong=False,
    )
    g = Grid("附件1")
    t = Table(g, std_cols())
    t.preamble()
    t.header()
    t.branch("城关镇李家庄村党支部", "√√√√√√", type="农村")
    t.branch("城关镇王家寨村党支部", "√√√√√×", type="农村")
    t.branch("城关镇张家湾村党支部", "√×√√××", type="农村")
    t.branch("城关镇文化路社区党支部", "√√√√√√", type="城市社区")
    return Case(
        "example_sheet_fill",
        (5,),
        "a 填表示例 sheet holding a complete example form before the real 附件1",
        [instructions_sheet(), ex.spec(), g.spec()],
        Outcome(branches_of(t), example_sheets=("填表示例",)),
    )


@case
def example_sheet_sample() -> Case:
    ex = example_form(
        "样表",
        "XX乡党委",
        [("XX村党支部", "√√√√√×"), ("XX社区党支部", "√√√×××")],
        wrong=True,
    )
    g = Grid("青山乡")
    t = Table(g, std_cols(), org="青山乡党委")
    t.preamble()
    t.header()
    t.branch("青山乡杨柳村党支部", "√√√√√√", type="农村")
    t.branch("青山乡枣林村党支部", "√√√×√√", type="农村")
    t.branch("青山乡中心幼儿园党支部", "√√√√××", type="事业单位")
    return Case(
        "example_sheet_sample",
        (5,),
        "a 样表 sheet whose example claims 6 stars against its marks, before the real sheet",
        [ex.spec(), g.spec()],
        Outcome(branches_of(t), example_sheets=("样表",)),
    )


@case
def example_rows() -> Case:
    ex = example_form("示例", "××镇党委", [("××村党支部", "√√√√√√")], wrong=False)
    g = Grid("附件1")
    t = Table(g, std_cols())
    t.preamble()
    t.header()
    t.row(
        {
            "序号": "例",
            "所属党组织": "××镇党委",
            "党支部名称": "××村党支部",
            "支部类型": "农村",
            "党员人数": 30,
            "正式党员": 28,
            "预备党员": 2,
            "支委人数": 5,
            "支部书记": "×××",
            **dict.fromkeys(ASPECTS, "√"),
            "负面清单": "无",
            "星级": 6,
            "定级类别": "示范点",
            "等次": "先进",
            "备注": "填表示例，请删除",
        }
    )
    t.branch("城关镇新庄村党支部", "√√√√√√", type="农村")
    t.branch("城关镇老街村党支部", "√√√√×√", type="农村")
    t.branch("城关镇红旗村党支部", "√×√×√×", type="农村")
    t.branch("城关镇学府社区党支部", "√√√√√√", type="城市社区")
    t.row({"序号": 5, "所属党组织": "城关镇党委", "党支部名称": "XX村党支部", "星级": "★★★"})
    t.row({"序号": 6, "所属党组织": "城关镇党委", "党支部名称": "***党支部"})
    t.row({"序号": "例", "党支部名称": "××镇××社区党支部", "基本组织": "√"})
    return Case(
        "example_rows",
        (5,),
        "a 例 row (××镇党委/××村党支部) under the header, leftover XX and *** rows after the "
        "data, and a 示例 sheet",
        [g.spec(), ex.spec()],
        Outcome(branches_of(t), example_sheets=("示例",)),
    )


# --------------------------------------------------------------------------- 6 negative list


NONE_WORDS: tuple[object, ...] = (
    "暂无", "无此情况", "未发现", "无。", "0", 0, "没有", "未发生", "否", "/", "-", "—", "×",
    "无", " 无 ", "无此情形",
)  # fmt: skip


@case
def negative_list_words() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="石桥镇党委")
    t.preamble()
    t.header()
    villages = "石门 双桥 河口 沙坝 朱家岭 黄土坡 上坪 下湾 中和 兴隆 永丰 长岭 松林 竹园 团结 光明"
    for v, word in zip(villages.split(), NONE_WORDS, strict=True):
        t.branch(
            f"石桥镇{v}村党支部", "√√√√√√" if len(v) == 2 else "√√√√√×", type="农村", veto=word
        )
    t.branch("石桥镇金星村党支部", "√√√√√√", type="农村", veto="支部书记受到党纪处分")
    return Case(
        "negative_list_words",
        (6,),
        "负面清单 'none' in words: 暂无, 无此情况, 未发现, 无。, 0 (text and number), 没有, 未发生, "
        "否, /, -, —, ×; one real entry vetoes",
        [g.spec()],
        Outcome(branches_of(t)),
    )


# --------------------------------------------------------------------------- 7 two tables


def _town_table(
    g: Grid, org: str, rows: Sequence[tuple[str, str, str]], *, org_col: bool = False
) -> Table:
    t = Table(g, std_cols(org=org_col, counts=False), org=org)
    t.preamble(annex=None)
    t.header()
    for name, kind, ms in rows:
        t.branch(name, ms, type=kind)
    return t


CHENGGUAN = [
    ("城关镇东街村党支部", "农村", "√√√√√√"),
    ("城关镇西关村党支部", "农村", "√√×√√√"),
    ("城关镇南岗村党支部", "农村", "×√√√××"),
    ("城关镇阳光社区党支部", "城市社区", "√√√√√×"),
    ("城关镇机关第一党支部", "机关", "√√√√√√"),
]
QINGSHAN = [
    ("青山乡杨柳村党支部", "农村", "√√√√××"),
    ("青山乡桃园村党支部", "农村", "√√√√√√"),
    ("青山乡卫生院党支部", "事业单位", "√×√√√×"),
    ("青山乡敬老院党支部", "事业单位", "√√√√√√"),
]


@case
def two_tables_with_footer() -> Case:
    g = Grid("Sheet1")
    g.new_row({0: "附件1"})
    a = _town_table(g, "城关镇党委", CHENGGUAN)
    a.total()
    a.footer([FOOTER, NOTE])
    g.new_row()
    g.new_row()
    b = _town_table(g, "青山乡党委", QINGSHAN)
    b.footer([FOOTER])
    return Case(
        "two_tables_with_footer",
        (7,),
        "two townships' tables one below the other, each with title, 填报单位 and two-row "
        "header, no 所属党组织 column; 合计 and 填报人/说明 footer between",
        [g.spec()],
        Outcome(branches_of(a, b)),
    )


@case
def two_tables_no_footer() -> Case:
    g = Grid("汇总")
    a = _town_table(g, "城关镇党委", CHENGGUAN)
    g.new_row()
    b = _town_table(g, "青山乡党委", QINGSHAN)
    return Case(
        "two_tables_no_footer",
        (7,),
        "two tables, one blank row between them, no footer, no 所属党组织 column",
        [g.spec()],
        Outcome(branches_of(a, b)),
    )


@case
def two_tables_merged_footer() -> Case:
    g = Grid("Sheet1")
    a = _town_table(g, "城关镇党委", CHENGGUAN, org_col=True)
    a.footer([NOTE])
    b = _town_table(g, "青山乡党委", QINGSHAN, org_col=True)
    b.footer([FOOTER])
    return Case(
        "two_tables_merged_footer",
        (7,),
        "a 说明 row merged from column A ends the first table; the second title follows at once",
        [g.spec()],
        Outcome(branches_of(a, b)),
    )


# --------------------------------------------------------------------------- 8 repeated header


VILLAGES = (
    "东街 西关 南岗 北坡 李家庄 王家寨 张家湾 柳树屯 马家坪 红旗 新民 胜利 前进 和平 石门 杨柳 "
    "桃园 枣林 小河 大营 东升 双桥 三里铺 五里店 白杨 青龙 龙泉 凤凰"
).split()
PATTERNS = ("√√√√√√", "√√√√√×", "√√×√√×", "√×√√××", "××√√××", "√√√×√√", "√√√√×√")


@case
def repeated_two_row_header() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="城关镇党委")
    t.preamble()
    t.header()
    for i, v in enumerate(VILLAGES[:26]):
        if i == 18:  # a printed page begins: the clerk pasted the header again
            t.header()
        t.branch(f"城关镇{v}村党支部", PATTERNS[i % len(PATTERNS)], type="农村")
    t.total()
    return Case(
        "repeated_two_row_header",
        (8,),
        "the two-row header repeated after 18 branches, where the second printed page begins",
        [g.spec()],
        Outcome(branches_of(t)),
    )


# --------------------------------------------------------------------------- 9 header spellings


def _spelling_case(name: str, headers: Sequence[str], about: str, org: str) -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(aspect_headers=headers), org=org)
    t.preamble()
    t.header()
    place = org.removesuffix("党委")
    for i, v in enumerate(VILLAGES[5:11]):
        t.branch(f"{place}{v}村党支部", PATTERNS[i], type="农村")
    return Case(name, (9,), about, [g.spec()], Outcome(branches_of(t)))


@case
def headers_numbered() -> Case:
    return _spelling_case(
        "headers_numbered",
        ("1.基本组织", "2.组织队伍", "3.基本活动", "4.基本制度", "5.基本保障", "6.发挥作用情况"),
        "aspect headers numbered 1.基本组织 … 6.发挥作用情况",
        "柳林镇党委",
    )


@case
def headers_bracket_numbers() -> Case:
    return _spelling_case(
        "headers_bracket_numbers",
        (
            "（一）基本组织",
            "（二）组织队伍",
            "（三）基本活动",
            "（四）基本制度",
            "（五）基本保障",
            "（六）发挥作用",
        ),
        "aspect headers （一）基本组织 … （六）发挥作用",
        "石桥镇党委",
    )


@case
def headers_cn_enumerated() -> Case:
    return _spelling_case(
        "headers_cn_enumerated",
        (
            "一、基本组织",
            "二、组织队伍",
            "三、基本活动",
            "四、基本制度",
            "五、基本保障",
            "六、发挥作用情况",
        ),
        "aspect headers 一、基本组织 … 六、发挥作用情况",
        "青山乡党委",
    )


@case
def headers_with_points() -> Case:
    return _spelling_case(
        "headers_with_points",
        (
            "基本组织（20分）",
            "组织队伍（20分）",
            "基本活动（20分）",
            "基本制度（15分）",
            "基本保障（15分）",
            "发挥作用（10分）",
        ),
        "aspect headers with points: 基本组织（20分）…",
        "城关镇党委",
    )


@case
def headers_verb_phrases() -> Case:
    return _spelling_case(
        "headers_verb_phrases",
        (
            "健全基本组织",
            "建强组织队伍",
            "开展基本活动",
            "落实基本制度",
            "强化基本保障",
            "发挥作用情况",
        ),
        "aspect headers as verb phrases: 健全基本组织, 建强组织队伍, 开展基本活动, 落实基本制度, "
        "强化基本保障, 发挥作用情况",
        "河西街道党工委",
    )


# --------------------------------------------------------------------------- 10 star claims


@case
def star_claims_hollow() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="城关镇党委", star_style="hollow")
    t.preamble()
    t.header()
    for i, v in enumerate(VILLAGES[12:19]):
        ms = PATTERNS[i]
        stars = sum(m == "√" for m in ms)
        claim = f"{stars}颗星" if i in (2, 5) else "☆" * stars
        t.branch(f"城关镇{v}村党支部", ms, type="农村", claim=claim, expect_claim=stars)
    return Case(
        "star_claims_hollow",
        (10,),
        "星级 claimed as ☆☆☆☆ (☆ only) and as 3颗星, all agreeing with the marks",
        [g.spec()],
        Outcome(branches_of(t)),
    )


# --------------------------------------------------------------------------- 11 dates


CREATION_TAIL = (
    "创建目标",
    "主要短板",
    "创建措施",
    "责任人",
    "完成时限",
    "进展情况",
    "是否达标",
    "销号时间",
)


def creation_cols() -> list[Col]:
    """附件2: the branch, its marks and 星级, then the creation plan and status."""
    cols = std_cols(counts=False, secretary=False, claims=False, note=False)
    cols = [c for c in cols if c.key != "负面清单"]
    return cols + [Col("星级")] + [Col(k) for k in CREATION_TAIL] + [Col("备注")]


def creation_values(ms: str, deadline: object, closed: object, owner: str) -> dict[str, object]:
    done = ms == "√√√√√√"
    unmet = [a for a, m in zip(ASPECTS, ms, strict=True) if m != "√"]
    return {
        "创建目标": "巩固提升，争创示范" if done else "2025年底前达到六星",
        "主要短板": "、".join(unmet) if unmet else "无",
        "创建措施": "总结经验，发挥示范带动作用" if done else "对照标准逐项整改，补齐短板弱项",
        "责任人": owner,
        "完成时限": deadline,
        "进展情况": "已全部达标" if done else "推进中",
        "是否达标": "是" if done else "否",
        "销号时间": closed,
    }


@case
def dates_creation_ledger() -> Case:
    g = Grid("附件2")
    t = Table(g, creation_cols(), org="河西街道党工委")
    t.preamble(annex="附件2", title="河西街道党支部标准化建设达标创建台账")
    t.header()
    deadlines: list[object] = [
        "二〇二五年九月", "2025年底", "9月30号", "2025-09-30 00:00:00", 20250930, "45930",
    ]  # fmt: skip
    closed: list[object] = ["2025-06-20 00:00:00", 20250620, "二〇二五年六月"]
    rows = [
        ("河西街道阳光社区党支部", "城市社区", "√√√×√×"),
        ("河西街道幸福社区党支部", "城市社区", "√√√√√×"),
        ("河西街道和谐社区党支部", "城市社区", "√×√√√√"),
        ("河西街道建设路社区党支部", "城市社区", "√√√√××"),
        ("河西街道人民路社区党支部", "城市社区", "××√√√√"),
        ("河西街道文化站党支部", "事业单位", "√√√×√√"),
        ("河西街道机关第一党支部", "机关", "√√√√√√"),
        ("河西街道机关第二党支部", "机关", "√√√√√√"),
        ("河西街道便民服务中心党支部", "事业单位", "√√√√√√"),
    ]
    bad = None
    for i, (name, kind, ms) in enumerate(rows):
        done = ms == "√√√√√√"
        values = creation_values(
            ms,
            dt.date(2025, 6, 30) if done else deadlines[i],
            closed[i - 6] if done else None,
            ("李秀英", "张志刚", "刘海燕")[i % 3],
        )
        b = t.branch(name, ms, type=kind, values=values)
        if values["完成时限"] == "45930":
            bad = t.cell(b.row, "完成时限")
    assert bad
    return Case(
        "dates_creation_ledger",
        (11,),
        "附件2 完成时限 二〇二五年九月, 2025年底, 9月30号, '2025-09-30 00:00:00' as text, 20250930 as "
        "a number; 销号时间 likewise; one bare serial '45930' typed as text stays bad-date",
        [g.spec()],
        Outcome(branches_of(t), errors=[Finding.at("bad-date", "附件2", bad)]),
    )


@case
def dates_work_ledger() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="石桥镇党委")
    t.preamble()
    t.header()
    rows = [
        ("石桥镇石门村党支部", "√√√√√×"),
        ("石桥镇双桥村党支部", "√×√√××"),
        ("石桥镇河口村党支部", "√√√√√√"),
        ("石桥镇沙坝村党支部", "√√×√√√"),
        ("石桥镇上坪村党支部", "××√√√×"),
    ]
    for name, ms in rows:
        t.branch(name, ms, type="农村")
    w = Grid("附件4")
    wt = Table(
        w,
        [
            Col(k)
            for k in (
                "序号",
                "党支部名称",
                "工作任务",
                "完成时限",
                "进展情况",
                "完成情况",
                "销号时间",
                "佐证材料",
            )
        ],
        org="石桥镇党委",
    )
    wt.preamble(annex="附件4", title="石桥镇党支部标准化建设创建工作台账")
    wt.header()
    items = [
        ("石桥镇石门村党支部", "补齐发挥作用短板", "二〇二五年九月", "推进中", None, None),
        ("石桥镇双桥村党支部", "补齐组织队伍短板", "2025年底", "推进中", None, None),
        ("石桥镇双桥村党支部", "补齐基本保障短板", "9月30号", "未启动", None, None),
        ("石桥镇沙坝村党支部", "补齐基本活动短板", "2025-09-30 00:00:00", "已完成", 20250615, "会议记录、照片"),
        ("石桥镇上坪村党支部", "补齐基本组织短板", 20250930, "已完成", "2025-06-18 00:00:00", "整改报告"),
        ("石桥镇上坪村党支部", "补齐组织队伍短板", "45930", "推进中", None, None),
        ("石桥镇河口村党支部", "巩固提升标准化建设成果", "2025年底", "已完成", "二〇二五年六月", "台账资料"),
    ]  # fmt: skip
    bad = ""
    other = set()
    for i, (name, task, deadline, status, closed, proof) in enumerate(items):
        r = wt.row(
            {
                "序号": i + 1,
                "党支部名称": name,
                "工作任务": task,
                "完成时限": deadline,
                "进展情况": "已完成整改，资料已归档" if status == "已完成" else "正在推进",
                "完成情况": status,
                "销号时间": closed,
                "佐证材料": proof,
            },
            skipped=False,
        )
        other.add(r)
        if deadline == "45930":
            bad = wt.cell(r, "完成时限")
    return Case(
        "dates_work_ledger",
        (11,),
        "附件4 完成时限/销号时间 written as clerks write dates; '45930' typed as text is bad-date",
        [g.spec(), w.spec()],
        Outcome(
            branches_of(t),
            errors=[Finding.at("bad-date", "附件4", bad)],
            other_rows={"附件4": other},
        ),
    )


# --------------------------------------------------------------------------- 12 hidden rows


@case
def hidden_data_row() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="城关镇党委")
    t.preamble()
    t.header()
    hidden = None
    for i, v in enumerate(VILLAGES[:7]):
        b = t.branch(f"城关镇{v}村党支部", PATTERNS[i], type="农村", hidden=i == 4)
        hidden = b if i == 4 else hidden
    t.footer([FOOTER])
    assert hidden
    return Case(
        "hidden_data_row",
        (12,),
        "one branch row hidden in the middle of the table: still a branch, with a warning",
        [g.spec()],
        Outcome(branches_of(t), warnings=[RowWarning("hidden-row", "附件1", hidden.row)]),
    )


@case
def hidden_row_messy() -> Case:
    g = Grid("分类定级")
    t = Table(g, std_cols(), org="柳林镇党委", start_col=2, fullwidth=True, star_style="chinese")
    t.preamble(annex="附件1", blank_after=2)
    t.header()
    warns = []
    for i, v in enumerate(("刘家河", "陈家沟", "孙家坝", "赵庄", "何家湾", "罗家坪", "吴家店")):
        if i in (2, 5):
            t.blank()
        b = t.branch(f"柳林镇{v}村党支部", PATTERNS[(i + 3) % 7], type="农村", hidden=i in (3, 6))
        if b.hidden:
            warns.append(RowWarning("hidden-row", "分类定级", b.row))
    t.total()
    t.footer([FOOTER, NOTE], merged=False)
    return Case(
        "hidden_row_messy",
        (12, 13),
        "two hidden branch rows (one the last), data from column C, full-width digits, blank "
        "rows, 四星-style claims, 合计 and an unmerged footer",
        [g.spec()],
        Outcome(branches_of(t), warnings=warns),
    )


# --------------------------------------------------------------------------- combinations


@case
def combo_two_tables_sections_merged_org() -> Case:
    g = Grid("Sheet1")
    g.new_row({0: "附件1"})
    a = Table(g, std_cols(counts=False), org="城关镇党委")
    a.preamble(annex=None)
    a.header()
    a.section("一、农村党支部（4个）", type="农村", merged=True)
    with a.org_group("城关镇党委"):
        a.branch("城关镇东街村党支部", "√√√√√√")
        a.branch("城关镇西关村党支部", "√√√×√√")
    with a.org_group("城关镇李家庄村党总支"):
        a.branch("李家庄村第一党支部", "√√√√√×")
        a.branch("李家庄村第二党支部", "√××√××")
    a.subtotal()
    a.section("二、城市社区党支部（2个）", type="城市社区", merged=True)
    with a.org_group("城关镇阳光社区党委"):
        a.branch("阳光社区第一党支部", "√√√√√√")
        a.branch("阳光社区第二党支部", "√√√√××")
    a.subtotal()
    a.total()
    a.footer([FOOTER])
    g.new_row()
    b = Table(g, std_cols(counts=False), org="青山乡党委")
    b.preamble(annex=None)
    b.header()
    b.section("一、农村党支部（3个）", where="name", type="农村")
    with b.org_group("青山乡党委"):
        b.branch("青山乡杨柳村党支部", "√√√√√√")
        b.branch("青山乡桃园村党支部", "×√√√√×")
    b.branch("青山乡枣林村党支部", "√√√√√×", org="青山乡枣林村党总支")
    b.subtotal(where="name")
    b.section("二、事业单位党支部（2个）", where="name", type="事业单位")
    with b.org_group("青山乡中心学校党总支"):
        b.branch("青山乡中心学校教师党支部", "√√√√√√")
        b.branch("青山乡中心学校退休教师党支部", "√√×√××")
    b.subtotal(where="name")
    b.total()
    return Case(
        "combo_two_tables_sections_merged_org",
        (1, 2, 7),
        "two townships on one sheet, each with sections (label merged across the row / alone in "
        "the name column) and 所属党组织 merged down within the sections, 小计 and 合计",
        [g.spec()],
        Outcome(branches_of(a, b)),
    )


@case
def combo_hidden_quarter_sections_examples() -> Case:
    g = Grid("附件1")
    t = Table(g, quarter_cols("一季度", "二季度", counts=True), org="石桥镇党委", fullwidth=True)
    t.preamble(title="石桥镇党支部分类定级表（2025年第二季度）")
    t.header()
    t.row({"序号": "例", "所属党组织": "××镇党委", "党支部名称": "××村党支部", "支部类型": "农村",
           **dict.fromkeys(ASPECTS, "√"), "负面清单": "无", "星级": 6})  # fmt: skip
    t.section("一、农村党支部（3个）", type="农村")
    t.branch("石桥镇石门村党支部", "√√√√√√", values=old_marks("√√√√××"), veto="暂无")
    t.branch("石桥镇双桥村党支部", "√×√√√×", values=old_marks("√√√√√√"), veto="无此情况")
    t.branch("石桥镇河口村党支部", "√√√√××", values=old_marks("×××√××"), veto="/")
    t.subtotal()
    t.section("二、非公有制经济组织党支部（2个）", type="非公有制经济组织")
    t.branch("恒通物流有限公司党支部", "√√×√√√", values=old_marks("√√×√√√"), veto="未发现")
    t.branch(
        "泰和食品有限公司党支部", "√√√√√√", values=old_marks("√√√√√√"), veto="发生重大安全生产事故"
    )
    t.subtotal()
    t.total()
    for key in (f"旧{a}" for a in ASPECTS):
        g.hidden_cols.add(t.index[key])
    return Case(
        "combo_hidden_quarter_sections_examples",
        (3, 2, 5, 6, 13),
        "hidden 一季度 columns, a 例 row, sections with 小计, 负面清单 'none' words and one veto, "
        "full-width counts",
        [g.spec()],
        Outcome(branches_of(t)),
    )


@case
def combo_repeated_header_merged_org_hollow() -> Case:
    g = Grid("附件1")
    t = Table(g, std_cols(), org="河西街道党工委", star_style="hollow")
    t.preamble()
    t.header()
    groups = [
        ("河西街道阳光社区党委", "阳光社区", 5),
        ("河西街道幸福社区党委", "幸福社区", 6),
        ("河西街道锦绣社区党委", "锦绣社区", 5),
        ("河西街道滨河社区党委", "滨河社区", 4),
    ]
    k = 0
    for org, place, n in groups:
        if org == "河西街道锦绣社区党委":
            t.header()  # page two begins with the group
        with t.org_group(org):
            for j in range(n):
                ms = PATTERNS[k % 7]
                k += 1
                t.branch(
                    f"{place}第{'一二三四五六'[j]}党支部",
                    ms,
                    type="城市社区",
                    veto=("无", "暂无", "没有")[k % 3],
                    expect_claim=sum(m == "√" for m in ms),
                )
    t.total()
    t.footer([FOOTER])
    return Case(
        "combo_repeated_header_merged_org_hollow",
        (8, 1, 10, 6),
        "20 branches in four merged 所属党组织 groups, the two-row header repeated before the "
        "third group, ☆ star claims, 暂无/没有 in 负面清单",
        [g.spec()],
        Outcome(branches_of(t)),
    )


@case
def combo_two_tables_hidden_row_dates() -> Case:
    g = Grid("Sheet1")
    a = Table(g, creation_cols(), org="城关镇党委", start_col=1)
    a.preamble(annex="附件2", title="城关镇党支部标准化建设达标创建台账")
    a.header()
    a.branch(
        "城关镇东街村党支部",
        "√√√√√√",
        type="农村",
        values=creation_values("√√√√√√", "2025年6月底", "2025-06-20 00:00:00", "王建国"),
    )
    h = a.branch(
        "城关镇西关村党支部",
        "√√×√√√",
        type="农村",
        hidden=True,
        values=creation_values("√√×√√√", "2025年底", None, "李秀英"),
    )
    a.branch(
        "城关镇南岗村党支部",
        "√×√√××",
        type="农村",
        values=creation_values("√×√√××", "二〇二五年九月", None, "张志刚"),
    )
    a.footer([FOOTER, NOTE])
    g.new_row()
    b = Table(g, creation_cols(), org="青山乡党委", start_col=1)
    b.preamble(annex=None, title="青山乡党支部标准化建设达标创建台账")
    b.header()
    b.branch(
        "青山乡杨柳村党支部",
        "√√√√√√",
        type="农村",
        values=creation_values("√√√√√√", 20250630, 20250618, "刘海燕"),
    )
    b.branch(
        "青山乡桃园村党支部",
        "√√√√√×",
        type="农村",
        values=creation_values("√√√√√×", "9月30号", None, "陈德明"),
    )
    b.footer([FOOTER])
    return Case(
        "combo_two_tables_hidden_row_dates",
        (7, 11, 12, 13),
        "two 附件2 tables from column B on one sheet, a hidden branch row, dates as clerks write",
        [g.spec()],
        Outcome(branches_of(a, b), warnings=[RowWarning("hidden-row", "Sheet1", h.row)]),
    )  # fmt: skip


# --------------------------------------------------------------------------- controls


@case
def control_messy_single_table() -> Case:
    g = Grid("定级表")
    cols = std_cols(
        headers={"所属党组织": "所属党委", "党支部名称": "支部名称", "星级": "评定星级"}
    )
    t = Table(g, cols, org="柳林镇党委", start_col=1, fullwidth=True, star_style="black")
    t.preamble(blank_after=1)
    t.header()
    for i, v in enumerate(("刘家河", "陈家沟", "孙家坝", "赵庄", "何家湾")):
        if i == 3:
            t.blank()
        t.branch(f"柳林镇{v}村党支部", PATTERNS[i], type="农村")
    t.branch("柳林镇杏花社区党支部", "√√√√√√", type="城市社区", veto="支部书记受到党纪处分")
    t.total()
    t.footer([FOOTER, NOTE])
    return Case(
        "control_messy_single_table",
        (13,),
        "control: one table from column B, synonyms, full-width counts, ★ claims, a blank row, a "
        "veto, 合计 and footers — read right before issue 11",
        [instructions_sheet(), g.spec()],
        Outcome(branches_of(t)),
    )


def all_cases() -> list[Case]:
    return [fn() for fn in CASES]
