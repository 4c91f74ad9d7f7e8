"""Opening an archive file and running one command in one transaction.

Writers take the write lock at the start of their transaction (``BEGIN IMMEDIATE``), so two
runs at once queue on it: the second waits up to ``timeout`` seconds (SQLite's busy timeout)
and then goes on with what the first has committed. Whatever fails inside a transaction rolls
it back: the archive is as it was. Every SQLite failure reaches the clerk as one Chinese
sentence naming the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from branchctl.archive.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from branchctl.errors import BranchctlError, os_reason

DEFAULT_NAME = "branchctl.db"
DEFAULT_WAIT = 60.0  # seconds a run waits for another one holding the archive
_HEADER = b"SQLite format 3\x00"


class Archive:
    """An open archive file."""

    def __init__(self, path: Path, conn: sqlite3.Connection, timeout: float) -> None:
        self.path = path
        self.conn = conn
        self.timeout = timeout

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends, rolled back when it raises.

        A writer locks the archive from the start, so what it reads inside stays true until
        it commits; a reader sees one consistent state.
        """
        try:
            self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as e:
            raise archive_error(e, self.path, self.timeout) from e
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.Error as e:
            self._rollback()
            raise archive_error(e, self.path, self.timeout) from e
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        with suppress(sqlite3.Error):
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_archive(path: str | Path, *, create: bool, timeout: float | None = None) -> Archive:
    """Open the archive at ``path``; with ``create``, make it when it does not exist yet.

    A file that is not a SQLite database, or another program's database, is refused before
    anything is written to it; an archive of an older schema is migrated. ``timeout``: how
    long to wait for another run holding the archive (default :data:`DEFAULT_WAIT`).
    """
    path = Path(path)
    timeout = DEFAULT_WAIT if timeout is None else timeout
    if path.is_dir():
        raise BranchctlError("档案路径是一个文件夹，请指定档案文件，如 --db 档案.db", path=path)
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        raise BranchctlError(
            "档案文件不存在，请先用 branchctl archive roster 或 archive add 建立档案，"
            "或用 --db 指定已有的档案",
            path=path,
        )
    if exists:
        _check_header(path)
    elif not path.parent.is_dir():
        raise BranchctlError("档案文件所在的文件夹不存在", path=path)
    try:
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as e:
        raise archive_error(e, path, timeout) from e
    archive = Archive(path, conn, timeout)
    try:
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            # a county's history reads every rating period by period: keep the pages at hand
            conn.execute("PRAGMA cache_size = -65536")
        except sqlite3.Error as e:
            raise archive_error(e, path, timeout) from e
        _prepare(archive, create)
    except BaseException:
        conn.close()
        raise
    return archive


def _check_header(path: Path) -> None:
    try:
        with open(path, "rb") as f:
            head = f.read(len(_HEADER))
    except OSError as e:
        raise BranchctlError(f"无法读取档案文件（{os_reason(e)}）", path=path) from e
    if head != _HEADER:
        raise BranchctlError(
            "不是 branchctl 的档案文件（不是 SQLite 数据库），请检查 --db 指定的文件", path=path
        )


def _identity(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """(application_id, user_version, number of schema objects)."""
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return app, version, objects


def _prepare(archive: Archive, create: bool) -> None:
    """Check the file is a branchctl archive of a schema we know; create or migrate it."""
    try:
        app, version, objects = _identity(archive.conn)
    except sqlite3.Error as e:
        raise archive_error(e, archive.path, archive.timeout) from e
    _check_identity(archive.path, app, version, objects, create)
    if app == APPLICATION_ID and version == SCHEMA_VERSION:
        return
    with archive.transaction(write=True) as conn:
        # looked at again under the lock: another run may have created or migrated it meanwhile
        app, version, objects = _identity(conn)
        _check_identity(archive.path, app, version, objects, create)
        for target, statements in MIGRATIONS:
            if target <= version:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


def _check_identity(path: Path, app: int, version: int, objects: int, create: bool) -> None:
    if app == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            raise BranchctlError(
                f"档案由更新版本的 branchctl 建立（档案结构第{version}版，本程序只认识到第"
                f"{SCHEMA_VERSION}版），请升级 branchctl 后再用",
                path=path,
            )
        return
    if app != 0 or objects:
        raise BranchctlError(
            "不是 branchctl 的档案文件（是其他程序的 SQLite 数据库），为免损坏，不会写入；"
            "请用 --db 指定 branchctl 的档案",
            path=path,
        )
    if not create:
        raise BranchctlError(
            "档案是空的，请先用 branchctl archive roster 或 archive add 建立", path=path
        )


def archive_error(e: sqlite3.Error, path: Path, timeout: float) -> BranchctlError:
    """A SQLite failure as one Chinese sentence."""
    text = str(e).lower()
    if "locked" in text or "busy" in text:
        message = f"档案正被另一个 branchctl 命令使用，等了 {timeout:g} 秒仍未用完，请稍后再试（档案未改动）"
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        message = "档案文件已损坏或不是 branchctl 的档案，无法读取"
    elif "readonly" in text or "read-only" in text:
        message = "档案文件是只读的，无法写入（档案未改动）"
    elif "disk is full" in text or "database or disk is full" in text:
        message = "磁盘空间不足，无法写入档案（档案未改动）"
    elif "unable to open" in text:
        message = "无法打开档案文件（没有权限，或路径不对）"
    else:
        message = f"读写档案时出错（{type(e).__name__}: {e}），档案未改动"
    return BranchctlError(message, path=path)
