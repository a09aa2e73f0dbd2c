"""Factories that add records to the session (flush, never commit)."""

from __future__ import annotations

import itertools
import secrets

from lms.auth.models import Role, User
from lms.auth.passwords import hash_password
from lms.extensions import db
from lms.models import utcnow

DEFAULT_PASSWORD = "a calm river at dusk"
_hash_cache: dict[str, str] = {}
# Certificates made here take status list positions in turn: random ones collided once a
# test made a hundred of them.
_status_indexes = itertools.count(secrets.randbelow(1 << 15))


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


def make_certificate(user_id: int, holder_name: str = "Jordan Trainee",  # noqa: ANN201
                     expires_on=None):  # noqa: ANN001
    """Add an active certificate row without rendering or signing (for access tests)."""
    import hashlib
    from datetime import date

    from lms.certification.codes import new_code
    from lms.certification.models import Certificate

    code = new_code()
    pdf = b"%PDF-1.7 placeholder for " + code.encode()
    certificate = Certificate(
        code=code, user_id=user_id, program_slug="foundations",
        program_title="Peer Support Foundations", profile_slug="default",
        profile_title="Peer Support Foundations certificate", content_version="0" * 64,
        holder_name=holder_name, issued_on=date.today(), expires_on=expires_on,
        certified={"modules": [], "practice": [], "competencies": []},
        status_index=next(_status_indexes) % (1 << 16),
        credential_json="{}", pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest())
    db.session.add(certificate)
    db.session.flush()
    return certificate


def session_cookie(user: User) -> str:
    """Start a server-side session for the person; return the value for session["_user_id"]."""
    from lms.auth.identity import Identity
    from lms.auth.sessions import start_session

    key = start_session(user)
    return Identity(id=user.id, role=user.role, display_name=user.display_name or "",
                    stamp=user.session_stamp, session_key=key).get_id()
