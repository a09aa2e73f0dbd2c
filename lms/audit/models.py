"""Audit events, each hashing its content and the previous event's hash, plus the chain head."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, CheckConstraint, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.models import UTCDateTime, after_create, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(Model):
    """One thing that happened, in chain order; rows are never updated or deleted."""

    __table_args__ = (
        CheckConstraint("seq >= 1", name="seq_positive"),
        Index("ix_audit_event_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 1, 2, 3, ... without gaps; unique, so two writers can never fork the chain.
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: For example "practice.approve" or "certificate.issue".
    kind: Mapped[str] = mapped_column(String(64), index=True)
    #: Plain ids, not foreign keys: the chain must outlive any change to other tables.
    actor_id: Mapped[int | None]
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    #: The person the event is about (a trainee), for finding their history.
    about_user_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Model):
    """The single row naming the chain's last event; writers lock it to append in turn."""

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


# Keep these statements in step with the migration that creates the tables.
SEED_HEAD = f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')"
SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
)
POSTGRESQL_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'restrict_violation'; "
    "END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
)

event.listen(AuditHead.__table__, "after_create", DDL(SEED_HEAD))
after_create(AuditEvent, SQLITE_APPEND_ONLY, POSTGRESQL_APPEND_ONLY)
