"""Server-side sign-in sessions: one row per signed-in browser, ended on the server.

The browser's (signed) session cookie carries `<user id>:<session stamp>:<session key>`.
The key is 32 random bytes; the database keeps only its SHA-256, so a copy of the table
cannot be replayed as cookies.

A session is valid while all of these hold:
- its row exists, `ended_at` is NULL and `expires_at` is in the future;
- its person is active and has joined;
- the stamp in the cookie equals the person's `User.session_stamp`.

Ending one session (sign-out) sets that row's `ended_at`. Ending all of a person's sessions
(sign out everywhere, a password change, deactivation, a role change) rotates their
`session_stamp` and sets `ended_at` on every open row, so even a row missed by a race is void.

How fast other app servers notice is the identity cache's business (`lms.auth.identity`).

For the second factor (issue 14): add the facts of one sign-in to this row (for example
`second_factor_at`, or a count of wrong codes for locking that session only); the identity
loader reads the row once per refresh, so such columns reach the identity without a query.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, delete, event, or_, update
from sqlalchemy.orm import NO_VALUE, Mapped, mapped_column

from lms.auth.identity import identity_cache
from lms.auth.models import User, new_security_stamp
from lms.extensions import Model, db
from lms.models import UTCDateTime, utcnow

#: How long a sign-in lasts at most, however active the person is.
SESSION_LIFETIME = timedelta(days=14)


class EndReason:
    """Why a session ended, as stored in `UserSession.end_reason`."""

    SIGNED_OUT = "signed-out"
    EVERYWHERE = "signed-out-everywhere"
    PASSWORD = "password-changed"
    DEACTIVATED = "deactivated"
    ROLE = "role-changed"
    REPLACED = "signed-in-again"
    SECOND_FACTOR_RESET = "second-factor-reset"


class UserSession(Model):
    """One signed-in browser of one person."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 (hex) of the key in the cookie; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    #: When this session proved the second factor (lms.auth.second_factor); NULL if not yet.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Wrong second-factor codes sent in this session; too many end it.
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def hash_key(key: str) -> str:
    """Return the stored form of a session key."""
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, now: datetime | None = None) -> str:
    """Record a session for a person who has just proved who they are; return its key."""
    now = now or utcnow()
    # Old rows of this person are only history; keep the table small as people sign in.
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.ended_at.is_not(None), UserSession.expires_at < now)))
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(key_hash=hash_key(key), user_id=user.id, created_at=now,
                               expires_at=now + SESSION_LIFETIME))
    db.session.flush()
    return key


def end_session(key: str, reason: str = EndReason.SIGNED_OUT) -> None:
    """End one session (this browser's), on every app server."""
    key_hash = hash_key(key)
    db.session.execute(update(UserSession)
                       .where(UserSession.key_hash == key_hash, UserSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))
    identity_cache().forget(key_hash)


def end_all_sessions(user: User, reason: str = EndReason.EVERYWHERE) -> None:
    """End every session of a person, on every app server."""
    user.session_stamp = new_security_stamp()
    db.session.execute(update(UserSession)
                       .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))
    db.session.flush()
    identity_cache().forget_person(user.id)


@event.listens_for(User.role, "set", active_history=True)
def _role_change_ends_sessions(user: User, value: object, old: object, _initiator: object) -> None:
    # Whoever changes a role (an admin page, the shell, a script), sessions signed in under the
    # old role must not keep its rights: a new stamp voids them (rows are ended at next sign-in).
    if old is not NO_VALUE and old is not None and value != old and user.id is not None:
        user.session_stamp = new_security_stamp()


@event.listens_for(User.is_active, "set", active_history=True)
def _deactivation_ends_sessions(user: User, value: object, old: object, _initiator: object) -> None:
    if old is True and value is False and user.id is not None:
        user.session_stamp = new_security_stamp()
