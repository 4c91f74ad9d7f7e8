"""Generate large, deterministic ledgers in the messy layout townships actually send.

Two kinds of output, all under ``benchmarks/out/`` (git-ignored):

* ``--sizes 1000,10000,100000``: one county-style 附件1 ledger per size, ``ledger_<N>.xlsx``,
  with ~2% of the branches' claimed stars / category / level deliberately wrong.
* ``--townships N``: a folder ``townships_<N>/`` of N township submissions (30-60 branches each,
  sheets 附件1 + combined 附件3 lists + 附件4 work ledger), all claims consistent: a clean corpus.
* ``--shared-strings``: the ledgers also as Excel and WPS save them, text in the shared-strings
  table (``ledger_<N>_sst.xlsx``, same cells; written without constant_memory, so slower).
* ``--township-sample B``: one township submission with exactly B branches,
  ``township_sample_<B>.xlsx`` (the small-file start-up benchmark).

Each output gets a ``.meta.json`` sidecar (folder: ``manifest.json``) with what a correct rater
must find (branch count, stars and category distribution, deliberate mismatches, Excel rows of
the blank, totals and footer rows), so a benchmark can check the answer as well as the time.

Layout of every per-branch sheet (table starts in column B, 20 columns B:U):

    row 1  附件1
    row 2  title merged B:U
    row 3  填报单位（盖章）：…  填报时间：2025年6月30日   (merged B:U)
    row 4  header; 六个方面达标情况 merged over the six aspects, other cells merged down rows 4-5
    row 5  the six aspect names
    row 6+ data; a blank row every few hundred rows; then 合计 (merged B:E, SUM formulas with
           cached values), 填报人：… and 说明：… footer rows (merged B:U)

Written with xlsxwriter ``constant_memory`` (rows strictly in order), so 100k rows take seconds
and little memory. Same seed, same bytes of data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

GENERATOR_VERSION = 1
DEFAULT_SEED = 20250630
DEFAULT_OUT = Path(__file__).resolve().parent / "out"
AS_OF = dt.date(2025, 6, 30)
AS_OF_TEXT = "2025年6月30日"

ASPECTS = ["基本组织", "组织队伍", "基本活动", "基本制度", "基本保障", "发挥作用"]
COLUMNS = [
    "序号",
    "所属党组织",
    "党支部名称",
    "支部类型",
    "党员人数",
    "正式党员",
    "预备党员",
    "支委人数",
    "支部书记",
    *ASPECTS,
    "负面清单",
    "星级",
    "定级类别",
    "等次",
    "备注",
]
FIRST_COL = 1  # column B
FIRST_ASPECT = COLUMNS.index(ASPECTS[0])
COUNT_COLUMNS = ["党员人数", "正式党员", "预备党员", "支委人数"]
GROUP_HEADER = "六个方面达标情况"
HEADER_ROWS = (3, 4)  # 0-based: Excel rows 4 and 5
FIRST_DATA_ROW = 5  # 0-based: Excel row 6
EXCEL_MAX_ROWS = 1_048_576

CATEGORIES = ["示范点", "重点对象", "加强指导", "软弱涣散"]
LEVELS = ["先进", "中间", "后进"]
CN_DIGITS = "零一二三四五六"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# Branch types as a clerk writes them, with weights; 非公企业 is the accepted short form.
BRANCH_TYPES = [
    ("农村", 50),
    ("城市社区", 14),
    ("机关", 10),
    ("事业单位", 8),
    ("国有企业", 5),
    ("非公有制经济组织", 9),
    ("社会组织", 4),
]
# Weights of the number of aspects met (0..6): most branches are fair to good.
STAR_WEIGHTS = [3, 4, 8, 15, 25, 25, 20]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁"
    "魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红玲芬燕春菊凤洁梅琳云雪荣建国志海"
PLACE_FIRST = (
    "东西南北前后上下大小新老高李王张赵刘陈杨黄周吴徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
    "袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶"
)
PLACE_MID = "家王大小新老上下前后东西中"
PLACE_LAST = "庄河山岭坡湾沟桥集店营寨园林塘洼岗堡台屯坪峪口寺楼铺埠港滩"
TOWN_SUFFIX = [("镇", "党委", 6), ("乡", "党委", 3), ("街道", "党工委", 2)]
COMMUNITY_WORDS = (
    "和平 幸福 新华 建设 光明 胜利 人民 朝阳 东湖 西苑 南关 北街 滨河 锦绣 文化 康乐".split()
)
ORGAN_UNITS = "党政办 财政所 农业综合服务中心 社会事务办 综治中心 规划建设办 经济发展办 派出所 司法所 市场监管所 税务分局 自然资源所".split()
PUBLIC_UNITS = "中心小学 初级中学 卫生院 幼儿园 文化站 敬老院 水利站 农机站 兽医站 广播站".split()
STATE_UNITS = "供电所 自来水公司 粮库 邮政支局 农商银行支行 燃气公司 公交公司".split()
PRIVATE_BIZ = "建材 纺织 食品 机械 电子 服装 物流 农业科技 新能源 包装 家具 化工".split()
SOCIAL_UNITS = "个体劳动者协会 商会 养老服务中心 社会工作服务站 志愿者协会 律师事务所".split()
REMARKS = ["新成立", "2025年换届", "书记新任", "已整顿", "合并设立", "联合党支部", "党员流动性大"]
VETO_TEXTS = ["支部书记受到党纪处分", "发生严重违纪违法问题", "换届选举违规", "党费收缴严重不规范"]

PROBLEMS = {
    "基本组织": ("支部委员会设置不健全，换届不及时", "按期完成换届选举，配齐配强支委班子"),
    "组织队伍": ("党员队伍老化，发展党员工作滞后", "制定发展党员计划，加强入党积极分子培养"),
    "基本活动": ("“三会一课”落实不经常，主题党日流于形式", "严格落实“三会一课”，规范开展主题党日"),
    "基本制度": ("组织生活会、民主评议党员制度执行不严", "健全制度台账，按期召开组织生活会"),
    "基本保障": ("活动阵地面积不足，经费保障不到位", "整合场所资源，规范建设党员活动室"),
    "发挥作用": ("党员先锋模范作用发挥不明显", "开展党员设岗定责、承诺践诺活动"),
}
# Deadline forms SPEC §2 accepts; none lies before the as-of date 2025-06-30.
DEADLINE_TEXTS = [
    "2025年6月30日",
    "2025年6月底",
    "2025年9月底",
    "2025年9月",
    "2025-09-30",
    "2025/12/31",
    "2025.10.31",
    "２０２５年１２月３１日",
    "长期坚持",
    "持续推进",
    "立行立改",
]
PROGRESS = ["已制定方案", "正在推进", "已召开专题会议", "已完成整改", "按计划推进中"]
EVIDENCE = ["会议记录、照片", "整改方案", "换届选举报告", "活动台账", "", "签到表、图片资料"]


@dataclass
class Branch:
    party_org: str
    name: str
    type_text: str
    members: int
    formal: int
    probationary: int
    committee: int
    secretary: str
    met: list[bool]
    yes_no: bool  # marks written 是/否 instead of √/×
    veto: str | None
    remark: str
    claimed_stars: int = 0
    claimed_category: str = ""
    claimed_level: str = ""
    wrong: str | None = None  # which claim was made wrong on purpose
    stars_text: str = ""
    row: int = 0  # 1-based Excel row, once written

    @property
    def stars(self) -> int:
        return 0 if self.veto else sum(self.met)


@dataclass
class Names:
    """Unique-name factory: same rng, same names; a clash gets 第二/第三… appended."""

    rng: random.Random
    seen: set[str] = field(default_factory=set)

    def unique(self, base: str, suffix: str) -> str:
        name = base + suffix
        k = 2
        while name in self.seen:
            ordinal = _cn_ordinal(k)
            name = f"{base}第{ordinal}{suffix}"
            k += 1
        self.seen.add(name)
        return name

    def person(self) -> str:
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def place(self) -> str:
        r = self.rng
        mid = r.choice(PLACE_MID) if r.random() < 0.6 else ""
        return r.choice(PLACE_FIRST) + mid + r.choice(PLACE_LAST)

    def township(self) -> tuple[str, str]:
        """A unique township name and its party committee."""
        suffix, committee = self.rng.choices(
            [(s, c) for s, c, _ in TOWN_SUFFIX], [w for *_, w in TOWN_SUFFIX]
        )[0]
        name = self.unique(self.place(), suffix)
        return name, name + committee


def _cn_ordinal(k: int) -> str:
    digits = "零一二三四五六七八九"
    if k < 10:
        return digits[k]
    if k < 100:
        tens, ones = divmod(k, 10)
        return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")
    return str(k)


def category_of(stars: int) -> str:
    return {6: "示范点", 5: "重点对象", 4: "加强指导", 3: "加强指导"}.get(stars, "软弱涣散")


def level_of(stars: int) -> str:
    return "先进" if stars >= 5 else "中间" if stars >= 3 else "后进"


def stars_text(rng: random.Random, stars: int) -> str:
    if stars == 0:
        return rng.choice(["无星", "0", "无星"])
    return rng.choice([f"{stars}星", f"{CN_DIGITS[stars]}星", "★" * stars])


def make_branch(
    rng: random.Random,
    names: Names,
    township: str,
    party_org: str,
    *,
    veto_rate: float,
    wrong_rate: float,
) -> Branch:
    btype = rng.choices([t for t, _ in BRANCH_TYPES], [w for _, w in BRANCH_TYPES])[0]
    short = township.removesuffix("街道").rstrip("镇乡")
    if btype == "农村":
        name = names.unique(names.place() + "村", "党支部")
    elif btype == "城市社区":
        name = names.unique(rng.choice(COMMUNITY_WORDS) + names.place()[-1] + "社区", "党支部")
    elif btype == "机关":
        name = names.unique(short + rng.choice(ORGAN_UNITS), "党支部")
    elif btype == "事业单位":
        name = names.unique(short + rng.choice(PUBLIC_UNITS), "党支部")
    elif btype == "国有企业":
        name = names.unique(short + rng.choice(STATE_UNITS), "党支部")
    elif btype == "非公有制经济组织":
        name = names.unique(names.place() + rng.choice(PRIVATE_BIZ) + "有限公司", "党支部")
    else:
        name = names.unique(short + rng.choice(SOCIAL_UNITS), "党支部")
    type_text = "非公企业" if btype == "非公有制经济组织" and rng.random() < 0.3 else btype

    n_met = rng.choices(range(7), STAR_WEIGHTS)[0]
    met = [True] * n_met + [False] * (6 - n_met)
    rng.shuffle(met)

    # Keep the data behind 基本组织 consistent with its mark (SPEC §3 indicator rule):
    # met needs >= 3 formal members and, from 7 on, a committee of 3-7.
    if met[0]:
        formal = rng.choice([rng.randint(3, 6), rng.randint(7, 45), rng.randint(7, 45)])
        committee = rng.choice([3, 5, 5, 7]) if formal >= 7 else rng.choice([0, 1, 1])
    elif rng.random() < 0.5:
        formal, committee = rng.randint(1, 2), rng.choice([0, 1])
    else:
        formal, committee = rng.randint(7, 40), rng.choice([1, 2])
    probationary = rng.choices([0, 1, 2, 3], [60, 25, 10, 5])[0]
    if formal + probationary > 50:
        probationary = 0

    veto = rng.choice(VETO_TEXTS) if rng.random() < veto_rate else None
    remark = rng.choice(REMARKS) if rng.random() < 0.08 else ""
    branch = Branch(
        party_org=party_org,
        name=name,
        type_text=type_text,
        members=formal + probationary,
        formal=formal,
        probationary=probationary,
        committee=committee,
        secretary=names.person(),
        met=met,
        yes_no=rng.random() < 0.1,
        veto=veto,
        remark=remark,
    )
    stars = branch.stars
    branch.claimed_stars = stars
    branch.claimed_category = category_of(stars)
    branch.claimed_level = level_of(stars)
    if rng.random() < wrong_rate:
        branch.wrong = rng.choice(["stars", "category", "level"])
        if branch.wrong == "stars":
            branch.claimed_stars = stars + 1 if stars < 6 else 5
        elif branch.wrong == "category":
            branch.claimed_category = rng.choice([c for c in CATEGORIES if c != category_of(stars)])
        else:
            branch.claimed_level = rng.choice([v for v in LEVELS if v != level_of(stars)])
    branch.stars_text = stars_text(rng, branch.claimed_stars)
    return branch


def count_cell(rng: random.Random, n: int, unit_rate: float, fw_rate: float) -> int | str:
    """A count as a clerk types it: mostly a number, sometimes `12人` or full-width `１２`."""
    x = rng.random()
    if x < unit_rate:
        return f"{n}人"
    if x < unit_rate + fw_rate:
        return str(n).translate(FULL_WIDTH)
    return n


class Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        border = {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 10}
        self.title = wb.add_format(
            {"bold": True, "font_size": 18, "align": "center", "font_name": "方正小标宋简体"}
        )
        self.plain = wb.add_format({"font_name": "仿宋_GB2312", "font_size": 12})
        self.header = wb.add_format(
            {**border, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9E1F2"}
        )
        self.cell = wb.add_format(border)
        self.center = wb.add_format({**border, "align": "center"})
        self.date = wb.add_format({**border, "num_format": "yyyy年m月d日"})
        self.note = wb.add_format({"font_size": 10, "text_wrap": True, "valign": "top"})


@dataclass
class SheetLayout:
    """Where things landed, in 1-based Excel rows (the sidecar's ground truth)."""

    header_rows: tuple[int, int] = (4, 5)
    first_data_row: int = 6
    data_rows: int = 0
    blank_rows: list[int] = field(default_factory=list)
    totals_row: int = 0
    footer_rows: list[int] = field(default_factory=list)


def write_preamble(
    ws, fmt: Formats, label: str, title: str, unit: str, last_col: int, as_of_text: str
) -> None:
    ws.write(0, FIRST_COL, label, fmt.plain)
    ws.merge_range(1, FIRST_COL, 1, last_col, title, fmt.title)
    ws.merge_range(
        2,
        FIRST_COL,
        2,
        last_col,
        f"填报单位（盖章）：{unit}        填报时间：{as_of_text}",
        fmt.plain,
    )
    ws.set_row(1, 30)


def write_header(
    ws, fmt: Formats, columns: list[str], groups: list[tuple[str, int, int]], two_level: bool
) -> None:
    """Write a one- or two-level header at Excel row 4 (and 5), rows strictly in order.

    In constant_memory mode a merge that pads row 5 would flush row 4 before the next top
    cell is written; so merges are registered without a format (no padding), the top cells
    re-written with the header format, and row 5 padded by hand afterwards.
    """
    top, sub = HEADER_ROWS
    if not two_level:
        ws.write_row(top, FIRST_COL, columns, fmt.header)
        return
    in_group: dict[int, str] = {}
    for label, first, end in groups:
        if end > first:  # a group over one column is a plain cell
            ws.merge_range(top, FIRST_COL + first, top, FIRST_COL + end, label, None)
        ws.write(top, FIRST_COL + first, label, fmt.header)
        for i in range(first, end + 1):
            in_group[i] = label
            if i != first:
                ws.write_blank(top, FIRST_COL + i, None, fmt.header)
    for i, name in enumerate(columns):
        if i not in in_group:
            ws.merge_range(top, FIRST_COL + i, sub, FIRST_COL + i, name, None)
            ws.write(top, FIRST_COL + i, name, fmt.header)
    for i, name in enumerate(columns):
        if i in in_group:
            ws.write(sub, FIRST_COL + i, name, fmt.header)
        else:
            ws.write_blank(sub, FIRST_COL + i, None, fmt.header)
    ws.set_row(top, 22)
    ws.set_row(sub, 30)


def write_footer(ws, fmt: Formats, row: int, last_col: int, names: Names, note: str) -> list[int]:
    rng = names.rng
    phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
    lines = [
        f"填报人：{names.person()}        审核人：{names.person()}        联系电话：{phone}",
        note,
    ]
    rows = []
    for text in lines:
        ws.merge_range(row, FIRST_COL, row, last_col, text, fmt.note)
        rows.append(row + 1)
        row += 1
    return rows


def write_branch_sheet(
    wb: xlsxwriter.Workbook,
    fmt: Formats,
    sheet_name: str,
    branches: list[Branch],
    *,
    title: str,
    unit: str,
    rng: random.Random,
    names: Names,
    blank_before: set[int],
    header_names: dict[str, str] | None = None,
) -> SheetLayout:
    """附件1 党支部分类定级表, rows written strictly top to bottom (constant_memory)."""
    ws = wb.add_worksheet(sheet_name)
    last_col = FIRST_COL + len(COLUMNS) - 1
    ws.set_column(0, 0, 2)
    widths = [5, 16, 24, 10, 6, 6, 6, 6, 8] + [6] * 6 + [12, 7, 9, 6, 12]
    for i, w in enumerate(widths):
        ws.set_column(FIRST_COL + i, FIRST_COL + i, w)
    write_preamble(ws, fmt, "附件1", title, unit, last_col, AS_OF_TEXT)
    shown = [(header_names or {}).get(c, c) for c in COLUMNS]
    groups = [(GROUP_HEADER, FIRST_ASPECT, FIRST_ASPECT + len(ASPECTS) - 1)]
    write_header(ws, fmt, shown, groups, two_level=True)

    layout = SheetLayout()
    row = FIRST_DATA_ROW
    sums = dict.fromkeys(COUNT_COLUMNS, 0)
    for seq, b in enumerate(branches, start=1):
        if seq in blank_before:
            layout.blank_rows.append(row + 1)
            row += 1
        b.row = row + 1
        yes, no = ("是", "否") if b.yes_no else ("√", "×")
        counts = [
            count_cell(rng, b.members, 0.03, 0.02),
            count_cell(rng, b.formal, 0.0, 0.01),
            count_cell(rng, b.probationary, 0.0, 0.01),
            count_cell(rng, b.committee, 0.01, 0.0),
        ]
        for col, v in zip(COUNT_COLUMNS, counts, strict=True):
            if isinstance(v, int):
                sums[col] += v
        values = [
            seq,
            b.party_org,
            b.name,
            b.type_text,
            *counts,
            b.secretary,
            *[yes if m else no for m in b.met],
            b.veto or "无",
            b.stars_text,
            b.claimed_category,
            b.claimed_level,
            b.remark,
        ]
        ws.write_row(row, FIRST_COL, values, fmt.cell)
        row += 1
    layout.data_rows = len(branches)

    # Totals: 合计 merged over 序号..支部类型, SUM formulas with the value Excel would cache.
    first_data_excel = FIRST_DATA_ROW + 1
    ws.merge_range(row, FIRST_COL, row, FIRST_COL + 3, "合计", fmt.center)
    for col in COUNT_COLUMNS:
        c = FIRST_COL + COLUMNS.index(col)
        letter = xlsxwriter.utility.xl_col_to_name(c)
        formula = f"=SUM({letter}{first_data_excel}:{letter}{row})"
        ws.write_formula(row, c, formula, fmt.cell, sums[col])
    for c in range(FIRST_COL + COLUMNS.index("支部书记"), last_col + 1):
        ws.write_blank(row, c, None, fmt.cell)
    layout.totals_row = row + 1
    row += 1
    layout.footer_rows = write_footer(
        ws,
        fmt,
        row,
        last_col,
        names,
        "说明：1.六个方面达标的填“√”，未达标的填“×”；2.星级按达标方面个数评定，"
        "6星为示范点，5星为重点对象，3-4星为加强指导，2星及以下为软弱涣散；"
        "3.有负面清单情形的不评星。",
    )
    ws.freeze_panes(FIRST_DATA_ROW, FIRST_COL + 3)
    return layout


LIST_COLUMNS = [
    "序号",
    "党支部名称",
    "问题类别",
    "问题描述",
    "整改任务（措施）",
    "责任人",
    "责任领导",
    "完成时限",
]
LIST_GROUPS = [("问题清单", 2, 3), ("任务清单", 4, 4), ("责任清单", 5, 7)]
LEDGER_COLUMNS = [
    "序号",
    "党支部名称",
    "工作任务",
    "完成时限",
    "进展情况",
    "完成情况",
    "销号时间",
    "佐证材料",
]


def deadline_cell(rng: random.Random) -> str | dt.date:
    if rng.random() < 0.15:
        return dt.date(2025, rng.choice([7, 8, 9, 10, 11, 12]), rng.choice([15, 30]))
    return rng.choice(DEADLINE_TEXTS)


def write_cell(ws, fmt: Formats, row: int, col: int, value) -> None:
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt.date)
    else:
        ws.write(row, col, value, fmt.cell)


def write_lists_sheets(
    wb: xlsxwriter.Workbook,
    fmt: Formats,
    branches: list[Branch],
    *,
    township: str,
    unit: str,
    rng: random.Random,
    names: Names,
) -> dict[str, int]:
    """附件3 (combined three lists) and 附件4 (work ledger): one problem per unmet aspect."""
    leader = names.person()
    tasks = []
    for b in branches:
        for aspect, ok in zip(ASPECTS, b.met, strict=True):
            if not ok:
                problem, task = PROBLEMS[aspect]
                tasks.append((b, aspect, problem, task, deadline_cell(rng)))

    # 附件3: one combined sheet, with the 问题清单/任务清单/责任清单 group header half the time.
    ws = wb.add_worksheet(rng.choice(["附件3", "三个清单", "问题任务责任清单"]))
    last_col = FIRST_COL + len(LIST_COLUMNS) - 1
    for i, w in enumerate([5, 24, 10, 36, 36, 8, 8, 14]):
        ws.set_column(FIRST_COL + i, FIRST_COL + i, w)
    write_preamble(
        ws,
        fmt,
        "附件3",
        f"{township}党支部问题清单、任务清单、责任清单",
        unit,
        last_col,
        AS_OF_TEXT,
    )
    two_level = rng.random() < 0.5
    write_header(ws, fmt, LIST_COLUMNS, LIST_GROUPS, two_level=two_level)
    row = FIRST_DATA_ROW if two_level else HEADER_ROWS[0] + 1
    for seq, (b, aspect, problem, task, deadline) in enumerate(tasks, start=1):
        values = [seq, b.name, aspect, problem, task, b.secretary, leader]
        ws.write_row(row, FIRST_COL, values, fmt.cell)
        write_cell(ws, fmt, row, FIRST_COL + 7, deadline)
        row += 1
    write_footer(ws, fmt, row, last_col, names, "说明：每个未达标方面至少列出一个问题。")

    # 附件4: the work ledger, one row per task; closed rows carry their 销号时间.
    ws = wb.add_worksheet(rng.choice(["附件4", "创建工作台账", "工作台账"]))
    last_col = FIRST_COL + len(LEDGER_COLUMNS) - 1
    for i, w in enumerate([5, 24, 36, 14, 16, 9, 14, 18]):
        ws.set_column(FIRST_COL + i, FIRST_COL + i, w)
    write_preamble(ws, fmt, "附件4", f"{township}党支部创建工作台账", unit, last_col, AS_OF_TEXT)
    write_header(ws, fmt, LEDGER_COLUMNS, [], two_level=False)
    row = HEADER_ROWS[0] + 1
    closed = 0
    for seq, (b, _aspect, _problem, task, deadline) in enumerate(tasks, start=1):
        status = rng.choices(["已完成", "推进中", "未启动"], [30, 55, 15])[0]
        if status == "已完成":
            closed += 1
            day = dt.date(2025, rng.choice([4, 5, 6]), rng.randint(1, 28))
            closed_at: str | dt.date = (
                day if rng.random() < 0.5 else f"{day.year}年{day.month}月{day.day}日"
            )
            progress = "已完成整改"
        else:
            closed_at = ""
            progress = rng.choice(PROGRESS[:3] + PROGRESS[4:])
        values = [seq, b.name, task]
        ws.write_row(row, FIRST_COL, values, fmt.cell)
        write_cell(ws, fmt, row, FIRST_COL + 3, deadline)
        ws.write_row(row, FIRST_COL + 4, [progress, status], fmt.cell)
        write_cell(ws, fmt, row, FIRST_COL + 6, closed_at)
        ws.write(row, FIRST_COL + 7, rng.choice(EVIDENCE) if status == "已完成" else "", fmt.cell)
        row += 1
    write_footer(ws, fmt, row, last_col, names, "说明：完成情况填写已完成、推进中或未启动。")
    return {"problems": len(tasks), "tasks": len(tasks), "closed": closed}


def summarize(branches: list[Branch]) -> dict:
    """What a correct `branchctl rate` must report for these branches (SPEC §3)."""
    by_stars = Counter(str(b.stars) for b in branches)
    by_category = Counter(category_of(b.stars) for b in branches)
    return {
        "total": len(branches),
        "by_stars": {str(s): by_stars.get(str(s), 0) for s in range(7)},
        "by_category": {c: by_category.get(c, 0) for c in CATEGORIES},
        "standard_count": sum(all(b.met) and b.veto is None for b in branches),  # a veto: not 达标
        "vetoes": sum(b.veto is not None for b in branches),
        "wrong_claims": sum(b.wrong is not None for b in branches),
        "wrong_by_field": dict(Counter(b.wrong for b in branches if b.wrong)),
        "yes_no_marks": sum(b.yes_no for b in branches),
    }


def blank_positions(rng: random.Random, n: int, lo: int, hi: int) -> set[int]:
    """Sequence numbers before which a blank row stands: one every lo..hi branches."""
    out, seq = set(), rng.randint(lo, hi)
    while seq <= n:
        out.add(seq)
        seq += rng.randint(lo, hi)
    return out


def new_workbook(path: Path, shared_strings: bool = False) -> tuple[xlsxwriter.Workbook, Formats]:
    # constant_memory writes text inline; without it xlsxwriter keeps the shared-strings table
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": not shared_strings})
    wb.set_properties({"title": path.stem, "author": "branchctl benchmarks"})
    return wb, Formats(wb)


def write_ledger(
    path: Path, size: int, seed: int, wrong_rate: float = 0.02, shared_strings: bool = False
) -> dict:
    """One county ledger of `size` branches in ~40-branch townships; returns the sidecar."""
    rng = random.Random(f"ledger-{seed}-{size}")
    names = Names(rng)
    branches: list[Branch] = []
    while len(branches) < size:
        township, org = names.township()
        for _ in range(min(rng.randint(25, 60), size - len(branches))):
            branches.append(
                make_branch(rng, names, township, org, veto_rate=0.003, wrong_rate=wrong_rate)
            )
    blanks = blank_positions(rng, size, 200, 400)
    # Excel holds 1,048,576 rows: a ledger asked for more branches than fit (with its 5 title
    # and header rows, blank rows and 3 footer rows) is cut to fill the sheet exactly.
    room = EXCEL_MAX_ROWS - FIRST_DATA_ROW - 3  # for branches and the blank rows among them
    if len(branches) + len(blanks) > room:
        fit = room - len(blanks)  # too few: the blanks past the cut need no room
        while fit < len(branches) and fit + 1 + sum(s <= fit + 1 for s in blanks) <= room:
            fit += 1
        del branches[fit:]
        blanks = {s for s in blanks if s <= fit}
    tmp = path.with_name(path.name + ".part")
    wb, fmt = new_workbook(tmp, shared_strings)
    layout = write_branch_sheet(
        wb,
        fmt,
        "附件1",
        branches,
        title="XX县党支部分类定级表",
        unit="XX县委组织部",
        rng=rng,
        names=names,
        blank_before=blanks,
    )
    wb.close()
    tmp.replace(path)
    return {
        "kind": "ledger",
        "file": path.name,
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "size": size,
        "sheet": "附件1",
        "columns": COLUMNS,
        "first_col": "B",
        "layout": layout.__dict__,
        "wrong_rows": [b.row for b in branches if b.wrong],
        "expected": summarize(branches),
    }


HEADER_VARIANTS = [
    {},
    {"党支部名称": "支部名称"},
    {"党员人数": "党员人数（人）", "支委人数": "支委\n人数"},
    {"党支部名称": "党 支 部 名 称", "所属党组织": "所属党委"},
    {"支部书记": "书记姓名", "星级": "评定星级"},
]


def write_township(path: Path, index: int, seed: int, size: int | None = None) -> dict:
    """One township submission (附件1 + 附件3 + 附件4), every claim consistent."""
    rng = random.Random(f"township-{seed}-{index}-{size}")
    names = Names(rng)
    township, org = names.township()
    n = size if size is not None else rng.randint(30, 60)
    branches = [
        make_branch(rng, names, township, org, veto_rate=0.0, wrong_rate=0.0) for _ in range(n)
    ]
    tmp = path.with_name(path.name + ".part")
    wb, fmt = new_workbook(tmp)
    unit = org
    layout = write_branch_sheet(
        wb,
        fmt,
        rng.choice(["附件1", "分类定级表", "Sheet1", "定级表（二季度）"]),
        branches,
        title=f"{township}党支部分类定级表",
        unit=unit,
        rng=rng,
        names=names,
        blank_before={rng.randint(8, n - 1)} if rng.random() < 0.3 else set(),
        header_names=rng.choices(HEADER_VARIANTS, [6, 1, 1, 1, 1])[0],
    )
    lists = write_lists_sheets(
        wb, fmt, branches, township=township, unit=unit, rng=rng, names=names
    )
    wb.close()
    tmp.replace(path)
    return {
        "file": path.name,
        "township": township,
        "branches": n,
        "layout": layout.__dict__,
        **lists,
        "expected": summarize(branches),
        "expected_ok": True,
    }


def _meta_ok(meta_path: Path, seed: int) -> bool:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("generator_version") == GENERATOR_VERSION and meta.get("seed") == seed


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def ensure_ledger(
    out: Path, size: int, seed: int, force: bool = False, shared_strings: bool = False
) -> Path:
    stem = f"ledger_{size}_sst" if shared_strings else f"ledger_{size}"
    path = out / f"{stem}.xlsx"
    meta_path = out / f"{stem}.meta.json"
    if not force and path.exists() and _meta_ok(meta_path, seed):
        print(f"up to date: {path}", file=sys.stderr)
        return path
    t0 = time.perf_counter()
    meta = write_ledger(path, size, seed, shared_strings=shared_strings)
    _write_json(meta_path, meta)
    print(f"wrote {path} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    return path


def ensure_township_sample(out: Path, branches: int, seed: int, force: bool = False) -> Path:
    path = out / f"township_sample_{branches}.xlsx"
    meta_path = out / f"township_sample_{branches}.meta.json"
    if not force and path.exists() and _meta_ok(meta_path, seed):
        print(f"up to date: {path}", file=sys.stderr)
        return path
    meta = write_township(path, 0, seed, size=branches)
    meta.update(kind="township-sample", generator_version=GENERATOR_VERSION, seed=seed)
    _write_json(meta_path, meta)
    print(f"wrote {path}", file=sys.stderr)
    return path


def ensure_townships(out: Path, count: int, seed: int, force: bool = False) -> Path:
    folder = out / f"townships_{count}"
    manifest_path = folder / "manifest.json"
    if not force and _meta_ok(manifest_path, seed):
        print(f"up to date: {folder}", file=sys.stderr)
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):
        old.unlink()
    t0 = time.perf_counter()
    files = []
    for i in range(1, count + 1):
        # Name the file after the township, as clerks do, after generating it.
        tmp_path = folder / f"_{i:05d}.xlsx"
        meta = write_township(tmp_path, i, seed)
        final = folder / f"{i:04d}_{meta['township']}_2025年二季度报送.xlsx"
        tmp_path.replace(final)
        meta["file"] = final.name
        files.append(meta)
    manifest = {
        "kind": "townships",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "count": count,
        "as_of": AS_OF.isoformat(),
        "branches": sum(f["branches"] for f in files),
        "problems": sum(f["problems"] for f in files),
        "files": files,
    }
    _write_json(manifest_path, manifest)
    elapsed = time.perf_counter() - t0
    print(f"wrote {count} township workbooks into {folder} ({elapsed:.1f} s)", file=sys.stderr)
    return folder


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if not part:
            continue
        mult = 1000 if part.endswith("k") else 1
        sizes.append(int(part.removesuffix("k")) * mult)
    return sizes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, help="ledger sizes, e.g. 1000,10000,100000 or 1k")
    ap.add_argument("--townships", type=int, metavar="N", help="N township submissions")
    ap.add_argument("--township-sample", type=int, metavar="B", help="one B-branch submission")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--force", action="store_true", help="regenerate even if up to date")
    ap.add_argument(
        "--shared-strings",
        action="store_true",
        help="also write each ledger with its text in the shared-strings table (ledger_N_sst.xlsx)",
    )
    args = ap.parse_args(argv)
    if args.sizes is None and args.townships is None and args.township_sample is None:
        args.sizes = [1000, 10000, 100000]
    args.out.mkdir(parents=True, exist_ok=True)
    for size in args.sizes or []:
        ensure_ledger(args.out, size, args.seed, args.force)
        if args.shared_strings:
            ensure_ledger(args.out, size, args.seed, args.force, shared_strings=True)
    if args.township_sample:
        ensure_township_sample(args.out, args.township_sample, args.seed, args.force)
    if args.townships:
        ensure_townships(args.out, args.townships, args.seed, args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
