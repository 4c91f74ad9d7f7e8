"""The archive's tables, and the migrations that bring an older archive file up to date.

The file says what it is in its SQLite header: ``application_id`` marks it as a branchctl
archive (a foreign SQLite file is refused, never written to), ``user_version`` is its schema
version. A migration is a list of statements run in one transaction with the version bump, so
an archive is either migrated or left as it was. Version 2 added the problem lists of 附件3
(submissions recorded by version 1 have none). Nothing is ever deleted from an archive:
a resubmission, a new roster, a later adjustment are new rows, and the views below pick the one
that counts (the newest).
"""

from __future__ import annotations

APPLICATION_ID = 0x42524354  # "BRCT"

# (version, statements): applied in order to an archive whose user_version is below version.
MIGRATIONS: list[tuple[int, tuple[str, ...]]] = [
    (
        1,
        (
            """CREATE TABLE periods (
                id INTEGER PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,        -- 2025Q2, 2025-06, 2025
                label TEXT NOT NULL,             -- 2025年第二季度
                sort TEXT NOT NULL               -- last day and kind: periods in order
            )""",
            """CREATE TABLE rosters (
                id INTEGER PRIMARY KEY,
                period_id INTEGER NOT NULL REFERENCES periods(id),
                file_name TEXT NOT NULL,
                deadline TEXT,                   -- ISO date, or NULL: the earlier one stands
                recorded_at TEXT NOT NULL
            )""",
            """CREATE TABLE roster_townships (
                roster_id INTEGER NOT NULL REFERENCES rosters(id),
                position INTEGER NOT NULL,
                name TEXT NOT NULL,
                key TEXT NOT NULL,
                PRIMARY KEY (roster_id, position)
            ) WITHOUT ROWID""",
            """CREATE TABLE rubrics (
                id INTEGER PRIMARY KEY,
                spec TEXT NOT NULL UNIQUE        -- JSON: name, title, stars, categories, levels
            )""",
            """CREATE TABLE submissions (
                id INTEGER PRIMARY KEY,
                period_id INTEGER NOT NULL REFERENCES periods(id),
                township TEXT NOT NULL,
                township_key TEXT NOT NULL,
                matched_by TEXT NOT NULL,        -- 填报单位, 所属党组织, 文件名, 文件夹名, 指定
                file_name TEXT NOT NULL,
                path TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                received_on TEXT NOT NULL,       -- ISO date the file came in
                recorded_at TEXT NOT NULL,       -- ISO date and time it was added
                rubric_id INTEGER NOT NULL REFERENCES rubrics(id),
                errors INTEGER NOT NULL,
                warnings INTEGER NOT NULL,
                UNIQUE (period_id, sha256)
            )""",
            "CREATE INDEX submissions_by_township ON submissions (period_id, township_key, id)",
            "CREATE INDEX submissions_by_sha ON submissions (sha256)",
            """CREATE TABLE findings (
                submission_id INTEGER NOT NULL REFERENCES submissions(id),
                seq INTEGER NOT NULL,
                code TEXT NOT NULL,
                severity TEXT NOT NULL,
                sheet TEXT,
                row INTEGER,
                column_name TEXT,
                cell TEXT,
                value TEXT,
                message TEXT NOT NULL,
                branch TEXT,                     -- the branch of the finding's row, when it has one
                details TEXT NOT NULL,           -- JSON: the message template's fields
                PRIMARY KEY (submission_id, seq)
            ) WITHOUT ROWID""",
            # A branch is a name within a township (the same name in two townships is two
            # branches), followed from period to period.
            """CREATE TABLE branches (
                id INTEGER PRIMARY KEY,
                township_key TEXT NOT NULL,
                name_key TEXT NOT NULL,
                UNIQUE (township_key, name_key)
            )""",
            """CREATE TABLE ratings (
                submission_id INTEGER NOT NULL REFERENCES submissions(id),
                seq INTEGER NOT NULL,
                branch_id INTEGER NOT NULL REFERENCES branches(id),
                sheet TEXT NOT NULL,
                row INTEGER NOT NULL,
                party_org TEXT,
                name TEXT NOT NULL,              -- as written in this submission
                type TEXT,
                stars INTEGER NOT NULL,
                category TEXT NOT NULL,
                level TEXT NOT NULL,
                weak INTEGER NOT NULL,           -- the rubric's lowest category
                standard INTEGER NOT NULL,
                veto TEXT,
                met TEXT NOT NULL,               -- JSON lists of aspect names
                unmet TEXT NOT NULL,
                PRIMARY KEY (submission_id, seq)
            ) WITHOUT ROWID""",
            """CREATE TABLE adjustments (
                id INTEGER PRIMARY KEY,
                period_id INTEGER NOT NULL REFERENCES periods(id),
                branch_id INTEGER NOT NULL REFERENCES branches(id),
                township TEXT NOT NULL,
                name TEXT NOT NULL,
                previous_stars INTEGER NOT NULL,
                stars INTEGER NOT NULL,
                category TEXT NOT NULL,
                level TEXT NOT NULL,
                weak INTEGER NOT NULL,
                reason TEXT NOT NULL,
                by_name TEXT,
                recorded_at TEXT NOT NULL
            )""",
            "CREATE INDEX adjustments_by_branch ON adjustments (period_id, branch_id, id)",
            # Every branch as it stands in each period: the rating in the township's newest
            # submission (the one that counts), with the newest adjustment of the branch in
            # place of the computed stars, category and level. The newest rows are found by
            # grouping once, not per row: the county's history reads this view whole.
            """CREATE VIEW current_ratings AS
            SELECT c.period_id, c.id AS submission_id, c.township, c.township_key, c.file_name,
                   c.rubric_id, r.branch_id, r.sheet, r.row, r.party_org, r.name, b.name_key,
                   r.type,
                   coalesce(a.stars, r.stars) AS stars,
                   coalesce(a.category, r.category) AS category,
                   coalesce(a.level, r.level) AS level,
                   coalesce(a.weak, r.weak) AS weak,
                   r.standard, r.veto, r.met, r.unmet, r.stars AS rated_stars,
                   a.id IS NOT NULL AS adjusted, a.reason, a.by_name
            FROM (SELECT max(id) AS id FROM submissions
                  GROUP BY period_id, township_key) AS newest
            JOIN submissions AS c ON c.id = newest.id
            JOIN ratings AS r ON r.submission_id = c.id
            JOIN branches AS b ON b.id = r.branch_id
            LEFT JOIN (SELECT period_id, branch_id, max(id) AS id FROM adjustments
                       GROUP BY period_id, branch_id) AS decided
              ON decided.period_id = c.period_id AND decided.branch_id = r.branch_id
            LEFT JOIN adjustments AS a ON a.id = decided.id""",
        ),
    ),
    (
        2,
        (
            # The problem list of a submission (附件3: 问题清单, 任务清单, 责任清单), one row per
            # problem and task, as a notice lists it under its branch.
            """CREATE TABLE problems (
                submission_id INTEGER NOT NULL REFERENCES submissions(id),
                seq INTEGER NOT NULL,
                branch TEXT NOT NULL,            -- 党支部名称 as written
                branch_key TEXT NOT NULL,        -- matched to a rating's name_key
                category TEXT NOT NULL,          -- 问题类别
                description TEXT NOT NULL,
                task TEXT NOT NULL,
                measures TEXT NOT NULL,
                owner TEXT NOT NULL,
                owner_title TEXT NOT NULL,
                leader TEXT NOT NULL,
                deadline TEXT NOT NULL,          -- 完成时限 as a notice shows it
                sheet TEXT NOT NULL,
                row INTEGER NOT NULL,
                PRIMARY KEY (submission_id, seq)
            ) WITHOUT ROWID""",
        ),
    ),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]
