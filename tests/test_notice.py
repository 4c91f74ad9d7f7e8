"""Notices from real ledgers: the data each template receives and the documents written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from docx import Document
from docx.shared import Pt

from branchctl.documents.data import rating_context
from branchctl.documents.masking import Masker
from branchctl.documents.templates import load_template
from branchctl.errors import BranchctlError
from branchctl.io.workbook import read_workbook
from branchctl.jobs.notice import make_notices
from branchctl.rules.rating import rate_workbook
from branchctl.rules.rubric_file import load_rubric
from tests.builders import (
    classification_sheet,
    expected_rating,
    lists_combined_sheet,
    problem_sheet,
    responsibility_sheet,
    sample_branches,
    sample_problems,
    task_sheet,
    with_claims,
    write_workbook,
)

AS_OF = dt.date(2025, 6, 30)
TODAY = dt.date(2025, 7, 1)
FIELDS = {
    "发文机关": "中共示例县委组织部",
    "公示期": "2025年7月1日至7月7日",
    "联系电话": "0538-6281234",
}


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """A county ledger of 24 branches over 3 townships, one vetoed, with its three lists."""
    folder = tmp_path_factory.mktemp("ledger")
    records = sample_branches(
        24,
        seed=3,
        townships=["城关镇党委", "青山乡党委", "河西街道党工委"],
        stars=[6, 5, 4, 2, 0, 6, 3, 1],
    )
    records[9] = with_claims(records[9] | {"负面清单": "发生违纪违法问题"})
    problems = sample_problems(records, seed=3)
    path = write_workbook(
        folder / "全县台账.xlsx", [classification_sheet(records), lists_combined_sheet(problems)]
    )
    return path, records, problems


def _context(path, **kw):
    result = rate_workbook(read_workbook(path), load_rubric(), AS_OF)
    from branchctl.forms.lists import read_lists
    from branchctl.forms.tables import find_forms

    problems = read_lists(find_forms(read_workbook(path), load_rubric().aspect_headers()), AS_OF)
    return rating_context(result, problems, as_of=AS_OF, today=TODAY, **kw)


def test_rating_context_counts_agree_with_the_rubric(ledger):
    path, records, problems = ledger
    ctx = _context(path)
    expected = [expected_rating(r) for r in records]
    assert ctx["summary"]["total"] == 24
    assert ctx["summary"]["by_stars"] == {
        s: sum(1 for e in expected if e[0] == s) for s in range(6, -1, -1)
    }
    assert ctx["star_columns"] == [6, 5, 4, 3, 2, 1, 0]
    assert [t["name"] for t in ctx["townships"]] == ["城关镇党委", "青山乡党委", "河西街道党工委"]
    assert sum(t["total"] for t in ctx["townships"]) == 24
    assert {b["name"] for b in ctx["demonstration"]} == {
        r["党支部名称"] for r, e in zip(records, expected, strict=True) if e[1] == "示范点"
    }
    assert {b["name"] for b in ctx["weak"]} == {
        r["党支部名称"] for r, e in zip(records, expected, strict=True) if e[1] == "软弱涣散"
    }
    vetoed = next(b for b in ctx["branches"] if b["veto"])
    assert (
        vetoed["name"] == records[9]["党支部名称"]
        and vetoed["stars"] == 0
        and vetoed not in ctx["proposed"]
    )
    assert all(b["standard"] for b in ctx["proposed"]) and all(
        not b["standard"] for b in ctx["short"]
    )
    assert len(ctx["bottom"]) == 10 and ctx["bottom"][0]["stars"] == 0
    assert (ctx["as_of"], ctx["today"], ctx["period"]) == (
        "2025年6月30日",
        "2025年7月1日",
        "2025年第二季度",
    )
    # every problem of 附件3 reaches its branch, with task, owner and deadline
    attached = [p for b in ctx["branches"] for p in b["problems"]]
    assert len(attached) == len(problems)
    first = next(b for b in ctx["short"] if b["problems"])
    p = first["problems"][0]
    source = next(
        x for x in problems if x["党支部名称"] == first["name"] and x["问题类别"] == p["category"]
    )
    assert p["description"] == source["问题描述"] and p["owner"] == source["责任人"]
    assert p["leader"] == source["责任领导"] and p["deadline"]


def test_masked_context_hides_secretaries_and_owners(ledger):
    path, records, _ = ledger
    ctx = _context(path, masker=Masker())
    b = ctx["branches"][0]
    assert b["secretary"] == records[0]["支部书记"][0] + "*" * (len(records[0]["支部书记"]) - 1)
    owners = {p["owner"] for b in ctx["branches"] for p in b["problems"]}
    assert owners and all("*" in o for o in owners)


def test_bulletin_docx(ledger, tmp_path):
    path, records, _ = ledger
    out = tmp_path / "通报.docx"
    report = make_notices(
        load_template("通报"), path, out=out, fields=FIELDS, as_of=AS_OF, today=TODAY, bottom=5
    )
    assert report.outputs == [out] and report.fmt == "docx"
    d = Document(str(out))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "关于2025年第二季度党支部评星定级\n情况的通报"  # no 文号: no 版头
    assert texts[-2:] == ["中共示例县委组织部", "2025年7月1日"]
    township_table, bottom_table = d.tables
    # 小四 in every table, the eleven-column one too: the style's 12 pt, no run made smaller
    for table in d.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    assert p.style.name == "表格文字" and p.style.font.size == Pt(12)
                    assert all(r.font.size is None for r in p.runs)
    rows = [[c.text for c in r.cells] for r in township_table.rows]
    assert rows[0] == [
        "所属党组织",
        "支部数",
        "6星",
        "5星",
        "4星",
        "3星",
        "2星",
        "1星",
        "0星",
        "达标数",
        "达标率",
    ]
    assert rows[-1][:2] == ["合计", "24"]
    assert [r[0] for r in rows[1:-1]] == ["城关镇党委", "青山乡党委", "河西街道党工委"]
    assert len(bottom_table.rows) == 6
    assert any(
        t.startswith("青山乡党委") or t.startswith("城关镇党委") for t in texts
    )  # the name lists
    assert not list(tmp_path.glob(".~branchctl-*"))  # atomic: no temporary file left


def test_announcement_lists_the_proposed_branches(ledger, tmp_path):
    path, records, _ = ledger
    out = tmp_path / "公示.md"
    make_notices(load_template("公示"), path, out=out, fields=FIELDS, as_of=AS_OF, today=TODAY)
    text = out.read_text("utf-8")
    proposed = [
        r["党支部名称"] for r in records if expected_rating(r)[0] == 6 and r["负面清单"] == "无"
    ]
    assert proposed and all(f"| {name} |" in text for name in proposed)
    assert "公示期：2025年7月1日至7月7日。" in text and "联系电话：0538-6281234。" in text


def test_rectification_notices_one_per_branch_short_of_the_standard(ledger, tmp_path):
    path, records, problems = ledger
    folder = tmp_path / "整改"
    report = make_notices(
        load_template("整改通知书"), path, out=folder, per_unit=True, as_of=AS_OF, today=TODAY
    )
    short = [r["党支部名称"] for r in records if expected_rating(r)[0] < 6 or r["负面清单"] != "无"]
    assert sorted(p.stem for p in report.outputs) == sorted(short)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.docx" for n in short)
    vetoed = records[9]["党支部名称"]
    d = Document(str(folder / f"{vetoed}.docx"))
    texts = [p.text for p in d.paragraphs]
    assert texts[1] == f"{vetoed}："
    assert "因存在负面清单情形（发生违纪违法问题），本次评定实行一票否决。" in texts[2]
    assert texts[-2:] == [records[9]["所属党组织"], "2025年7月1日"]  # sent by its township
    # a branch with problems: each with its task, owner and deadline
    name = next(p["党支部名称"] for p in problems)
    text = "\n".join(p.text for p in Document(str(folder / f"{name}.docx")).paragraphs)
    for p in (x for x in problems if x["党支部名称"] == name):
        assert (
            f"{p['问题类别']}方面" in text
            and p["问题描述"] in text
            and f"责任人：{p['责任人']}" in text
        )


def test_rectification_notices_in_one_markdown_document(ledger, tmp_path):
    path, records, _ = ledger
    out = tmp_path / "整改通知书.md"
    report = make_notices(load_template("整改通知书"), path, out=out, as_of=AS_OF, today=TODAY)
    text = out.read_text("utf-8")
    assert report.units == text.count("# 党支部标准化建设整改通知书") == len(text.split("\n---\n"))
    assert report.outputs == [out]


def test_three_sheet_lists_reach_the_notice(tmp_path):
    records = sample_branches(4, seed=5, stars=[4])
    problems = sample_problems(records, seed=5)
    path = write_workbook(
        tmp_path / "台账.xlsx",
        [
            classification_sheet(records),
            problem_sheet(problems),
            task_sheet(problems),
            responsibility_sheet(problems),
        ],
    )
    out = tmp_path / "x.md"
    make_notices(load_template("整改通知书"), path, out=out, as_of=AS_OF, today=TODAY)
    text = out.read_text("utf-8")
    assert text.count("整改任务：") == len(problems) and "（党支部书记）" in text


def test_masked_documents(ledger, tmp_path):
    path, records, problems = ledger
    out = tmp_path / "x.md"
    make_notices(load_template("整改通知书"), path, out=out, as_of=AS_OF, today=TODAY, mask=True)
    text = out.read_text("utf-8")
    for owner in {p["责任人"] for p in problems}:
        assert f"责任人：{owner}" not in text
        # plain text pasted anywhere: 刘＊, no backslash, and no emphasis in a Markdown viewer
        assert f"责任人：{owner[0]}{'＊' * (len(owner) - 1)}；" in text
    assert "\\*" not in text and "\\＊" not in text
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(text)
    assert "<em>" not in html and "＊" in html
    # in Word the mask stays the ASCII asterisk: 刘*
    docx = tmp_path / "x.docx"
    make_notices(load_template("整改通知书"), path, out=docx, as_of=AS_OF, today=TODAY, mask=True)
    words = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    owner = next(iter({p["责任人"] for p in problems}))
    assert f"责任人：{owner[0]}{'*' * (len(owner) - 1)}" in words and "＊" not in words


def test_return_notices_from_a_validate_json_report(tmp_path):
    report = {
        "files": [
            {"path": "报表/城关镇.xlsx", "ok": False, "findings": [
                {"code": "bad-mark", "severity": "error", "sheet": "附件1", "row": 5, "column": "基本活动",
                 "cell": "L5", "value": "？", "message": "第5行“基本活动”填写为“？”，不是有效的达标标记"},
            ]},
            {"path": "报表/青山乡.xlsx", "ok": True, "findings": []},
        ],
        "summary": {"files": 2, "ok": 1, "errors": 1, "warnings": 0},
    }  # fmt: skip
    data = tmp_path / "校验结果.json"
    data.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    folder = tmp_path / "退回"
    result = make_notices(
        load_template("退回修改意见"), data, out=folder, per_unit=True, fields=FIELDS, today=TODAY
    )
    assert [p.name for p in result.outputs] == ["城关镇.docx"]
    texts = [p.text for p in Document(str(result.outputs[0])).paragraphs]
    assert "1．L5单元格：第5行“基本活动”填写为“？”，不是有效的达标标记。" in texts


def test_return_notices_from_validating_a_folder(tmp_path):
    from tests.builders import Layout, with_wrong_claim

    folder = tmp_path / "报表"
    good = sample_branches(5, seed=8, townships=["青山乡党委"], small_branches=False)
    bad = sample_branches(5, seed=9, townships=["城关镇党委"], small_branches=False)
    bad[1] = with_wrong_claim(bad[1], "星级")
    write_workbook(folder / "青山乡.xlsx", [classification_sheet(good, Layout(org="青山乡党委"))])
    write_workbook(folder / "城关镇.xlsx", [classification_sheet(bad, Layout(org="城关镇党委"))])
    out = tmp_path / "退回.md"
    make_notices(
        load_template("退回修改意见"), folder, out=out, fields=FIELDS, as_of=AS_OF, today=TODAY
    )
    text = out.read_text("utf-8")
    assert text.startswith("# 关于城关镇党委党支部标准化建设报表的退回修改意见\n\n城关镇党委：\n")
    assert "青山乡" not in text and "工作表“附件1”" in text


def test_output_equal_to_an_input_is_refused(ledger, tmp_path):
    path, _, _ = ledger
    template = tmp_path / "t.md"
    template.write_text("# {{ file }}\n", encoding="utf-8")
    with pytest.raises(BranchctlError, match="输出文件不能与输入文件相同"):
        make_notices(load_template(str(template)), path, out=template, fmt="md")


def test_per_branch_needs_a_per_unit_template_and_a_folder(ledger, tmp_path):
    path, _, _ = ledger
    with pytest.raises(BranchctlError, match="汇总性文件，不按支部分份生成"):
        make_notices(load_template("通报"), path, out=tmp_path / "x", per_unit=True, fields=FIELDS)
    (tmp_path / "file").write_text("x")
    with pytest.raises(BranchctlError, match="-o 应为文件夹"):
        make_notices(load_template("整改通知书"), path, out=tmp_path / "file", per_unit=True)
    with pytest.raises(BranchctlError, match=r"输出文件应以 \.docx 结尾"):
        make_notices(load_template("通报"), path, out=tmp_path / "x.md", fmt="docx", fields=FIELDS)


def test_user_word_template_with_letterhead(ledger, tmp_path):
    path, records, _ = ledger
    letterhead = Document()
    letterhead.add_paragraph("中共示例县委组织部文件")
    letterhead.add_paragraph(
        "{{ branch.name }}：你支部评定为{{ branch.stars }}星，{{ 发文机关 }}。"
    )
    letterhead.add_paragraph(
        "{% for a in branch.unmet %}{{ a }}{% if not loop.last %}、{% endif %}{% endfor %}"
    )
    template = tmp_path / "红头.docx"
    letterhead.save(str(template))
    folder = tmp_path / "out"
    report = make_notices(
        load_template(str(template), like="整改通知书"), path, out=folder, per_unit=True,
        fields={"发文机关": "A&B<组织部>"}, as_of=AS_OF,
    )  # fmt: skip
    first = Document(str(report.outputs[0]))
    assert first.paragraphs[0].text == "中共示例县委组织部文件"
    assert first.paragraphs[1].text.endswith("星，A&B<组织部>。")  # XML-escaped, not broken
    with pytest.raises(BranchctlError, match="请加 --per-branch"):
        make_notices(load_template(str(template), like="整改通知书"), path, out=tmp_path / "o.docx")
    with pytest.raises(BranchctlError, match="只能生成 .docx"):
        make_notices(load_template(str(template)), path, out=tmp_path / "o.md", fields=FIELDS)


def test_many_notices_are_written_by_worker_processes(tmp_path):
    records = sample_branches(45, seed=12, stars=[3, 4, 5])
    path = write_workbook(tmp_path / "大台账.xlsx", [classification_sheet(records)])
    folder = tmp_path / "out"
    report = make_notices(
        load_template("整改通知书"), path, out=folder, per_unit=True, jobs=2, as_of=AS_OF
    )
    assert len(report.outputs) == 45 == len(list(folder.glob("*.docx")))
    assert Document(str(report.outputs[-1])).paragraphs[1].text == f"{report.outputs[-1].stem}："


def test_word_template_missing_field_is_named(ledger, tmp_path):
    path, _, _ = ledger
    letterhead = Document()
    letterhead.add_paragraph("{{ branch.name }}，联系电话：{{ 联系电话 }}")
    template = tmp_path / "红头.docx"
    letterhead.save(str(template))
    with pytest.raises(BranchctlError) as e:
        make_notices(
            load_template(str(template), like="整改通知书"), path, out=tmp_path / "o", per_unit=True
        )
    assert str(e.value) == "模板“红头.docx”需要变量“联系电话”，请用 --set 联系电话=… 提供。"
    with pytest.raises(BranchctlError, match="-o 应为文件夹"):
        make_notices(load_template("整改通知书"), path, out=tmp_path / "整改.docx", per_unit=True)
