"""`branchctl notice` as a clerk uses it: one command, documents out, one sentence on failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from branchctl.cli.app import app
from tests.builders import classification_sheet, sample_branches, with_claims, write_workbook

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent
SET = ["--set", "发文机关=中共示例县委组织部", "--set", "成文日期=2025年7月1日"]


@pytest.fixture
def ledger(tmp_path):
    records = sample_branches(8, seed=21, stars=[6, 4, 2, 5])
    records[3] = with_claims(records[3] | {"支部书记": "张三", "负面清单": "13812345678举报属实"})
    return write_workbook(tmp_path / "城关镇台账.xlsx", [classification_sheet(records)]), records


def _invoke(*args: str):
    return runner.invoke(app, ["notice", *args])


def test_bulletin_default_output_beside_the_data(ledger):
    path, _ = ledger
    result = _invoke("通报", "--data", str(path), *SET, "--as-of", "2025-06-30")
    assert result.exit_code == 0, result.output
    out = path.with_name("城关镇台账.通报.docx")
    assert result.stdout == f"已生成通报：{out}\n"
    assert Document(str(out)).paragraphs[-1].text == "2025年7月1日"


def test_missing_free_field_exits_2_naming_it(ledger):
    path, _ = ledger
    result = _invoke("公示", "--data", str(path), *SET, "--set", "公示期=7月1日至7日")
    assert result.exit_code == 2
    assert result.stderr == "错误：模板“公示”需要变量“联系电话”，请用 --set 联系电话=… 提供。\n"
    assert not list(path.parent.glob("*.docx"))


def test_per_branch_folder_and_markdown(ledger, tmp_path):
    path, records = ledger
    folder = tmp_path / "整改通知书"
    result = _invoke(
        "整改通知书", "--data", str(path), "--per-branch", "-o", str(folder), "--format", "md"
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 6 and all(f.endswith(".md") for f in files)  # 2 of 8 have six stars
    assert result.stdout == f"已生成 6 份整改通知书（.md），保存在：{folder}\n"


def test_mask_hides_names_and_phones(ledger, tmp_path):
    path, records = ledger
    out = tmp_path / "x.md"
    result = _invoke("整改通知书", "--data", str(path), "-o", str(out), "--mask")
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    # plain text in Markdown: full-width ＊, no backslashes to show when pasted into a chat
    assert "13812345678" not in text and "138＊＊＊＊5678举报属实" in text


def test_unused_field_hint_and_vars_file(ledger, tmp_path):
    path, _ = ledger
    vars_file = tmp_path / "变量.toml"
    vars_file.write_text('发文机关 = "中共示例县委组织部"\n联系电弧 = "1"\n', encoding="utf-8")
    result = _invoke(
        "通报", "--data", str(path), "--vars", str(vars_file), "-o", str(tmp_path / "t.md")
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == "提示：模板没有用到变量“联系电弧”，请检查变量名是否写对。\n"


def test_user_template_error_names_the_line(ledger, tmp_path):
    path, _ = ledger
    template = tmp_path / "我的.md"
    template.write_text("# 标题\n\n{{ summary.totl }}\n", encoding="utf-8")
    result = _invoke(str(template), "--data", str(path), "-o", str(tmp_path / "x.md"))
    assert result.exit_code == 2
    assert result.stderr == "错误：模板“我的.md”第3行出错：没有“totl”这一项。\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["通报"], "请用 --data 指定数据文件"),
        ([], "请给出模板名"),
        (["通知", "--data", "x.xlsx"], "没有名为“通知”的内置模板"),
        (["通报", "--data", "无此文件.xlsx", *SET], "数据文件不存在"),
        (["通报", "--data", "{ledger}", "--per-branch", *SET], "不按支部分份生成"),
        (["通报", "--data", "{ledger}", "--format", "pdf", *SET], "--format 应为 docx 或 md"),
        (["通报", "--data", "{ledger}", "--like", "通知"], "--like 应为内置模板名之一"),
    ],
)
def test_usage_errors_exit_2_with_one_sentence(ledger, args, message):
    path, _ = ledger
    result = _invoke(*[a.replace("{ledger}", str(path)) for a in args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("错误：") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_list_shows_templates_and_variables():
    result = _invoke("--list")
    assert result.exit_code == 0
    for name in (
        "通报（一份）",
        "公示（一份）",
        "整改通知书（每个支部一份）",
        "退回修改意见（每个文件一份）",
    ):
        assert name in result.stdout
    assert "必填变量：发文机关、公示期、联系电话" in result.stdout


def test_source_prints_the_builtin_template():
    result = _invoke("公示", "--source")
    assert result.exit_code == 0
    assert result.stdout == (REPO / "branchctl" / "templates" / "公示.md").read_text("utf-8")


def test_help_has_an_example():
    result = runner.invoke(app, ["notice", "--help"])
    assert result.exit_code == 0 and "示例：branchctl notice" in result.stdout


def test_readme_documents_every_variable():
    from branchctl.documents.data import BRANCH_FIELDS, RATING_VARIABLES, VALIDATION_VARIABLES
    from branchctl.documents.templates import BUILTIN

    readme = (REPO / "README.md").read_text("utf-8")
    section = readme.split("### branchctl notice", 1)[1].split("\n### ", 1)[0]
    for name in [
        *BUILTIN,
        *RATING_VARIABLES,
        *BRANCH_FIELDS,
        *VALIDATION_VARIABLES,
        "--mask",
        "--set",
        "--vars",
    ]:
        assert name in section, name


def test_the_quarter_comes_from_the_ledger_when_no_as_of(tmp_path):
    records = sample_branches(4, seed=5, stars=[2])  # every branch short of the standard
    path = write_workbook(
        tmp_path / "城关镇.xlsx", [classification_sheet(records)]
    )  # 填报时间 2025年6月30日
    out = tmp_path / "整改.md"
    result = _invoke("整改通知书", "--data", str(path), "-o", str(out), "--format", "md")
    assert result.exit_code == 0, result.output
    text = out.read_text("utf-8")
    assert "2025年第二季度" in text


def _with_core_properties(path: Path, **props: str) -> Path:
    """A letterhead saved by Word with long document properties (python-docx refuses to set
    them, so they are written into docProps/core.xml as Word writes them)."""
    import zipfile
    from xml.sax.saxutils import escape

    doc = Document()
    doc.add_paragraph("中共示例县委组织部文件")
    doc.add_paragraph("{{ 发文机关 }}关于评星定级情况的通报")
    doc.core_properties.title = "占位"
    plain = path.with_name("plain.docx")
    doc.save(str(plain))
    tags = {"title": "dc:title", "subject": "dc:subject", "comments": "dc:description"}
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                extra = "".join(f"<{tags[k]}>{escape(v)}</{tags[k]}>" for k, v in props.items())
                data = data.decode().replace("<dc:title>占位</dc:title>", extra).encode()
            zout.writestr(info, data)
    return path


def test_word_template_with_long_document_properties(ledger, tmp_path):
    """Over 255 characters python-docx refuses a property in English: cut, and said so."""
    path, _ = ledger
    template = _with_core_properties(
        tmp_path / "红头.docx",
        title="示例县" * 100,  # long as written
        subject="{% for i in range(40) %}{{ 发文机关 }}{% endfor %}",  # long once filled
    )
    out = tmp_path / "通报.docx"
    result = _invoke(str(template), "--data", str(path), *SET, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "exceeded" not in result.output and "Traceback" not in result.output
    assert "Word 模板“红头.docx”的文档属性“标题”超过255个字符，生成的文件中只保留前255个字符" in (
        result.stderr
    )
    doc = Document(str(out))
    assert doc.core_properties.title == ("示例县" * 100)[:255]
    assert doc.core_properties.subject == ("中共示例县委组织部" * 40)[:255]
    assert doc.paragraphs[1].text == "中共示例县委组织部关于评星定级情况的通报"
