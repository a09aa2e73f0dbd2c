"""Who is signed in: the session cookie checked against the identity cache and the database."""

from __future__ import annotations

import re

from flask import Flask, flash, g, redirect, request, session
from flask_login import login_url
from sqlalchemy import bindparam, select
from werkzeug.wrappers import Response

from lms.auth.identity import Identity, IdentityCache, identity_cache
from lms.auth.models import User
from lms.auth.second_factor import SecondFactor
from lms.auth.sessions import UserSession, hash_key
from lms.extensions import db, login_manager
from lms.ids import parse_id
from lms.models import utcnow

#: Methods that only read: served from the cache. Every other method reads the database.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

SESSION_ENDED = "You have been signed out. Please sign in again to carry on."
SESSION_ENDED_ON_SEND = ("You had been signed out, so what you just sent was not saved. "
                         "Please sign in again.")
_KEY = re.compile(r"[A-Za-z0-9_-]{32,64}")
_STAMP = re.compile(r"[A-Za-z0-9_-]{8,32}")

# Built once per process: one statement, bound per request.
_IDENTITY = (
    select(User.id, User.role, User.display_name, User.session_stamp, User.time_zone,
           UserSession.second_factor_at, SecondFactor.enrolled_at)
    .join(UserSession, UserSession.user_id == User.id)
    .outerjoin(SecondFactor, SecondFactor.user_id == User.id)
    .where(UserSession.key_hash == bindparam("key_hash"),
           UserSession.ended_at.is_(None),
           UserSession.expires_at > bindparam("now"),
           User.is_active.is_(True),
           User.password_hash.is_not(None))
)


def read_identity(key: str) -> Identity | None:
    """Return the identity of an open session from the database, or None if it has ended."""
    row = db.session.execute(_IDENTITY, {"key_hash": hash_key(key), "now": utcnow()}).first()
    if row is None:
        return None
    return Identity(id=row.id, role=row.role, display_name=row.display_name or "",
                    stamp=row.session_stamp, session_key=key, time_zone=row.time_zone,
                    enrolled=row.enrolled_at is not None,
                    second_factor=row.second_factor_at is not None)


def load_identity(cookie: str) -> Identity | None:
    """Return the identity for the session cookie, or None (and sign out) if it has ended."""
    parts = cookie.split(":")
    if len(parts) != 3 or not _STAMP.fullmatch(parts[1]) or not _KEY.fullmatch(parts[2]):
        _signed_out()
        return None
    user_id, stamp, key = parse_id(parts[0]), parts[1], parts[2]
    if user_id is None:
        _signed_out()
        return None
    cache = identity_cache()
    key_hash = hash_key(key)
    identity = cache.get(key_hash) if request.method in READ_ONLY_METHODS else None
    if identity is None:
        identity = read_identity(key)
        if identity is None:
            cache.forget(key_hash)
            _signed_out()
            return None
        cache.put(key_hash, identity)
    if identity.id != user_id or identity.stamp != stamp:
        _signed_out()
        return None
    return identity


def reread_identity(identity: Identity) -> Identity | None:
    """Read a session again from the database, past the cache, and remember what it says."""
    # Used where a cached identity may lag behind an upgrade of this very session (a second
    # factor proved on another app server): the cache only bounds how late *endings* are seen.
    fresh = read_identity(identity.session_key)
    key_hash = hash_key(identity.session_key)
    if fresh is None:
        identity_cache().forget(key_hash)
    else:
        identity_cache().put(key_hash, fresh)
    return fresh


def _signed_out() -> None:
    """Forget an ended or unreadable session, and say so calmly on the next page."""
    # Forget the ended session in the cookie, so later requests need no look-up at all.
    for name in ("_user_id", "_fresh", "_id"):
        session.pop(name, None)
    g.session_ended = True
    flash(SESSION_ENDED if request.method in READ_ONLY_METHODS else SESSION_ENDED_ON_SEND, "info")


def _unauthorized() -> Response:
    """Send a visitor to sign in, saying why in one calm message."""
    if not g.pop("session_ended", False):
        flash(login_manager.login_message or "", login_manager.login_message_category)
    return redirect(login_url("auth.sign_in", request.url))


def _no_store_when_signed_in(response: Response) -> Response:
    # Only look if this request already read who is signed in: never a look-up for this alone.
    user = g.get("_login_user")
    if (user is not None and user.is_authenticated
            and "no-store" not in response.headers.get("Cache-Control", "")):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_identity(app: Flask, cache_seconds: float) -> None:
    """Wire Flask-Login to server-side sessions and the identity cache."""
    app.extensions["lantern.identities"] = IdentityCache(cache_seconds)
    login_manager.user_loader(load_identity)
    login_manager.unauthorized_handler(_unauthorized)
    app.after_request(_no_store_when_signed_in)
