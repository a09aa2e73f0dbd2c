"""Shared column helpers for every feature's models."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy import DDL, DateTime, Select, event, inspect
from sqlalchemy.types import TypeDecorator

from lms.extensions import db


def after_create(model: type[Any], sqlite: Iterable[str] = (),
                 postgresql: Iterable[str] = ()) -> None:
    """Run these statements (triggers that keep records) right after the model's table is made."""
    for dialect, statements in (("sqlite", sqlite), ("postgresql", postgresql)):
        for statement in statements:
            # SQLAlchemy's DDL constructor carries no annotations.
            ddl = DDL(statement)  # type: ignore[no-untyped-call]
            event.listen(model.__table__, "after_create", ddl.execute_if(dialect=dialect))


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC and always return them aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        """Refuse naive datetimes and normalise to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use lms.models.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        """Attach UTC to values that SQLite returns naive."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: A person's records of one kind, read only when called (for "my data" downloads).
RecordSource = Callable[[], Iterable[dict[str, Any]]]
#: How many rows a download reads at a time: enough to be quick, few enough to stay small.
EXPORT_BATCH = 100


def plain(value: Any) -> Any:
    """Return a value JSON and CSV can hold: times as ISO 8601, enums as their value."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def columns_of(row: Any, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return a model row's stored columns as plain values."""
    mapper = inspect(type(row))
    return {attr.key: plain(getattr(row, attr.key)) for attr in mapper.column_attrs
            if attr.key not in leave_out}


def exported(query: Select[Any], leave_out: frozenset[str] = frozenset()) -> RecordSource:
    """Return a source that reads a query's rows in batches, as plain columns."""

    def read() -> Iterator[dict[str, Any]]:
        rows = db.session.scalars(query.execution_options(yield_per=EXPORT_BATCH))
        return (columns_of(row, leave_out) for row in rows)

    return read
