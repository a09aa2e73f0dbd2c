"""Keep the weekly approved-minutes tally per cohort equal to the weekly hours reference query.

Called by lms.reports.summary for the trainees whose records changed, in the same transaction:
each trainee's share (their rows of the reference query, per cohort they belong to) is read
again, and the cohort tally moves by the difference, so a trainee who changes cohort takes
their minutes with them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from lms.cohorts.services import membership_rows
from lms.practice import figures as practice_figures
from lms.reports.models import WeeklyMinutes, WeeklyMinutesShare

SHARES: Table = WeeklyMinutesShare.__table__  # type: ignore[assignment]
TALLY: Table = WeeklyMinutes.__table__  # type: ignore[assignment]
KEY = ("cohort_id", "program_slug", "week", "activity")
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


def refresh(connection: Connection, user_ids: list[int]) -> None:
    """Rewrite these trainees' shares and move the cohort tallies by the difference.

    One SELECT reads the stored shares and the reference rows together (bulk imports refresh
    thousands of trainees in batches, and each batch's statements count), then the shares are
    replaced and the differences upserted, each only when there is something to write.
    """
    columns = ["trainee_id", *KEY, "minutes"]
    stored = select(*(SHARES.c[name] for name in columns), literal(0).label("fresh")).where(
        SHARES.c.trainee_id.in_(bindparam("user_ids", expanding=True)))
    fresh = share_rows(restricted=True).add_columns(literal(1).label("fresh"))
    moves: dict[tuple[Any, ...], int] = {}
    shares = []
    for row in connection.execute(union_all(stored, fresh), {"user_ids": user_ids}):
        key = tuple(row[1:5])
        sign = 1 if row.fresh else -1
        moves[key] = moves.get(key, 0) + sign * int(row.minutes)
        if row.fresh:
            shares.append(dict(zip(columns, row[:6], strict=True)))
    connection.execute(delete(SHARES).where(SHARES.c.trainee_id.in_(user_ids)))
    if shares:
        connection.execute(insert(SHARES), shares)
    changed = [dict(zip(KEY, key, strict=True), minutes=minutes)
               for key, minutes in moves.items() if minutes]
    if changed:
        connection.execute(_add_to_tally(connection), changed)


def rebuild_on(connection: Connection) -> None:
    """Rewrite every share and the whole tally from the reference rows."""
    connection.execute(delete(SHARES))
    connection.execute(delete(TALLY))
    connection.execute(insert(SHARES).from_select(["trainee_id", *KEY, "minutes"],
                                                  share_rows(restricted=False)))
    connection.execute(insert(TALLY).from_select(
        [*KEY, "minutes"],
        select(*(SHARES.c[name] for name in KEY), func.sum(SHARES.c.minutes))
        .group_by(*(SHARES.c[name] for name in KEY))))
