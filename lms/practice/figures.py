"""Practice records as SQL building blocks for reports, so reports never read practice's tables.

Each function returns a select that a report joins or counts in its own statement, or runs one
statement itself; none loads records one trainee at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    select,
)

from lms.auth.models import Role, SupervisorAssignment, User
from lms.extensions import db
from lms.practice.models import (
    CompetencyObservation,
    Decision,
    EntryState,
    PracticeDecision,
    PracticeEntry,
    SessionAttendee,
    SupervisionSession,
)
from lms.sqltime import aware_utc, days_between, rank_at, week_start

__all__ = [
    "Turnaround",
    "WaitingLoad",
    "approved_minute_rows",
    "decider_rows",
    "decision_rows",
    "last_practice_steps",
    "observed_competency_rows",
    "supervision_minute_rows",
    "supervisor_columns",
    "trainee_columns",
    "turnaround",
    "waiting_by_supervisor",
    "waiting_rows",
    "weekly_minute_rows",
]


def trainee_columns() -> list[SQLColumnExpression[int]]:
    """Return the column naming the trainee in each practice table a trainee's stage reads."""
    return [PracticeEntry.trainee_id, SessionAttendee.trainee_id,
            CompetencyObservation.trainee_id]


def approved_minute_rows(trainee_ids: Select[int] | None = None) -> Select[int, str, str, int]:
    """Return (trainee_id, program_slug, activity, minutes) of approved practice."""
    query = (select(PracticeEntry.trainee_id.label("trainee_id"),
                    PracticeEntry.program_slug.label("program_slug"),
                    PracticeEntry.activity.label("activity"),
                    func.sum(PracticeEntry.minutes).label("minutes"))
             .where(PracticeEntry.state == EntryState.APPROVED)
             .group_by(PracticeEntry.trainee_id, PracticeEntry.program_slug,
                       PracticeEntry.activity))
    if trainee_ids is not None:
        query = query.where(PracticeEntry.trainee_id.in_(trainee_ids))
    return query


def supervision_minute_rows(trainee_ids: Select[int] | None = None) -> Select[int, int]:
    """Return (trainee_id, minutes) of supervision sessions each trainee attended."""
    query = (select(SessionAttendee.trainee_id.label("trainee_id"),
                    func.sum(SupervisionSession.minutes).label("minutes"))
             .join(SupervisionSession, SupervisionSession.id == SessionAttendee.session_id)
             .group_by(SessionAttendee.trainee_id))
    if trainee_ids is not None:
        query = query.where(SessionAttendee.trainee_id.in_(trainee_ids))
    return query


def observed_competency_rows(trainee_ids: Select[int] | None = None) -> Select[int, str, str]:
    """Return (trainee_id, program_slug, competency) observed as competent, once each."""
    query = (select(CompetencyObservation.trainee_id.label("trainee_id"),
                    CompetencyObservation.program_slug.label("program_slug"),
                    CompetencyObservation.competency.label("competency"))
             .where(CompetencyObservation.competent.is_(True)).distinct())
    if trainee_ids is not None:
        query = query.where(CompetencyObservation.trainee_id.in_(trainee_ids))
    return query


def last_practice_steps(trainee_ids: Select[int] | None = None) -> Select[int, datetime]:
    """Return (user_id, at): when each trainee last wrote to their practice log."""
    query = (select(PracticeEntry.trainee_id.label("user_id"),
                    func.max(PracticeEntry.updated_at).label("at"))
             .group_by(PracticeEntry.trainee_id))
    if trainee_ids is not None:
        query = query.where(PracticeEntry.trainee_id.in_(trainee_ids))
    return query


def weekly_minute_rows(since: date) -> Select[int, str, date, str, int]:
    """Return (trainee_id, program_slug, week, activity, minutes) approved since a date."""
    week = week_start(PracticeEntry.practice_date).label("week")
    return (select(PracticeEntry.trainee_id.label("trainee_id"),
                   PracticeEntry.program_slug.label("program_slug"), week,
                   PracticeEntry.activity.label("activity"),
                   func.sum(PracticeEntry.minutes).label("minutes"))
            .where(PracticeEntry.state == EntryState.APPROVED,
                   PracticeEntry.practice_date >= since)
            .group_by(PracticeEntry.trainee_id, PracticeEntry.program_slug, week,
                      PracticeEntry.activity))


@dataclass(frozen=True)
class WaitingLoad:
    """Entries waiting for one supervisor, and since when the oldest has waited."""

    supervisor_id: int
    name: str
    waiting: int
    oldest: datetime | None


def waiting_rows(supervisor_ids: Select[int] | BindParameter[Any]
                 ) -> Select[int, int, datetime | None]:
    """Return (supervisor_id, waiting, oldest) for these active supervisors with entries waiting."""
    oldest = func.min(PracticeEntry.submitted_at)
    return (select(SupervisorAssignment.supervisor_id.label("supervisor_id"),
                   func.count(PracticeEntry.id).label("waiting"), oldest.label("oldest"))
            .join(User, User.id == SupervisorAssignment.supervisor_id)
            .join(PracticeEntry, and_(PracticeEntry.trainee_id == SupervisorAssignment.trainee_id,
                                      PracticeEntry.state == EntryState.SUBMITTED))
            .where(User.role == Role.SUPERVISOR, User.is_active,
                   SupervisorAssignment.supervisor_id.in_(supervisor_ids),
                   # Lets the planner read only these supervisors' trainees' entries by index,
                   # not every waiting entry (0.4-5.7 s for one supervisor at 100,000 trainees).
                   PracticeEntry.trainee_id.in_(
                       select(SupervisorAssignment.trainee_id)
                       .where(SupervisorAssignment.supervisor_id.in_(supervisor_ids))))
            .group_by(SupervisorAssignment.supervisor_id))


def supervisor_columns() -> list[SQLColumnExpression[int]]:
    """Return the columns naming the supervisor in the tables a supervisor's queue reads."""
    return [SupervisorAssignment.supervisor_id]


def waiting_by_supervisor(supervisor_id: int | None = None) -> list[WaitingLoad]:
    """Return entries waiting per supervisor (an entry waits for each assigned supervisor)."""
    oldest = func.min(PracticeEntry.submitted_at)
    query = (select(SupervisorAssignment.supervisor_id, User.display_name, User.email,
                     func.count(PracticeEntry.id), oldest)
              .join(User, User.id == SupervisorAssignment.supervisor_id)
              .join(PracticeEntry, and_(PracticeEntry.trainee_id == SupervisorAssignment.trainee_id,
                                        PracticeEntry.state == EntryState.SUBMITTED))
              .where(User.role == Role.SUPERVISOR, User.is_active)
              .group_by(SupervisorAssignment.supervisor_id, User.display_name, User.email)
              .order_by(oldest))
    if supervisor_id is not None:
        query = query.where(SupervisorAssignment.supervisor_id == supervisor_id)
    return [WaitingLoad(sid, name or email, int(count), aware_utc(first))
            for sid, name, email, count, first in db.session.execute(query)]



@dataclass(frozen=True)
class Turnaround:
    """One supervisor's decisions: how many, median hours to decide, share returned."""

    supervisor_id: int
    name: str
    decisions: int
    median_hours: float | None
    returned_share: float


def _hours() -> ColumnElement[float]:
    """Return the hours from an entry's latest submission to a decision (SQL, both dialects)."""
    return days_between(PracticeEntry.submitted_at, PracticeDecision.decided_at) * 24


def decision_rows(supervisor_ids: BindParameter[Any] | None = None
                  ) -> Select[int, int, int, bool, float]:
    """Return (supervisor_id, trainee_id, returned, timed, hours) for every decision.

    timed says whether it decided the entry's latest submission (the ones turnaround's median
    uses); hours is the same expression turnaround orders by, so the floats are identical.
    """
    query = (select(PracticeDecision.supervisor_id.label("supervisor_id"),
                    PracticeEntry.trainee_id.label("trainee_id"),
                    case((PracticeDecision.decision == Decision.RETURN, 1), else_=0)
                    .label("returned"),
                    (PracticeDecision.submission == PracticeEntry.submissions).label("timed"),
                    _hours().label("hours"))
             .join(PracticeEntry, PracticeEntry.id == PracticeDecision.entry_id))
    if supervisor_ids is not None:
        query = query.where(PracticeDecision.supervisor_id.in_(supervisor_ids))
    return query


def decider_rows(trainee_ids: BindParameter[Any]) -> Select[int, int]:
    """Return (trainee_id, supervisor_id) once for each supervisor who decided their entries."""
    return (select(PracticeEntry.trainee_id.label("trainee_id"),
                   PracticeDecision.supervisor_id.label("supervisor_id"))
            .join(PracticeEntry, PracticeEntry.id == PracticeDecision.entry_id)
            .where(PracticeEntry.trainee_id.in_(trainee_ids)).distinct())


def turnaround(trainee_ids: Select[int] | None = None) -> list[Turnaround]:
    """Return each supervisor's median hours from submission to decision and share returned.

    Only the decision on an entry's latest submission has its submission time on the entry,
    so the median uses those; the returned share counts every decision. Two statements.
    """
    hours = _hours()
    timed = (select(PracticeDecision.supervisor_id, hours.label("hours"),
                    func.row_number().over(partition_by=PracticeDecision.supervisor_id,
                                           order_by=hours).label("position"),
                    func.count().over(partition_by=PracticeDecision.supervisor_id)
                    .label("total"))
             .join(PracticeEntry, PracticeEntry.id == PracticeDecision.entry_id)
             .where(PracticeDecision.submission == PracticeEntry.submissions))
    counts = (select(PracticeDecision.supervisor_id, func.count().label("decisions"),
                     func.sum(case((PracticeDecision.decision == Decision.RETURN, 1), else_=0))
                     .label("returned"))
              .join(PracticeEntry, PracticeEntry.id == PracticeDecision.entry_id)
              .group_by(PracticeDecision.supervisor_id))
    if trainee_ids is not None:
        timed = timed.where(PracticeEntry.trainee_id.in_(trainee_ids))
        counts = counts.where(PracticeEntry.trainee_id.in_(trainee_ids))
    ranked = timed.subquery("timed")
    medians = (select(ranked.c.supervisor_id, ranked.c.hours)
               .where(ranked.c.position == rank_at(ranked.c.total, 1, 2)).subquery("medians"))
    totals = counts.subquery("totals")
    query = (select(totals.c.supervisor_id, User.display_name, User.email, totals.c.decisions,
                     totals.c.returned, medians.c.hours)
              .join(User, User.id == totals.c.supervisor_id)
              .outerjoin(medians, medians.c.supervisor_id == totals.c.supervisor_id)
              .order_by(User.display_name, User.email))
    return [Turnaround(int(row.supervisor_id), str(row.display_name or row.email),
                       int(row.decisions),
                       max(float(row.hours), 0.0) if row.hours is not None else None,
                       int(row.returned or 0) / int(row.decisions))
            for row in db.session.execute(query)]
