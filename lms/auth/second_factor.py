"""A second factor for signing in: TOTP codes (RFC 6238) and one-time recovery codes.

Codes are checked against the current 30-second step and one step either side, no more.
The last step used is stored per person, so a code (or an earlier one) never works twice.
Recovery codes are 80 random bits each; the database keeps their SHA-256 (a slow hash like
argon2 adds nothing against guessing 80 bits and would cost ten argon2 runs per attempt).
Wrong codes are counted on the session row: after `MAX_WRONG_CODES` that half-signed-in
session ends, never the person's other sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import ForeignKey, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from lms.auth.identity import identity_cache
from lms.auth.models import Role, User
from lms.auth.sessions import UserSession, end_session, hash_key
from lms.extensions import Model, db, execute_dml
from lms.models import UTCDateTime, utcnow

ISSUER = "Lantern"
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
MAX_WRONG_CODES = 10
STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})
POLICIES = ("staff", "all", "none")
LOCKED = "second-factor-locked"


class SecondFactor(Model):
    """A person's TOTP secret; `enrolled_at` is NULL until they confirm a first code."""

    __tablename__ = "second_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last 30-second step whose code was accepted: that code and older ones are refused.
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(Model):
    """One recovery code of a person, stored as SHA-256; `used_at` set when it is spent."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CodeRefused(Exception):
    """A code that does not sign in; the message is safe to show."""


class SessionLocked(CodeRefused):
    """Too many wrong codes: this half-signed-in session has been ended."""


WRONG_CODE = ("That code did not match. Please check the six digits in your authenticator "
              "app (they change every 30 seconds) and try again, or use a recovery code.")
USED_CODE = ("That code has already been used. Please wait for the next code in your "
             "authenticator app.")
LOCKED_MESSAGE = ("There were too many wrong codes, so we have signed this browser out to keep "
                  "your account safe. Your other devices are not affected. Please sign in again.")


def requires_second_factor(role: Role, policy: str) -> bool:
    """Return whether people with this role must have a second factor under the policy."""
    return policy == "all" or (policy == "staff" and role in STAFF)


def enrolment(user_id: int) -> SecondFactor | None:
    """Return the person's confirmed second factor, or None."""
    factor = db.session.get(SecondFactor, user_id)
    return factor if factor is not None and factor.enrolled_at is not None else None


def pending_secret(user: User) -> str:
    """Return the secret being set up for the person, making one on the first visit."""
    factor = db.session.get(SecondFactor, user.id)
    if factor is None:
        factor = SecondFactor(user_id=user.id, secret=pyotp.random_base32(), last_step=0)
        db.session.add(factor)
        db.session.flush()
    return factor.secret


def provisioning_svg(user: User, secret: str) -> str:
    """Return the enrolment QR code as inline SVG (an otpauth:// link)."""
    import segno  # deferred: only setting up two-step sign-in needs it

    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return str(segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your "
                                                                    "authenticator app"))


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _digits(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """Return the step within the allowed drift whose code this is, or None."""
    totp = pyotp.TOTP(secret)
    current = _step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_step(factor: SecondFactor, step: int) -> bool:
    """Record a step as used, once, even if two requests race; return whether it was new."""
    used = execute_dml(
        update(SecondFactor)
        .where(SecondFactor.user_id == factor.user_id, SecondFactor.last_step < step)
        .values(last_step=step).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(factor)
    return used == 1


def confirm_enrolment(user: User, code: str, now: datetime | None = None) -> list[str]:
    """Confirm the pending secret with a first code; return ten new recovery codes."""
    now = now or utcnow()
    factor = db.session.get(SecondFactor, user.id)
    digits = _digits(code)
    if factor is None or factor.enrolled_at is not None:
        raise CodeRefused("Please start setting up again from the two-step sign-in page.")
    step = _matching_step(factor.secret, digits, now) if digits.isdigit() else None
    if step is None:
        raise CodeRefused(WRONG_CODE)
    if not _use_step(factor, step):
        raise CodeRefused(USED_CODE)
    factor.enrolled_at = now
    return new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes with ten new ones; return them, to show once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(10)  # 80 bits
        codes.append("-".join(raw[i:i + 5] for i in range(0, 20, 5)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    db.session.flush()
    return codes


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_digits(code).lower().encode()).hexdigest()


def _use_recovery_code(user_id: int, code: str, now: datetime) -> bool:
    """Spend a recovery code once; return whether it was an unused code of this person."""
    spent = execute_dml(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _recovery_hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    return spent == 1


def recovery_codes_left(user_id: int) -> int:
    """Return how many unused recovery codes the person has."""
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all())


def check_code(user_id: int, session_key: str, code: str, now: datetime | None = None) -> bool:
    """Accept a TOTP or recovery code for this session; return whether a recovery code was used.

    Raises CodeRefused for a wrong or used code, SessionLocked once this session has had
    too many wrong codes (the session is then ended).
    """
    now = now or utcnow()
    factor = enrolment(user_id)
    row = db.session.scalar(select(UserSession).where(
        UserSession.key_hash == hash_key(session_key), UserSession.ended_at.is_(None)))
    if factor is None or row is None:
        raise CodeRefused("Please sign in again.")
    digits = _digits(code)
    recovery = False
    if digits.isdigit() and len(digits) == 6:
        step = _matching_step(factor.secret, digits, now)
        if step is not None and not _use_step(factor, step):
            _count_wrong(row, session_key)
            raise CodeRefused(USED_CODE)
        accepted = step is not None
    else:
        accepted = recovery = bool(digits) and _use_recovery_code(user_id, digits, now)
    if not accepted:
        _count_wrong(row, session_key)
        raise CodeRefused(WRONG_CODE)
    row.second_factor_at = now
    row.wrong_codes = 0
    db.session.flush()
    identity_cache().forget(row.key_hash)
    return recovery


def _count_wrong(row: UserSession, session_key: str) -> None:
    row.wrong_codes = (row.wrong_codes or 0) + 1
    db.session.flush()
    if row.wrong_codes >= MAX_WRONG_CODES:
        end_session(session_key, LOCKED)
        raise SessionLocked(LOCKED_MESSAGE)


def mark_session_verified(session_key: str, now: datetime | None = None) -> None:
    """Note on this session that the second factor was just proved (at enrolment)."""
    db.session.execute(update(UserSession).where(UserSession.key_hash == hash_key(session_key))
                       .values(second_factor_at=now or utcnow())
                       .execution_options(synchronize_session=False))
    identity_cache().forget(hash_key(session_key))


def remove_second_factor(user: User) -> bool:
    """Remove the person's second factor and recovery codes; return whether they had one."""
    had = enrolment(user.id) is not None
    db.session.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    return had
