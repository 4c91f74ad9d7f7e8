"""The archive file: made on first use, refused when it is not ours, migrated, one transaction
per command, two runs at once queue rather than fail."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading

import pytest

from branchctl.archive import db as archive_db
from branchctl.archive import store
from branchctl.archive.db import open_archive
from branchctl.archive.schema import APPLICATION_ID, SCHEMA_VERSION
from branchctl.errors import BranchctlError
from branchctl.jobs.archive import set_roster
from tests.archive_helpers import branches, cli, cli_json, write_submission


@pytest.fixture()
def roster(tmp_path):
    path = tmp_path / "名册.txt"
    path.write_text("城关镇\n青山乡\n", "utf-8")
    return path


def _sentence(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    return lines[0]


def test_created_on_first_use_in_the_current_folder(tmp_path, roster, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from typer.testing import CliRunner

    from branchctl.cli.app import app

    result = CliRunner().invoke(app, ["archive", "roster", "名册.txt", "--period", "2025Q2"])
    assert result.exit_code == 0, result.output
    made = tmp_path / "branchctl.db"
    with sqlite3.connect(made) as conn:
        assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_db_option_wins_over_the_environment(tmp_path, roster):
    env_db, given = tmp_path / "环境.db", tmp_path / "指定.db"
    result = cli(env_db, "archive", "roster", str(roster), "--period", "2025Q2", "--db", str(given))
    assert result.exit_code == 0
    assert given.exists() and not env_db.exists()


def test_reading_a_missing_archive_creates_nothing(tmp_path):
    db = tmp_path / "没有.db"
    line = _sentence(cli(db, "archive", "status", "--period", "2025Q2"))
    assert line.startswith(f"错误：文件“{db}”：档案文件不存在")
    assert not db.exists()


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path, roster):
    db = tmp_path / "台账.db"
    db.write_bytes(b"PK\x03\x04 this is a zip, not an archive")
    before = db.read_bytes()
    line = _sentence(cli(db, "archive", "roster", str(roster), "--period", "2025Q2"))
    assert (
        line
        == f"错误：文件“{db}”：不是 branchctl 的档案文件（不是 SQLite 数据库），请检查 --db 指定的文件。"
    )
    assert db.read_bytes() == before


def test_another_programs_database_is_refused_untouched(tmp_path, roster):
    db = tmp_path / "别的.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (name TEXT)")
        conn.execute("INSERT INTO users VALUES ('张三')")
    before = db.read_bytes()
    line = _sentence(cli(db, "archive", "add", str(roster), "--period", "2025Q2"))
    assert "是其他程序的 SQLite 数据库），为免损坏，不会写入" in line
    assert db.read_bytes() == before


def test_a_damaged_archive_is_one_sentence(tmp_path, roster):
    db = tmp_path / "档案.db"
    set_roster(db, roster, period="2025Q2", deadline=None)
    data = bytearray(db.read_bytes())
    page = 4096
    data[page:] = b"\xa5" * (len(data) - page)  # every page after the first overwritten
    db.write_bytes(bytes(data))
    line = _sentence(cli(db, "archive", "status", "--period", "2025Q2"))
    assert line == f"错误：文件“{db}”：档案文件已损坏或不是 branchctl 的档案，无法读取。"


def test_an_archive_from_a_newer_branchctl_is_refused(tmp_path, roster):
    db = tmp_path / "档案.db"
    set_roster(db, roster, period="2025Q2", deadline=None)
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    line = _sentence(cli(db, "archive", "status", "--period", "2025Q2"))
    assert "档案由更新版本的 branchctl 建立" in line and "请升级 branchctl" in line


def test_an_older_archive_is_migrated_in_one_transaction(tmp_path, roster, monkeypatch):
    db = tmp_path / "档案.db"
    set_roster(db, roster, period="2025Q2", deadline=None)
    later = SCHEMA_VERSION + 1
    broken = [*archive_db.MIGRATIONS, (later, ("CREATE TABLE notes (text TEXT)", "NOT SQL"))]
    monkeypatch.setattr(archive_db, "MIGRATIONS", broken)
    monkeypatch.setattr(archive_db, "SCHEMA_VERSION", later)
    with pytest.raises(BranchctlError, match="档案未改动"):
        open_archive(db, create=False)
    with sqlite3.connect(db) as conn:  # a migration half done is no migration
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'notes'"
        ).fetchone() == (0,)

    good = [*archive_db.MIGRATIONS[:-1], (later, ("ALTER TABLE periods ADD COLUMN note TEXT",))]
    monkeypatch.setattr(archive_db, "MIGRATIONS", good)
    with open_archive(db, create=False) as archive, archive.transaction() as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (later,)
        assert conn.execute("SELECT key, note FROM periods").fetchall() == [("2025Q2", None)]


def test_an_interrupted_add_leaves_the_archive_as_it_was(tmp_path, roster, monkeypatch):
    db = tmp_path / "档案.db"
    for town, seed in (("城关镇", 1), ("青山乡", 2)):
        write_submission(tmp_path / "二季度" / f"{town}.xlsx", town, branches(town, 3, seed))
    set_roster(db, roster, period="2025Q1", deadline=None)
    before = db.read_bytes()
    calls = []
    real = store.add_submission

    def add_then_stop(conn, sub):
        calls.append(sub.file_name)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second file is being recorded
        return real(conn, sub)

    monkeypatch.setattr(store, "add_submission", add_then_stop)
    result = cli(
        db, "archive", "add", str(tmp_path / "二季度"), "--period", "2025Q2", "--jobs", "1"
    )
    assert result.exit_code == 130 and len(calls) == 2
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM ratings").fetchone() == (0,)
        assert conn.execute("SELECT key FROM periods").fetchall() == [("2025Q1",)]
    assert db.read_bytes() == before


def test_a_second_run_waits_for_the_first(tmp_path, roster, monkeypatch):
    db = tmp_path / "档案.db"
    set_roster(db, roster, period="2025Q1", deadline=None)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another run in the middle of its transaction
    holder.execute(
        "INSERT INTO periods (key, label, sort) VALUES ('2024', '2024年', '2024-12-31|2')"
    )

    monkeypatch.setattr(archive_db, "DEFAULT_WAIT", 0.3)
    with pytest.raises(BranchctlError) as e:
        set_roster(db, roster, period="2025Q2", deadline=None)
    assert (
        "档案正被另一个 branchctl 命令使用，等了 0.3 秒仍未用完，请稍后再试（档案未改动）"
        in str(e.value)
    )

    monkeypatch.setattr(archive_db, "DEFAULT_WAIT", 60)
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    report = set_roster(db, roster, period="2025Q2", deadline=None)  # waits, then goes on
    assert report.townships == ["城关镇", "青山乡"]
    holder.close()
    with sqlite3.connect(db) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM periods ORDER BY sort")]
    assert keys == ["2024", "2025Q1", "2025Q2"]


def test_two_adds_at_once_record_each_file_once(tmp_path, roster):
    db = tmp_path / "档案.db"
    folder = tmp_path / "二季度"
    for town, seed in (("城关镇", 1), ("青山乡", 2)):
        write_submission(folder / f"{town}.xlsx", town, branches(town, 3, seed))
    set_roster(db, roster, period="2025Q2", deadline=None)
    argv = [sys.executable, "-m", "branchctl", "archive", "add", str(folder), "--period",
            "2025Q2", "--db", str(db), "--json", "--jobs", "1"]  # fmt: skip
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    outs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err.decode() for _, err in outs]
    results = sorted(f["result"] for out, _ in outs for f in json.loads(out)["files"])
    assert results == ["duplicate", "duplicate", "recorded", "recorded"]
    status = cli_json(db, "archive", "status", "--period", "2025Q2")
    assert [t["submissions"] for t in status["townships"]] == [1, 1]
