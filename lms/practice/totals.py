"""Totals against the requirement profile, in a fixed number of queries for any number of people.

The names `approved_minutes_by_activity`, `counted_practice_minutes`, `supervision_minutes` and
`observed_competencies` are the interface certification relies on (re-exported by services).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Date,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from lms.catalog.content import Program
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.services import programs_by_trainee
from lms.practice import profile
from lms.practice.models import (
    CompetencyObservation,
    EntryState,
    PracticeEntry,
    SessionAttendee,
    SupervisionSession,
)


def _since_date(since: datetime | None) -> date | None:
    return since.date() if since is not None else None


def approved_minutes_by_activity(trainee_id: int, program: Program,
                                 since: datetime | None = None) -> dict[str, int]:
    """Return approved minutes per activity key (every activity, counting or not)."""
    query = (select(PracticeEntry.activity, func.sum(PracticeEntry.minutes))
             .where(PracticeEntry.trainee_id == trainee_id,
                    PracticeEntry.program_slug == program.slug,
                    PracticeEntry.state == EntryState.APPROVED)
             .group_by(PracticeEntry.activity))
    if since is not None:
        query = query.where(PracticeEntry.practice_date >= _since_date(since))
    return {activity: int(minutes or 0) for activity, minutes in db.session.execute(query)}


def counted_minutes(by_activity: dict[str, int], program: Program) -> int:
    """Apply the counting rules: only activity types with `counts: true` add to the hours."""
    counting = profile.counting_activities(program)
    return sum(minutes for key, minutes in by_activity.items() if key in counting)


def counted_practice_minutes(trainee_id: int, program: Program,
                             since: datetime | None = None) -> int:
    """Return the approved minutes that count toward the program's practice hours."""
    return counted_minutes(approved_minutes_by_activity(trainee_id, program, since), program)


def supervision_minutes(trainee_id: int, since: datetime | None = None) -> int:
    """Return the minutes of supervision sessions the trainee took part in."""
    query = (select(func.coalesce(func.sum(SupervisionSession.minutes), 0))
             .join(SessionAttendee, SessionAttendee.session_id == SupervisionSession.id)
             .where(SessionAttendee.trainee_id == trainee_id))
    if since is not None:
        query = query.where(SupervisionSession.session_date >= _since_date(since))
    return int(db.session.scalar(query) or 0)


def observed_competencies(trainee_id: int) -> dict[str, date]:
    """Return each competency observed as competent, with the first date it was."""
    query = (select(CompetencyObservation.competency,
                    func.min(CompetencyObservation.observed_on))
             .where(CompetencyObservation.trainee_id == trainee_id,
                    CompetencyObservation.competent.is_(True))
             .group_by(CompetencyObservation.competency))
    return {key: observed for key, observed in db.session.execute(query)}


@dataclass(frozen=True)
class ActivityLine:
    """Approved time for one activity type, and its minimum if the profile sets one."""

    key: str
    label: str
    counts: bool
    minutes: int
    required: int | None


@dataclass(frozen=True)
class CompetencyLine:
    """One competency: whether the certificate needs it and when it was observed."""

    key: str
    label: str
    required: bool
    observed_on: date | None


@dataclass(frozen=True)
class Progress:
    """A trainee's supervised practice measured against their program's profile."""

    trainee_id: int
    program: Program
    counted_minutes: int
    required_minutes: int
    activities: tuple[ActivityLine, ...]
    supervision_minutes: int
    required_supervision: int
    competencies: tuple[CompetencyLine, ...]
    pending_minutes: int
    pending_entries: int
    returned_entries: int

    @property
    def practice_met(self) -> bool:
        """Return whether total and per-activity minimums are met."""
        return self.counted_minutes >= self.required_minutes and all(
            line.minutes >= line.required for line in self.activities if line.required)

    @property
    def competencies_met(self) -> bool:
        """Return whether every required competency has been observed."""
        return all(line.observed_on for line in self.competencies if line.required)

    @property
    def supervision_met(self) -> bool:
        """Return whether enough supervision has been recorded."""
        return self.supervision_minutes >= self.required_supervision

    @property
    def all_met(self) -> bool:
        """Return whether the practice part of the profile is complete."""
        return self.practice_met and self.competencies_met and self.supervision_met

    @property
    def required_competency_count(self) -> int:
        """Return how many competencies the certificate needs."""
        return sum(line.required for line in self.competencies)

    @property
    def observed_required_count(self) -> int:
        """Return how many of the required competencies have been observed."""
        return sum(bool(line.required and line.observed_on) for line in self.competencies)


def progress_for(trainee_ids: Iterable[int],
                 programs: dict[int, Program] | None = None) -> dict[int, Progress]:
    """Return progress for many trainees in six queries (five when programs are given)."""
    ids = sorted(set(trainee_ids))
    if programs is None:
        programs = programs_by_trainee(ids)
    if not programs:
        return {}
    ids = list(programs)
    approved: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    pending: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    query = (select(PracticeEntry.trainee_id, PracticeEntry.program_slug, PracticeEntry.state,
                    PracticeEntry.activity, func.count(), func.sum(PracticeEntry.minutes))
             .where(PracticeEntry.trainee_id.in_(ids))
             .group_by(PracticeEntry.trainee_id, PracticeEntry.program_slug, PracticeEntry.state,
                       PracticeEntry.activity))
    for trainee_id, slug, state, activity, count, minutes in db.session.execute(query):
        if state == EntryState.APPROVED:
            approved[(trainee_id, slug)][activity] = int(minutes or 0)
        elif state == EntryState.SUBMITTED:
            pending[trainee_id][0] += int(minutes or 0)
            pending[trainee_id][1] += count
        elif state == EntryState.RETURNED:
            pending[trainee_id][2] += count
    supervision = dict(db.session.execute(
        select(SessionAttendee.trainee_id, func.sum(SupervisionSession.minutes))
        .join(SupervisionSession, SupervisionSession.id == SessionAttendee.session_id)
        .where(SessionAttendee.trainee_id.in_(ids)).group_by(SessionAttendee.trainee_id)).all())
    observed: dict[int, dict[str, date]] = defaultdict(dict)
    for trainee_id, key, first in db.session.execute(
            select(CompetencyObservation.trainee_id, CompetencyObservation.competency,
                   func.min(CompetencyObservation.observed_on))
            .where(CompetencyObservation.trainee_id.in_(ids),
                   CompetencyObservation.competent.is_(True))
            .group_by(CompetencyObservation.trainee_id, CompetencyObservation.competency)):
        observed[trainee_id][key] = first
    return {trainee_id: _progress(trainee_id, program, approved[(trainee_id, program.slug)],
                                  int(supervision.get(trainee_id) or 0), observed[trainee_id],
                                  pending[trainee_id])
            for trainee_id, program in programs.items()}


def _progress(trainee_id: int, program: Program, by_activity: dict[str, int], supervised: int,
              observed: dict[str, date], pending: list[int]) -> Progress:
    minimums = profile.required_minutes_by_activity(program)
    lines = [ActivityLine(activity.key, activity.label, activity.counts,
                          by_activity.get(activity.key, 0), minimums.get(activity.key))
             for activity in profile.activity_types(program)]
    required = set(profile.required_competencies(program))
    competency_lines = [CompetencyLine(key, label, key in required, observed.get(key))
                        for key, label in profile.competencies(program)]
    return Progress(
        trainee_id=trainee_id, program=program,
        counted_minutes=counted_minutes(by_activity, program),
        required_minutes=profile.required_practice_minutes(program),
        activities=tuple(lines), supervision_minutes=supervised,
        required_supervision=profile.required_supervision_minutes(program),
        competencies=tuple(competency_lines), pending_minutes=pending[0],
        pending_entries=pending[1], returned_entries=pending[2])


def progress(trainee_id: int, program: Program | None = None) -> Progress | None:
    """Return a trainee's progress in their first program (or the one given), if enrolled."""
    known = {trainee_id: program} if program is not None else None
    return progress_for([trainee_id], known).get(trainee_id)


_entry = PracticeEntry.__table__.c
_attendee = SessionAttendee.__table__.c
_session = SupervisionSession.__table__.c
_observation = CompetencyObservation.__table__.c
_trainee: BindParameter[int] = bindparam("trainee_id", type_=Integer)
#: The shape of every row of the totals statement (kind, program, state, key, n, minutes, day),
#: so a higher layer can add its own rows with trainee_totals_statement().
TOTALS_COLUMNS = ("kind", "program", "state", "key", "n", "minutes", "day")
#: The trainee the totals statement reads, for parts added by a higher layer.
TRAINEE_ID: BindParameter[int] = _trainee
# The entries by state and activity, the supervision total and the first competent
# observation of each competency, as rows of one shape.
_TOTALS_PARTS: tuple[Select[Any], ...] = (  # type: ignore[assignment]  # one part is typed Never
    select(literal_column("'entry'").label("kind"), _entry.program_slug.label("program"),
           cast(_entry.state, String).label("state"), _entry.activity.label("key"),
           func.count().label("n"), func.sum(_entry.minutes).label("minutes"),
           cast(null(), Date).label("day"))
    .where(_entry.trainee_id == _trainee)
    .group_by(_entry.program_slug, _entry.state, _entry.activity),
    select(literal_column("'supervision'"), cast(null(), String), cast(null(), String),
           cast(null(), String), func.count(), func.sum(_session.minutes), cast(null(), Date))
    .select_from(SessionAttendee.__table__.join(SupervisionSession.__table__,
                                                _session.id == _attendee.session_id))
    .where(_attendee.trainee_id == _trainee),
    select(literal_column("'competency'"), cast(null(), String), cast(null(), String),
           _observation.competency, func.count(), cast(null(), Integer),
           func.min(_observation.observed_on))
    .where(_observation.trainee_id == _trainee, _observation.competent.is_(True))
    .group_by(_observation.competency),
)


def trainee_totals_statement(*parts: Select[Any]) -> CompoundSelect[Any]:
    """Return the totals statement (bind parameter trainee_id) with a caller's extra rows.

    Each extra part selects the seven TOTALS_COLUMNS with a `kind` of its own; callers build
    the statement once per process and read their rows with trainee_totals_from().
    """
    return union_all(*_TOTALS_PARTS, *parts)


_TRAINEE_TOTALS = trainee_totals_statement()


@dataclass(frozen=True)
class TraineeTotals:
    """One trainee's practice in one program: the page's progress and eligibility's records."""

    progress: Progress
    approved_minutes_by_activity: dict[str, int]
    supervision_minutes: int
    observed_competencies: dict[str, date]


def trainee_totals(trainee_id: int, program: Program) -> TraineeTotals:
    """Return a trainee's practice totals in a program, in one query."""
    rows = db.session.execute(_TRAINEE_TOTALS, {"trainee_id": trainee_id})
    return trainee_totals_from(rows, trainee_id, program)


def trainee_totals_from(rows: Iterable[Row[Any]], trainee_id: int, program: Program
                        ) -> TraineeTotals:
    """Return the totals from the rows of a trainee_totals_statement(); other kinds are skipped."""
    approved: dict[str, int] = {}
    pending = [0, 0, 0]
    supervised = 0
    observed: dict[str, date] = {}
    for row in rows:
        if row.kind == "entry" and row.program == program.slug:
            if row.state == EntryState.APPROVED.value:
                approved[row.key] = int(row.minutes or 0)
            elif row.state == EntryState.SUBMITTED.value:
                pending[0] += int(row.minutes or 0)
                pending[1] += row.n
            elif row.state == EntryState.RETURNED.value:
                pending[2] += row.n
        elif row.kind == "supervision":
            supervised = int(row.minutes or 0)
        elif row.kind == "competency":
            observed[row.key] = row.day
    return TraineeTotals(_progress(trainee_id, program, approved, supervised, observed, pending),
                         approved, supervised, observed)


def week_start(day: date) -> date:
    """Return the Monday of the day's ISO week."""
    return day - timedelta(days=day.weekday())


def weekly_hours(trainee_ids: Iterable[int], today: date, weeks: int = 12
                 ) -> list[tuple[date, int]]:
    """Return approved counted minutes per week for the last `weeks` weeks, oldest first."""
    ids = list(trainee_ids)
    first = week_start(today) - timedelta(weeks=weeks - 1)
    totals = {first + timedelta(weeks=number): 0 for number in range(weeks)}
    if not ids:
        return list(totals.items())
    catalog = get_catalog()
    query = (select(PracticeEntry.practice_date, PracticeEntry.program_slug,
                    PracticeEntry.activity, PracticeEntry.minutes)
             .where(PracticeEntry.trainee_id.in_(ids), PracticeEntry.state == EntryState.APPROVED,
                    PracticeEntry.practice_date >= first))
    counting: dict[str, set[str]] = {}
    for day, slug, activity, minutes in db.session.execute(query):
        if slug not in counting:
            program = catalog.programs.get(slug)
            counting[slug] = profile.counting_activities(program) if program else set()
        week = week_start(day)
        if activity in counting[slug] and week in totals:
            totals[week] += minutes
    return list(totals.items())
