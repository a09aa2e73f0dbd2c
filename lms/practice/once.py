"""One-time form keys: a form that creates a record, sent twice, records it once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.extensions import db
from lms.models import utcnow
from lms.practice.models import SentForm

KEEP_KEYS_FOR = timedelta(days=7)
ALREADY_SENT = "That form had already been sent, so nothing new was saved. Here is what was saved."


def new_form_key() -> str:
    """Return a fresh key for a form that is about to be shown."""
    return secrets.token_hex(16)


def claim_form(key: str | None, user: User) -> str | None:
    """Claim the key before recording anything; return the earlier result if it was taken.

    Call it before the request writes anything else: a clash rolls the transaction back.
    Returns None when the key is new (or absent, as from a form cached before keys existed).
    """
    if not key or len(key) != 32:
        return None
    earlier = db.session.get(SentForm, key)
    if earlier is None:
        db.session.add(SentForm(key=key, user_id=user.id))
        try:
            db.session.flush()
            _forget_old_keys(user)
            return None
        except IntegrityError:
            # Another send of the same form won the race; its transaction has committed.
            db.session.rollback()
            earlier = db.session.get(SentForm, key)
    if earlier is None or earlier.user_id != user.id:
        return ""
    return earlier.result_url or ""


def _forget_old_keys(user: User) -> None:
    # A form is sent again within minutes, not weeks: old keys only take up room.
    db.session.execute(delete(SentForm).where(SentForm.user_id == user.id,
                                              SentForm.sent_at < utcnow() - KEEP_KEYS_FOR))


def settle_form(key: str | None, result_url: str) -> None:
    """Record where this send led, for any later send of the same form."""
    claimed = db.session.get(SentForm, key) if key else None
    if claimed is not None:
        claimed.result_url = result_url
