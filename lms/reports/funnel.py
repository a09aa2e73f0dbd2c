"""Keep the completion funnel's counts per report scope equal to counting the summary rows.

lms.reports.summary reads the rows it rewrites, grouped by what the funnel and the stage
counters need, before and after; the difference moves these counters (one upsert, only when
something changed). A summary row counts in the scope of everyone, of its program, and, when
it has a cohort, of its cohort and of its cohort with its program, as the reference does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, case, delete, func, insert, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Subquery

from lms.reports.models import FunnelCount, TraineeSummary
from lms.reports.turnaround import ANY_COHORT, ANY_PROGRAM

TABLE: Table = FunnelCount.__table__  # type: ignore[assignment]
SUMMARY: Table = TraineeSummary.__table__  # type: ignore[assignment]
STEPS = ("invited", "joined", "first_quiz", "modules_done", "practice_met", "certified")


def flags() -> list[Any]:
    """Return a summary row's funnel steps as 0 or 1 columns, in STEPS order."""
    s = SUMMARY.c
    return [literal(1), case((s.joined, 1), else_=0), case((s.modules_passed > 0, 1), else_=0),
            case((s.modules_done, 1), else_=0),
            case((s.modules_done & s.practice_met, 1), else_=0),
            case((s.certificates > 0, 1), else_=0)]


def scope_keys(cohort_id: int | None, program_slug: str) -> list[tuple[int, str]]:
    """Return the report scopes one summary row counts in."""
    keys = [(ANY_COHORT, ANY_PROGRAM), (ANY_COHORT, program_slug)]
    if cohort_id is not None:
        keys += [(cohort_id, ANY_PROGRAM), (cohort_id, program_slug)]
    return keys


def moves(before: Iterable[Any], after: Iterable[Any]) -> list[dict[str, Any]]:
    """Return the counter changes between two readings of (cohort, program, *steps, rows)."""
    change: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * len(STEPS))
    for sign, rows in ((-1, before), (1, after)):
        for cohort_id, program_slug, *steps, count in rows:
            for key in scope_keys(cohort_id, program_slug):
                counters = change[key]
                for index, step in enumerate(steps):
                    counters[index] += sign * int(step) * int(count)
    return [{"cohort_key": cohort, "program_key": program, **dict(zip(STEPS, counts,
                                                                       strict=True))}
            for (cohort, program), counts in change.items() if any(counts)]


def add(connection: Connection, changed: list[dict[str, Any]]) -> None:
    """Add each change to its scope's counters, creating the row if new."""
    statement: Any = (postgresql.insert(TABLE) if connection.dialect.name == "postgresql"
                      else sqlite.insert(TABLE))
    connection.execute(statement.on_conflict_do_update(
        index_elements=[TABLE.c.cohort_key, TABLE.c.program_key],
        set_={step: TABLE.c[step] + statement.excluded[step] for step in STEPS}), changed)


def read(connection: Connection, cohort_key: int, program_key: str) -> list[int]:
    """Return one scope's counts in STEPS order (zeros for a scope with no rows)."""
    row = connection.execute(select(*(TABLE.c[step] for step in STEPS)).where(
        TABLE.c.cohort_key == cohort_key, TABLE.c.program_key == program_key)).first()
    return [int(value) for value in row] if row else [0] * len(STEPS)


def in_every_scope(*columns: Any) -> Subquery:
    """Return each summary row's columns once per scope it counts in, keyed like scope_keys."""
    s = SUMMARY.c
    everyone = select(literal(ANY_COHORT).label("cohort_key"),
                      literal(ANY_PROGRAM).label("program_key"), *columns)
    program = select(literal(ANY_COHORT), s.program_slug, *columns)
    cohort = select(s.cohort_id, literal(ANY_PROGRAM), *columns).where(s.cohort_id.is_not(None))
    both = select(s.cohort_id, s.program_slug, *columns).where(s.cohort_id.is_not(None))
    return union_all(everyone, program, cohort, both).subquery("keyed")


def rebuild_on(connection: Connection) -> None:
    """Rewrite every counter from the summary rows."""
    rows = in_every_scope(*(step.label(name) for step, name in zip(flags(), STEPS, strict=True)))
    connection.execute(delete(TABLE))
    connection.execute(insert(TABLE).from_select(
        ["cohort_key", "program_key", *STEPS],
        select(rows.c.cohort_key, rows.c.program_key,
               *(func.sum(rows.c[step]) for step in STEPS))
        .group_by(rows.c.cohort_key, rows.c.program_key)))
