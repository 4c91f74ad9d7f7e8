"""Notice templates: built-ins, free fields, the sandbox, escaping, file names and masking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from branchctl.documents.data import validation_context
from branchctl.documents.masking import Masker, mask_person, mask_phones
from branchctl.documents.templates import (
    BUILTIN,
    NoticeTemplate,
    builtin_source,
    check_fields,
    compile_template,
    describe_templates,
    environment,
    free_fields,
    load_template,
    parse_fields,
    render_text,
)
from branchctl.errors import BranchctlError
from branchctl.findings.model import FileReport, Finding, ValidationReport
from branchctl.forms.values import chinese_number
from branchctl.jobs.notice import safe_filename
from branchctl.text import markdown_text

REPO = Path(__file__).resolve().parent.parent


def _user(tmp_path: Path, text: str, name: str = "我的模板.md") -> NoticeTemplate:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_template(str(path))


# ----------------------------------------------------------------------------- built-ins


def test_builtin_templates_ship_with_the_package_and_the_repo_points_to_them():
    for name in BUILTIN:
        t = load_template(name)
        assert t.kind == name and t.description and t.source == builtin_source(name)
    readme = (REPO / "templates" / "README.md").read_text("utf-8")
    assert "branchctl/templates/" in readme
    for name in BUILTIN:
        assert (REPO / "branchctl" / "templates" / f"{name}.md").is_file()
        assert name in readme


def test_free_fields_of_the_builtins():
    required = {name: free_fields(load_template(name))[0] for name in BUILTIN}
    assert required == {
        "通报": ["发文机关"],
        "公示": ["发文机关", "公示期", "联系电话"],
        "整改通知书": [],  # the bench renders it with no --set at all
        "退回修改意见": ["发文机关"],
    }
    optional = free_fields(load_template("通报"))[1]
    assert {"文号", "期次", "主送机关", "联系人", "联系电话", "成文日期"} <= set(optional)


def test_list_describes_every_template_and_variable():
    text = describe_templates()
    for name in BUILTIN:
        assert f"{name}（" in text
    for word in (
        "必填变量：发文机关、公示期、联系电话",
        "branch.name",
        "standard_percent",
        "where",
    ):
        assert word in text


# ----------------------------------------------------------------------------- free fields


def test_missing_free_field_is_an_error_naming_it():
    t = load_template("公示")
    with pytest.raises(BranchctlError) as e:
        check_fields(t, {"发文机关": "中共示例县委组织部", "公示期": "7月1日至7日"}, environment())
    assert str(e.value) == "模板“公示”需要变量“联系电话”，请用 --set 联系电话=… 提供。"


def test_all_missing_fields_are_named_at_once():
    with pytest.raises(BranchctlError) as e:
        check_fields(load_template("公示"), {}, environment())
    assert "需要变量“发文机关”“公示期”“联系电话”" in str(e.value)


def test_a_field_used_only_with_a_fallback_is_optional(tmp_path):
    t = _user(
        tmp_path,
        "{% if 文号 is defined %}{{ 文号 }}{% endif %}{{ 日期 | default(today) }}"
        "{% if 甲 is defined and 乙 is defined %}{{ 甲 }}{{ 乙 }}{% endif %}{{ 丙 }}",
    )
    assert free_fields(t) == (["丙"], ["文号", "日期", "甲", "乙"])


def test_an_unknown_ascii_name_is_reported_as_a_typo(tmp_path):
    t = _user(tmp_path, "{{ brnach.name }}")
    with pytest.raises(BranchctlError, match="未知的变量“brnach”"):
        check_fields(t, {}, environment())


def test_setting_a_data_variable_is_refused():
    with pytest.raises(BranchctlError, match="“summary”是模板数据的变量名"):
        check_fields(load_template("通报"), {"summary": "x", "发文机关": "某"}, environment())


def test_unused_fields_are_returned():
    unused = check_fields(load_template("通报"), {"发文机关": "某", "联系电弧": "1"}, environment())
    assert unused == ["联系电弧"]


def test_parse_fields_from_set_and_toml(tmp_path):
    vars_file = tmp_path / "变量.toml"
    vars_file.write_text(
        '发文机关 = "中共示例县委组织部"\n成文日期 = 2025-07-01\n联系电话 = "1"\n', encoding="utf-8"
    )
    fields = parse_fields(["联系电话=0538-6281234", "公示期＝7月1日至7日", "空="], vars_file)
    assert fields == {
        "发文机关": "中共示例县委组织部",
        "成文日期": "2025年7月1日",
        "联系电话": "0538-6281234",
        "公示期": "7月1日至7日",
        "空": "",
    }
    with pytest.raises(BranchctlError, match="应写成 变量名=值"):
        parse_fields(["联系电话"])
    bad = tmp_path / "bad.toml"
    bad.write_text("[t]\na = 1\n", encoding="utf-8")
    with pytest.raises(BranchctlError, match="不能是表"):
        parse_fields([], bad)
    bad.write_text("a = ", encoding="utf-8")
    with pytest.raises(BranchctlError, match="不是有效的 TOML"):
        parse_fields([], bad)


# ----------------------------------------------------------------------------- user templates


def test_user_template_header_names_its_data(tmp_path):
    t = _user(tmp_path, "{#-\n数据：整改通知书\n说明：本单位格式\n-#}\n# {{ branch.name }}\n")
    assert (t.kind, t.description, t.unit) == ("整改通知书", "本单位格式", "支部")
    assert load_template(str(t.path), like="退回修改意见").kind == "退回修改意见"
    assert _user(tmp_path, "# x", "plain.md").kind == "通报"
    with pytest.raises(BranchctlError, match="不是内置模板名"):
        _user(tmp_path, "{# 数据：考核表 #}", "bad.md")


def test_unknown_template_name_and_bad_files(tmp_path):
    with pytest.raises(BranchctlError, match="没有名为“通知”的内置模板"):
        load_template("通知")
    with pytest.raises(BranchctlError, match="模板文件不存在"):
        load_template(str(tmp_path / "无.md"))
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(BranchctlError, match=r"\.md"):
        load_template(str(tmp_path / "x.pdf"))


def test_syntax_error_names_the_line(tmp_path):
    t = _user(tmp_path, "# 标题\n\n正文\n{% for b in branches %}\n{{ b.name }\n")
    with pytest.raises(BranchctlError, match=r"模板“我的模板.md”第5行有语法错误"):
        compile_template(t, environment())


def test_runtime_error_names_the_line(tmp_path):
    t = _user(tmp_path, "# 标题\n\n{% for b in branches %}\n{{ b.nmae }}\n{% endfor %}\n")
    compiled = compile_template(t, environment())
    with pytest.raises(BranchctlError) as e:
        render_text(t, compiled, {"branches": [{"name": "甲"}]})
    assert str(e.value) == "模板“我的模板.md”第4行出错：没有“nmae”这一项。"


@pytest.mark.parametrize(
    "source",
    [
        "{{ branches.__class__.__mro__ }}",
        "{{ ''.__class__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ branches.append(1) }}",  # the data is shared by every notice of a batch
    ],
)
def test_templates_run_in_the_sandbox(tmp_path, source):
    t = _user(tmp_path, "第一行\n" + source)
    compiled = compile_template(t, environment())
    with pytest.raises(BranchctlError, match="第2行出错"):
        render_text(t, compiled, {"branches": []})


def test_values_are_escaped_for_markdown_and_safe_opts_out(tmp_path):
    t = _user(tmp_path, "{{ a }}\n\n{{ b }}\n\n{{ a | safe }}\n")
    out = render_text(
        t, compile_template(t, environment()), {"a": "**粗**|_x_", "b": "1. 第一\n- 二"}
    )
    assert out == "\\*\\*粗\\*\\*\\|\\_x\\_\n\n1\\. 第一 - 二\n\n**粗**|_x_\n"
    assert markdown_text(None) == "" and markdown_text("85.3%") == "85.3%"
    assert markdown_text("- 甲") == "\\- 甲" and markdown_text("<b>&amp;") == "\\<b\\>\\&amp;"


def test_chinese_numbers():
    assert [chinese_number(n) for n in (0, 1, 9, 10, 12, 20, 25, 99)] == [
        "零", "一", "九", "十", "十二", "二十", "二十五", "九十九",
    ]  # fmt: skip


# ----------------------------------------------------------------------------- 退回修改意见


def _report() -> ValidationReport:
    return ValidationReport(
        [
            FileReport(
                "/报表/城关镇报表.xlsx",
                [
                    Finding(
                        "stars-mismatch",
                        "error",
                        "第8行“红旗村党支部”填报6星，核算应为5星。",
                        "附件1",
                        8,
                        "星级",
                        "Q8",
                        "6",
                    ),
                    Finding(
                        "required-blank",
                        "error",
                        "第9行“支部书记”未填写",
                        "附件1",
                        9,
                        "支部书记",
                        "I9",
                        None,
                    ),
                    Finding(
                        "too-few-members",
                        "warning",
                        "第6行正式党员为2名，不足3名。",
                        "附件1",
                        6,
                        "正式党员",
                        "F6",
                        "2",
                    ),
                    Finding(
                        "bad-date",
                        "error",
                        "完成时限“尽快”不是有效日期，联系张三13812345678。",
                        "附件3",
                        4,
                        "完成时限",
                        "H4",
                        "尽快",
                    ),
                    Finding(
                        "bad-mark",
                        "error",
                        "负责人张三的标记无效。",
                        "附件3",
                        5,
                        "责任人",
                        "F5",
                        "张三",
                    ),
                    Finding("form-missing", "error", "没有找到分类定级表。"),
                ],
            ),
            FileReport(
                "/报表/青山乡报表.xlsx",
                [Finding("too-few-members", "warning", "提醒。", "附件1", 3)],
            ),
        ]
    )


def test_return_notice_lists_every_finding_grouped_by_sheet():
    t = load_template("退回修改意见")
    context = validation_context(
        _report(), townships={"/报表/城关镇报表.xlsx": "城关镇党委"}, today=dt.date(2025, 7, 1)
    )
    assert [f["name"] for f in context["files"]] == ["城关镇报表.xlsx"]  # 青山乡 has no error
    unit = {**context, "file": context["files"][0], "发文机关": "中共示例县委组织部"}
    text = render_text(t, compile_template(t, environment()), unit)
    assert text == (
        "# 关于城关镇党委党支部标准化建设报表的退回修改意见\n\n"
        "城关镇党委：\n\n"
        "你单位报送的《城关镇报表.xlsx》经审核，发现5处错误、1处需要核实的情况，现退回修改。"
        "请对照以下意见逐项修改，修改后及时重新报送。\n\n"
        "## 一、工作表“附件1”\n\n"
        "1．Q8单元格：第8行“红旗村党支部”填报6星，核算应为5星。\n\n"
        "2．I9单元格：第9行“支部书记”未填写。\n\n"
        "以下情况请核实，确有错误的一并修改：\n\n"
        "1．F6单元格：第6行正式党员为2名，不足3名。\n\n"
        "## 二、工作表“附件3”\n\n"
        "1．H4单元格：完成时限“尽快”不是有效日期，联系张三13812345678。\n\n"
        "2．F5单元格：负责人张三的标记无效。\n\n"
        "## 三、整个文件\n\n"
        "1．整个工作表：没有找到分类定级表。\n\n"
        "> 中共示例县委组织部\n>\n> 2025年7月1日\n"
    )


def test_masking_is_consistent_across_values_and_messages():
    context = validation_context(_report(), masker=Masker())
    sheets = context["files"][0]["sheets"]
    h4, f5 = sheets[1]["findings"]
    assert f5["value"] == "张*" and f5["message"] == "负责人张*的标记无效。"
    assert h4["message"] == "完成时限“尽快”不是有效日期，联系张*138****5678。"


# ----------------------------------------------------------------------------- masking, names


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("张三、李四", "张*、李*"),
        ("", ""),
        ("李", "李"),
    ],
)
def test_mask_person(name, masked):
    assert mask_person(name) == masked


def test_mask_phones():
    assert mask_phones("电话13812345678，座机0538-6281234") == "电话138****5678，座机0538-***1234"
    assert mask_phones("身份证370902199001011234") == "身份证370902********1234"
    assert mask_phones("2025年6月30日，32学时，12人") == "2025年6月30日，32学时，12人"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("城关镇红旗村党支部", "城关镇红旗村党支部"),
        ("../../etc/passwd", "_._etc_passwd"),
        ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("..", "未命名"),
        ("  .隐藏.  ", "隐藏"),
        ("第一\n党支部\t\x00", "第一 党支部"),
        ("CON", "_CON"),
        ("", "未命名"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


def test_safe_filename_limits_length_and_numbers_collisions():
    long = safe_filename("很长的名称" * 40)
    assert len(long.encode()) <= 180
    taken: set[str] = set()
    assert [safe_filename(n, taken) for n in ("甲支部", "甲支部", "甲/支部", "甲支部")] == [
        "甲支部", "甲支部（2）", "甲_支部", "甲支部（3）",
    ]  # fmt: skip
    assert safe_filename("Abc", taken) == "Abc" and safe_filename("ABC", taken) == "ABC（2）"
