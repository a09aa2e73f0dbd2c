"""Keep each report scope's time to certificate equal to ranking its summary rows' days.

lms.reports.summary reads, before and after it rewrites rows, their cohort, program and days
from invitation to first certificate; a scope whose days changed has its figures worked out
again with `figures()`, the same window the reference runs (rare: only a first certificate,
or a certified trainee changing cohort, changes them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, insert, select
from sqlalchemy.engine import Connection

from lms.reports.funnel import scope_keys
from lms.reports.models import TimingFigure, TraineeSummary
from lms.reports.turnaround import ANY_COHORT, ANY_PROGRAM
from lms.sqltime import days_between, rank_at

TABLE: Table = TimingFigure.__table__  # type: ignore[assignment]
S = TraineeSummary


def days() -> ColumnElement[float]:
    """Return a summary row's days from invitation to first certificate (NULL before one)."""
    return days_between(S.created_at, S.first_issued)


def figures(connection: Connection, conditions: list[ColumnElement[bool]]
            ) -> tuple[int, float | None, float | None]:
    """Return how many rows have a certificate, and the median and 90th-percentile days."""
    span = days().label("days")
    ranked = (select(span, func.row_number().over(order_by=span).label("position"),
                     func.count().over().label("total"))
              .where(S.first_issued.is_not(None), *conditions).subquery("ranked"))
    query = select(ranked.c.position, ranked.c.total, ranked.c.days).where(
        ranked.c.position.in_([rank_at(ranked.c.total, 1, 2), rank_at(ranked.c.total, 9, 10)]))
    found = connection.execute(query).all()
    if not found:
        return 0, None, None
    total = int(found[0].total)
    by_position = {int(row.position): max(float(row.days), 0.0) for row in found}
    return total, by_position.get((total + 1) // 2), by_position.get((total * 9 + 9) // 10)


def _conditions(cohort_key: int, program_key: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if cohort_key != ANY_COHORT:
        conditions.append(S.cohort_id == cohort_key)
    if program_key != ANY_PROGRAM:
        conditions.append(S.program_slug == program_key)
    return conditions


def changed_scopes(before: Iterable[Any], after: Iterable[Any]) -> set[tuple[int, str]]:
    """Return the scopes whose certified days differ between two readings.

    Each reading holds (cohort_id, program_slug, days, rows) for the rewritten rows.
    """
    seen: dict[tuple[int, str], Counter[float]] = {}
    for sign, rows in ((-1, before), (1, after)):
        for cohort_id, program_slug, span, count in rows:
            if span is None:
                continue
            for key in scope_keys(cohort_id, program_slug):
                seen.setdefault(key, Counter())[float(span)] += sign * int(count)
    return {key for key, counts in seen.items() if any(counts.values())}


def refresh(connection: Connection, scopes: Iterable[tuple[int, str]]) -> None:
    """Work these scopes' figures out again from their summary rows."""
    for cohort_key, program_key in sorted(scopes):
        certified, median, p90 = figures(connection, _conditions(cohort_key, program_key))
        connection.execute(delete(TABLE).where(TABLE.c.cohort_key == cohort_key,
                                               TABLE.c.program_key == program_key))
        if certified:
            connection.execute(insert(TABLE).values(
                cohort_key=cohort_key, program_key=program_key, certified=certified,
                median_days=median, p90_days=p90))


def read(connection: Connection, cohort_key: int, program_key: str
         ) -> tuple[int, float | None, float | None]:
    """Return one scope's stored figures (none yet: no certificate in it)."""
    row = connection.execute(select(TABLE.c.certified, TABLE.c.median_days, TABLE.c.p90_days)
                             .where(TABLE.c.cohort_key == cohort_key,
                                    TABLE.c.program_key == program_key)).first()
    return (int(row[0]), row[1], row[2]) if row else (0, None, None)


def rebuild_on(connection: Connection) -> None:
    """Work out every scope's figures from the summary rows."""
    connection.execute(delete(TABLE))
    keys = {key for cohort_id, program_slug in connection.execute(
        select(S.cohort_id, S.program_slug).where(S.first_issued.is_not(None)).distinct())
        for key in scope_keys(cohort_id, program_slug)}
    refresh(connection, keys)
