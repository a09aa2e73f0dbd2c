"""Account rules: names, addresses (confirmed by e-mail), passwords, time zones, data downloads."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from lms.account.models import EmailChangeRequest
from lms.audit.services import append_event
from lms.auth.models import User
from lms.auth.services import HIDDEN_IN_NAME, has_hidden_characters, password_matches, set_password
from lms.extensions import db, execute_dml, limiter
from lms.models import utcnow
from lms.notifications.password_reset import cancel_password_reset
from lms.notifications.services import mail_enabled, send_email_changed, send_email_confirmation
from lms.timezones import is_zone

#: How long a download holds its place if the process dies mid-stream without letting go.
DOWNLOAD_LOCK_SECONDS = 15 * 60
NAME_MAX = 120
#: How long a link confirming a new address works.
EMAIL_LINK_LIFETIME = timedelta(hours=24)

# Never says whose: the person only learns that the address is not free.
TAKEN = "Another account already uses that address. Each person needs their own."
NO_MAIL = ("Lantern does not send e-mail here, so it cannot confirm a new address. Only your "
           "program administrator can change it.")


class AccountChangeError(Exception):
    """A refusal whose message is kind enough to show the person."""


class WrongPassword(AccountChangeError):
    """The current password given to confirm a change is not right."""


class EmailLinkProblem(AccountChangeError):
    """The confirmation link is unknown, used, replaced, expired or void; the message says why."""


def change_name(person: User, new_name: str, actor: User) -> bool:
    """Change the name people and new certificates show; return whether it changed."""
    if has_hidden_characters(new_name):
        raise AccountChangeError(HIDDEN_IN_NAME)
    name = " ".join(new_name.split())
    if not name:
        raise AccountChangeError("Please type the name you would like to use.")
    if len(name) > NAME_MAX:
        raise AccountChangeError(f"Please keep the name to {NAME_MAX} characters or fewer.")
    if name == person.display_name:
        return False
    old = person.display_name
    person.display_name = name
    append_event("account.name_changed", actor, person, {"from": old, "to": name})
    return True


def _address(new_email: str) -> str:
    try:
        address = validate_email(new_email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise AccountChangeError("That does not look like an e-mail address. Please check it "
                                 "and try again.") from None
    return address.lower()


def _taken(person: User, address: str) -> bool:
    return db.session.scalar(
        select(User.id).where(User.email == address, User.id != person.id)) is not None


def change_email(person: User, new_email: str, actor: User) -> bool:
    """Change a person's sign-in address and tell the old one; return whether it changed."""
    address = _address(new_email)
    if address == person.email:
        return False
    if _taken(person, address):
        raise AccountChangeError(TAKEN)
    old = person.email
    try:
        # The unique index decides between two confirmations of one address at the same time.
        with db.session.begin_nested():
            person.email = address
            db.session.flush()
    except IntegrityError:
        raise AccountChangeError(TAKEN) from None
    # Links sent to the old address stop working: the forgot-password one, and any other
    # pending change (an admin's change overrides what the person asked for).
    cancel_password_reset(person)
    db.session.execute(delete(EmailChangeRequest)
                       .where(EmailChangeRequest.user_id == person.id,
                              EmailChangeRequest.used_at.is_(None))
                       .execution_options(synchronize_session=False))
    send_email_changed(person, old)
    # The addresses themselves stay out of the permanent log; the change and who made it do not.
    append_event("account.email_changed", actor, person, {})
    return True


def _link_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def email_link_url(secret: str) -> str:
    """Return the absolute address of a confirmation link."""
    return f"{current_app.config['LMS_BASE_URL']}/account/email/confirm/{secret}"


def pending_email_change(person: User, now: datetime | None = None) -> EmailChangeRequest | None:
    """Return the person's unconfirmed, unexpired request for a new address, if any."""
    now = now or utcnow()
    return db.session.scalar(select(EmailChangeRequest).where(
        EmailChangeRequest.user_id == person.id, EmailChangeRequest.used_at.is_(None),
        EmailChangeRequest.expires_at > now))


def request_email_change(person: User, new_email: str, password: str,
                         now: datetime | None = None) -> str:
    """Check the password and the address, then e-mail a link to it; return the address.

    Only the newest request's link works: a new one replaces the stored hash.
    """
    if not mail_enabled():
        raise AccountChangeError(NO_MAIL)
    # The password first: without it, nobody learns whether an address is in use.
    if not password_matches(person, password):
        raise WrongPassword("Your current password is not right, so nothing was changed. "
                            "Please type it again.")
    address = _address(new_email)
    if address == person.email:
        raise AccountChangeError("That is already your address, so there is nothing to change.")
    if _taken(person, address):
        raise AccountChangeError(TAKEN)
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    request = db.session.scalar(select(EmailChangeRequest).filter_by(user_id=person.id))
    if request is None:
        request = EmailChangeRequest(user_id=person.id)
        db.session.add(request)
    request.new_email = address
    request.token_hash = _link_hash(secret)
    request.security_stamp = person.security_stamp
    request.created_at = now
    request.expires_at = now + EMAIL_LINK_LIFETIME
    request.used_at = None
    db.session.flush()
    send_email_confirmation(person, address, email_link_url(secret),
                            int(EMAIL_LINK_LIFETIME.total_seconds() // 3600))
    append_event("account.email_change_requested", person, person, {})
    return address


def read_email_link(secret: str, now: datetime | None = None) -> EmailChangeRequest:
    """Return the request a confirmation link stands for, or raise why it cannot be used."""
    now = now or utcnow()
    request = db.session.scalar(select(EmailChangeRequest).filter_by(token_hash=_link_hash(secret)))
    if request is None:
        raise EmailLinkProblem("This link is not valid, or a newer request has replaced it. "
                               "Only the link in the most recent e-mail works.")
    if request.used_at is not None:
        raise EmailLinkProblem("This link has already been used: the address was confirmed "
                               "then. There is nothing more to do.")
    if request.expires_at <= now:
        hours = int(EMAIL_LINK_LIFETIME.total_seconds() // 3600)
        raise EmailLinkProblem(f"This link has expired: links last {hours} hours. You can ask "
                               "for a new one on your account page.")
    person = db.session.get(User, request.user_id)
    if person is None or not person.is_active:
        raise EmailLinkProblem("This account has been closed. Please contact your program "
                               "administrator.")
    if person.security_stamp != request.security_stamp:
        raise EmailLinkProblem("The account's password was changed after this link was sent, "
                               "so it no longer works. You can ask for a new one on your "
                               "account page.")
    if _taken(person, request.new_email):
        raise EmailLinkProblem("Another account now uses this address, so it cannot be "
                               "confirmed here. Please choose a different address.")
    return request


def confirm_email_change(secret: str, now: datetime | None = None) -> User:
    """Use a confirmation link once: the person's address becomes the new one."""
    now = now or utcnow()
    request = read_email_link(secret, now)
    used = execute_dml(
        update(EmailChangeRequest)
        .where(EmailChangeRequest.id == request.id, EmailChangeRequest.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if used != 1:  # the same link opened twice at once: only one of them counts
        raise EmailLinkProblem("This link has already been used: the address was confirmed "
                               "then. There is nothing more to do.")
    person = db.session.get(User, request.user_id)
    assert person is not None  # read_email_link found them a moment ago
    try:
        change_email(person, request.new_email, person)
    except AccountChangeError as error:
        raise EmailLinkProblem(str(error)) from None
    return person


def change_password(person: User, current: str, new: str) -> None:
    """Change one's own password after checking the current one; other sessions end."""
    if not password_matches(person, current):
        raise WrongPassword("Your current password is not right, so nothing was changed. "
                                 "Please type it again.")
    set_password(person, new)


def set_time_zone(person: User, zone: str) -> None:
    """Set the zone times are shown in; an empty choice means the program's default."""
    if zone and not is_zone(zone):
        raise AccountChangeError(f"{zone!r} is not a time zone we know. Please choose one from "
                                 "the list, such as Europe/London or America/Chicago.")
    person.time_zone = zone or None
    db.session.flush()


def _lock_key(person_id: int) -> str:
    return f"lantern/data-download/{person_id}"


def claim_download(person_id: int) -> bool:
    """Hold the one running download for a person; False while another is still running."""
    # The rate-limit store is shared by every app server (Redis) or the one process (memory).
    try:
        return limiter.storage.incr(_lock_key(person_id), DOWNLOAD_LOCK_SECONDS) == 1
    except Exception:  # noqa: BLE001 - an unreachable store must not keep people from their data
        return True


def release_download(person_id: int) -> None:
    """Let the person start another download."""
    try:
        limiter.storage.clear(_lock_key(person_id))
    except Exception:  # noqa: BLE001 - the lock then lapses by itself after its expiry
        return


def record_download(person: User, actor: User) -> None:
    """Write the download to the audit log (who asked, about whom)."""
    append_event("account.data_downloaded", actor, person,
                 {"by_admin": actor.id != person.id})
