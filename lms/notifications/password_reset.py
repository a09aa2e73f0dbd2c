"""Forgot-password links: their own one-hour token, never the session stamp."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from lms.auth.models import User, find_user_by_email
from lms.auth.services import AccountError, LinkPurpose, make_account_link, set_password
from lms.extensions import db, execute_dml
from lms.models import utcnow
from lms.notifications.models import PasswordResetRequest
from lms.notifications.services import send_invitation, send_password_changed, send_password_reset

RESET_LINK_LIFETIME = timedelta(hours=1)


class ResetLinkProblem(AccountError):
    """The reset link is unknown, used, replaced or expired; the message says which."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def reset_url(secret: str) -> str:
    """Return the absolute address of a reset link."""
    return f"{current_app.config['LMS_BASE_URL']}/password/reset/{secret}"


def request_password_reset(email: str, now: datetime | None = None) -> None:
    """E-mail a reset link if the address opens an account; say nothing either way.

    Asking never changes the security stamp, so typing someone's address signs nobody out.
    A person invited but not yet joined gets their invitation again instead.
    """
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    if not user.has_joined:
        send_invitation(user, make_account_link(user, LinkPurpose.INVITE))
        return
    request = db.session.scalar(select(PasswordResetRequest).filter_by(user_id=user.id))
    if request is None:
        request = PasswordResetRequest(user_id=user.id)
        db.session.add(request)
    # Replacing the hash voids the older link: only the newest one works.
    request.token_hash = _hash(secret)
    request.created_at = now
    request.expires_at = now + RESET_LINK_LIFETIME
    request.used_at = None
    db.session.flush()
    send_password_reset(user, reset_url(secret))


def read_reset_link(secret: str, now: datetime | None = None) -> User:
    """Return whose reset link this is, or raise ResetLinkProblem saying why it cannot be used."""
    now = now or utcnow()
    request = db.session.scalar(select(PasswordResetRequest).filter_by(token_hash=_hash(secret)))
    if request is None:
        raise ResetLinkProblem("This link is not valid, or a newer link has replaced it. "
                               "Only the most recent link works.")
    if request.used_at is not None:
        raise ResetLinkProblem("This link has already been used to set a password. "
                               "If that was not you, ask for a new link straight away.")
    if request.expires_at <= now:
        raise ResetLinkProblem("This link has expired: links last one hour, to keep your "
                               "account safe.")
    user = db.session.get(User, request.user_id)
    if user is None or not user.is_active:
        raise ResetLinkProblem("This account has been closed. Please contact your "
                               "program administrator.")
    return user


def reset_password(secret: str, password: str, now: datetime | None = None) -> User:
    """Set a new password through a reset link, used up, ending the person's other sessions."""
    now = now or utcnow()
    user = read_reset_link(secret, now)
    set_password(user, password)  # rotates the stamp: every other session ends
    used = execute_dml(
        update(PasswordResetRequest)
        .where(PasswordResetRequest.token_hash == _hash(secret),
               PasswordResetRequest.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if used != 1:  # the same link submitted twice at once: only one of them counts
        raise ResetLinkProblem("This link has already been used to set a password.")
    send_password_changed(user)
    return user


def cancel_password_reset(user: User) -> None:
    """Void a person's reset link, as when it went to an address that is no longer theirs."""
    db.session.execute(delete(PasswordResetRequest).where(PasswordResetRequest.user_id == user.id))
