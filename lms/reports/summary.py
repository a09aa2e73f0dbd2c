"""Keep each trainee's summary rows equal to the reference stage query, in the same transaction.

Session events note which trainees' records change: objects flushed (learning, practice,
certification and cohort rows name their trainee; a user's own row counts when their role,
activity or joining changes) and bulk INSERT/UPDATE/DELETE statements on those tables. Before
the transaction commits, and before any summary is read, those trainees' rows are rewritten
from lms.reports.stages restricted to them. Lower features only declare which of their columns
name a trainee (their figures modules); this layer, above them, owns the table and the hook.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Column, Table, delete, event, func, insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from lms.auth.models import User
from lms.catalog.services import get_catalog
from lms.certification import figures as certification_figures
from lms.cohorts.services import membership_rows
from lms.extensions import db
from lms.learning import figures as learning_figures
from lms.practice import figures as practice_figures
from lms.reports.models import TraineeSummary
from lms.reports.stages import Scope, row_params, rows_of, trainee_rows

#: Where the session keeps the trainee ids whose rows are due, or ALL for a full rebuild.
PENDING = "lantern.summary_pending"
ALL = "all"
#: Past this many trainees one rebuild of every row beats refreshing them in batches.
REBUILD_ABOVE = 5_000
BATCH = 500
#: A user's own columns that the stage reads.
USER_FIELDS = ("role", "is_active", "password_hash", "created_at", "joined_at")
TABLE: Table = TraineeSummary.__table__  # type: ignore[assignment]
SUMMARY_COLUMNS = [column.name for column in TABLE.columns]


def _tracked() -> dict[str, Column[Any]]:
    """Return, per table name, the column naming the trainee its rows belong to."""
    member: Any = membership_rows().selected_columns.user_id
    columns: list[Any] = [
        *learning_figures.trainee_columns(), *practice_figures.trainee_columns(),
        *certification_figures.trainee_columns(),
        # cohorts offers its members as a select; its user_id is the member table's.
        getattr(member, "element", member)]
    return {column.table.name: column.table.c[column.key] for column in columns}


_TRACKED: dict[str, Column[Any]] = {}


def _pending(session: Session) -> set[int] | str:
    value: set[int] | str = session.info.setdefault(PENDING, set())
    return value


def mark(session: Session, user_ids: Iterable[int | None] | str) -> None:
    """Note that these trainees' rows (or every row, given ALL) must be refreshed."""
    pending = _pending(session)
    if pending == ALL:
        return
    if user_ids == ALL:
        session.info[PENDING] = ALL
        return
    assert isinstance(pending, set) and not isinstance(user_ids, str)
    pending.update(user_id for user_id in user_ids if user_id is not None)


def _flushed_ids(session: Session) -> Iterator[int | None]:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, User):
            state = inspect(instance)
            if instance in session.new or instance in session.deleted or any(
                    state.attrs[name].history.has_changes() for name in USER_FIELDS):
                yield instance.id
            continue
        table = getattr(instance, "__table__", None)
        column = _TRACKED.get(table.name) if table is not None else None
        if column is not None:
            yield getattr(instance, column.key)
            # A moved row (a changed trainee id) concerns its former trainee too.
            history = inspect(instance).attrs[column.key].history
            yield from history.deleted or ()


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    mark(session, list(_flushed_ids(session)))


def _statement_ids(state: ORMExecuteState) -> Iterable[int | None] | str:
    """Return the trainees a bulk statement touches, reading them first for UPDATE/DELETE."""
    statement: Any = state.statement
    table = getattr(statement, "table", None)
    column = _TRACKED.get(getattr(table, "name", ""))
    if column is None:
        return ()
    if state.is_insert:
        if getattr(statement, "select", None) is not None:
            return ALL
        given: Any = state.parameters
        rows: list[Any] = given if isinstance(given, list) else [given or {}]
        found = [row[column.key] for row in rows if column.key in row]
        if found:
            return found
        bound = statement.compile().params.get(column.key)
        return [bound] if bound is not None else ALL
    where = statement.whereclause
    if where is None:
        return ALL
    read = select(column).where(where)
    return list(state.session.connection().execute(read).scalars())


def _before_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        ids = _statement_ids(state)
        if ids:
            mark(state.session, ids)


def _before_commit(session: Session) -> None:
    # A savepoint released inside the request is not the end of the transaction.
    if not session.in_nested_transaction():
        settle(session)


def _forget(session: Session, previous: Any) -> None:
    # A savepoint rolled back leaves the outer transaction's marks due; refreshing a trainee
    # whose records did not change after all is harmless.
    if previous.parent is None:
        session.info.pop(PENDING, None)


def settle(session: Session | None = None) -> None:
    """Flush, then rewrite the summary rows of every trainee whose records changed."""
    session = session or db.session()
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    if pending == ALL or len(pending) > REBUILD_ABOVE:
        rebuild(session)
        return
    ids = sorted(pending)
    for start in range(0, len(ids), BATCH):
        refresh(session, ids[start:start + BATCH])


def _params(user_ids: list[int] | None = None) -> dict[str, object]:
    # The reference query binds the day for its own stage column; the rows stored do not use it.
    params = row_params(Scope(), date.today())
    if user_ids is not None:
        params["user_ids"] = user_ids
    return params


def refresh(session: Session, user_ids: list[int]) -> None:
    """Rewrite these trainees' summary rows from the reference stage query (two statements)."""
    rows = rows_of(get_catalog())
    # Core statements on the session's connection: the bound values go to the select, and no
    # summary object is ever held by the session to go stale.
    connection = session.connection()
    connection.execute(delete(TABLE).where(TABLE.c.user_id.in_(user_ids)))
    connection.execute(insert(TABLE).from_select(
        SUMMARY_COLUMNS, select(*(rows.c[name] for name in SUMMARY_COLUMNS))),
        _params(user_ids))


def rebuild(session: Session) -> int:
    """Rewrite every summary row from the reference query; return how many there are."""
    session.flush()
    session.info.pop(PENDING, None)
    return rebuild_on(session.connection())


def rebuild_on(connection: Connection) -> int:
    """Rewrite every summary row on a connection (the migration's backfill uses this too)."""
    rows = trainee_rows(get_catalog(), Scope())
    connection.execute(delete(TABLE))
    connection.execute(insert(TABLE).from_select(
        SUMMARY_COLUMNS, select(*(rows.c[name] for name in SUMMARY_COLUMNS))), _params())
    return int(connection.scalar(select(func.count()).select_from(TABLE)) or 0)


def install() -> None:
    """Listen to every Lantern session once (called when the reports blueprint is registered)."""
    if not _TRACKED:
        _TRACKED.update(_tracked())
    target = db.session
    if event.contains(target, "after_flush", _after_flush):
        return
    event.listen(target, "after_flush", _after_flush)
    event.listen(target, "do_orm_execute", _before_execute)
    event.listen(target, "before_commit", _before_commit)
    event.listen(target, "after_soft_rollback", _forget)
