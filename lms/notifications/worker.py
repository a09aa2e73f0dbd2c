"""Delivering the outbox: claim due messages, hand them over, record what happened."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from lms.extensions import db
from lms.models import utcnow
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.notifications.outbox import compose, mail_settings
from lms.notifications.transport import DeliveryError, ServerUnavailable, Transport

log = logging.getLogger(__name__)

#: A claim outlives any batch: BATCH_SIZE messages at the SMTP timeout each take far less.
LEASE = timedelta(minutes=15)
BATCH_SIZE = 20
#: After this many temporary failures (about a day and a half with the backoff), give up.
MAX_ATTEMPTS = 12
FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 6 * 3600


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    #: Set when the mail server could not be reached and the run stopped early.
    unavailable: str | None = None


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after the given number of failed attempts (doubling, capped)."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS))


def claim(now: datetime, limit: int = BATCH_SIZE,
          only: Iterable[int] | None = None) -> tuple[str, list[OutboxMessage]]:
    """Lease up to `limit` due messages to this run and commit, so no other worker takes them.

    On PostgreSQL the inner SELECT skips rows another worker has locked (FOR UPDATE SKIP LOCKED);
    SQLite runs one writer at a time, so its single UPDATE statement is already atomic.
    """
    token = secrets.token_hex(16)
    free = or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until < now)
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.status == OutboxStatus.QUEUED,
                  OutboxMessage.next_attempt_at <= now, free)
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
           .limit(limit).with_for_update(skip_locked=True))
    if only is not None:
        due = due.where(OutboxMessage.id.in_(list(only)))
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(due), free)
        .values(lease_token=token, leased_until=now + LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    claimed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.lease_token == token)
                                 .order_by(OutboxMessage.id))
    return token, list(claimed)


def _finish(message: OutboxMessage, token: str, **values: object) -> None:
    """Record an attempt's outcome, only if this run still holds the message's lease."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.lease_token == token)
        .values(lease_token=None, leased_until=None, **values)
        .execution_options(synchronize_session=False))


def _retry_later(message: OutboxMessage, token: str, reply: str, now: datetime) -> bool:
    """Put a message back for a later attempt; return False if it has now failed for good."""
    attempts = message.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _finish(message, token, attempts=attempts, status=OutboxStatus.FAILED,
                last_error=f"gave up after {attempts} attempts: {reply}"[:500])
        return False
    _finish(message, token, attempts=attempts, last_error=reply[:500],
            next_attempt_at=now + retry_delay(attempts))
    return True


def deliver_due(now: datetime | None = None, only: Iterable[int] | None = None,
                on_failure: Callable[[OutboxMessage], object] | None = None) -> DeliveryReport:
    """Send every due message (or only the given ones), committing after each."""
    report = DeliveryReport()
    if not mail_settings().sends:
        return report  # LMS_MAIL_URL=none: anything queued earlier waits, never marked sent
    _deliver(now or utcnow(), list(only) if only is not None else None, report)
    if report.failed and on_failure is not None:
        failed = select(OutboxMessage).where(OutboxMessage.id.in_(report.failed))
        for message in db.session.scalars(failed):
            on_failure(message)
        db.session.commit()
    return report


def _deliver(moment: datetime, only_ids: list[int] | None, report: DeliveryReport) -> None:
    sender = current_app.config["LMS_MAIL_FROM"]
    with Transport(mail_settings()) as transport:
        while True:
            token, batch = claim(moment, only=only_ids)
            if not batch:
                return
            for index, message in enumerate(batch):
                try:
                    transport.send(compose(message, sender), _file_stem(message))
                except ServerUnavailable as error:
                    # Nothing in this run can reach the server: every claimed message waits.
                    for waiting in batch[index:]:
                        if _retry_later(waiting, token, error.reply, moment):
                            report.waiting.append(waiting.id)
                        else:
                            report.failed.append(waiting.id)
                    db.session.commit()
                    report.unavailable = error.reply
                    log.warning("mail server unavailable, %d message(s) wait: %s",
                                len(batch) - index, error.reply)
                    return
                except DeliveryError as error:
                    if error.permanent:
                        _finish(message, token, attempts=message.attempts + 1,
                                status=OutboxStatus.FAILED, last_error=error.reply)
                        report.failed.append(message.id)
                    elif _retry_later(message, token, error.reply, moment):
                        report.waiting.append(message.id)
                    else:
                        report.failed.append(message.id)
                else:
                    _finish(message, token, attempts=message.attempts + 1,
                            status=OutboxStatus.SENT, sent_at=utcnow(), last_error=None)
                    report.sent.append(message.id)
                db.session.commit()


def _file_stem(message: OutboxMessage) -> str:
    return f"{message.created_at:%Y%m%d-%H%M%S}-{message.id:06d}-{message.kind}"


def retry_message(message: OutboxMessage) -> None:
    """Queue a failed message again, to go at the next delivery run."""
    if message.status is not OutboxStatus.FAILED:
        raise ValueError("Only a failed message can be tried again.")
    message.status = OutboxStatus.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    db.session.flush()
