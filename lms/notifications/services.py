"""The messages other features queue, each inside the caller's own transaction.

Every function here only writes to the outbox (and flushes); the caller commits with its event,
so a rolled-back action sends nothing. No message carries a reflection, a comment, quiz answers
or a health detail: each says what happened and links back to Lantern.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import Select, func, select

from lms.auth.models import Role, User
from lms.extensions import db
from lms.notifications.models import Category, OutboxMessage, OutboxStatus
from lms.notifications.outbox import (
    HeaderInjection,
    Recipient,
    add_message,
    build_message,
    insert_messages,
    mail_settings,
    queue_message,
    queue_once,
)

__all__ = [
    "HeaderInjection", "InvitationDeliveries", "invitation_deliveries", "mail_enabled",
    "queue_message", "send_certificate_expiring", "send_certificate_issued",
    "send_certificate_revoked", "send_delivery_failed", "send_email_changed",
    "send_email_confirmation", "send_entry_returned", "send_invitation", "send_invitations",
    "send_password_changed", "send_password_reset", "send_second_factor_reset",
    "send_supervisor_digest", "send_trainee_assigned",
]


class CertificateFacts(Protocol):
    """What a certificate message needs (lms.certification's Certificate has it)."""

    id: int
    code: str
    user_id: int
    program_title: str
    expires_on: date | None


def mail_enabled() -> bool:
    """Return whether Lantern sends e-mail at all (LMS_MAIL_URL is not `none`)."""
    return mail_settings().sends


def _to(user: User) -> Recipient:
    return Recipient(user.email, user.display_name, user.id)


def _url(path: str) -> str:
    return f"{current_app.config['LMS_BASE_URL']}{path}"


def _invitation(user: User, link: str, invited_by: User | None) -> OutboxMessage | None:
    return build_message("invitation", Category.SECURITY, _to(user), "You are invited to Lantern",
                         {"link": link, "role": user.role.value,
                          "inviter": invited_by.display_name if invited_by else None})


def send_invitation(user: User, link: str, invited_by: User | None = None) -> OutboxMessage | None:
    """Queue the invitation with its one-time join link."""
    message = _invitation(user, link, invited_by)
    if message is not None:
        add_message(message)
    return message


def send_invitations(invitations: Iterable[tuple[User, str]], invited_by: User | None = None
                     ) -> list[int]:
    """Queue many invitations (a bulk import) as send_invitation does, in a few INSERTs.

    Return the queued messages' ids. A person whose name or address cannot go into a header is
    left out (invitation_deliveries counts them as not queued) rather than stopping the rest.
    """
    messages = []
    for user, link in invitations:
        try:
            message = _invitation(user, link, invited_by)
        except HeaderInjection:
            continue
        if message is not None:
            messages.append(message)
    return insert_messages(messages)


@dataclass(frozen=True)
class InvitationDeliveries:
    """What became of the invitation mails to a group of people: counts, and who failed."""

    sent: int
    waiting: int
    failed: int
    #: (address, name) of the people whose invitation could not be delivered, first ones only.
    failed_to: list[tuple[str, str | None]]


def invitation_deliveries(user_ids: Select[Any], since: datetime,
                          limit: int = 100) -> InvitationDeliveries:
    """Count the invitations queued since `since` for these people by outcome, in two queries."""
    mine = (OutboxMessage.kind == "invitation", OutboxMessage.user_id.in_(user_ids),
            OutboxMessage.created_at >= since)
    counts = {status: int(count) for status, count in db.session.execute(
        select(OutboxMessage.status, func.count()).where(*mine).group_by(OutboxMessage.status))}
    failed_to = [(address, name) for address, name in db.session.execute(
        select(OutboxMessage.recipient, OutboxMessage.recipient_name)
        .where(*mine, OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.id).limit(limit))]
    return InvitationDeliveries(sent=counts.get(OutboxStatus.SENT, 0),
                                waiting=counts.get(OutboxStatus.QUEUED, 0),
                                failed=counts.get(OutboxStatus.FAILED, 0), failed_to=failed_to)


def send_password_reset(user: User, link: str) -> OutboxMessage | None:
    """Queue the forgot-password mail with its one-hour link."""
    return queue_message("password_reset", Category.SECURITY, _to(user),
                         "Your link to choose a new Lantern password", {"link": link})


def send_password_changed(user: User) -> OutboxMessage | None:
    """Tell a person their password was changed, in case it was not them."""
    return queue_message("password_changed", Category.SECURITY, _to(user),
                         "Your Lantern password was changed",
                         {"forgot_url": _url("/password/forgot")})


def send_second_factor_reset(user: User, by_admin: bool) -> OutboxMessage | None:
    """Tell a person their two-step sign-in was reset, in case they did not ask for it."""
    how = "by an administrator" if by_admin else "from the server's command line"
    return queue_message("second_factor_reset", Category.SECURITY, _to(user),
                         "Your Lantern two-step sign-in was reset", {"how": how})


def send_email_changed(user: User, old_email: str) -> list[OutboxMessage]:
    """Tell a person, at the new and the old address, that their e-mail address changed."""
    context = {"new_email": user.email, "forgot_url": _url("/password/forgot")}
    sent = [queue_message("email_changed", Category.SECURITY, _to(user),
                          "Your Lantern e-mail address was changed", context),
            queue_message("email_changed", Category.SECURITY,
                          Recipient(old_email, user.display_name, None),
                          "Your Lantern e-mail address was changed", context)]
    return [message for message in sent if message is not None]


def send_email_confirmation(user: User, new_email: str, link: str,
                            hours: int) -> OutboxMessage | None:
    """Send the link that confirms a new address to that new address only."""
    # No user_id: the message goes to an address that is not yet the person's own.
    return queue_message("email_confirmation", Category.SECURITY,
                         Recipient(new_email, user.display_name, None),
                         "Please confirm your new Lantern e-mail address",
                         {"link": link, "hours": hours})


def send_entry_returned(trainee_id: int, entry_id: int) -> OutboxMessage | None:
    """Tell a trainee a supervisor returned an entry; the comment stays in Lantern."""
    trainee = db.session.get(User, trainee_id)
    if trainee is None or not trainee.is_active:
        return None
    return queue_message("entry_returned", Category.UPDATES, _to(trainee),
                         "A practice entry came back to you",
                         {"entry_url": _url(f"/practice/entries/{entry_id}")})


def _holder(certificate: CertificateFacts) -> User | None:
    holder = db.session.get(User, certificate.user_id)
    return holder if holder is not None and holder.is_active else None


def _certificate_links(certificate: CertificateFacts) -> dict[str, object]:
    # Printed as XXXX-XXXX-XXXX-XXXX, the permanent contract lms.certification.codes follows;
    # this package cannot import certification, which queues its mail through here.
    code = "-".join(certificate.code[start:start + 4] for start in range(0, 16, 4))
    return {"program_title": certificate.program_title, "code": code,
            "expires_on": certificate.expires_on,
            "certificates_url": _url("/certificates"), "verify_url": _url(f"/verify/{code}")}


def send_certificate_issued(certificate: CertificateFacts) -> OutboxMessage | None:
    """Tell the holder their certificate was issued, with its page and verification links."""
    if (holder := _holder(certificate)) is None:
        return None
    return queue_message("certificate_issued", Category.UPDATES, _to(holder),
                         "Your Lantern certificate is ready", _certificate_links(certificate))


def send_certificate_revoked(certificate: CertificateFacts) -> OutboxMessage | None:
    """Tell the holder their certificate was revoked (the reason is on the verify page)."""
    if (holder := _holder(certificate)) is None:
        return None
    return queue_message("certificate_revoked", Category.SECURITY, _to(holder),
                         "Your Lantern certificate was revoked", _certificate_links(certificate))


def send_certificate_expiring(certificate: CertificateFacts, threshold_days: int,
                              days_left: int, renewal_hours: int) -> OutboxMessage | None:
    """Remind the holder, once per certificate and threshold, that it expires soon."""
    if (holder := _holder(certificate)) is None:
        return None
    if not queue_once(holder.id, "certificate_expiring", f"{certificate.id}:{threshold_days}"):
        return None
    return queue_message("certificate_expiring", Category.REMINDERS, _to(holder),
                         f"Your Lantern certificate expires in {days_left} "
                         f"day{'' if days_left == 1 else 's'}",
                         {**_certificate_links(certificate), "days": days_left,
                          "renewal_hours": renewal_hours})


def send_supervisor_digest(supervisor: User, local_date: date, waiting: int,
                           oldest: datetime) -> OutboxMessage | None:
    """Send a supervisor's daily digest once per local date, only when entries wait."""
    if waiting <= 0 or not queue_once(supervisor.id, "supervisor_digest", local_date.isoformat()):
        return None
    return queue_message("supervisor_digest", Category.DIGESTS, _to(supervisor),
                         f"{waiting} practice {'entry' if waiting == 1 else 'entries'} "
                         "waiting for your review",
                         {"waiting": waiting, "oldest": oldest,
                          "queue_url": _url("/supervision/queue")})


def send_trainee_assigned(supervisor: User, trainee: User) -> OutboxMessage | None:
    """Tell a supervisor a trainee was assigned to them."""
    return queue_message("trainee_assigned", Category.UPDATES, _to(supervisor),
                         "A trainee was assigned to you",
                         {"trainee_name": trainee.name,
                          "trainees_url": _url("/supervision/trainees")})


def send_delivery_failed(message: OutboxMessage) -> list[OutboxMessage]:
    """Tell every active admin, once, that a message could not be delivered."""
    if message.kind == "delivery_failed":
        return []  # a failure about a failure would only loop
    admins = db.session.query(User).filter(User.role == Role.ADMIN, User.is_active,
                                           User.password_hash.is_not(None))
    queued = []
    for admin in admins:
        if not queue_once(admin.id, "delivery_failed", str(message.id)):
            continue
        sent = queue_message("delivery_failed", Category.UPDATES, _to(admin),
                             "An e-mail from Lantern could not be delivered",
                             {"kind": message.kind.replace("_", " "),
                              "outbox_url": _url("/admin/outbox?status=failed")})
        if sent is not None:
            queued.append(sent)
    return queued
