"""Keep the weekly approved-minutes tally per cohort equal to the weekly hours reference query.

Called by lms.reports.summary for the trainees whose records changed, in the same transaction:
each trainee's share (their rows of the reference query, per cohort they belong to) is read
again, and the cohort tally moves by the difference, so a trainee who changes cohort takes
their minutes with them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from lms.cohorts.services import membership_rows
from lms.practice import figures as practice_figures
from lms.reports import answers, turnaround
from lms.reports.models import TraineeSummary, WeeklyMinutes, WeeklyMinutesShare

SHARES: Table = WeeklyMinutesShare.__table__  # type: ignore[assignment]
TALLY: Table = WeeklyMinutes.__table__  # type: ignore[assignment]
KEY = ("cohort_id", "program_slug", "week", "activity")
#: The columns of the one SELECT a batch reads (see _read), each tally using some of them.
COLUMNS: dict[str, Any] = {
    "trainee": Integer(), "number": Integer(), "slug": String(), "week": Date(),
    "name": String(), "question": String(), "chosen": Text(), "amount": Integer()}
#: Every week: the tally does not depend on the day, the report picks its weeks when read.
SINCE = date(1900, 1, 1)


def share_rows(restricted: bool) -> Any:
    """Return the reference rows (trainee, cohort, program, week, activity, minutes)."""
    rows = practice_figures.weekly_minute_rows(SINCE).subquery("weekly")
    member = membership_rows().subquery("member")
    query = (select(rows.c.trainee_id, member.c.cohort_id, rows.c.program_slug, rows.c.week,
                    rows.c.activity, rows.c.minutes)
             .join(member, member.c.user_id == rows.c.trainee_id))
    if restricted:
        query = query.where(rows.c.trainee_id.in_(bindparam("user_ids", expanding=True)))
    return query


def _add_to_tally(connection: Connection) -> Any:
    """Return an INSERT that adds each given minutes to its tally row, creating it if new."""
    statement: Any = (postgresql.insert(TALLY) if connection.dialect.name == "postgresql"
                      else sqlite.insert(TALLY))
    return statement.on_conflict_do_update(
        index_elements=[TALLY.c[name] for name in KEY],
        set_={"minutes": TALLY.c.minutes + statement.excluded.minutes})


def _padded(kind: str, query: Any, **given: Any) -> Any:
    """Return a query's columns laid out as COLUMNS (NULL where it has none), marked by kind."""
    columns = query.subquery(kind.replace("+", "_new").replace("-", "_old")).c
    return select(literal(kind, String).label("kind"),
                  *((columns[given[name]] if name in given else null().cast(type_)).label(name)
                    for name, type_ in COLUMNS.items()))


def _read(connection: Connection, user_ids: list[int], oversight: bool) -> Any:
    """Return the batch's stored and fresh rows of every tally, in one SELECT.

    Bulk imports refresh thousands of trainees in batches and each batch's statements count
    (tests/cohorts/test_invitations.py), so the weekly shares, the answer shares and scopes,
    the summary rows and the supervisors who decided their entries share one UNION ALL.
    """
    ids: Any = bindparam("user_ids", expanding=True)
    weekly = ["trainee_id", *KEY, "minutes"]
    stored_answers, stored_scopes = answers.stored_rows()
    summaries = select(TraineeSummary.user_id, TraineeSummary.cohort_id,
                       TraineeSummary.program_slug).where(TraineeSummary.user_id.in_(ids))
    weekly_parts = [
        _padded("weekly-", select(*(SHARES.c[name] for name in weekly))
                .where(SHARES.c.trainee_id.in_(ids)),
                trainee="trainee_id", number="cohort_id", slug="program_slug", week="week",
                name="activity", amount="minutes"),
        _padded("weekly+", share_rows(restricted=True), trainee="trainee_id",
                number="cohort_id", slug="program_slug", week="week", name="activity",
                amount="minutes")]
    oversight_parts = [
        _padded("answers-", stored_answers, trainee="trainee_id", slug="program_slug",
                name="module_slug", question="question_key", chosen="chosen",
                amount="answers"),
        _padded("answers+", answers.fresh_rows(), trainee="user_id", slug="program_slug",
                name="module_slug", question="question_key", chosen="chosen",
                amount="answers"),
        _padded("scopes-", stored_scopes, trainee="trainee_id", number="cohort_key",
                slug="program_key"),
        _padded("scopes+", summaries, trainee="user_id", number="cohort_id",
                slug="program_slug"),
        _padded("deciders", practice_figures.decider_rows(ids), trainee="trainee_id",
                number="supervisor_id"),
    ]
    parts = [*weekly_parts, *oversight_parts] if oversight else weekly_parts
    return connection.execute(union_all(*parts), {"user_ids": user_ids})


def refresh(connection: Connection, user_ids: list[int], oversight: bool = True) -> set[int]:
    """Rewrite these trainees' shares, move the tallies by the difference; return deciders.

    The supervisors returned decided these trainees' entries: their turnaround is recounted
    (decisions are sign-offs the database never changes or removes, so the current ones name
    every supervisor whose figures may have moved). Writes happen only where something changed.
    Without oversight (a database before the answer and turnaround tallies' migration) only
    the weekly tally is kept.
    """
    weekly = ["trainee_id", *KEY, "minutes"]
    moves: dict[tuple[Any, ...], int] = {}
    shares: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    batch = answers.Batch()
    deciders: set[int] = set()
    for row in _read(connection, user_ids, oversight):
        kind = row.kind
        if kind.startswith("weekly"):
            values = dict(zip(weekly, (row.trainee, row.number, row.slug, _day(row.week),
                                       row.name, int(row.amount)), strict=True))
            key = tuple(values[name] for name in KEY)
            fresh = kind == "weekly+"
            moves[key] = moves.get(key, 0) + (1 if fresh else -1) * values["minutes"]
            (shares if fresh else stored).append(values)
        elif kind.startswith("answers"):
            batch.add_answer(kind == "answers+", row.trainee,
                             (row.slug, row.name, row.question, row.chosen), int(row.amount))
        elif kind == "scopes-":
            batch.add_stored_scope(row.trainee, row.number, row.slug)
        elif kind == "scopes+":
            batch.add_summary_row(row.trainee, row.number, row.slug)
        else:
            deciders.add(row.number)
    if stored or shares:
        connection.execute(delete(SHARES).where(SHARES.c.trainee_id.in_(user_ids)))
    if shares:
        connection.execute(insert(SHARES), shares)
    changed = [dict(zip(KEY, key, strict=True), minutes=minutes)
               for key, minutes in moves.items() if minutes]
    if changed:
        connection.execute(_add_to_tally(connection), changed)
    if oversight:
        answers.write(connection, batch, user_ids)
    return deciders


def _day(value: date | str) -> date:
    # SQLite hands a date back as text from a UNION, whose column has no declared type.
    return value if isinstance(value, date) else date.fromisoformat(value)


def rebuild_weekly_on(connection: Connection) -> None:
    """Rewrite every weekly share and the weekly tally from the reference rows."""
    connection.execute(delete(SHARES))
    connection.execute(delete(TALLY))
    connection.execute(insert(SHARES).from_select(["trainee_id", *KEY, "minutes"],
                                                  share_rows(restricted=False)))
    connection.execute(insert(TALLY).from_select(
        [*KEY, "minutes"],
        select(*(SHARES.c[name] for name in KEY), func.sum(SHARES.c.minutes))
        .group_by(*(SHARES.c[name] for name in KEY))))


def rebuild_oversight_on(connection: Connection) -> None:
    """Rewrite the answer and turnaround tallies from the reference rows."""
    answers.rebuild_on(connection)
    turnaround.rebuild_on(connection)
