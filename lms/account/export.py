"""Everything Lantern holds about one person, as a ZIP of JSON and CSV built while it streams.

Nothing is held whole: each file is a generator that reads its rows in batches, and
zipstream-ng compresses and sends each piece as it comes. A supervisor's data is what they
wrote (decisions, comments, observations, sessions), never their trainees' reflections.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.sql import Select
from zipstream import ZIP_DEFLATED, ZipStream

from lms.audit.models import AuditEvent
from lms.auth.models import SupervisorAssignment, User
from lms.certification.models import Certificate
from lms.extensions import db
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.practice.models import (
    CompetencyObservation,
    PracticeDecision,
    PracticeEntry,
    SessionAttendee,
    SupervisionSession,
)

BATCH = 100
#: Secrets that open the account; they are not data about the person and never leave.
SECRET_COLUMNS = frozenset({"password_hash", "security_stamp"})
#: Large columns read one certificate at a time into their own files.
CERTIFICATE_FILES = frozenset({"pdf", "credential_json"})

README = """Your data from Lantern
======================

Every record Lantern holds about you, as of the moment this file was made.
JSON files hold lists of records; CSV files hold the same kind of table for spreadsheets.
Times are in UTC (ISO 8601). Other people appear only as a number (their account id).

profile.json                 your account (your password and sign-in secrets are not included)
enrolments.csv               the programs you are enrolled in
module_progress.csv          lessons read and quizzes passed
quiz_attempts.json           every quiz attempt, with the questions drawn and your answers
practice_entries.json        your practice log, with your reflections
decisions_on_my_entries.json supervisors' approvals and returns of your entries, with comments
observations_of_me.json      competencies a supervisor observed in your practice
sessions_attended.json       supervision sessions you attended
supervisors.csv              who supervises you, and whom you supervise
decisions_i_made.json        approvals and returns you made as a supervisor, with your comments
observations_i_recorded.json competencies you recorded as a supervisor
sessions_i_led.json          supervision sessions you recorded as a supervisor
certificates.json            your certificates; certificates/ holds each PDF and signed credential
audit_events.json            entries in the audit log about you
"""


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


def _rows(query: Select[Any]) -> Iterator[Any]:
    """Yield ORM rows in batches, so a large record set is never loaded at once."""
    yield from db.session.scalars(query.execution_options(yield_per=BATCH))


def json_list(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Yield a JSON array one record at a time."""
    yield b"["
    for number, record in enumerate(records):
        yield (",\n" if number else "\n").encode() + json.dumps(
            record, ensure_ascii=False, sort_keys=True).encode()
    yield b"\n]\n"


def csv_table(header: list[str], records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Yield a CSV table one row at a time."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow(record)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def _columns(query: Select[Any], leave_out: frozenset[str] = frozenset()) -> Iterator[dict]:
    return (columns_of(row, leave_out) for row in _rows(query))


def _header(model: type, leave_out: frozenset[str] = frozenset()) -> list[str]:
    return [attr.key for attr in inspect(model).column_attrs if attr.key not in leave_out]


def _certificate_file(code: str, column: str) -> Iterator[bytes]:
    """Yield one certificate's PDF or signed credential, read only when the ZIP reaches it."""
    value = db.session.scalar(select(getattr(Certificate, column)).where(Certificate.code == code))
    yield value.encode() if isinstance(value, str) else value


def _lazy(make: Any) -> Iterator[bytes]:
    """Yield from a generator made only when the ZIP reaches this file."""
    yield from make()


def data_zip(person: User) -> ZipStream:
    """Return a ZIP stream of everything held about a person, read as it is sent."""
    uid = person.id
    entries = select(PracticeEntry).where(PracticeEntry.trainee_id == uid)
    files: list[tuple[str, Any]] = [
        ("profile.json", lambda: json_list([columns_of(person, SECRET_COLUMNS)])),
        ("enrolments.csv", lambda: csv_table(_header(Enrollment), _columns(
            select(Enrollment).where(Enrollment.user_id == uid).order_by(Enrollment.id)))),
        ("module_progress.csv", lambda: csv_table(_header(ModuleProgress), _columns(
            select(ModuleProgress).where(ModuleProgress.user_id == uid)
            .order_by(ModuleProgress.id)))),
        ("quiz_attempts.json", lambda: json_list(_columns(
            select(QuizAttempt).where(QuizAttempt.user_id == uid).order_by(QuizAttempt.id)))),
        ("practice_entries.json", lambda: json_list(_columns(entries.order_by(PracticeEntry.id)))),
        ("decisions_on_my_entries.json", lambda: json_list(_columns(
            select(PracticeDecision).where(PracticeDecision.entry_id.in_(
                select(PracticeEntry.id).where(PracticeEntry.trainee_id == uid)))
            .order_by(PracticeDecision.id)))),
        ("observations_of_me.json", lambda: json_list(_columns(
            select(CompetencyObservation).where(CompetencyObservation.trainee_id == uid)
            .order_by(CompetencyObservation.id)))),
        ("sessions_attended.json", lambda: json_list(_columns(
            select(SupervisionSession).where(SupervisionSession.id.in_(
                select(SessionAttendee.session_id).where(SessionAttendee.trainee_id == uid)))
            .order_by(SupervisionSession.id)))),
        ("supervisors.csv", lambda: csv_table(_header(SupervisorAssignment), _columns(
            select(SupervisorAssignment).where(or_(
                SupervisorAssignment.trainee_id == uid, SupervisorAssignment.supervisor_id == uid))
            .order_by(SupervisorAssignment.id)))),
        ("decisions_i_made.json", lambda: json_list(_columns(
            select(PracticeDecision).where(PracticeDecision.supervisor_id == uid)
            .order_by(PracticeDecision.id)))),
        ("observations_i_recorded.json", lambda: json_list(_columns(
            select(CompetencyObservation).where(CompetencyObservation.supervisor_id == uid)
            .order_by(CompetencyObservation.id)))),
        ("sessions_i_led.json", lambda: json_list(_sessions_led(uid))),
        ("certificates.json", lambda: json_list(_columns(
            select(Certificate).where(Certificate.user_id == uid).order_by(Certificate.id),
            CERTIFICATE_FILES))),
        ("audit_events.json", lambda: json_list(_columns(
            select(AuditEvent).where(AuditEvent.about_user_id == uid).order_by(AuditEvent.seq)))),
    ]
    stream = ZipStream(compress_type=ZIP_DEFLATED, compress_level=6)
    stream.add(README.encode(), "README.txt")
    for name, make in files:
        stream.add(_lazy(make), name)
    # A person holds a handful of certificates: their codes are read now, each file later.
    for code in db.session.scalars(select(Certificate.code).where(Certificate.user_id == uid)
                                   .order_by(Certificate.id)):
        stream.add(_certificate_file(code, "pdf"), f"certificates/{code}.pdf")
        stream.add(_certificate_file(code, "credential_json"),
                   f"certificates/{code}.credential.json")
    return stream


def _sessions_led(uid: int) -> Iterator[dict[str, Any]]:
    """Yield the sessions a supervisor recorded, with who attended (by account id)."""
    for session in _rows(select(SupervisionSession)
                         .where(SupervisionSession.supervisor_id == uid)
                         .order_by(SupervisionSession.id)):
        record = columns_of(session)
        record["attendee_ids"] = db.session.scalars(
            select(SessionAttendee.trainee_id).where(SessionAttendee.session_id == session.id)
            .order_by(SessionAttendee.trainee_id)).all()
        yield record
