"""How practice sign-offs read in the audit chain, for `lms audit verify` to reconcile.

Each ledger turns live rows and the events that recorded them into the same facts, so a row
changed, removed or added behind Lantern's back shows up by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lms.audit.services import Facts, Key, Ledger, RecordedEvent, sha256_of
from lms.extensions import db
from lms.practice.models import (
    OARS_FIELDS,
    CompetencyObservation,
    Decision,
    EntryState,
    PracticeDecision,
    PracticeEntry,
    SupervisionSession,
)
from lms.practice.services import content_sha256

__all__ = ["practice_ledgers"]

BATCH = 1000


def _decisions() -> Iterator[tuple[Key, Facts, str]]:
    for row in db.session.scalars(select(PracticeDecision).order_by(PracticeDecision.id)
                                  .execution_options(yield_per=BATCH)):
        yield (("practice_decision", row.entry_id, row.submission), {
            "decision": row.decision.value, "content_sha256": row.content_sha256,
            "comment_sha256": sha256_of(row.comment) if row.comment else None,
            "supervisor_id": row.supervisor_id,
        }, f"#{row.id} (entry #{row.entry_id}, submission {row.submission})")


def _decision_event(event: RecordedEvent) -> tuple[Key, Facts] | None:
    payload = event.payload
    if "submission" not in payload:
        return None
    return (("practice_decision", int(event.subject_id), payload["submission"]), {
        "decision": payload.get("decision"), "content_sha256": payload.get("content_sha256"),
        "comment_sha256": payload.get("comment_sha256"), "supervisor_id": event.actor_id,
    })


def _approved_entries() -> Iterator[tuple[Key, Facts, str]]:
    # An entry with an approving decision must still be approved: decisions are kept.
    approved_ids = select(PracticeDecision.entry_id).where(
        PracticeDecision.decision == Decision.APPROVE)
    query = (select(PracticeEntry)
             .where(or_(PracticeEntry.state == EntryState.APPROVED,
                        PracticeEntry.id.in_(approved_ids)))
             .order_by(PracticeEntry.id).execution_options(yield_per=BATCH))
    for entry in db.session.scalars(query):
        yield (("practice_entry", entry.id), {
            "state": entry.state.value, "content_sha256": content_sha256(entry),
            "minutes": entry.minutes, "activity": entry.activity,
            "date": entry.practice_date.isoformat(), "approved_by_id": entry.approved_by_id,
        }, f"#{entry.id}")


def _approval_event(event: RecordedEvent) -> tuple[Key, Facts] | None:
    payload = event.payload
    return (("practice_entry", int(event.subject_id)), {
        "state": EntryState.APPROVED.value, "content_sha256": payload.get("content_sha256"),
        "minutes": payload.get("minutes"), "activity": payload.get("activity"),
        "date": payload.get("date"), "approved_by_id": event.actor_id,
    })


def _observations() -> Iterator[tuple[Key, Facts, str]]:
    query = (select(CompetencyObservation).order_by(CompetencyObservation.id)
             .execution_options(yield_per=BATCH))
    for row in db.session.scalars(query):
        yield (("competency_observation", row.id), {
            "competency": row.competency, "program": row.program_slug,
            "program_version": row.program_version, "observed_on": row.observed_on.isoformat(),
            "competent": row.competent, "tallies": {name: getattr(row, name)
                                                    for name in OARS_FIELDS},
            "note_sha256": sha256_of(row.note), "supervisor_id": row.supervisor_id,
            "trainee_id": row.trainee_id,
        }, f"#{row.id}")


def _observation_event(event: RecordedEvent) -> tuple[Key, Facts] | None:
    payload = event.payload
    facts: dict[str, Any] = {name: payload.get(name) for name in (
        "competency", "program", "program_version", "observed_on", "competent", "tallies",
        "note_sha256")}
    facts.update(supervisor_id=event.actor_id, trainee_id=event.about_user_id)
    return ("competency_observation", int(event.subject_id)), facts


def _sessions() -> Iterator[tuple[Key, Facts, str]]:
    query = (select(SupervisionSession).options(selectinload(SupervisionSession.attendees))
             .order_by(SupervisionSession.id))
    for row in db.session.scalars(query):
        yield (("supervision_session", row.id), {
            "date": row.session_date.isoformat(), "minutes": row.minutes,
            "kind": row.kind.value, "modality": row.modality, "topics": list(row.topics),
            "trainee_ids": sorted(attendee.trainee_id for attendee in row.attendees),
            "supervisor_id": row.supervisor_id,
        }, f"#{row.id}")


def _session_event(event: RecordedEvent) -> tuple[Key, Facts] | None:
    payload = event.payload
    facts: dict[str, Any] = {name: payload.get(name) for name in (
        "date", "minutes", "kind", "modality", "topics", "trainee_ids")}
    facts["supervisor_id"] = event.actor_id
    return ("supervision_session", int(event.subject_id)), facts


def practice_ledgers() -> list[Ledger]:
    """Return the ledgers of practice sign-offs: decisions, approvals, observations, sessions."""
    return [
        Ledger("supervisor decision", ("practice.approve", "practice.return"), _decisions,
               _decision_event),
        Ledger("approved practice entry", ("practice.approve",), _approved_entries,
               _approval_event),
        Ledger("competency observation", ("competency.signoff", "competency.observe"),
               _observations, _observation_event),
        Ledger("supervision session", ("supervision.session",), _sessions, _session_event),
    ]
