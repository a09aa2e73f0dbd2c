"""A person's practice records, for their data download: theirs, or what they wrote.

A trainee gets their entries (with reflections) and what supervisors decided and observed
about them; a supervisor gets what they wrote (decisions, comments, observations, sessions),
never their trainees' reflections. Other people appear only as account ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from lms.extensions import db
from lms.models import EXPORT_BATCH, RecordSource, columns_of, exported
from lms.practice.models import (
    CompetencyObservation,
    PracticeDecision,
    PracticeEntry,
    SessionAttendee,
    SupervisionSession,
)


def _sessions_led(supervisor_id: int) -> RecordSource:
    """Return the sessions a supervisor recorded, each with its attendees' account ids."""

    def read() -> Iterator[dict[str, Any]]:
        query = (select(SupervisionSession).where(SupervisionSession.supervisor_id == supervisor_id)
                 .order_by(SupervisionSession.id).execution_options(yield_per=EXPORT_BATCH))
        for session in db.session.scalars(query):
            record = columns_of(session)
            record["attendee_ids"] = list(db.session.scalars(
                select(SessionAttendee.trainee_id).where(SessionAttendee.session_id == session.id)
                .order_by(SessionAttendee.trainee_id)))
            yield record

    return read


def personal_data(user_id: int) -> dict[str, RecordSource]:
    """Return the person's practice records by file name."""
    my_entries = select(PracticeEntry.id).where(PracticeEntry.trainee_id == user_id)
    attended = select(SessionAttendee.session_id).where(SessionAttendee.trainee_id == user_id)
    return {
        "practice_entries.json": exported(select(PracticeEntry)
                                          .where(PracticeEntry.trainee_id == user_id)
                                          .order_by(PracticeEntry.id)),
        "decisions_on_my_entries.json": exported(
            select(PracticeDecision).where(PracticeDecision.entry_id.in_(my_entries))
            .order_by(PracticeDecision.id)),
        "observations_of_me.json": exported(
            select(CompetencyObservation).where(CompetencyObservation.trainee_id == user_id)
            .order_by(CompetencyObservation.id)),
        "sessions_attended.json": exported(
            select(SupervisionSession).where(SupervisionSession.id.in_(attended))
            .order_by(SupervisionSession.id)),
        "decisions_i_made.json": exported(
            select(PracticeDecision).where(PracticeDecision.supervisor_id == user_id)
            .order_by(PracticeDecision.id)),
        "observations_i_recorded.json": exported(
            select(CompetencyObservation).where(CompetencyObservation.supervisor_id == user_id)
            .order_by(CompetencyObservation.id)),
        "sessions_i_led.json": _sessions_led(user_id),
    }
