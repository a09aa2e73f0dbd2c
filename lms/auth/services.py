"""Account rules: one-time links, joining, resetting and signing in."""

from __future__ import annotations

import re
from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import or_, select

from lms.auth.models import SupervisorAssignment, User, find_user_by_email, new_security_stamp
from lms.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from lms.auth.second_factor import remove_second_factor
from lms.auth.sessions import EndReason as EndReason
from lms.auth.sessions import end_all_sessions as end_all_sessions
from lms.extensions import db
from lms.models import RecordSource, columns_of, exported, utcnow

#: The password length rules, for other features' forms (password_problem checks them).
PASSWORD_MIN_LENGTH = MIN_LENGTH
PASSWORD_MAX_LENGTH = MAX_LENGTH


class LinkPurpose(StrEnum):
    """What a one-time account link lets its holder do."""

    INVITE = "invite"
    RESET = "reset"


class AccountError(Exception):
    """A refusal whose message is safe and kind enough to show the person."""


class LinkExpired(AccountError):
    """The link is older than its seven days."""


class LinkInvalid(AccountError):
    """The link was altered, is for something else, or was already used."""


class WeakPassword(AccountError):
    """The chosen password breaks a strength rule."""


class SignInRefused(AccountError):
    """The e-mail and password do not open an active account."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lantern.account-link")


def make_account_link(user: User, purpose: LinkPurpose) -> str:
    """Return an absolute one-time link for the user to join or reset their password."""
    token = _serializer().dumps({"u": user.id, "s": user.security_stamp, "p": purpose.value})
    base_url = current_app.config["LMS_BASE_URL"]
    return f"{base_url}/{purpose.value}/{token}"


def read_account_link(token: str, purpose: LinkPurpose) -> User:
    """Return the user a one-time link belongs to, or raise why it cannot be used."""
    max_age = current_app.config["INVITE_MAX_AGE_SECONDS"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired(
            "This link has expired. Links last seven days: please ask your program "
            "administrator for a new one."
        ) from None
    except BadSignature:
        raise LinkInvalid(
            "This link is not valid. Please check that you copied all of it, or ask your "
            "program administrator for a new one."
        ) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("p") != purpose.value:
        raise LinkInvalid("This link is not valid. Please ask your administrator for a new one.")
    if user.security_stamp != data.get("s"):
        raise LinkInvalid(
            "This link has already been used, or a newer link has replaced it. "
            "If you have set your password, you can sign in."
        )
    if not user.is_active:
        raise LinkInvalid("This account has been closed. Please contact your administrator.")
    if purpose is LinkPurpose.INVITE and user.has_joined:
        raise LinkInvalid("You have already joined with this link. Please sign in.")
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password after checking it, voiding earlier links and sessions."""
    problem = password_problem(password, user.email)
    if problem:
        raise WeakPassword(problem)
    user.password_hash = hash_password(password)
    user.security_stamp = new_security_stamp()
    end_all_sessions(user, EndReason.PASSWORD)


#: Control characters and bidirectional overrides: invisible, yet able to make a name printed
#: on a certificate or a verification page read as something else.
_HIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f"
                                "\u202a-\u202e\u2066-\u2069]")
HIDDEN_IN_NAME = ("Please type the name again without hidden formatting characters; it is "
                  "printed on certificates exactly as given.")


def has_hidden_characters(text: str) -> bool:
    """Return whether text holds control or text-direction characters nobody can see."""
    return _HIDDEN_CHARACTERS.search(text) is not None


def accept_invitation(user: User, display_name: str, password: str) -> None:
    """Let an invited person join with their chosen name and password."""
    if has_hidden_characters(display_name):
        raise AccountError(HIDDEN_IN_NAME)
    name = " ".join(display_name.split())
    if not name:
        raise AccountError("Please tell us the name you would like to use.")
    user.display_name = name
    set_password(user, password)
    user.joined_at = utcnow()
    db.session.flush()


def authenticate(email: str, password: str) -> User:
    """Return the active user with this e-mail and password, or raise SignInRefused."""
    user = find_user_by_email(email)
    # The hash runs whether or not the address is known, so timing does not tell them apart.
    matches = verify_password(user.password_hash if user is not None else None, password)
    if user is None or not matches:
        raise SignInRefused("That e-mail and password do not match an account. Please try again.")
    if not user.is_active:
        raise SignInRefused(
            "This account has been deactivated. Please contact your program administrator."
        )
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def password_matches(user: User, password: str) -> bool:
    """Return whether the password is the person's current one (to confirm a change)."""
    return verify_password(user.password_hash, password)


#: Secrets that open an account: not data about the person, and never downloaded.
SECRET_COLUMNS = frozenset({"password_hash", "security_stamp"})


def personal_data(user: User) -> dict[str, RecordSource]:
    """Return the person's account and supervision links by file name, for their download."""
    return {
        "profile.json": lambda: [columns_of(user, SECRET_COLUMNS)],
        "supervisors.csv": exported(
            select(SupervisorAssignment).where(or_(SupervisorAssignment.trainee_id == user.id,
                                                   SupervisorAssignment.supervisor_id == user.id))
            .order_by(SupervisorAssignment.id)),
    }


def reset_second_factor(person: User) -> bool:
    """Remove a person's second factor after a lost device and end their sessions."""
    had = remove_second_factor(person)
    end_all_sessions(person, EndReason.SECOND_FACTOR_RESET)
    return had
