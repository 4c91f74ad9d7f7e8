"""What rating learns of rows, kept across the tables one process rates.

A county's township files repeat a few hundred combinations of marks, claims and counts, file
after file (1,000 files, 45,000 rows: about 380 combinations of the cells rating reads, 2,100
of the counts the indicator rules read). So what :class:`~branchctl.rules.row_rater.TableRater`
learns of one table is kept for the next table of the same layout: the same rubric (a worker's
unpickled copy counts as the same), as-of date, column names and form. Tables of one layout
rate the same cells alike: a verdict reads cells by column name, and which rules apply depends
only on the names present. Bounded: LEARNT_CAP entries a layout, _LAYOUTS_CAP layouts; past
either, what was learnt is forgotten and learnt again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import count
from typing import Any

from branchctl.forms.tables import Table
from branchctl.rules.indicators import Verdict as IndicatorVerdict
from branchctl.rules.indicators import carried_rules
from branchctl.rules.judging import RowVerdict
from branchctl.rules.rateable import read_columns
from branchctl.rules.rubric import Aspect, Rubric

LEARNT_CAP = 20_000  # entries kept a layout (verdicts, indicator verdicts); then all forgotten
_LAYOUTS_CAP = 8  # layouts kept; a ninth forgets them all
_RUBRICS_CAP = 64  # rubric objects remembered (a worker's copies)
_VERSIONS = count(1)  # a memo key's layout: never the same number twice

# How tables of one layout are rated: the aspects a readable mark settles, each aspect judged
# by indicator rules with the columns they read, and the memo key's first columns.
Plan = tuple[frozenset[str], tuple[tuple[Aspect, tuple[str, ...]], ...], tuple[str, ...]]
# The fields of a branch that come from its verdict, before and after its findings.
Template = tuple[tuple[Any, ...], tuple[Any, ...]]


class Learnt:
    """What rating learnt of the rows of tables of one layout: how they are rated (``plan``),
    the memo key's columns, each combination's verdict, and each indicator-judged aspect's
    verdict by its cells."""

    __slots__ = (
        *("fast", "judged", "key_names", "keyed", "memo"),
        *("plan", "rated", "size", "verdict_list", "verdicts", "version"),
    )

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.judged: list[dict[Any, int]] = [{} for _ in plan[1]]
        self.verdicts: dict[Any, int] = {}  # an indicator verdict -> its number
        self.verdict_list: list[IndicatorVerdict] = []
        self.size = 0  # entries kept
        self.rated = False  # whether a table of this layout was rated before
        self.rekey(plan[2])

    def rekey(self, names: tuple[str, ...]) -> None:
        """Key the memo on these columns: what was keyed on the old ones is not reused."""
        self.key_names = names
        self.keyed = frozenset(names)
        self.memo: dict[Any, list[tuple[tuple[str, ...], tuple[Any, ...], RowVerdict]]] = {}
        # verdicts that depend on the key's cells alone, with the fields of the branch built
        # from them (:meth:`TableRater.rate_rows`), or None where a row builds its own
        self.fast: dict[Any, tuple[RowVerdict, Template | None]] = {}
        self.version = next(_VERSIONS)

    def make_room(self) -> bool:
        """Forget every verdict when the cap is reached (the key's columns stay); whether it
        did (a key read before is then stale)."""
        if self.size < LEARNT_CAP:
            return False
        self.judged = [{} for _ in self.judged]
        self.verdicts, self.verdict_list, self.size = {}, [], 0
        self.rekey(self.key_names)
        return True


def layout_plan(variant: Rubric, table: Table, who: frozenset[str]) -> Plan:
    """How tables laid out as ``table`` are rated (it depends on their column names alone);
    ``who``: the columns that say who a row is, left out of the memo key."""
    plain = plain_marks(variant, table)
    judged: list[tuple[Aspect, tuple[str, ...]]] = []
    inputs: set[str] = set()
    for aspect in variant.aspects:
        if aspect.name in plain or not aspect.indicators:
            continue
        rules = carried_rules(aspect, table)
        if rules:
            comps = [c for rule in rules for c in (rule.test, *rule.when)]
            columns = {c for comp in comps for c in (comp.column, *comp.instead)}
            used = tuple(sorted(c for c in columns if c in table.columns))
            judged.append((aspect, used))
            inputs.update(used)
    names = {c for c in read_columns(variant) if c in table.columns and c not in inputs}
    return plain, tuple(judged), tuple(sorted(names - who))


def plain_marks(variant: Rubric, table: Table) -> frozenset[str]:
    """Aspects of ``variant`` judged by their mark alone in ``table`` (their column is there
    and no indicator rule has data in it): a readable mark settles them."""
    key = ("plain-marks", id(variant))
    found: frozenset[str] | None = table.cache.get(key)
    if found is None:
        found = table.cache[key] = frozenset(
            a.name
            for a in variant.aspects
            if a.judge == "mark"
            and a.name in table.columns
            and not (a.indicators and carried_rules(a, table))
        )
    return found


_layouts: dict[Any, Learnt] = {}
_rubrics: dict[int, tuple[Rubric, Rubric]] = {}  # id -> (a rubric, the first equal one seen)


def learnt_for(rubric: Rubric, table: Table, as_of: dt.date, plan: Callable[[], Plan]) -> Learnt:
    """What was learnt of tables laid out as ``table`` (new, from ``plan()``, when none was)."""
    # the months counted come from the title
    title = table.title if rubric.points is not None or rubric.member is not None else None
    layout = (id(_same_rubric(rubric)), as_of, frozenset(table.columns), table.form.key, title)
    found = _layouts.get(layout)
    if found is None:
        if len(_layouts) >= _LAYOUTS_CAP:
            _layouts.clear()
        found = _layouts[layout] = Learnt(plan())
    return found


def _same_rubric(rubric: Rubric) -> Rubric:
    """The first rubric seen equal to ``rubric`` (a worker unpickles a copy with each chunk of
    files): layouts are keyed by its identity."""
    found = _rubrics.get(id(rubric))
    if found is not None and found[0] is rubric:
        return found[1]
    first = next((seen for _, seen in _rubrics.values() if seen == rubric), rubric)
    if len(_rubrics) >= _RUBRICS_CAP:  # the copies go (a worker's earlier chunks), not the first
        for key, (copy, seen) in list(_rubrics.items()):
            if copy is not seen:
                del _rubrics[key]
        if len(_rubrics) >= _RUBRICS_CAP:
            forget_learnt()
            first = rubric
    _rubrics[id(rubric)] = (rubric, first)  # kept alive: its id is not reused meanwhile
    return first


def forget_learnt() -> None:
    """Forget what rating learnt in this process (tests rate as a fresh process does)."""
    _layouts.clear()
    _rubrics.clear()


def learnt_entries() -> int:
    """The entries kept of what rating learnt in this process (bounded: LEARNT_CAP a layout)."""
    return sum(learnt.size for learnt in _layouts.values())
