"""Append to the audit chain and verify it.

Each event's hash is the SHA-256 of its canonical JSON content, which includes the previous
event's hash. Appending first locks the single head row with an UPDATE, so concurrent writers
take turns on PostgreSQL (row lock) and on SQLite (the database write lock) alike; the unique
`seq` and `prev_hash` columns refuse a fork even if that lock were ever bypassed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select, update

from lms.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from lms.audit.reconcile import Facts, Finding, Key, Ledger, RecordedEvent, reconcile
from lms.auth.models import User
from lms.extensions import db, execute_dml
from lms.models import RecordSource, exported, utcnow

__all__ = [
    "AuditChainError",
    "ChainReport",
    "Facts",
    "Finding",
    "Key",
    "Ledger",
    "RecordedEvent",
    "append_event",
    "canonical_json",
    "event_hash",
    "personal_data",
    "events_for",
    "reconcile",
    "sha256_of",
    "verify_chain",
]

#: A subject is a model instance with an id, a user id (int), or an explicit (type, id) pair.
Subject = Any


class AuditChainError(Exception):
    """The chain cannot be appended to safely (its head row is gone while events exist)."""


def canonical_json(value: Any) -> str:
    """Return JSON with sorted keys and no spaces, so equal content always hashes equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def sha256_of(value: Any) -> str:
    """Return the hex SHA-256 of a value's canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq, "occurred_at": _timestamp(event.occurred_at), "kind": event.kind,
        "actor_id": event.actor_id, "subject_type": event.subject_type,
        "subject_id": event.subject_id, "about_user_id": event.about_user_id,
        "payload": event.payload, "prev_hash": event.prev_hash,
    }


def event_hash(event: AuditEvent) -> str:
    """Return the hash an event should carry, from its content and its predecessor's hash."""
    return sha256_of(_content(event))


def _subject_parts(subject: Subject) -> tuple[str, str]:
    if isinstance(subject, tuple):
        kind, identifier = subject
        return str(kind), str(identifier)
    if isinstance(subject, int):
        return "user", str(subject)
    return str(subject.__tablename__), str(subject.id)


def _about(subject: Subject) -> int | None:
    """Return the person an event concerns when the subject makes it plain."""
    if isinstance(subject, int):
        return subject
    if isinstance(subject, User):
        return subject.id
    for name in ("trainee_id", "user_id"):
        value = getattr(subject, name, None)
        if isinstance(value, int):
            return value
    return None


def append_event(kind: str, actor: User | None, subject: Subject,
                 payload: Mapping[str, Any] | None = None, *, about: int | None = None,
                 now: datetime | None = None) -> AuditEvent:
    """Append one event to the chain in the current transaction (flush, never commit)."""
    # `about` is the person the event concerns; by default it comes from the subject.
    db.session.flush()
    # A no-op UPDATE takes the head's lock before we read it: appends happen strictly in turn.
    locked = execute_dml(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)
        .execution_options(synchronize_session=False)).rowcount
    if locked == 0:
        if db.session.scalar(select(func.count()).select_from(AuditEvent)):
            raise AuditChainError("The audit chain's head row is missing although events "
                                  "exist. Run `flask --app wsgi lms audit verify`.")
        db.session.execute(insert(AuditHead).values(id=1, seq=0, hash=GENESIS_HASH))
    head_seq, head_hash = db.session.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    subject_type, subject_id = _subject_parts(subject)
    event = AuditEvent(
        seq=head_seq + 1, occurred_at=(now or utcnow()).astimezone(UTC), kind=kind,
        actor_id=actor.id if actor is not None else None, subject_type=subject_type,
        subject_id=subject_id, about_user_id=about if about is not None else _about(subject),
        # Round-trip through JSON so the stored payload is exactly what was hashed.
        payload=json.loads(canonical_json(dict(payload or {}))), prev_hash=head_hash,
    )
    event.hash = event_hash(event)
    db.session.add(event)
    db.session.flush()
    db.session.execute(update(AuditHead).where(AuditHead.id == 1)
                       .values(seq=event.seq, hash=event.hash)
                       .execution_options(synchronize_session=False))
    return event


class ChainHead(NamedTuple):
    """The audit chain's last sequence number and hash."""

    seq: int
    hash: str


def chain_head() -> ChainHead | None:
    """Return the audit chain's head, or None before any event."""
    row = db.session.execute(select(AuditHead.seq, AuditHead.hash)
                             .where(AuditHead.id == 1)).one_or_none()
    return ChainHead(row.seq, row.hash) if row else None


def events_for(subject: Subject) -> list[AuditEvent]:
    """Return the events about one subject, oldest first."""
    subject_type, subject_id = _subject_parts(subject)
    query = (select(AuditEvent).where(AuditEvent.subject_type == subject_type,
                                      AuditEvent.subject_id == subject_id)
             .order_by(AuditEvent.seq))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain: how far it holds, and the first broken link."""

    events: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether every link holds."""
        return self.problem is None


def _describe(event: AuditEvent) -> str:
    return f"event #{event.seq} ({event.kind}, {_timestamp(event.occurred_at)})"


def verify_chain(batch_size: int = 1000) -> ChainReport:
    """Walk the whole chain in order and name the first link that does not hold."""
    query = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch_size)
    # Streamed in batches (a server-side cursor on PostgreSQL), closed even on an early return.
    result = db.session.scalars(query)
    try:
        return _walk(result)
    finally:
        result.close()


def _walk(events: Iterable[AuditEvent]) -> ChainReport:
    expected_seq, previous_hash, checked = 1, GENESIS_HASH, 0
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(checked, previous_hash, expected_seq,
                               f"event #{expected_seq} is missing (the next one is "
                               f"#{event.seq}): events were deleted from the chain.")
        if event.prev_hash != previous_hash:
            return ChainReport(checked, previous_hash, event.seq,
                               f"{_describe(event)} does not follow event #{event.seq - 1}: "
                               "the event before it was changed, replaced or removed.")
        if event_hash(event) != event.hash:
            return ChainReport(checked, previous_hash, event.seq,
                               f"{_describe(event)} was changed after it was written: its "
                               "content no longer matches its hash.")
        expected_seq, previous_hash, checked = event.seq + 1, event.hash, checked + 1
    head = db.session.execute(select(AuditHead.seq, AuditHead.hash)
                              .where(AuditHead.id == 1)).one_or_none()
    head_seq, head_hash = head if head is not None else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (checked, previous_hash):
        return ChainReport(checked, previous_hash, checked + 1 if head_seq > checked else head_seq,
                           f"the chain's head names event #{head_seq} but the last event "
                           f"found is #{checked}: events at the end were removed, or added "
                           "without going through Lantern.")
    return ChainReport(checked, previous_hash)


def personal_data(user_id: int) -> dict[str, RecordSource]:
    """Return the audit events about a person, for their data download."""
    return {"audit_events.json": exported(select(AuditEvent)
                                          .where(AuditEvent.about_user_id == user_id)
                                          .order_by(AuditEvent.seq))}
