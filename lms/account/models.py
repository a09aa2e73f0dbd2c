"""The one pending e-mail change of a person, waiting for its confirmation link to be opened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.models import UTCDateTime, utcnow


class EmailChangeRequest(Model):
    """A new address asked for on the account page; a newer request replaces it."""

    __tablename__ = "email_change_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    new_email: Mapped[str] = mapped_column(String(254))
    #: SHA-256 of the secret in the link; the secret itself is only ever in the e-mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The person's security stamp when asked: a password change since then voids the link.
    security_stamp: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
