"""The signed-in person as a small value, and the per-process cache that holds it.

Every signed-in request reads an `Identity` (id, role, name, status, session stamp), never
an ORM `User`. The cache maps a session (the SHA-256 of its key) to the identity read with it
and the moment it was read. Bound: an entry older than `LMS_IDENTITY_CACHE_SECONDS`
(5 by default) is read again, and requests that change something (POST, PUT, PATCH, DELETE)
always read the database. So an ended session is refused by every POST at once and by every
read-only page on every app server within that many seconds; the process that ends a session
drops its entries at once. At most `CAPACITY` sessions are held per process (about 300 bytes
each); beyond that the oldest half is dropped, which costs one query each when they return.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from lms.auth.models import Role

CAPACITY = 20_000


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is signed in, for this session: what pages and services need, and no more."""

    id: int
    role: Role
    display_name: str
    #: The person's session stamp as read from the database with this identity.
    stamp: str
    #: The key of this browser's session (its hash names the row in `user_session`).
    session_key: str
    #: The person's own time zone (an IANA name), or None for the instance's default.
    time_zone: str | None = None
    #: Only active people ever get an identity; Flask-Login asks.
    is_active: bool = True
    #: Whether the person has a second factor set up (lms.auth.second_factor).
    enrolled: bool = False
    #: Whether this session has proved the second factor.
    second_factor: bool = False

    @property
    def name(self) -> str:
        """Return the name to show."""
        return self.display_name

    @property
    def is_authenticated(self) -> bool:
        """Tell Flask-Login this is a signed-in person."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Tell Flask-Login this is not a visitor."""
        return False

    def get_id(self) -> str:
        """Return what the session cookie carries: person, stamp and session key."""
        return f"{self.id}:{self.stamp}:{self.session_key}"


class IdentityCache:
    """Identities by session key hash, each trusted for `ttl` seconds after it was read."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[str, tuple[Identity, float]] = {}

    def get(self, key_hash: str) -> Identity | None:
        """Return the identity if it was read less than `ttl` seconds ago."""
        entry = self._entries.get(key_hash)
        if entry is None or self.clock() - entry[1] >= self.ttl:
            return None
        return entry[0]

    def put(self, key_hash: str, identity: Identity) -> None:
        """Remember an identity just read from the database."""
        if len(self._entries) >= CAPACITY:
            # Dicts keep insertion order: the first half holds the oldest reads.
            # pop, not del: with gunicorn --threads another thread may have dropped it.
            for stale in list(self._entries)[: CAPACITY // 2]:
                self._entries.pop(stale, None)
        self._entries.pop(key_hash, None)
        self._entries[key_hash] = (identity, self.clock())

    def forget(self, key_hash: str) -> None:
        """Drop one session's entry."""
        self._entries.pop(key_hash, None)

    def forget_person(self, user_id: int) -> None:
        """Drop every entry of one person."""
        for key_hash, (identity, _) in list(self._entries.items()):
            if identity.id == user_id:
                self._entries.pop(key_hash, None)

    def __len__(self) -> int:
        return len(self._entries)


def identity_cache() -> IdentityCache:
    """Return this app's identity cache (one per app object, so one per process)."""
    cache: IdentityCache = current_app.extensions["lantern.identities"]
    return cache
