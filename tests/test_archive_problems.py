"""附件3 in the archive: each submission's problem list is recorded with it, an archive made by
schema version 1 (before problems were kept) is migrated when opened, and a 整改通知书 made from
the archive lists each branch's problems as the one made from the workbook does."""

from __future__ import annotations

import sqlite3

from branchctl.archive.db import open_archive
from branchctl.archive.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from tests.archive_helpers import branches, cli, cli_json, with_stars, write_submission


def _version_1_archive(path):
    """An archive file exactly as branchctl wrote it with schema version 1, holding a period."""
    version, statements = MIGRATIONS[0]
    assert version == 1
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for statement in statements:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("INSERT INTO periods (key, label, sort) VALUES ('2025Q1', '2025年第一季度', 'x')")
    conn.execute("COMMIT")
    conn.close()


def test_a_version_1_archive_is_migrated_when_opened_and_then_keeps_problems(tmp_path):
    db = tmp_path / "旧档案.db"
    _version_1_archive(db)
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute("SELECT name FROM sqlite_master WHERE name = 'problems'").fetchall() == []
        )
    book = write_submission(tmp_path / "城关镇.xlsx", "城关镇", branches("城关镇", 4, seed=1))
    result = cli(db, "archive", "add", str(book), "--period", "2025Q2", "--received", "2025-07-01")
    assert result.exit_code in (0, 1), result.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,) == (2,)
        assert conn.execute("SELECT key FROM periods ORDER BY id").fetchall() == [
            ("2025Q1",),
            ("2025Q2",),
        ]  # what version 1 held is still there
        recorded = conn.execute("SELECT count(*) FROM problems").fetchone()[0]
    assert recorded > 0
    with open_archive(db, create=False) as archive, archive.transaction() as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (2,)  # opened again: as is


def test_a_migration_that_fails_leaves_version_1_as_it_was(tmp_path, monkeypatch):
    from branchctl.archive import db as archive_db

    db = tmp_path / "旧档案.db"
    _version_1_archive(db)
    broken = [MIGRATIONS[0], (2, (*MIGRATIONS[1][1], "NOT SQL"))]
    monkeypatch.setattr(archive_db, "MIGRATIONS", broken)
    result = cli(db, "archive", "log")
    assert result.exit_code == 2 and "档案未改动" in result.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        assert (
            conn.execute("SELECT name FROM sqlite_master WHERE name = 'problems'").fetchall() == []
        )


def test_rectification_notice_from_the_archive_matches_the_one_from_the_workbook(tmp_path):
    db = tmp_path / "档案.db"
    stars = [6, 2, 4, 1, 3]
    records = [with_stars(r, n) for r, n in zip(branches("青山乡", 5, seed=2), stars, strict=True)]
    book = write_submission(tmp_path / "青山乡.xlsx", "青山乡", records)
    # the township's other file, one quarter earlier: its problems are not this quarter's
    older = [with_stars(r, 0) for r in branches("青山乡", 5, seed=2)]
    earlier = write_submission(tmp_path / "青山乡一季度.xlsx", "青山乡", older)
    other = write_submission(
        tmp_path / "城关镇.xlsx", "城关镇", [with_stars(r, 2) for r in branches("城关镇", 3, 1)]
    )
    roster = tmp_path / "名册.txt"
    roster.write_text("城关镇\n青山乡\n", "utf-8")
    for period in ("2025Q1", "2025Q2"):
        assert cli(db, "archive", "roster", str(roster), "--period", period).exit_code == 0
    for path, period in ((earlier, "2025Q1"), (book, "2025Q2"), (other, "2025Q2")):
        added = cli_json(db, "archive", "add", str(path), "--period", period)
        assert added["summary"]["recorded"] == 1, added

    from_book = tmp_path / "来自报表"
    from_archive = tmp_path / "来自档案"
    made = cli(db, "notice", "整改通知书", "--data", str(book), "--as-of", "2025-06-30",
               "--per-branch", "-o", str(from_book), "--format", "md")  # fmt: skip
    assert made.exit_code == 0, made.output
    made = cli(db, "notice", "整改通知书", "--archive", "--period", "2025Q2",
               "--per-branch", "-o", str(from_archive), "--format", "md")  # fmt: skip
    assert made.exit_code == 0, made.output

    book_notices = {p.name: p.read_text("utf-8") for p in from_book.iterdir()}
    archive_notices = {p.name: p.read_text("utf-8") for p in from_archive.iterdir()}
    qingshan = {k: v for k, v in archive_notices.items() if k in book_notices}
    assert qingshan == book_notices  # word for word, problems and all
    assert len(book_notices) == 4  # every branch short of the standard: 6 stars is not
    listed = [text for text in book_notices.values() if "问题：" in text]
    assert listed, "the workbook's 附件3 has problems for these branches"
    # 城关镇's branches are in the archive's notices too, each with its own file's problems
    assert len(archive_notices) == len(book_notices) + 3
