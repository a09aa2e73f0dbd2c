"""Keep the summary rows equal to their reference queries, in the same transaction as the records.

Session events note whose records change: objects flushed (learning, practice, certification
and cohort rows name their trainee, supervisor assignments their supervisor; a user's own row
counts when their role, activity or joining changes) and bulk INSERT/UPDATE/DELETE statements
on those tables. Before the transaction commits, and before any summary is read, those
trainees' rows are rewritten from lms.reports.stages restricted to them, and the queue rows of
their supervisors from lms.practice.figures.waiting_rows. Lower features only declare which of
their columns name a person (their figures modules); this layer, above them, owns the tables
and the hook.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any
from weakref import WeakSet

from sqlalchemy import (
    Column,
    Table,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from lms.auth.models import Role, SupervisorAssignment, User
from lms.catalog.services import get_catalog
from lms.certification import figures as certification_figures
from lms.cohorts.services import membership_rows
from lms.extensions import db
from lms.learning import figures as learning_figures
from lms.practice import figures as practice_figures
from lms.reports import funnel, tallies, timing, turnaround
from lms.reports.models import StageCount, SupervisorQueue, TraineeSummary
from lms.reports.stages import Scope, row_params, rows_of, trainee_rows

#: Where the session keeps the ids whose rows are due, per kind, or ALL for a full rebuild.
PENDING = "lantern.summary_pending"
TRAINEES, SUPERVISORS = "trainees", "supervisors"
ALL = "all"
#: Past this many trainees one rebuild of every row beats refreshing them in batches (a
#: rebuild reads every record: 47 s for 100,000 trainees on a loaded machine).
REBUILD_ABOVE = 50_000
BATCH = 500
#: A user's own columns that the summary (or, for a supervisor, their queue) reads: the
#: stage, and the name trainee lists sort by.
USER_FIELDS = ("role", "is_active", "password_hash", "created_at", "joined_at",
               "display_name", "email")
TABLE: Table = TraineeSummary.__table__  # type: ignore[assignment]
QUEUE: Table = SupervisorQueue.__table__  # type: ignore[assignment]
COUNTS: Table = StageCount.__table__  # type: ignore[assignment]
SUMMARY_COLUMNS = [column.name for column in TABLE.columns]


def _tracked() -> dict[str, tuple[str, Column[Any]]]:
    """Return, per table name, which kind of person its rows concern and the column naming them."""
    member: Any = membership_rows().selected_columns.user_id
    trainees: list[Any] = [
        *learning_figures.trainee_columns(), *practice_figures.trainee_columns(),
        *certification_figures.trainee_columns(),
        # cohorts offers its members as a select; its user_id is the member table's.
        getattr(member, "element", member)]
    found = {column.table.name: (TRAINEES, column.table.c[column.key]) for column in trainees}
    for column in practice_figures.supervisor_columns():
        table: Any = column.table  # type: ignore[attr-defined]
        found[table.name] = (SUPERVISORS, table.c[column.key])  # type: ignore[attr-defined]
    return found


_TRACKED: dict[str, tuple[str, Column[Any]]] = {}


def _pending(session: Session) -> dict[str, set[int] | str]:
    value: dict[str, set[int] | str] = session.info.setdefault(
        PENDING, {TRAINEES: set(), SUPERVISORS: set()})
    return value


def mark(session: Session, kind: str, user_ids: Iterable[int | None] | str) -> None:
    """Note that these people's rows (or every row of the kind, given ALL) must be refreshed."""
    pending = _pending(session)
    due = pending[kind]
    if due == ALL:
        return
    if user_ids == ALL:
        pending[kind] = ALL
        return
    assert isinstance(due, set) and not isinstance(user_ids, str)
    due.update(user_id for user_id in user_ids if user_id is not None)


def _flushed(session: Session) -> Iterator[tuple[str, int | None]]:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, User):
            state = inspect(instance)
            if instance in session.new or instance in session.deleted or any(
                    state.attrs[name].history.has_changes() for name in USER_FIELDS):
                yield TRAINEES, instance.id
                yield SUPERVISORS, instance.id
            continue
        table = getattr(instance, "__table__", None)
        found = _TRACKED.get(table.name) if table is not None else None
        if found is not None:
            kind, column = found
            yield kind, getattr(instance, column.key)
            # A moved row (a changed person) concerns the one it left too.
            for former in inspect(instance).attrs[column.key].history.deleted or ():
                yield kind, former


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    for kind, user_id in _flushed(session):
        mark(session, kind, [user_id])


def _statement_ids(state: ORMExecuteState, column: Column[Any]) -> Iterable[int | None] | str:
    """Return the people a bulk statement touches, reading them first for UPDATE/DELETE."""
    statement: Any = state.statement
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
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    found = _TRACKED.get(getattr(table, "name", ""))
    if found is not None:
        kind, column = found
        ids = _statement_ids(state, column)
        if ids:
            mark(state.session, kind, ids)


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
    """Flush, then rewrite the rows of every trainee and supervisor whose records changed."""
    session = session or db.session()
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending or not _has_tables(session.connection()):
        return
    trainees, supervisors = pending[TRAINEES], pending[SUPERVISORS]
    if trainees == ALL or len(trainees) > REBUILD_ABOVE or supervisors == ALL:
        rebuild(session)
        return
    assert isinstance(trainees, set) and isinstance(supervisors, set)
    ids = sorted(trainees)
    connection = session.connection()
    deciders: set[int] = set()
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        refresh(session, batch)
        if _has_tallies(connection):
            deciders.update(tallies.refresh(connection, batch, _has_oversight(connection)))
        # A trainee's entries count in each of their supervisors' queues.
        supervisors.update(connection.execute(
            select(SupervisorAssignment.supervisor_id)
            .where(SupervisorAssignment.trainee_id.in_(batch))).scalars())
    chosen = sorted(supervisors)
    for start in range(0, len(chosen), BATCH):
        refresh_queues(connection, chosen[start:start + BATCH])
    # After every batch: a recount reads the scopes of all the supervisor's trainees.
    recount = sorted(deciders)
    for start in range(0, len(recount), BATCH):
        turnaround.refresh(connection, recount[start:start + BATCH])


#: Per table, the engines whose database is known to have it (checked once per engine).
_READY: dict[str, WeakSet[Engine]] = {}


def _has(connection: Connection, table: str) -> bool:
    """Return whether the database has this table yet (not before the migration making it).

    A database at an older revision (a migration test, a script run before upgrading) has no
    rows to keep; each migration fills its table from the records when it runs.
    """
    ready = _READY.setdefault(table, WeakSet())
    if connection.engine not in ready:
        if not inspect(connection).has_table(table):
            return False
        ready.add(connection.engine)
    return True


def _columns(connection: Connection) -> list[str]:
    """Return the summary columns this database has (a migration's backfill may run earlier).

    The trainee lists' sort name came after the table; a database not yet upgraded that far
    gets its rows without it, and the migration adding it fills it in.
    """
    ready = _READY.setdefault("trainee_summary.sort_name", WeakSet())
    if connection.engine in ready:
        return SUMMARY_COLUMNS
    present = {column["name"] for column in inspect(connection).get_columns(TABLE.name)}
    if "sort_name" in present:
        ready.add(connection.engine)
    return [name for name in SUMMARY_COLUMNS if name in present]


def _has_tables(connection: Connection) -> bool:
    """Return whether the database has the summary and queue tables yet (one migration)."""
    return _has(connection, QUEUE.name)


def _has_tallies(connection: Connection) -> bool:
    """Return whether the database has the weekly minutes tally yet."""
    return _has(connection, tallies.TALLY.name)


def _has_oversight(connection: Connection) -> bool:
    """Return whether the database has the answer and turnaround tallies yet."""
    return _has(connection, turnaround.TABLE.name)


def refresh_queues(connection: Connection, supervisor_ids: list[int]) -> None:
    """Rewrite these supervisors' queue rows from the entries waiting (two statements)."""
    waiting = practice_figures.waiting_rows(bindparam("supervisor_ids", expanding=True))
    connection.execute(delete(QUEUE).where(QUEUE.c.supervisor_id.in_(supervisor_ids)))
    connection.execute(insert(QUEUE).from_select(["supervisor_id", "waiting", "oldest"],
                                                 waiting), {"supervisor_ids": supervisor_ids})


def _params(user_ids: list[int] | None = None) -> dict[str, object]:
    # The reference query binds the day for its own stage column; the rows stored do not use it.
    params = row_params(Scope(), date.today())
    if user_ids is not None:
        params["user_ids"] = user_ids
    return params


def refresh(session: Session, user_ids: list[int]) -> None:
    """Rewrite these trainees' summary rows from the reference stage query.

    A DELETE and an INSERT … SELECT, with the stage counts of these rows read before and after
    so the per-stage counters move by the difference (written only when a stage changed).
    """
    rows = rows_of(get_catalog())
    # Core statements on the session's connection: the bound values go to the select, and no
    # summary object is ever held by the session to go stale.
    connection = session.connection()
    # What the stage counters, the funnel counters and the time to certificate read of these
    # rows, before and after: (stage, cohort, program, days, *funnel steps, rows).
    keys = [TABLE.c.base_stage, TABLE.c.cohort_id, TABLE.c.program_slug, timing.days(),
            *funnel.flags()]
    grouped = (select(*keys, func.count()).where(TABLE.c.user_id.in_(user_ids))
               .group_by(*keys))
    before = connection.execute(grouped).all()
    connection.execute(delete(TABLE).where(TABLE.c.user_id.in_(user_ids)))
    columns = _columns(connection)
    connection.execute(insert(TABLE).from_select(
        columns, select(*(rows.c[name] for name in columns))), _params(user_ids))
    after = connection.execute(grouped).all()
    by_stage: dict[tuple[int, str, str], int] = defaultdict(int)
    for sign, found in ((-1, before), (1, after)):
        for row in found:
            for cohort_key, program_key in funnel.scope_keys(row[1], row[2]):
                by_stage[(cohort_key, program_key, row[0])] += sign * int(row[-1])
    moves = [{"cohort_key": cohort_key, "program_key": program_key, "base_stage": stage,
              "trainees": count}
             for (cohort_key, program_key, stage), count in sorted(by_stage.items()) if count]
    if moves and _has(connection, COUNTS.name):
        # Only a change of stage writes a counter row, so most refreshes lock none.
        connection.execute(_add_to_counts(connection), moves)
    if _has(connection, funnel.TABLE.name):
        changed = funnel.moves([(*row[1:3], *row[4:]) for row in before],
                               [(*row[1:3], *row[4:]) for row in after])
        if changed:
            funnel.add(connection, changed)
    if _has(connection, timing.TABLE.name):
        timing.refresh(connection, timing.changed_scopes(
            [(*row[1:4], row[-1]) for row in before], [(*row[1:4], row[-1]) for row in after]))


def rebuild(session: Session) -> int:
    """Rewrite every summary row from the reference query; return how many there are."""
    session.flush()
    session.info.pop(PENDING, None)
    return rebuild_on(session.connection())


def rebuild_on(connection: Connection) -> int:
    """Rewrite every summary and queue row on a connection; return how many trainee rows."""
    rebuild_queues_on(connection)
    count = rebuild_trainees_on(connection)
    recount_on(connection)
    if _has(connection, funnel.TABLE.name):
        funnel.rebuild_on(connection)
    if _has(connection, timing.TABLE.name):
        timing.rebuild_on(connection)
    if _has_tallies(connection):
        tallies.rebuild_weekly_on(connection)
    if _has_oversight(connection):
        tallies.rebuild_oversight_on(connection)
    return count


def rebuild_trainees_on(connection: Connection) -> int:
    """Rewrite every trainee summary row on a connection; return how many there are."""
    rows = trainee_rows(get_catalog(), Scope())
    columns = _columns(connection)
    connection.execute(delete(TABLE))
    connection.execute(insert(TABLE).from_select(
        columns, select(*(rows.c[name] for name in columns))), _params())
    return int(connection.scalar(select(func.count()).select_from(TABLE)) or 0)


def _add_to_counts(connection: Connection) -> Any:
    """Return an INSERT that adds each given count to its stage's row, creating it if new."""
    dialect = connection.dialect.name
    statement: Any = (postgresql.insert(COUNTS) if dialect == "postgresql"
                      else sqlite.insert(COUNTS))
    return statement.on_conflict_do_update(
        index_elements=[COUNTS.c.cohort_key, COUNTS.c.program_key, COUNTS.c.base_stage],
        set_={"trainees": COUNTS.c.trainees + statement.excluded.trainees})


def recount_on(connection: Connection) -> None:
    """Rewrite the per-stage counters of every scope from the summary rows."""
    if not _has(connection, COUNTS.name):
        return
    rows = funnel.in_every_scope(TABLE.c.base_stage)
    connection.execute(delete(COUNTS))
    connection.execute(insert(COUNTS).from_select(
        ["cohort_key", "program_key", "base_stage", "trainees"],
        select(rows.c.cohort_key, rows.c.program_key, rows.c.base_stage, func.count())
        .group_by(rows.c.cohort_key, rows.c.program_key, rows.c.base_stage)))


def rebuild_queues_on(connection: Connection) -> None:
    """Rewrite every supervisor's queue row on a connection."""
    connection.execute(delete(QUEUE))
    everyone = select(User.id).where(User.role == Role.SUPERVISOR)
    connection.execute(insert(QUEUE).from_select(["supervisor_id", "waiting", "oldest"],
                                                 practice_figures.waiting_rows(everyone)))


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
