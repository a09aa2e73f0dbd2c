"""Everything Lantern holds about one person, as a ZIP of JSON and CSV built while it streams.

Nothing is held whole: each file is a generator that reads its rows in batches, and
zipstream-ng compresses and sends each piece as it comes. A supervisor's data is what they
wrote (decisions, comments, observations, sessions), never their trainees' reflections.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from zipstream import ZIP_DEFLATED, ZipStream

from lms.audit import services as audit
from lms.auth import services as auth
from lms.auth.models import User
from lms.certification import services as certification
from lms.learning import services as learning
from lms.models import RecordSource
from lms.practice import services as practice

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
wallet_copies.json           copies of your certificates that wallet apps collected, as signed
audit_events.json            entries in the audit log about you
"""


def json_list(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Yield a JSON array one record at a time."""
    yield b"["
    for number, record in enumerate(records):
        yield (",\n" if number else "\n").encode() + json.dumps(
            record, ensure_ascii=False, sort_keys=True).encode()
    yield b"\n]\n"


def csv_table(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Yield a CSV table one row at a time, its header from the first record."""
    buffer = io.StringIO()
    writer: csv.DictWriter[str] | None = None
    for record in records:
        if writer is None:
            writer = csv.DictWriter(buffer, fieldnames=list(record))
            writer.writeheader()
        writer.writerow(record)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


def _encoded(name: str, source: RecordSource) -> Iterator[bytes]:
    """Yield a file's bytes, reading its records only when the ZIP reaches it."""
    records = source()
    yield from (csv_table(records) if name.endswith(".csv") else json_list(records))


def _file(read: Callable[[], bytes]) -> Iterator[bytes]:
    yield read()


def sources(person: User) -> dict[str, RecordSource]:
    """Return every kind of record about a person, by file name, from each feature."""
    return {**auth.personal_data(person), **learning.personal_data(person.id),
            **practice.personal_data(person.id), **certification.personal_data(person.id),
            **audit.personal_data(person.id)}


def data_zip(person: User) -> ZipStream:
    """Return a ZIP stream of everything held about a person, read as it is sent."""
    stream = ZipStream(compress_type=ZIP_DEFLATED, compress_level=6)
    stream.add(README.encode(), "README.txt")
    for name, source in sources(person).items():
        stream.add(_encoded(name, source), name)
    # A person holds a handful of certificates: their codes are read now, each file later.
    for name, read in certification.certificate_files(person.id):
        stream.add(_file(read), name)
    return stream
