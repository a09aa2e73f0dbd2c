"""Supervisor records: competency observations (with OARS tallies) and supervision sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.audit.services import append_event, sha256_of
from lms.auth.models import User
from lms.catalog.content import Program
from lms.extensions import db
from lms.models import utcnow
from lms.practice import profile
from lms.practice.deidentify import screen
from lms.practice.models import (
    OARS_FIELDS,
    CompetencyObservation,
    SessionAttendee,
    SessionKind,
    SupervisionSession,
)
from lms.practice.services import (
    EARLIEST_YEAR,
    NeedsConfirmation,
    PracticeError,
    ensure_assigned,
    latest_today,
)

MAX_NOTE = 2000


@dataclass(frozen=True)
class ObservationData:
    """What the supervisor saw."""

    competency: str
    observed_on: date
    competent: bool
    note: str = ""
    tallies: dict[str, int | None] = field(default_factory=dict)


def record_observation(supervisor: User, trainee: User, program: Program, data: ObservationData,
                       confirmed: bool = False, now: datetime | None = None
                       ) -> CompetencyObservation:
    """Record an observation of an assigned trainee; "competent" is a sign-off."""
    ensure_assigned(supervisor, trainee.id)
    if data.competency not in dict(profile.competencies(program)):
        raise PracticeError("Please choose a competency from the list.")
    if data.observed_on > latest_today():
        raise PracticeError("The date of the observation cannot be in the future.")
    if data.observed_on.year < EARLIEST_YEAR:
        raise PracticeError("Please check the year of the observation's date.")
    if len(data.note) > MAX_NOTE:
        raise PracticeError(f"Please keep the note under {MAX_NOTE} characters.")
    tallies = {name: data.tallies.get(name) for name in OARS_FIELDS}
    if any(value is not None and not 0 <= value <= 500 for value in tallies.values()):
        raise PracticeError("Tallies must be whole numbers between 0 and 500.")
    note = data.note.strip()
    hits = screen(note)
    if hits and not confirmed:
        raise NeedsConfirmation(hits)
    observation = CompetencyObservation(
        trainee_id=trainee.id, supervisor_id=supervisor.id, program_slug=program.slug,
        program_version=program.version, competency=data.competency,
        observed_on=data.observed_on, competent=data.competent, note=note,
        recorded_at=now or utcnow(), **tallies)
    db.session.add(observation)
    db.session.flush()
    kind = "competency.signoff" if data.competent else "competency.observe"
    append_event(kind, supervisor, observation, {
        "observation_id": observation.id, "competency": data.competency,
        "program": program.slug, "program_version": program.version,
        "observed_on": data.observed_on.isoformat(),
        "competent": data.competent, "tallies": tallies,
        "note_sha256": sha256_of(note), "identifier_screen": {
            "hits": len(hits), "kinds": sorted({hit.kind for hit in hits}),
            "confirmed": bool(hits)},
    }, about=trainee.id, now=now)
    return observation


def observations_of(trainee_id: int) -> list[CompetencyObservation]:
    """Return a trainee's observations, newest first, with their supervisors."""
    query = (select(CompetencyObservation).where(CompetencyObservation.trainee_id == trainee_id)
             .options(joinedload(CompetencyObservation.supervisor))
             .order_by(CompetencyObservation.observed_on.desc(),
                       CompetencyObservation.id.desc()))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Benchmark:
    """One OARS measure beside its benchmark; met is None when there is nothing to measure."""

    label: str
    value: str
    target: str
    met: bool | None


def oars_benchmarks(tallies: dict[str, int | None]) -> list[Benchmark]:
    """Compare tallies with the OARS observer-sheet benchmarks (research/domain.md §3.1)."""
    if all(value is None for value in tallies.values()):
        return []
    get = {name: int(tallies.get(name) or 0) for name in OARS_FIELDS}
    questions = get["open_questions"] + get["closed_questions"]
    reflections = get["simple_reflections"] + get["complex_reflections"]
    result = []
    if questions:
        share = get["open_questions"] / questions
        result.append(Benchmark("Open questions, share of all questions", f"{share:.0%}",
                                "70% or more", share >= 0.7))
    else:
        result.append(Benchmark("Open questions, share of all questions", "no questions",
                                "70% or more", None))
    if reflections:
        share = get["complex_reflections"] / reflections
        result.append(Benchmark("Complex reflections, share of all reflections", f"{share:.0%}",
                                "50% or more", share >= 0.5))
    else:
        result.append(Benchmark("Complex reflections, share of all reflections",
                                "no reflections", "50% or more", None))
    if questions:
        ratio = reflections / questions
        result.append(Benchmark("Reflections per question", f"{ratio:.1f}",
                                "1.0 or more (2.0 is advanced)", ratio >= 1.0))
    else:
        result.append(Benchmark("Reflections per question", "no questions",
                                "1.0 or more (2.0 is advanced)", None))
    result.append(Benchmark("Affirmations", str(get["affirmations"]), "at least 1",
                            get["affirmations"] >= 1))
    return result


@dataclass(frozen=True)
class SessionData:
    """One supervision session as the supervisor entered it."""

    session_date: date
    minutes: int
    kind: SessionKind
    modality: str
    topics: list[str]
    start_time: time | None = None


def record_session(supervisor: User, trainees: list[User], data: SessionData,
                   now: datetime | None = None) -> SupervisionSession:
    """Record one supervision session with the assigned trainees who took part."""
    if not trainees:
        raise PracticeError("Please choose who took part.")
    for trainee in trainees:
        ensure_assigned(supervisor, trainee.id)
    if data.kind is SessionKind.INDIVIDUAL and len(trainees) != 1:
        raise PracticeError("An individual session has exactly one trainee. For more, choose "
                            "\"Group\".")
    if data.session_date > latest_today():
        raise PracticeError("The date of the session cannot be in the future.")
    if data.session_date.year < EARLIEST_YEAR:
        raise PracticeError("Please check the year of the session's date.")
    if not 5 <= data.minutes <= 480:
        raise PracticeError("Please enter between 5 and 480 minutes.")
    if data.modality not in dict(profile.MODALITIES):
        raise PracticeError("Please choose how the session took place.")
    order = [key for key, _ in profile.SUPERVISION_TOPICS]
    if not data.topics or set(data.topics) - set(order):
        raise PracticeError("Please choose at least one topic from the list.")
    topics = [key for key in order if key in data.topics]
    session = SupervisionSession(
        supervisor_id=supervisor.id, session_date=data.session_date, start_time=data.start_time,
        minutes=data.minutes, kind=data.kind, modality=data.modality, topics=topics,
        recorded_at=now or utcnow(),
        attendees=[SessionAttendee(trainee_id=trainee.id) for trainee in trainees])
    db.session.add(session)
    db.session.flush()
    trainee_ids = sorted(trainee.id for trainee in trainees)
    append_event("supervision.session", supervisor, session, {
        "session_id": session.id, "date": data.session_date.isoformat(),
        "minutes": data.minutes, "kind": data.kind.value, "modality": data.modality,
        "topics": topics, "trainee_ids": trainee_ids,
    }, about=trainee_ids[0] if len(trainee_ids) == 1 else None, now=now)
    return session


def sessions_of(trainee_id: int) -> list[SupervisionSession]:
    """Return the sessions a trainee took part in, newest first, with their supervisors."""
    query = (select(SupervisionSession)
             .join(SessionAttendee, SessionAttendee.session_id == SupervisionSession.id)
             .where(SessionAttendee.trainee_id == trainee_id)
             .options(joinedload(SupervisionSession.supervisor))
             .order_by(SupervisionSession.session_date.desc(), SupervisionSession.id.desc()))
    return list(db.session.scalars(query))


def sessions_by(supervisor: User, limit: int = 20) -> list[SupervisionSession]:
    """Return the supervisor's most recent sessions with who took part."""
    query = (select(SupervisionSession).where(SupervisionSession.supervisor_id == supervisor.id)
             .options(selectinload(SupervisionSession.attendees)
                      .joinedload(SessionAttendee.trainee))
             .order_by(SupervisionSession.session_date.desc(), SupervisionSession.id.desc())
             .limit(limit))
    return list(db.session.scalars(query))
