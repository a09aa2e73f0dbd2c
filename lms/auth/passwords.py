"""Password hashing and the strength rules shown to people choosing a password."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256
_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
# A real hash of a throwaway value, so unknown e-mails cost as much time as known ones.
_DUMMY_HASH = _hasher.hash("lantern-timing-equaliser")


def hash_password(password: str) -> str:
    """Return an argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether the password matches, spending the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash was made with weaker settings than today's."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords (Django's list, BSD licence), lower-cased."""
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Return why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Please use at least {MIN_LENGTH} characters. A short phrase works well."
    if len(password) > MAX_LENGTH:
        return f"Please use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered.isdigit():
        return "Please include some letters or words, not only numbers."
    listed = common_passwords()
    # Common words padded with digits or symbols ("password2024!") are guessed just as fast.
    core = lowered.rstrip("0123456789!@#$%^&*?.-_ ")
    if lowered in listed or (len(core) >= 4 and core in listed):
        return "That password is on a list of common passwords. Please choose another."
    if len(set(lowered)) <= 3 or _is_repetition(lowered):
        return "That password repeats itself, which makes it easy to guess. Please choose another."
    local_part = email.partition("@")[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        return "Please choose a password that does not contain your e-mail address."
    return None


def _is_repetition(text: str) -> bool:
    """Return whether the text is one shorter piece repeated, like "passwordpassword"."""
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )
