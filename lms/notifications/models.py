"""The outbox, the once-only notice keys, reset requests and mail preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.models import UTCDateTime, utcnow


class OutboxStatus(enum.StrEnum):
    """Where a message is: waiting to go (or to retry), handed over, or given up on."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class Category(enum.StrEnum):
    """Why a message is sent; a person can turn off every category but security."""

    SECURITY = "security"
    UPDATES = "updates"
    REMINDERS = "reminders"
    DIGESTS = "digests"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=True, name=name)


class OutboxMessage(Model):
    """One e-mail, written in the transaction of the event that causes it, until it is sent."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The worker's question: what is queued and due, oldest first.
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Kept across retries, so a message sent twice after a crash reads as one to mail clients.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    category: Mapped[Category] = mapped_column(_enum(Category, "mail_category"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str | None] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: The one-click unsubscribe address (RFC 8058) for every message but security notices.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"),
                                                 default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A worker's claim: others leave the message alone until this time passes.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The mail server's reply to the last failed attempt.
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeKey(Model):
    """A notice already queued once, such as (certificate 12, 30 days) or (digest, 2027-01-12)."""

    __tablename__ = "notice_key"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "key", name="uq_notice_key_user_kind_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordResetRequest(Model):
    """The one live forgot-password link of a person; a newer request replaces it."""

    __tablename__ = "password_reset_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    #: SHA-256 of the secret in the link; the secret itself is only ever in the e-mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailPreference(Model):
    """The categories of mail a person has turned off; no row means everything is on."""

    __tablename__ = "mail_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    updates: Mapped[bool] = mapped_column(default=True)
    reminders: Mapped[bool] = mapped_column(default=True)
    digests: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
