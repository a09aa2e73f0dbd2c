"""Keep each supervisor's turnaround per report scope equal to the reference turnaround query.

Medians do not add up, so a supervisor whose figures may have changed (they decided an entry
of a trainee whose records or scopes changed) is recounted whole: a DELETE and an INSERT …
SELECT ranking their decisions with the reference's own hours expression and nearest rank, so
the stored median is the very value the reference picks. A supervisor decides a few hundred
entries; an index on the decisions' supervisor keeps the recount to those rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Table,
    bindparam,
    delete,
    func,
    literal,
    select,
    union,
    union_all,
)
from sqlalchemy.engine import Connection

from lms.practice import figures as practice_figures
from lms.reports.models import SupervisorTurnaround, TraineeSummary
from lms.sqltime import rank_at

TABLE: Table = SupervisorTurnaround.__table__  # type: ignore[assignment]
COLUMNS = ["cohort_key", "program_key", "supervisor_id", "decisions", "returned", "median_hours"]
#: The keys of the scope "everyone": no cohort, no program.
ANY_COHORT, ANY_PROGRAM = 0, ""


def scope_key_rows(user_ids: Any = None) -> Any:
    """Return (user_id, cohort_key, program_key) for each scope a summary row puts a trainee in.

    Everyone is left out (every trainee counts there, with or without summary rows); UNION
    keeps one row per scope for a trainee in two programs of the same cohort. Given a select
    of user ids, only their rows are read (the union is built before any join filters it).
    """
    s = TraineeSummary
    only = [s.user_id.in_(user_ids)] if user_ids is not None else []
    cohort = select(s.user_id.label("user_id"), s.cohort_id.label("cohort_key"),
                    literal(ANY_PROGRAM, String).label("program_key")).where(
        s.cohort_id.is_not(None), *only)
    program = select(s.user_id, literal(ANY_COHORT, Integer), s.program_slug).where(*only)
    both = select(s.user_id, s.cohort_id, s.program_slug).where(s.cohort_id.is_not(None),
                                                                  *only)
    return union(cohort, program, both).subquery("scope_key")


def _figures(restricted: bool) -> Any:
    """Return the SELECT of COLUMNS for every supervisor, or those bound as supervisor_ids."""
    chosen: Any = bindparam("supervisor_ids", expanding=True) if restricted else None
    decisions = practice_figures.decision_rows(chosen).subquery("decided")
    # Restricted, the scopes read are those of the chosen supervisors' trainees only.
    keys = scope_key_rows(select(practice_figures.decision_rows(chosen).subquery("theirs")
                                 .c.trainee_id) if restricted else None)
    everyone = select(literal(ANY_COHORT, Integer).label("cohort_key"),
                      literal(ANY_PROGRAM, String).label("program_key"), decisions)
    scoped = (select(keys.c.cohort_key, keys.c.program_key, decisions)
              .join(keys, keys.c.user_id == decisions.c.trainee_id))
    # A CTE, read twice (counts and ranks) but computed once.
    keyed = union_all(everyone, scoped).cte("keyed")
    group = [keyed.c.cohort_key, keyed.c.program_key, keyed.c.supervisor_id]
    counts = (select(*group, func.count().label("decisions"),
                     func.sum(keyed.c.returned).label("returned"))
              .group_by(*group).subquery("counts"))
    ranked = (select(*group, keyed.c.hours,
                     func.row_number().over(partition_by=group, order_by=keyed.c.hours)
                     .label("position"),
                     func.count().over(partition_by=group).label("total"))
              .where(keyed.c.timed).subquery("ranked"))
    medians = (select(ranked.c.cohort_key, ranked.c.program_key, ranked.c.supervisor_id,
                      ranked.c.hours)
               .where(ranked.c.position == rank_at(ranked.c.total, 1, 2)).subquery("medians"))
    return (select(counts.c.cohort_key, counts.c.program_key, counts.c.supervisor_id,
                   counts.c.decisions, counts.c.returned, medians.c.hours)
            .outerjoin(medians, (medians.c.cohort_key == counts.c.cohort_key)
                       & (medians.c.program_key == counts.c.program_key)
                       & (medians.c.supervisor_id == counts.c.supervisor_id)))


def refresh(connection: Connection, supervisor_ids: list[int]) -> None:
    """Recount these supervisors' rows in every scope (a DELETE and an INSERT … SELECT)."""
    connection.execute(delete(TABLE).where(TABLE.c.supervisor_id.in_(supervisor_ids)))
    connection.execute(TABLE.insert().from_select(COLUMNS, _figures(restricted=True)),
                       {"supervisor_ids": supervisor_ids})


def rebuild_on(connection: Connection) -> None:
    """Recount every supervisor's rows."""
    connection.execute(delete(TABLE))
    connection.execute(TABLE.insert().from_select(COLUMNS, _figures(restricted=False)))
