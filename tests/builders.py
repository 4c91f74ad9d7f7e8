"""Realistic township workbooks for tests and for the bundled samples.

Townships send messy Excel files; every test that reads a ledger should build one that looks
like theirs. This module is the one place that knows how such a workbook looks.

Data:
    sample_branches(n, seed=0, townships=None, *, stars=None, veto_rate=0.03,
                    small_branches=True) -> list[dict]
        Branch records keyed by SPEC's canonical Chinese column names. Marks are bool (None for
        a blank mark), counts int, 星级 int; claims (星级, 定级类别, 等次) agree with the marks.
    sample_problems(records, seed=0) -> list[dict]   one problem per unmet aspect (附件3)
    sample_work_items(records, seed=0) -> list[dict] creation work items (附件4)
    expected_rating(record) -> (stars, category, level)   SPEC §3, written independently
    claim_differences(record) -> list[str]   the claim columns that disagree with the marks
    with_claims(record) -> dict              a copy whose claims agree with its marks
    with_wrong_claim(record, column) -> dict a copy whose 星级, 定级类别 or 等次 claim is wrong
    basic_organisation_ok(record) -> bool    the data rule behind 基本组织
    render_stars(n, style, zero="0"), render_mark(met, style, index=0)

Layout (messiness):
    Layout()        a tidy standard form: 附件N, merged title, 填报单位 row, two-level header
    Layout.messy()  everything a careless clerk does at once
    Layout.bare()   a plain table from A1 with a one-row header
    Options taking ``bool | Collection[int]`` apply to every record (True) or to the records at
    those 0-based indices. ``blank_rows`` holds record indices *before* which a blank row stands.

Forms (each returns a SheetSpec):
    classification_sheet(records, layout=None, name="附件1")       附件1 党支部分类定级表
    creation_ledger_sheet(records, layout=None, name="附件2")      附件2 达标创建台账
    lists_combined_sheet(problems, layout=None, name="附件3")      附件3 in one sheet
    problem_sheet / task_sheet / responsibility_sheet(problems, layout=None, name=...)
                                                                  附件3 as three linked sheets
    work_ledger_sheet(items, layout=None, name="附件4")            附件4 创建工作台账
    instructions_sheet(name="填表说明")                             prose only
    scratch_sheet(name="Sheet3", hidden=True)                      a clerk's scratch numbers
    table_sheet(name, columns, records, layout, *, annex, title, groups)   any other table

SheetSpec: ``rows`` is the grid from A1 (``rows[r][c]`` is Excel cell (r+1, c+1)), ``merges``
0-based inclusive (r1, c1, r2, c2), ``data_rows`` / ``header_rows`` 1-based Excel rows,
``hidden_rows`` 1-based Excel rows and ``hidden_cols`` 0-based columns written hidden,
``columns`` canonical name -> 0-based column, ``records`` the records in data-row order.
``spec.cell(i, "星级")`` is the value written for record i, ``spec.ref(i, "星级")`` its address.

Files:
    write_workbook(path, sheets)   .xlsx (openpyxl), .xls (xlwt), .ods (odfpy), by suffix
    read_sheet(path, name) -> ReadBack(rows, merges, visible)   python-calamine, grid from A1

Text starting with ``=`` is always written as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ASPECTS = ("基本组织", "组织队伍", "基本活动", "基本制度", "基本保障", "发挥作用")
ASPECT_GROUP = "六个方面达标情况"
BRANCH_TYPES = ("农村", "城市社区", "机关", "事业单位", "国有企业", "非公有制经济组织", "社会组织")
COUNT_COLUMNS = ("党员人数", "正式党员", "预备党员", "支委人数")
CLAIM_COLUMNS = ("星级", "定级类别", "等次")
NAME_COLUMNS = ("所属党组织", "党支部名称", "支部书记", "责任人")

CLASSIFICATION_COLUMNS = (
    "序号", "所属党组织", "党支部名称", "支部类型", "党员人数", "正式党员", "预备党员", "支委人数",
    "支部书记", *ASPECTS, "负面清单", "星级", "定级类别", "等次", "备注",
)  # fmt: skip
CREATION_COLUMNS = (
    "序号", "所属党组织", "党支部名称", "支部类型", *ASPECTS, "星级", "创建目标", "主要短板",
    "创建措施", "责任人", "完成时限", "进展情况", "是否达标", "销号时间", "备注",
)  # fmt: skip
LISTS_COLUMNS = (
    "序号", "党支部名称", "问题类别", "问题描述", "整改任务（措施）", "责任人", "责任领导", "完成时限",
)  # fmt: skip
LISTS_GROUPS = {
    "问题清单": ("问题类别", "问题描述"),
    "任务清单": ("整改任务（措施）",),
    "责任清单": ("责任人", "责任领导", "完成时限"),
}
PROBLEM_COLUMNS = ("序号", "党支部名称", "问题类别", "问题描述", "查摆时间")
TASK_COLUMNS = ("序号", "对应问题序号", "整改任务", "整改措施", "完成时限")
RESPONSIBILITY_COLUMNS = ("序号", "对应任务序号", "责任人", "职务", "责任领导", "完成时限")
WORK_COLUMNS = (
    "序号",
    "党支部名称",
    "工作任务",
    "完成时限",
    "进展情况",
    "完成情况",
    "销号时间",
    "佐证材料",
)

MET_MARKS = {"√", "✓", "✔", "是", "达标", "合格", "已达标", "有", "1", "Y", "y"}
NO_VETO = {"", "无", "否", "/", "-", "—", "×"}
MARK_STYLES = {
    "check": ("√", "×"),
    "yesno": ("是", "否"),
    "tick": ("✓", "✗"),
    "dabiao": ("达标", "未达标"),
}
STAR_STYLES = ("digit", "xing", "chinese", "black", "chinese_ji", "mixed")
CN_DIGITS = "零一二三四五六七八九"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

REPORT_DATE = "2025年6月30日"
DEFAULT_FOOTER = "填报人：王某某    审核人：李某某    联系电话：13812345678"
DEFAULT_NOTE = "说明：1.六个方面达标的打“√”，未达标的打“×”；2.每达标一个方面评1星；3.本表一式两份，报县委组织部一份。"
AUTO = "auto"  # Layout.annex / title / fill_row: the form's own text

_UNITS = {"党员人数": "人", "正式党员": "人", "预备党员": "人", "支委人数": "人"}
_WIDTHS = {
    "序号": 6, "所属党组织": 14, "党支部名称": 30, "支部类型": 12, "支部书记": 10, "负面清单": 14,
    "星级": 9, "定级类别": 10, "等次": 8, "备注": 14, "问题描述": 36, "整改任务（措施）": 36,
    "整改任务": 30, "整改措施": 36, "工作任务": 32, "进展情况": 24, "创建措施": 32, "主要短板": 20,
    "创建目标": 18, "佐证材料": 18, "完成时限": 14, "销号时间": 14, "查摆时间": 14,
}  # fmt: skip


# --------------------------------------------------------------------------- rating (SPEC §3)


def is_met(mark: Any) -> bool:
    """True for a met mark (bool True or an accepted met text); blank and anything else: False."""
    if isinstance(mark, bool):
        return mark
    if isinstance(mark, int | float):
        return mark == 1
    return isinstance(mark, str) and mark.strip() in MET_MARKS


def is_vetoed(record: Mapping[str, Any]) -> bool:
    veto = record.get("负面清单")
    return veto is not None and str(veto).strip() not in NO_VETO


def category_for(stars: int) -> str:
    return {6: "示范点", 5: "重点对象", 4: "加强指导", 3: "加强指导"}.get(stars, "软弱涣散")


def level_for(stars: int) -> str:
    return "先进" if stars >= 5 else "中间" if stars >= 3 else "后进"


def expected_rating(record: Mapping[str, Any]) -> tuple[int, str, str]:
    """(stars, category, level) by the six-star rubric; a blank mark counts as not met."""
    if is_vetoed(record):
        return 0, "软弱涣散", "后进"
    stars = sum(is_met(record.get(a)) for a in ASPECTS)
    return stars, category_for(stars), level_for(stars)


def parse_claimed_stars(value: Any) -> int | None:
    """Star count from a claim as written (4, '4星', '四星', '★★★★', '四星级', '无星', '１２')."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        return None
    if text == "无星":
        return 0
    if set(text) == {"★"}:
        return len(text)
    head = text.removesuffix("级").removesuffix("星")
    if head.isdigit():
        return int(head)
    if len(head) == 1 and head in CN_DIGITS:
        return CN_DIGITS.index(head)
    return None


def claim_differences(record: Mapping[str, Any]) -> list[str]:
    """Claim columns (星级, 定级类别, 等次) present in the record that disagree with its marks."""
    stars, category, level = expected_rating(record)
    out = []
    if record.get("星级") not in (None, "") and parse_claimed_stars(record["星级"]) != stars:
        out.append("星级")
    if record.get("定级类别") not in (None, "") and record["定级类别"] != category:
        out.append("定级类别")
    if record.get("等次") not in (None, "") and record["等次"] != level:
        out.append("等次")
    return out


def with_claims(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the record whose 星级, 定级类别 and 等次 agree with its marks."""
    stars, category, level = expected_rating(record)
    return {**record, "星级": stars, "定级类别": category, "等次": level}


def with_wrong_claim(record: Mapping[str, Any], column: str = "星级") -> dict[str, Any]:
    """A copy with one claim (星级, 定级类别 or 等次) that disagrees with the marks."""
    stars, category, level = expected_rating(record)
    out = dict(record)
    if column == "星级":
        out["星级"] = stars + 1 if stars < 6 else 5
    elif column == "定级类别":
        out["定级类别"] = "示范点" if category != "示范点" else "重点对象"
    elif column == "等次":
        out["等次"] = "先进" if level != "先进" else "中间"
    else:
        raise ValueError(column)
    return out


def basic_organisation_ok(record: Mapping[str, Any]) -> bool:
    """The data rule behind 基本组织: 正式党员 >= 3 and, from 7, a committee of 3 to 7."""
    formal = record.get("正式党员", record.get("党员人数"))
    if not isinstance(formal, int):
        return True
    if formal < 3:
        return False
    committee = record.get("支委人数")
    return formal < 7 or not isinstance(committee, int) or 3 <= committee <= 7


# --------------------------------------------------------------------------- sample data

_VILLAGES = (
    "东街 西关 南岗 北坡 李家庄 王家寨 张家湾 柳树屯 马家坪 红旗 新民 胜利 前进 和平 石门 杨柳 "
    "桃园 枣林 小河 大营 东升 双桥 三里铺 五里店 白杨 青龙 龙泉 凤凰 高庙 田庄 河口 沙坝 "
    "朱家岭 黄土坡 上坪 下湾 中和 兴隆 永丰 长岭 松林 竹园 团结 光明 金星 龙井 观音堂 "
    "杏花 梨园 刘家河 陈家沟 孙家坝 赵庄 何家湾 罗家坪 吴家店 郑家庄 宋家岗 新庄 老街"
).split()
_COMMUNITIES = (
    "阳光 幸福 和谐 文化路 解放路 建设路 人民路 锦绣 滨河 花园 新华 学府 康乐 金桥 "
    "银河 东城 西城 南苑 北苑 紫荆 翠湖 春晖 朝阳 振兴 汇丰"
).split()
_INSTITUTIONS = (
    "中心学校 卫生院 中心幼儿园 农业综合服务中心 便民服务中心 文化站 第一中学 "
    "畜牧兽医站 林业站 水利站 第二小学 敬老院"
).split()
_STATE_FIRMS = "供电所 邮政支局 粮站 信用社 自来水公司 燃气营业所".split()
_BRANDS = "宏达 鑫源 恒通 华兴 金穗 绿源 盛世 永安 天润 福瑞 泰和 嘉禾 隆昌 顺达 新宇 远航".split()
_INDUSTRIES = "科技 建材 食品 农业开发 物流 纺织 机械制造 商贸 电子 生物科技 置业 环保".split()
_SOCIAL = (
    "个体劳动者协会 老年人协会 慈善协会 志愿者协会 商会 民办养老院 物业服务行业 红白理事会".split()
)
_COUNTY_UNITS = (
    "县教育局 县财政局 县人社局 县民政局 县农业农村局 县卫健局 县住建局 县交通运输局 "
    "县自然资源局 县市场监管局 县统计局 县审计局 县文旅局 县水利局"
).split()
_COUNTY_INSTITUTIONS = (
    "县人民医院 县第一中学 县疾控中心 县图书馆 县实验小学 县中医院 县职业中学".split()
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "建国华明军伟强磊洋勇艳杰娟涛超秀英敏静丽霞平刚桂兰志红文辉玉芳海燕春林德明荣"
_CN_ORDINALS = "一二三四五六七八九十"
_VETOES = (
    "支部书记受到党纪处分",
    "发生重大安全生产事故",
    "班子不团结、内耗严重",
    "党员违纪违法造成恶劣影响",
    "发生群体性越级上访事件",
)
_UNMET_WEIGHTS = {
    "基本组织": 1.0,
    "组织队伍": 2.0,
    "基本活动": 2.0,
    "基本制度": 1.5,
    "基本保障": 3.0,
    "发挥作用": 2.5,
}
_STAR_WEIGHTS = {6: 10, 5: 20, 4: 25, 3: 20, 2: 13, 1: 8, 0: 4}
_TOWN_TYPES = {
    "农村": 55,
    "城市社区": 10,
    "机关": 6,
    "事业单位": 12,
    "国有企业": 4,
    "非公有制经济组织": 9,
    "社会组织": 4,
}
_STREET_TYPES = {
    "农村": 12,
    "城市社区": 50,
    "机关": 6,
    "事业单位": 10,
    "国有企业": 5,
    "非公有制经济组织": 12,
    "社会组织": 5,
}
_COUNTY_TYPES = {"机关": 70, "事业单位": 30}
_MEMBERS = {
    "农村": (15, 60), "城市社区": (10, 45), "机关": (6, 30), "事业单位": (6, 40),
    "国有企业": (6, 25), "非公有制经济组织": (3, 15), "社会组织": (3, 12),
}  # fmt: skip
DEFAULT_TOWNSHIPS = ("城关镇党委", "青山乡党委", "河西街道党工委", "石桥镇党委", "柳林镇党委")


def place_of(org: str) -> str:
    """'城关镇党委' -> '城关镇', '河西街道党工委' -> '河西街道'."""
    for suffix in ("党工委", "党委", "工委", "党总支"):
        if org.endswith(suffix):
            return org[: -len(suffix)]
    return org


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _branch_name(rng: random.Random, org: str, kind: str, used: set[str]) -> str | None:
    place = place_of(org)
    short = place.removesuffix("街道").removesuffix("镇").removesuffix("乡")
    county = "机关工委" in org
    for _ in range(40):
        if county:
            if kind == "机关":
                unit = rng.choice(_COUNTY_UNITS)
                name = rng.choice(
                    (f"{unit}机关党支部", f"{unit}机关第{rng.choice(_CN_ORDINALS[:3])}党支部")
                )
            else:
                name = f"{rng.choice(_COUNTY_INSTITUTIONS)}第{rng.choice(_CN_ORDINALS[:4])}党支部"
        elif kind == "农村":
            name = f"{place}{rng.choice(_VILLAGES)}村党支部"
        elif kind == "城市社区":
            name = f"{place}{rng.choice(_COMMUNITIES)}社区党支部"
        elif kind == "机关":
            name = f"{place}机关第{rng.choice(_CN_ORDINALS[:4])}党支部"
        elif kind == "事业单位":
            name = f"{place}{rng.choice(_INSTITUTIONS)}党支部"
        elif kind == "国有企业":
            name = f"{place}{rng.choice(_STATE_FIRMS)}党支部"
        elif kind == "非公有制经济组织":
            prefix = short if rng.random() < 0.5 else ""
            name = f"{prefix}{rng.choice(_BRANDS)}{rng.choice(_INDUSTRIES)}有限公司党支部"
            if rng.random() < 0.08:
                name = f"{place}非公企业联合党支部"
        else:
            name = f"{place}{rng.choice(_SOCIAL)}党支部"
        if name not in used:
            used.add(name)
            return name
    return None


def _unmet_aspects(rng: random.Random, count: int) -> list[str]:
    pool = dict(_UNMET_WEIGHTS)
    out = []
    for _ in range(count):
        pick = _weighted(rng, pool)
        out.append(pick)
        del pool[pick]
    return out


def sample_branches(
    n: int,
    seed: int = 0,
    townships: Sequence[str] | None = None,
    *,
    stars: Sequence[int] | None = None,
    veto_rate: float = 0.03,
    small_branches: bool = True,
) -> list[dict[str, Any]]:
    """``n`` realistic branch records with unique names and claims that agree with the marks.

    ``townships`` are the upper organisations (所属党组织) the branches are spread over in
    turn; ``stars`` forces the star count of each branch (cycled). Counts are consistent:
    正式党员 + 预备党员 = 党员人数, and the data agree with the 基本组织 mark
    (see :func:`basic_organisation_ok`). ``small_branches=False`` avoids branches with fewer
    than 3 formal members (which validate warns about).
    """
    rng = random.Random(seed)
    orgs = list(townships or DEFAULT_TOWNSHIPS)
    used: set[str] = set()
    records: list[dict[str, Any]] = []
    for i in range(n):
        org = orgs[i % len(orgs)]
        mix = (
            _COUNTY_TYPES if "机关工委" in org else _STREET_TYPES if "街道" in org else _TOWN_TYPES
        )
        name = None
        kind = "农村"
        while name is None:
            kind = _weighted(rng, mix)
            name = _branch_name(rng, org, kind, used)
            if name is None and len(used) > 10_000:
                raise RuntimeError("ran out of branch names")
        n_stars = stars[i % len(stars)] if stars else _weighted(rng, _STAR_WEIGHTS)
        unmet = set(_unmet_aspects(rng, 6 - n_stars))
        marks = {a: a not in unmet for a in ASPECTS}
        low, high = _MEMBERS[kind]
        probation = _weighted(rng, {0: 50, 1: 30, 2: 15, 3: 5})
        formal = rng.randint(max(3, low), high)
        committee = 0
        if marks["基本组织"]:
            if formal >= 7:
                committee = rng.choice((3, 5, 5, 5, 7) if formal >= 30 else (3, 3, 5))
        elif small_branches and (kind in ("非公有制经济组织", "社会组织") or rng.random() < 0.2):
            formal, probation = 2, rng.choice((0, 1))
        else:
            formal = max(formal, rng.randint(7, 20))
            committee = rng.choice((0, 2, 2))
        written_type = kind
        if kind == "非公有制经济组织" and rng.random() < 0.4:
            written_type = "非公企业"
        veto = rng.choice(_VETOES) if rng.random() < veto_rate else "无"
        record: dict[str, Any] = {
            "所属党组织": org,
            "党支部名称": name,
            "支部类型": written_type,
            "党员人数": formal + probation,
            "正式党员": formal,
            "预备党员": probation,
            "支委人数": committee,
            "支部书记": _person(rng),
            **marks,
            "负面清单": veto,
            "备注": None,
        }
        records.append(with_claims(record))
    return records


_PROBLEMS = {
    "基本组织": [
        (
            "支委会未按期换届，班子成员配备不齐",
            "按期完成支委会换届选举",
            "制定换届工作方案，按程序召开党员大会选举",
        ),
        (
            "党员人数不足，支部设置不规范",
            "调整优化支部设置",
            "与相邻党组织联合组建党支部，报上级党委批准",
        ),
    ],
    "组织队伍": [
        (
            "支部书记年龄偏大，后备力量不足",
            "加强支部书记和后备干部队伍建设",
            "选准配强支部书记，每村培养2名后备力量",
        ),
        (
            "党员教育培训学时不足",
            "落实党员教育培训制度",
            "组织党员参加集中轮训，确保全年不少于32学时",
        ),
    ],
    "基本活动": [
        (
            "“三会一课”落实不经常，记录不规范",
            "严格落实“三会一课”制度",
            "按月召开支委会、党小组会，按季度召开党员大会",
        ),
        (
            "主题党日活动形式单一",
            "丰富主题党日活动内容",
            "每月固定开展主题党日，结合实际开展志愿服务",
        ),
    ],
    "基本制度": [
        (
            "组织生活会和民主评议党员制度执行不到位",
            "规范组织生活会和民主评议党员",
            "年底前召开组织生活会，开展民主评议党员",
        ),
        ("党费收缴不及时", "规范党费收缴管理", "按月足额收缴党费，建立党费收缴台账"),
    ],
    "基本保障": [
        (
            "活动阵地面积不足，设施简陋",
            "改善活动阵地条件",
            "争取资金改造党员活动室，配齐桌椅和电教设备",
        ),
        ("办公经费保障不足", "落实工作经费保障", "将党组织工作经费纳入年度预算"),
    ],
    "发挥作用": [
        (
            "服务群众能力不强，党员先锋模范作用发挥不明显",
            "提升服务群众水平",
            "开展党员设岗定责、承诺践诺活动",
        ),
        (
            "村集体经济薄弱，带富能力不强",
            "发展壮大村集体经济",
            "结合本村实际发展特色产业，确保集体收入稳定增长",
        ),
    ],
}
_DEADLINES: tuple[Any, ...] = (
    "2025年9月30日",
    "2025/10/31",
    "2025.12.31",
    "2025年12月底",
    "长期坚持",
    "立行立改",
    dt.date(2025, 11, 30),
    dt.date(2025, 9, 15),
)
_LEADERS = ("刘建华", "陈志刚", "杨秀英", "赵德明", "孙海燕")


def sample_problems(records: Sequence[Mapping[str, Any]], seed: int = 0) -> list[dict[str, Any]]:
    """One problem per unmet (or blank) aspect per branch, each with a task, owner and deadline.

    Keys: 序号, 党支部名称, 问题类别, 问题描述, 查摆时间, 整改任务, 整改措施, 整改任务（措施）,
    责任人, 职务, 责任领导, 完成时限. Deadlines come in every accepted form and lie after
    2025-06-30, so none is overdue at the samples' as-of date.
    """
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for rec in records:
        name = str(rec["党支部名称"]).strip()
        for aspect in ASPECTS:
            if is_met(rec.get(aspect)):
                continue
            problem, task, measure = rng.choice(_PROBLEMS[aspect])
            out.append(
                {
                    "序号": len(out) + 1,
                    "党支部名称": name,
                    "问题类别": aspect,
                    "问题描述": problem,
                    "查摆时间": dt.date(2025, rng.choice((4, 5)), rng.randint(1, 28)),
                    "整改任务": task,
                    "整改措施": measure,
                    "整改任务（措施）": f"{task}：{measure}",
                    "责任人": rec.get("支部书记") or _person(rng),
                    "职务": "党支部书记",
                    "责任领导": rng.choice(_LEADERS),
                    "完成时限": rng.choice(_DEADLINES),
                }
            )
    return out


def sample_work_items(records: Sequence[Mapping[str, Any]], seed: int = 0) -> list[dict[str, Any]]:
    """附件4 items: one per branch short of the standard, plus some 巩固提升 items.

    A closed item (已完成) always has a 销号时间; open items have deadlines after 2025-06-30.
    """
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for rec in records:
        unmet = [a for a in ASPECTS if not is_met(rec.get(a))]
        if not unmet and rng.random() > 0.3:
            continue
        task = f"补齐{'、'.join(unmet)}短板" if unmet else "巩固提升标准化建设成果"
        status = _weighted(rng, {"已完成": 3, "推进中": 5, "未启动": 2})
        item: dict[str, Any] = {
            "序号": len(out) + 1,
            "党支部名称": str(rec["党支部名称"]).strip(),
            "工作任务": task,
            "完成时限": rng.choice(_DEADLINES[:4] + _DEADLINES[6:]),
            "进展情况": {
                "已完成": "已完成整改，资料已归档",
                "推进中": rng.choice(("已召开支委会研究部署，正在推进", "方案已制定，正在落实")),
                "未启动": "计划下季度启动",
            }[status],
            "完成情况": status,
            "销号时间": None,
            "佐证材料": None,
        }
        if status == "已完成":
            item["完成时限"] = dt.date(2025, 6, 30)
            item["销号时间"] = dt.date(2025, 6, rng.randint(1, 28))
            item["佐证材料"] = rng.choice(("会议记录、照片", "整改报告", "台账资料、图片"))
        out.append(item)
    return out


# --------------------------------------------------------------------------- layout


def render_stars(n: int, style: str = "digit", zero: str = "0", index: int = 0) -> Any:
    """Stars as a clerk writes them; ``mixed`` varies with ``index``."""
    if style == "mixed":
        style = ("chinese", "black", "xing", "digit", "chinese_ji")[index % 5]
        if n == 0:
            zero = ("0", "无星")[index % 2]
    if n == 0:
        return 0 if zero == "0" else zero
    if style == "digit":
        return n
    if style == "xing":
        return f"{n}星"
    if style == "chinese":
        return f"{CN_DIGITS[n]}星"
    if style == "black":
        return "★" * n
    if style == "chinese_ji":
        return f"{CN_DIGITS[n]}星级"
    raise ValueError(f"unknown star style {style!r}")


def render_mark(met: bool, style: str = "check", index: int = 0) -> str:
    """A met / not-met mark in the given style; ``mixed`` varies with ``index``."""
    if style == "mixed":
        style = ("check", "yesno", "tick", "dabiao")[index % 4]
    return MARK_STYLES[style][0 if met else 1]


def _applies(option: bool | Collection[int], index: int) -> bool:
    if isinstance(option, bool):
        return option
    return index in option


def _chosen(option: bool | Collection[str], column: str, default: Collection[str]) -> bool:
    if isinstance(option, bool):
        return option and column in default
    return column in option


EVERY_THIRD = frozenset(range(0, 10_000, 3))
EVERY_OTHER = frozenset(range(1, 10_000, 2))


@dataclass
class Layout:
    """How messy a form is. ``Layout()`` is a tidy standard form."""

    org: str = "城关镇党委"  # 填报单位; the title's place comes from it
    report_date: str = REPORT_DATE
    annex: str | None = AUTO  # "附件1" alone in A1; None: omitted
    title: str | None = AUTO  # merged across the table; None: omitted
    fill_row: str | None = AUTO  # 填报单位（盖章）…填报时间…; None: omitted
    leading_blank_rows: int = 0  # blank rows between the fill row and the header
    two_level: bool = True  # group headers over their columns, the rest merged down
    groups: Mapping[str, Sequence[str]] | None = None  # None: the form's own groups
    columns: Sequence[str] | None = None  # canonical columns in order; None: the form's own
    start_col: int = 0  # 0-based column of the table's first column
    serial_col: bool = True  # 序号 present
    synonyms: Mapping[str, str] = field(default_factory=dict)  # canonical -> header text
    spaced_headers: bool | Collection[str] = False  # 党 支 部 名 称
    linebreak_headers: bool | Collection[str] = False  # 党员人数\n（人）, 所属\n党组织
    unit_headers: bool | Collection[str] = False  # 党员人数（人）
    fullwidth_digits: bool | Collection[int] = False  # counts as "１２"
    unit_values: bool | Collection[int] = False  # counts as "12人"
    counts_as_text: bool | Collection[int] = False  # counts as the text "12"
    stray_spaces: bool | Collection[int] = False  # " 名称", "名称　" in name cells
    star_style: str = "digit"  # digit, xing, chinese, black, chinese_ji, mixed
    zero_stars: str = "0"  # "0" or "无星"
    mark_style: str = "check"  # check √×, yesno 是否, tick ✓✗, dabiao 达标/未达标, mixed
    blank_rows: Collection[int] = ()  # record indices before which a blank row stands
    totals_row: bool = False  # a 合计 row after the data
    totals_label: str = "合计"
    footer: bool = False  # 填报人… and 说明… rows after the table
    footer_lines: Sequence[str] = (DEFAULT_FOOTER, DEFAULT_NOTE)

    @classmethod
    def messy(cls, **overrides: Any) -> Layout:
        """Every kind of mess at once (SPEC §2); override any field."""
        base = cls(
            start_col=1,
            leading_blank_rows=0,
            synonyms={
                "所属党组织": "所属党委",
                "党支部名称": "支部名称",
                "支部类型": "所属领域",
                "组织队伍": "基本队伍",
                "星级": "评定星级",
                "定级类别": "类别",
                "等次": "先进中间后进",
            },
            spaced_headers={"党支部名称", "支部书记"},
            linebreak_headers={"党员人数", "正式党员", "预备党员", "所属党组织"},
            unit_headers={"支委人数"},
            fullwidth_digits=EVERY_THIRD,
            unit_values=EVERY_OTHER,
            stray_spaces=frozenset({1, 4, 9}),
            star_style="mixed",
            zero_stars="无星",
            mark_style="mixed",
            blank_rows=frozenset({3, 8}),
            totals_row=True,
            footer=True,
        )
        return replace(base, **overrides)

    @classmethod
    def bare(cls, **overrides: Any) -> Layout:
        """A plain table from A1 with a one-row header."""
        return replace(cls(annex=None, title=None, fill_row=None, two_level=False), **overrides)

    def header_text(self, column: str) -> str:
        text = self.synonyms.get(column, column)
        unit = _UNITS.get(column)
        if _chosen(
            self.spaced_headers, column, ("所属党组织", "党支部名称", "支部类型", "支部书记")
        ):
            text = " ".join(text)
        if _chosen(self.linebreak_headers, column, (*COUNT_COLUMNS, "所属党组织", "定级类别")):
            if unit:
                return f"{text}\n（{unit}）"
            half = (len(text) + 1) // 2
            return f"{text[:half]}\n{text[half:]}"
        if unit and _chosen(self.unit_headers, column, COUNT_COLUMNS):
            text = f"{text}（{unit}）"
        return text

    def render(self, column: str, value: Any, index: int) -> Any:
        """The cell value written for record ``index``'s ``column``."""
        if value is None:
            return None
        if column in COUNT_COLUMNS and isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
            as_text = _applies(self.counts_as_text, index)
            if _applies(self.fullwidth_digits, index):
                text, as_text = text.translate(FULLWIDTH), True
            if _applies(self.unit_values, index):
                text, as_text = text + _UNITS[column], True
            return text if as_text else value
        if column in ASPECTS and isinstance(value, bool):
            return render_mark(value, self.mark_style, index + ASPECTS.index(column))
        if column == "是否达标" and isinstance(value, bool):
            return "是" if value else "否"
        if column == "星级" and isinstance(value, int) and not isinstance(value, bool):
            return render_stars(value, self.star_style, self.zero_stars, index)
        if column in NAME_COLUMNS and isinstance(value, str) and _applies(self.stray_spaces, index):
            return (f" {value}", f"{value} ", f"{value}\u3000", f"\u3000{value} ")[index % 4]
        return value


# --------------------------------------------------------------------------- sheets


@dataclass
class SheetSpec:
    """One sheet as a grid from A1, with merges and where the table's rows are."""

    name: str
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based inclusive
    widths: list[float | None] = field(default_factory=list)  # per column from A
    hidden: bool = False
    data_rows: list[int] = field(default_factory=list)  # 1-based Excel row of each record
    header_rows: list[int] = field(default_factory=list)  # 1-based
    columns: dict[str, int] = field(default_factory=dict)  # canonical -> 0-based column
    records: list[dict[str, Any]] = field(default_factory=list)
    title_row: int | None = None  # 1-based
    hidden_rows: set[int] = field(default_factory=set)  # 1-based Excel rows hidden
    hidden_cols: set[int] = field(default_factory=set)  # 0-based columns hidden

    def cell(self, index: int, column: str) -> Any:
        """The value written for record ``index`` in canonical ``column``."""
        return self.rows[self.data_rows[index] - 1][self.columns[column]]

    def ref(self, index: int, column: str) -> str:
        """Excel address (like 'K7') of record ``index``'s ``column``."""
        return f"{column_letter(self.columns[column])}{self.data_rows[index]}"

    def letter(self, column: str) -> str:
        return column_letter(self.columns[column])


def column_letter(col: int) -> str:
    """0-based column -> Excel letters."""
    col += 1
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def table_sheet(
    name: str,
    columns: Sequence[str],
    records: Sequence[Mapping[str, Any]],
    layout: Layout,
    *,
    annex: str | None,
    title: str | None,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> SheetSpec:
    """Lay records out as a form: annex mark, title, fill row, header, data, totals, footer.

    ``annex``/``title``/``groups`` are the form's own; the layout's fields override them.
    """
    cols = [c for c in (layout.columns or columns) if layout.serial_col or c != "序号"]
    groups = layout.groups if layout.groups is not None else (groups or {})
    groups = {g: [c for c in sub if c in cols] for g, sub in groups.items()}
    groups = {g: sub for g, sub in groups.items() if sub}
    sc = layout.start_col
    last = sc + len(cols) - 1
    width = last + 1
    spec = SheetSpec(name=name, records=[dict(r) for r in records])
    spec.columns = {c: sc + j for j, c in enumerate(cols)}

    def new_row() -> int:
        spec.rows.append([None] * width)
        return len(spec.rows) - 1

    def merged_line(text: str) -> int:
        r = new_row()
        spec.rows[r][sc] = text
        if last > sc:
            spec.merges.append((r, sc, r, last))
        return r

    annex = annex if layout.annex == AUTO else layout.annex
    if annex:
        spec.rows.append([None] * width)
        spec.rows[0][0] = annex
    title = title if layout.title == AUTO else layout.title
    if title:
        spec.title_row = merged_line(title) + 1
    fill = layout.fill_row
    if fill == AUTO:
        fill = f"填报单位（盖章）：{layout.org}      填报时间：{layout.report_date}"
    if fill:
        merged_line(fill)
    for _ in range(layout.leading_blank_rows):
        new_row()

    group_of = {c: g for g, sub in groups.items() for c in sub}
    if layout.two_level and groups:
        top, sub = new_row(), new_row()
        spec.header_rows = [top + 1, sub + 1]
        for c in cols:
            col = spec.columns[c]
            if c in group_of:
                spec.rows[sub][col] = layout.header_text(c)
            else:
                spec.rows[top][col] = layout.header_text(c)
                spec.merges.append((top, col, sub, col))
        for g, members in groups.items():
            positions = sorted(spec.columns[c] for c in members)
            if positions != list(range(positions[0], positions[-1] + 1)):
                raise ValueError(f"group {g!r} columns are not contiguous")
            spec.rows[top][positions[0]] = g
            if len(positions) > 1:
                spec.merges.append((top, positions[0], top, positions[-1]))
    else:
        top = new_row()
        spec.header_rows = [top + 1]
        for c in cols:
            spec.rows[top][spec.columns[c]] = layout.header_text(c)

    for i, rec in enumerate(records):
        if i in layout.blank_rows:
            new_row()
        r = new_row()
        spec.data_rows.append(r + 1)
        for c in cols:
            value = rec.get("序号", i + 1) if c == "序号" else rec.get(c)
            spec.rows[r][spec.columns[c]] = layout.render(c, value, i)

    if layout.totals_row and records:
        r = new_row()
        label_col = spec.columns.get("序号", spec.columns.get("党支部名称", sc))
        spec.rows[r][label_col] = layout.totals_label
        numeric = [spec.columns[c] for c in cols if c in COUNT_COLUMNS or c in ASPECTS]
        if numeric and min(numeric) - 1 > label_col:
            spec.merges.append((r, label_col, r, min(numeric) - 1))
        for c in cols:
            if c in COUNT_COLUMNS:
                spec.rows[r][spec.columns[c]] = sum(
                    v for v in (rec.get(c) for rec in records) if isinstance(v, int)
                )
            elif c in ASPECTS:
                spec.rows[r][spec.columns[c]] = sum(is_met(rec.get(c)) for rec in records)
    if layout.footer:
        for line in layout.footer_lines:
            merged_line(line)

    spec.widths = [4.0] * sc + [float(_column_width(c)) for c in cols]
    return spec


def _column_width(column: str) -> int:
    if column in _WIDTHS:
        return _WIDTHS[column]
    return 9 if column in ASPECTS or column in COUNT_COLUMNS else 12


def classification_sheet(
    records: Sequence[Mapping[str, Any]], layout: Layout | None = None, name: str = "附件1"
) -> SheetSpec:
    """附件1 党支部分类定级表."""
    layout = layout or Layout()
    return table_sheet(
        name,
        CLASSIFICATION_COLUMNS,
        records,
        layout,
        annex="附件1",
        title=f"{place_of(layout.org)}党支部分类定级表",
        groups={ASPECT_GROUP: ASPECTS},
    )


def creation_plan(record: Mapping[str, Any], index: int = 0) -> dict[str, Any]:
    """附件2 plan and status columns derived from a branch record (kept where present)."""
    unmet = [a for a in ASPECTS if not is_met(record.get(a))]
    stars = expected_rating(record)[0]
    done = not unmet
    plan = {
        "创建目标": "巩固提升，争创示范"
        if done
        else f"{'2025年底前' if stars >= 4 else '2026年底前'}达到六星",
        "主要短板": "、".join(unmet) if unmet else "无",
        "创建措施": "对照标准逐项整改，补齐短板弱项" if unmet else "总结经验，发挥示范带动作用",
        "责任人": record.get("支部书记"),
        "完成时限": ("2025年12月底", "2025/12/31", dt.date(2025, 12, 31))[index % 3],
        "进展情况": "已全部达标" if done else ("推进中", "已制定整改方案")[index % 2],
        "是否达标": done,
        "销号时间": dt.date(2025, 6, 20) if done else None,
    }
    return {**plan, **{k: v for k, v in record.items() if k in plan}}


def creation_ledger_sheet(
    records: Sequence[Mapping[str, Any]], layout: Layout | None = None, name: str = "附件2"
) -> SheetSpec:
    """附件2 达标创建台账: branch, marks, 星级, and the creation plan and status."""
    layout = layout or Layout()
    rows = [{**rec, **creation_plan(rec, i)} for i, rec in enumerate(records)]
    return table_sheet(
        name,
        CREATION_COLUMNS,
        rows,
        layout,
        annex="附件2",
        title=f"{place_of(layout.org)}党支部标准化建设达标创建台账",
        groups={ASPECT_GROUP: ASPECTS},
    )


def lists_combined_sheet(
    problems: Sequence[Mapping[str, Any]], layout: Layout | None = None, name: str = "附件3"
) -> SheetSpec:
    """附件3 in one sheet, one row per problem, 问题清单/任务清单/责任清单 over their columns."""
    layout = layout or Layout()
    rows = [
        {**p, "整改任务（措施）": p.get("整改任务（措施）") or p.get("整改任务")} for p in problems
    ]
    return table_sheet(
        name,
        LISTS_COLUMNS,
        rows,
        layout,
        annex="附件3",
        title=f"{place_of(layout.org)}党支部标准化建设问题清单、任务清单、责任清单",
        groups=LISTS_GROUPS,
    )


def problem_sheet(
    problems: Sequence[Mapping[str, Any]], layout: Layout | None = None, name: str = "问题清单"
) -> SheetSpec:
    """附件3 问题清单 (three-sheet form); 序号 is the problem number."""
    layout = layout or Layout(two_level=False)
    return table_sheet(
        name,
        PROBLEM_COLUMNS,
        problems,
        layout,
        annex="附件3",
        title=f"{place_of(layout.org)}党支部标准化建设问题清单",
    )


def task_sheet(
    problems: Sequence[Mapping[str, Any]], layout: Layout | None = None, name: str = "任务清单"
) -> SheetSpec:
    """附件3 任务清单: one task per problem, linked by 对应问题序号."""
    layout = layout or Layout(two_level=False)
    rows = [
        {**p, "序号": i + 1, "对应问题序号": p.get("序号", i + 1)} for i, p in enumerate(problems)
    ]
    return table_sheet(
        name,
        TASK_COLUMNS,
        rows,
        layout,
        annex="附件3",
        title=f"{place_of(layout.org)}党支部标准化建设任务清单",
    )


def responsibility_sheet(
    problems: Sequence[Mapping[str, Any]], layout: Layout | None = None, name: str = "责任清单"
) -> SheetSpec:
    """附件3 责任清单: one owner per task, linked by 对应任务序号 (task i+1 for problem i)."""
    layout = layout or Layout(two_level=False)
    rows = [{**p, "序号": i + 1, "对应任务序号": i + 1} for i, p in enumerate(problems)]
    return table_sheet(
        name,
        RESPONSIBILITY_COLUMNS,
        rows,
        layout,
        annex="附件3",
        title=f"{place_of(layout.org)}党支部标准化建设责任清单",
    )


def work_ledger_sheet(
    items: Sequence[Mapping[str, Any]], layout: Layout | None = None, name: str = "附件4"
) -> SheetSpec:
    """附件4 创建工作台账."""
    layout = layout or Layout(two_level=False)
    return table_sheet(
        name,
        WORK_COLUMNS,
        items,
        layout,
        annex="附件4",
        title=f"{place_of(layout.org)}党支部标准化建设创建工作台账",
    )


def instructions_sheet(name: str = "填表说明") -> SheetSpec:
    """A 填表说明 sheet of prose only: no table, no header."""
    lines = [
        "填表说明",
        "一、本表由各乡镇（街道）党（工）委组织填报，每季度末报县委组织部组织科。",
        "二、“六个方面达标情况”按基本组织、组织队伍、基本活动、基本制度、基本保障、发挥作用逐项填写，达标的填“√”，未达标的填“×”。",
        "三、每达标一个方面评1星，6星为示范点，5星为重点对象，3至4星为加强指导，2星及以下为软弱涣散。",
        "四、存在负面清单情形的，直接定为软弱涣散、后进党支部。",
        "五、党员人数以党内统计数据为准，含预备党员。",
        "六、请于每季度最后一个月25日前报送电子版和盖章扫描件。",
    ]
    return SheetSpec(name=name, rows=[[line] for line in lines], widths=[110.0], title_row=1)


def scratch_sheet(name: str = "Sheet3", hidden: bool = True) -> SheetSpec:
    """A clerk's scratch numbers (a hidden sheet in real submissions); no form in it."""
    rows: list[list[Any]] = [
        ["统计", None, "备用"],
        ["六星", 3, None],
        ["五星", 8, "上季度7个"],
        ["四星", 11, None],
        ["三星及以下", 9, None],
        [None, None, None],
        ["联系人", "王某某", "13812345678"],
        ["=B2+B3", None, "=核对"],
    ]
    return SheetSpec(name=name, rows=rows, hidden=hidden, widths=[12.0, 8.0, 14.0])


# --------------------------------------------------------------------------- writing


def write_workbook(path: str | Path, sheets: Sequence[SheetSpec]) -> Path:
    """Write the sheets to ``path`` as .xlsx, .xls or .ods (by suffix); return the path."""
    path = Path(path)
    writers = {".xlsx": _write_xlsx, ".xls": _write_xls, ".ods": _write_ods}
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"unsupported suffix {path.suffix!r}")
    if not any(not s.hidden for s in sheets):
        raise ValueError("a workbook needs a visible sheet")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer(path, sheets)
    if path.suffix.lower() in (".xlsx", ".ods"):
        _normalise_zip(path)
    return path


def _normalise_zip(path: Path) -> None:
    """Fix the zip's timestamps and the document dates, so the same sheets give the same bytes."""
    import io
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-06-30T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 6, 30, 0, 0, 0))
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            out.writestr(fixed, data)
    path.write_bytes(buffer.getvalue())


def _covered(spec: SheetSpec) -> dict[tuple[int, int], tuple[int, int, int, int] | None]:
    """(r, c) of every merged cell -> its merge if it is the top-left cell, else None."""
    out: dict[tuple[int, int], tuple[int, int, int, int] | None] = {}
    for m in spec.merges:
        r1, c1, r2, c2 = m
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                out[(r, c)] = m if (r, c) == (r1, c1) else None
    return out


def _table_span(spec: SheetSpec) -> tuple[int, int, int, int] | None:
    """0-based (first header row, first col, last row, last col) of the bordered table."""
    if not spec.header_rows or not spec.columns:
        return None
    last_row = max([*spec.data_rows, *spec.header_rows]) - 1
    if last_row + 1 < len(spec.rows):  # a totals row directly under the data
        nxt = spec.rows[last_row + 1]
        if any(isinstance(v, str) and v in ("合计", "小计", "总计") for v in nxt):
            last_row += 1
    return spec.header_rows[0] - 1, min(spec.columns.values()), last_row, max(spec.columns.values())


def _write_xlsx(path: Path, sheets: Sequence[SheetSpec]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wb = Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        covered = _covered(spec)
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if value is None or ((r, c) in covered and covered[(r, c)] is None):
                    continue
                cell = ws.cell(row=r + 1, column=c + 1)
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, not a formula
                elif isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        span = _table_span(spec)
        if span:
            top, left, bottom, right = span
            headers = {h - 1 for h in spec.header_rows}
            for r in range(top, bottom + 1):
                for c in range(left, right + 1):
                    cell = ws.cell(row=r + 1, column=c + 1)
                    cell.border = border
                    if r in headers:
                        cell.font = Font(bold=True)
                        cell.fill = header_fill
                        cell.alignment = center
        if spec.title_row:
            cell = ws.cell(row=spec.title_row, column=min(spec.columns.values(), default=0) + 1)
            cell.font = Font(bold=True, size=16)
            cell.alignment = Alignment(horizontal="center", vertical="center")
        for r1, c1, r2, c2 in spec.merges:
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
        for c, w in enumerate(spec.widths):
            if w:
                ws.column_dimensions[column_letter(c)].width = w
        for c in sorted(spec.hidden_cols):
            ws.column_dimensions[column_letter(c)].hidden = True
        for r in sorted(spec.hidden_rows):
            ws.row_dimensions[r].hidden = True
        if spec.hidden:
            ws.sheet_state = "hidden"
    wb.active = next(i for i, s in enumerate(sheets) if not s.hidden)
    wb.save(path)


def _write_xls(path: Path, sheets: Sequence[SheetSpec]) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    plain = xlwt.XFStyle()
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    header = xlwt.easyxf(
        "font: bold on; align: horiz center, vert center, wrap on; "
        "borders: left thin, right thin, top thin, bottom thin; "
        "pattern: pattern solid, fore_colour pale_blue"
    )
    bordered = xlwt.easyxf("borders: left thin, right thin, top thin, bottom thin")
    title = xlwt.easyxf("font: bold on, height 320; align: horiz center")
    for spec in sheets:
        ws = wb.add_sheet(spec.name, cell_overwrite_ok=True)
        covered = _covered(spec)
        span = _table_span(spec)
        headers = {h - 1 for h in spec.header_rows}

        def style_for(
            r: int,
            c: int,
            value: Any,
            spec: SheetSpec = spec,
            span: Any = span,
            headers: set[int] = headers,
        ) -> Any:
            if isinstance(value, dt.date):
                return date_style
            if spec.title_row == r + 1 and value is not None:
                return title
            if span and span[0] <= r <= span[2] and span[1] <= c <= span[3]:
                return header if r in headers else bordered
            return plain

        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if (r, c) in covered:
                    merge = covered[(r, c)]
                    if merge is not None:
                        r1, c1, r2, c2 = merge
                        label = "" if value is None else value
                        ws.write_merge(r1, r2, c1, c2, label, style_for(r, c, value))
                    continue
                if value is not None:
                    ws.write(r, c, value, style_for(r, c, value))
        for c, w in enumerate(spec.widths):
            if w:
                ws.col(c).width = int(256 * w)
        for c in sorted(spec.hidden_cols):
            ws.col(c).hidden = 1
        for r in sorted(spec.hidden_rows):
            ws.row(r - 1).hidden = 1
        if spec.hidden:
            ws.visibility = 1
    wb.save(str(path))


def _write_ods(path: Path, sheets: Sequence[SheetSpec]) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import (
        Style,
        TableCellProperties,
        TableColumnProperties,
        TableProperties,
        TextProperties,
    )
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    header_style = Style(name="header", family="table-cell")
    header_style.addElement(TextProperties(fontweight="bold"))
    header_style.addElement(
        TableCellProperties(
            backgroundcolor="#DDEBF7", border="0.5pt solid #000000", wrapoption="wrap"
        )
    )
    doc.automaticstyles.addElement(header_style)
    hidden_style = Style(name="hiddentable", family="table")
    hidden_style.addElement(TableProperties(display=False))
    doc.automaticstyles.addElement(hidden_style)
    column_styles: dict[float, Style] = {}

    def column_style(width: float) -> Style:
        if width not in column_styles:
            st = Style(name=f"co{len(column_styles) + 1}", family="table-column")
            st.addElement(TableColumnProperties(columnwidth=f"{width * 0.21:.2f}cm"))
            doc.automaticstyles.addElement(st)
            column_styles[width] = st
        return column_styles[width]

    for spec in sheets:
        table = (
            Table(name=spec.name, stylename=hidden_style) if spec.hidden else Table(name=spec.name)
        )
        ncols = max((len(r) for r in spec.rows), default=1)
        for c in range(ncols):
            w = spec.widths[c] if c < len(spec.widths) else None
            col_attrs: dict[str, Any] = {"stylename": column_style(w)} if w else {}
            if c in spec.hidden_cols:
                col_attrs["visibility"] = "collapse"
            table.addElement(TableColumn(**col_attrs))
        covered = _covered(spec)
        headers = {h - 1 for h in spec.header_rows}
        for r, row in enumerate(spec.rows):
            tr = TableRow(visibility="collapse") if r + 1 in spec.hidden_rows else TableRow()
            for c in range(ncols):
                value = row[c] if c < len(row) else None
                if (r, c) in covered and covered[(r, c)] is None:
                    tr.addElement(CoveredTableCell())
                    continue
                attrs: dict[str, Any] = {}
                merge = covered.get((r, c))
                if merge:
                    attrs["numberrowsspanned"] = merge[2] - merge[0] + 1
                    attrs["numbercolumnsspanned"] = merge[3] - merge[1] + 1
                if r in headers and value is not None:
                    attrs["stylename"] = header_style
                tr.addElement(_ods_cell(TableCell, P, value, attrs))
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))


def _ods_cell(cell_cls: Any, p_cls: Any, value: Any, attrs: dict[str, Any]) -> Any:
    if value is None:
        return cell_cls(**attrs)
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, dt.date):
        cell = cell_cls(valuetype="date", datevalue=value.isoformat(), **attrs)
        cell.addElement(p_cls(text=value.isoformat()))
        return cell
    if isinstance(value, int | float):
        cell = cell_cls(valuetype="float", value=value, **attrs)
        cell.addElement(p_cls(text=str(value)))
        return cell
    cell = cell_cls(valuetype="string", **attrs)
    for line in str(value).split("\n"):  # one paragraph per line, as LibreOffice writes it
        cell.addElement(p_cls(text=line))
    return cell


# --------------------------------------------------------------------------- reading back


@dataclass
class ReadBack:
    rows: list[list[Any]]  # grid from A1, as python-calamine gives it
    merges: list[tuple[int, int, int, int]] | None  # None for .ods
    visible: bool

    def at(self, row: int, col: int) -> Any:
        """Value at 1-based Excel ``row`` and 0-based ``col`` ('' when outside the grid)."""
        if 0 < row <= len(self.rows) and 0 <= col < len(self.rows[row - 1]):
            return self.rows[row - 1][col]
        return ""


def read_sheet(path: str | Path, name: str) -> ReadBack:
    """Read one sheet back with python-calamine, as the tool does."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    book = CalamineWorkbook.from_path(str(path))
    meta = next(m for m in book.sheets_metadata if m.name == name)
    sheet = book.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=False) if sheet.height else []
    ranges = sheet.merged_cell_ranges
    merges = None if ranges is None else [(a[0], a[1], b[0], b[1]) for a, b in ranges]
    return ReadBack(rows=rows, merges=merges, visible=meta.visible == SheetVisibleEnum.Visible)


# --------------------------------------------------------------------------- 百分制 (hundred-points)

TALLY_COLUMNS = ("满意票数", "比较满意票数", "基本满意票数", "不满意票数")
HUNDRED_COLUMNS = (
    "序号", "所属党组织", "党支部名称", "支部类型", *ASPECTS, *TALLY_COLUMNS, "总分",
    "软弱涣散情形", "负面清单", "星级", "等次", "佐证材料",
)  # fmt: skip
HUNDRED_HEADERS = {
    "满意票数": "满意", "比较满意票数": "比较满意", "基本满意票数": "基本满意",
    "不满意票数": "不满意", "总分": "综合得分", "软弱涣散情形": "是否软弱涣散",
}  # fmt: skip
HUNDRED_NOTE = "说明：综合得分=基础项得分×70%+群众满意度×30%；满意度按测评票数核算。"


def hundred_points_sheet(
    records: Sequence[Mapping[str, Any]], layout: Layout | None = None, name: str = "附件1"
) -> SheetSpec:
    """附件1 scored 百分制 (built-in rubric hundred-points): the six aspects' scores under
    基础项得分, the poll's votes under 群众满意度测评（票）, 综合得分, 是否软弱涣散, the claims
    and 佐证材料."""
    layout = layout or Layout(
        org="城关街道党工委",
        synonyms=HUNDRED_HEADERS,
        footer=True,
        footer_lines=(DEFAULT_FOOTER, HUNDRED_NOTE),
    )
    return table_sheet(
        name,
        HUNDRED_COLUMNS,
        records,
        layout,
        annex="附件1",
        title=f"{place_of(layout.org)}党支部星级评定表（百分制）",
        groups={"基础项得分（满分100分）": ASPECTS, "群众满意度测评（票）": TALLY_COLUMNS},
    )
