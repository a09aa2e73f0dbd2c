"""The periodic tick: certificate expiry reminders and supervisors' daily digests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask import Flask, current_app
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.extensions import db
from lms.notifications.services import (
    CertificateFacts,
    send_certificate_expiring,
    send_supervisor_digest,
)
from lms.notifications.settings import person_time_zone

#: Reminders go out when this many days are left, the tightest threshold reached only.
EXPIRY_THRESHOLDS = (90, 30, 7)
_SOURCES_KEY = "lantern.notifications.schedule-sources"


@dataclass(frozen=True)
class ScheduleSources:
    """Where the tick reads what is due, handed in by create_app.

    Certification and practice queue their own messages through this package, so it cannot
    import them back: the app wires their read-only services in here instead.
    """

    #: (today, within_days) -> active certificates expiring by then, with renewal hours needed.
    certificates_expiring: Callable[[date, int], Iterable[tuple[CertificateFacts, int]]]
    #: () -> {supervisor id: (entries waiting, oldest submission)}.
    review_backlog: Callable[[], dict[int, tuple[int, datetime]]]


def init_schedules(app: Flask, sources: ScheduleSources) -> None:
    """Give the tick its sources."""
    app.extensions[_SOURCES_KEY] = sources


def _sources() -> ScheduleSources:
    sources: ScheduleSources = current_app.extensions[_SOURCES_KEY]
    return sources


def run_schedules(now: datetime) -> int:
    """Queue every reminder and digest now due, each once per key; return how many, committed."""
    queued = _expiry_reminders(now) + _digests(now)
    db.session.commit()
    return queued


def _expiry_reminders(now: datetime) -> int:
    today = now.astimezone(person_time_zone()).date()
    queued = 0
    expiring = _sources().certificates_expiring(today, max(EXPIRY_THRESHOLDS))
    for certificate, renewal_hours in expiring:
        assert certificate.expires_on is not None
        days_left = (certificate.expires_on - today).days
        # One notice per threshold crossed, keyed to the tightest: a certificate first seen
        # with 60 days left gets one now (the 90-day notice, saying 60), then the 30 and 7.
        threshold = min(days for days in EXPIRY_THRESHOLDS if days_left <= days)
        if send_certificate_expiring(certificate, threshold, days_left,
                                     renewal_hours) is not None:
            queued += 1
    return queued


def _digests(now: datetime) -> int:
    backlog = _sources().review_backlog()
    if not backlog:
        return 0
    hour = current_app.config["LMS_DIGEST_HOUR"]
    supervisors = db.session.scalars(select(User).where(
        User.id.in_(list(backlog)), User.role == Role.SUPERVISOR, User.is_active,
        User.password_hash.is_not(None)))
    queued = 0
    for supervisor in supervisors:
        local = now.astimezone(person_time_zone(supervisor))
        # From the digest hour to the end of the person's day, so a worker that was down at
        # eight still sends that day's digest when it comes back.
        if local.hour < hour:
            continue
        waiting, oldest = backlog[supervisor.id]
        if send_supervisor_digest(supervisor, local.date(), waiting, oldest) is not None:
            queued += 1
    return queued
