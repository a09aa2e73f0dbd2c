"""Factories that add records to the session (flush, never commit)."""

from __future__ import annotations

import secrets

from lms.auth.models import Role, User
from lms.auth.passwords import hash_password
from lms.extensions import db
from lms.models import utcnow

DEFAULT_PASSWORD = "a calm river at dusk"
_hash_cache: dict[str, str] = {}


def make_user(role: Role = Role.TRAINEE, email: str | None = None, name: str | None = "Pat Doe",
              password: str | None = DEFAULT_PASSWORD, active: bool = True) -> User:
    """Add a person; with password=None they are invited but have not joined."""
    if email is None:
        email = f"{role.value}-{secrets.token_hex(4)}@example.org"
    if password is not None and password not in _hash_cache:
        # Hashing with argon2 is deliberately slow; reuse one hash per password in tests.
        _hash_cache[password] = hash_password(password)
    user = User(email=email.lower(), display_name=name, role=role, is_active=active,
                password_hash=_hash_cache.get(password) if password else None,
                joined_at=utcnow() if password else None)
    db.session.add(user)
    db.session.flush()
    return user
