"""Account rules: names, addresses, passwords, time zones and data downloads, each audited."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from lms.audit.services import append_event
from lms.auth.models import User
from lms.auth.services import HIDDEN_IN_NAME, has_hidden_characters, password_matches, set_password
from lms.extensions import db, limiter
from lms.timezones import is_zone

#: How long a download holds its place if the process dies mid-stream without letting go.
DOWNLOAD_LOCK_SECONDS = 15 * 60
NAME_MAX = 120


class AccountChangeError(Exception):
    """A refusal whose message is kind enough to show the person."""


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


def change_email(person: User, new_email: str, actor: User) -> bool:
    """Change a person's sign-in address (an admin's action); return whether it changed."""
    try:
        address = validate_email(new_email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise AccountChangeError("That does not look like an e-mail address. Please check it "
                                 "and try again.") from None
    address = address.lower()
    if address == person.email:
        return False
    taken = db.session.scalar(select(User.id).where(User.email == address, User.id != person.id))
    if taken is not None:
        raise AccountChangeError("Another account already uses that address. Each person needs "
                                 "their own.")
    person.email = address
    # The addresses themselves stay out of the permanent log; the change and who made it do not.
    append_event("account.email_changed", actor, person, {})
    return True


def change_password(person: User, current: str, new: str) -> None:
    """Change one's own password after checking the current one; other sessions end."""
    if not password_matches(person, current):
        raise AccountChangeError("Your current password is not right, so nothing was changed. "
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
