"""Figures for the admin home, the reports and supervisors' home pages.

Each function sends a fixed number of statements whatever the number of trainees: grouping,
medians and percentiles happen in SQL (window functions, which SQLite and PostgreSQL share).
Stages are read from the per-enrolment summary rows (lms.reports.summary), which the stage
query in lms.reports.stages keeps current in the same transaction as the records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection

from lms.auth.models import User
from lms.catalog.content import Catalog, Program
from lms.catalog.services import get_catalog
from lms.certification.figures import issued_since
from lms.cohorts.services import Cohort
from lms.extensions import db
from lms.practice.figures import Turnaround, WaitingLoad
from lms.reports import funnel as funnel_counters
from lms.reports import summary, tallies, timing
from lms.reports import turnaround as turnaround_tally
from lms.reports.lists import TraineeLine, quiet_count, stage_counts, trainee_list
from lms.reports.models import (
    AnswerCount,
    SupervisorQueue,
    SupervisorTurnaround,
    WeeklyMinutes,
)
from lms.reports.reference import (
    ItemLine,
    WeekHours,
    funnel_counts,
    in_scope,
    item_analysis_reference,
    item_lines,
    turnaround_reference,
    weekly_hours_reference,
)
from lms.reports.stages import QUIET_DAYS, STAGE_LABELS, WORKING_STAGES, Scope, Stage
from lms.sqltime import aware_utc

__all__ = [
    "STAGE_LABELS",
    "Funnel",
    "ItemLine",
    "Scope",
    "Stage",
    "SupervisorFigures",
    "TraineeLine",
    "WaitingLoad",
    "Timing",
    "Turnaround",
    "WeekHours",
    "certificates_this_month",
    "funnel",
    "install_summary",
    "rebuild_summaries",
    "item_analysis",
    "item_analysis_reference",
    "quiet_count",
    "stage_counts",
    "supervisor_figures",
    "supervisor_loads",
    "supervisors_waiting",
    "time_to_certificate",
    "trainee_list",
    "turnaround",
    "turnaround_reference",
    "weekly_hours",
    "weekly_hours_reference",
]


def _catalog() -> Catalog:
    return get_catalog()


def install_summary() -> None:
    """Keep the trainee summary rows current in every session (once per process)."""
    summary.install()


#: What each migration's backfill rewrites, by the name it passes.
PARTIAL_REBUILDS: dict[str, Callable[[Connection], None]] = {
    "stages": summary.recount_on,
    "tallies": tallies.rebuild_weekly_on, "funnel": funnel_counters.rebuild_on,
    "timing": timing.rebuild_on, "oversight": tallies.rebuild_oversight_on,
    # The stage counters of that revision are counted again by the one that keys them by scope.
    "queues": summary.rebuild_queues_on}


def rebuild_summaries(connection: Connection | None = None, which: str = "both") -> int:
    """Rewrite every trainee summary and supervisor queue row; return how many trainee rows.

    Run after a program's requirements change (new content). Each migration's backfill passes
    its own connection and which table it made ("trainees", "queues", "tallies", "funnel",
    "timing" or "oversight": the answer and turnaround tallies).
    """
    if connection is None:
        return summary.rebuild(db.session())
    if which == "trainees":
        return summary.rebuild_trainees_on(connection)
    if which in PARTIAL_REBUILDS:
        PARTIAL_REBUILDS[which](connection)
        return 0
    return summary.rebuild_on(connection)


def _in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    """Return conditions keeping the summary rows in a scope (changes first brought in)."""
    return in_scope(scope)


@dataclass(frozen=True)
class Funnel:
    """Invited → joined → a first quiz passed → every module passed → practice met → certified."""

    invited: int
    joined: int
    first_quiz: int
    modules_done: int
    practice_met: int
    certified: int

    @property
    def steps(self) -> list[tuple[str, int]]:
        """Return each step's label and count, in order."""
        return [("Invited", self.invited), ("Joined", self.joined),
                ("Passed a first quiz", self.first_quiz),
                ("Every module passed", self.modules_done),
                ("Practice hours met", self.practice_met), ("Certified", self.certified)]


def funnel(scope: Scope, today: date) -> Funnel:
    """Return the completion funnel, each step counting those who also passed the one before."""
    if scope.supervisor_id is not None:  # no counters per supervisor's trainees
        return funnel_reference(scope, today)
    return Funnel(*funnel_counters.read(db.session.connection(), *_tally_scope(scope)))


def funnel_reference(scope: Scope, today: date) -> Funnel:
    """Return the funnel counted from the summary rows themselves: what the counters keep."""
    return Funnel(*funnel_counts(scope))


@dataclass(frozen=True)
class Timing:
    """Days from invitation to first certificate: how many, the median and the 90th percentile."""

    count: int
    median_days: float | None
    p90_days: float | None


def time_to_certificate(scope: Scope, today: date) -> Timing:
    """Return the median and 90th-percentile days from invitation to first certificate."""
    if scope.supervisor_id is not None:  # no figures kept per supervisor's trainees
        return time_to_certificate_reference(scope, today)
    return Timing(*timing.read(db.session.connection(), *_tally_scope(scope)))


def time_to_certificate_reference(scope: Scope, today: date) -> Timing:
    """Return the figures ranked from the summary rows themselves: what the kept ones equal."""
    return Timing(*timing.figures(db.session.connection(), _in_scope(scope)))


def _tally_scope(scope: Scope) -> tuple[int, str]:
    """Return the keys a scope's tally rows carry (0 and '' stand for any cohort, any program)."""
    summary.settle()
    return (scope.cohort_id if scope.cohort_id is not None else turnaround_tally.ANY_COHORT,
            scope.program_slug if scope.program_slug is not None
            else turnaround_tally.ANY_PROGRAM)


def turnaround(scope: Scope) -> list[Turnaround]:
    """Return each supervisor's decisions, median hours to decide and share returned, by name."""
    return _turnaround(scope, None)[0]


def slowest_turnaround(scope: Scope, limit: int) -> tuple[list[Turnaround], int]:
    """Return the supervisors slowest to decide (no timing yet: last), and how many there are."""
    return _turnaround(scope, limit)


def _turnaround(scope: Scope, slowest: int | None) -> tuple[list[Turnaround], int]:
    if scope.supervisor_id is not None:
        lines = turnaround_reference(scope)  # no tally per supervisor's trainees
        total = len(lines)
        if slowest is not None:
            lines = sorted(lines, key=lambda line: (line.median_hours is None,
                                                    -(line.median_hours or 0.0),
                                                    -line.supervisor_id))[:slowest]
        return lines, total
    cohort_key, program_key = _tally_scope(scope)
    row = SupervisorTurnaround
    in_scope = (row.cohort_key == cohort_key, row.program_key == program_key)
    # Counted apart from the page (an index range), so that LIMIT reads only the page's rows.
    counted = select(func.count()).select_from(row).where(*in_scope).scalar_subquery()
    query = (select(row.supervisor_id, User.display_name, User.email, row.decisions,
                    row.returned, row.median_hours, counted)
             .join(User, User.id == row.supervisor_id).where(*in_scope))
    if slowest is None:
        query = query.order_by(User.display_name, User.email)
    else:
        # Ties by id, not name, so the index gives the order without sorting every row.
        query = query.order_by(row.median_hours.desc().nulls_last(),
                               row.supervisor_id.desc()).limit(slowest)
    found = db.session.execute(query).all()
    return ([Turnaround(int(sid), str(name or email), int(decisions),
                        max(float(hours), 0.0) if hours is not None else None,
                        int(returned or 0) / int(decisions))
             for sid, name, email, decisions, returned, hours, _total in found],
            int(found[0][-1]) if found else 0)


def weekly_hours(scope: Scope, today: date, weeks: int = 12) -> list[WeekHours]:
    """Return approved practice minutes by cohort, week and activity type, oldest week first."""
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    summary.settle()
    tally = WeeklyMinutes
    minutes = func.sum(tally.minutes)
    # Cohort names are unique, so grouping by name is grouping by cohort, as the reference does.
    query = (select(Cohort.name, tally.week, tally.activity, minutes)
             .join(Cohort, Cohort.id == tally.cohort_id)
             .where(tally.week >= first, tally.minutes != 0)
             .group_by(Cohort.name, tally.week, tally.activity)
             .order_by(tally.week, Cohort.name, tally.activity))
    if scope.cohort_id is not None:
        query = query.where(tally.cohort_id == scope.cohort_id)
    if scope.program_slug is not None:
        query = query.where(tally.program_slug == scope.program_slug)
    return [WeekHours(str(name), day if isinstance(day, date) else date.fromisoformat(day),
                      str(activity), int(total or 0))
            for name, day, activity, total in db.session.execute(query)]


def item_analysis(program: Program, scope: Scope) -> list[ItemLine]:
    """Return every question of the program with first-attempt results, hardest first."""
    if scope.supervisor_id is not None:
        return item_analysis_reference(program, scope)  # no tally per supervisor's trainees
    cohort_key, program_key = _tally_scope(scope)
    tally = AnswerCount
    query = select(tally.module_slug, tally.question_key, tally.chosen, tally.answers).where(
        tally.cohort_key == cohort_key, tally.program_key == program_key,
        tally.program_slug == program.slug, tally.answers != 0)
    return item_lines(program, [(str(module), str(question), str(chosen), int(count))
                                for module, question, chosen, count in db.session.execute(query)])


def supervisor_loads(supervisor_id: int | None = None, limit: int | None = None
                     ) -> list[WaitingLoad]:
    """Return entries waiting per supervisor, longest wait first (from their queue rows)."""
    summary.settle()
    query = (select(SupervisorQueue.supervisor_id, User.display_name, User.email,
                    SupervisorQueue.waiting, SupervisorQueue.oldest)
             .join(User, User.id == SupervisorQueue.supervisor_id)
             .order_by(SupervisorQueue.oldest, SupervisorQueue.supervisor_id).limit(limit))
    if supervisor_id is not None:
        query = query.where(SupervisorQueue.supervisor_id == supervisor_id)
    return [WaitingLoad(sid, name or email, int(count), aware_utc(first))
            for sid, name, email, count, first in db.session.execute(query)]


def supervisors_waiting() -> int:
    """Return how many supervisors have entries waiting."""
    summary.settle()
    return int(db.session.scalar(select(func.count()).select_from(SupervisorQueue)) or 0)


def certificates_this_month(today: date) -> int:
    """Return how many certificates were issued since the first of this month."""
    return issued_since(today.replace(day=1))


@dataclass(frozen=True)
class SupervisorFigures:
    """A supervisor's own figures: what waits, and where each trainee stands."""

    waiting: int
    oldest: datetime | None
    lines: list[TraineeLine]
    total: int
    stalled: list[TraineeLine]


SUPERVISOR_LIST = 100


def supervisor_figures(supervisor_id: int, now: datetime) -> SupervisorFigures:
    """Return the supervisor's queue and their trainees' progress, in four statements."""
    loads = supervisor_loads(supervisor_id)
    scope = Scope(supervisor_id=supervisor_id)
    lines, total = trainee_list(scope, now, per_page=SUPERVISOR_LIST)
    quiet_before = now - timedelta(days=QUIET_DAYS)
    stalled = [line for line in lines if line.stage.value in WORKING_STAGES
               and (line.last_at is None or line.last_at < quiet_before)]
    return SupervisorFigures(loads[0].waiting if loads else 0,
                             loads[0].oldest if loads else None, lines, total, stalled)
