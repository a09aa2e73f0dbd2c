"""Date arithmetic that SQLite and PostgreSQL spell differently, compiled for the bound dialect."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Date


class days_between(FunctionElement[float]):  # noqa: N801  (reads like the SQL function it makes)
    """Days (fractional) from the first timestamp or date to the second."""

    type = Float()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (f"(julianday({compiler.process(end, **kw)}) - "
            f"julianday({compiler.process(start, **kw)}))")


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM (CAST({compiler.process(end, **kw)} AS TIMESTAMPTZ) - "
            f"CAST({compiler.process(start, **kw)} AS TIMESTAMPTZ))) / 86400.0)")


class week_start(FunctionElement[Any]):  # noqa: N801
    """The Monday of a date's ISO week, as a date."""

    type = Date()
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_sqlite(element: week_start, compiler: Any, **kw: Any) -> str:
    (day,) = list(element.clauses)
    # 'weekday 0' moves forward to Sunday (or stays); six days back is that week's Monday.
    return f"date({compiler.process(day, **kw)}, 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_postgresql(element: week_start, compiler: Any, **kw: Any) -> str:
    (day,) = list(element.clauses)
    return f"CAST(date_trunc('week', {compiler.process(day, **kw)}) AS DATE)"


def rank_at(count: ColumnElement[int], numerator: int, denominator: int) -> ColumnElement[int]:
    """Return the nearest-rank position ceil(count × n/d) in integer arithmetic (no ceil())."""
    return (count * numerator + denominator - 1) // denominator


__all__ = ["days_between", "rank_at", "week_start"]


def aware_utc(value: datetime | str | None) -> datetime | None:
    """Return a UTC datetime from a column SQLite may hand back naive, or as text (a union)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
