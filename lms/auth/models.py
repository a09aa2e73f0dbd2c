"""People: accounts, roles and supervisor assignments."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Model, db
from lms.models import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What a person does in Lantern."""

    TRAINEE = "trainee"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


def new_security_stamp() -> str:
    """Return a fresh random stamp; changing it voids links and sessions issued before."""
    return secrets.token_urlsafe(16)


class User(Model):
    """A person who can sign in, once they have accepted their invitation."""

    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(
            "password_hash IS NULL OR display_name IS NOT NULL", name="joined_has_name"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, so uniqueness is case-insensitive on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Chosen by the person when they accept the invitation.
    display_name: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
             validate_strings=True, create_constraint=True, name="role")
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    #: NULL until the invitation is accepted.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Rotated when the password changes, so old links and sessions stop working.
    security_stamp: Mapped[str] = mapped_column(String(32), default=new_security_stamp)
    #: Rotated to end every session of this person at once (see lms.auth.sessions).
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_security_stamp)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: An IANA zone name chosen on the account page; NULL means the instance's LMS_TIME_ZONE.
    time_zone: Mapped[str | None] = mapped_column(String(64))

    supervisors: Mapped[list[User]] = relationship(
        secondary="supervisor_assignment",
        primaryjoin="User.id == SupervisorAssignment.trainee_id",
        secondaryjoin="User.id == SupervisorAssignment.supervisor_id",
        order_by="User.display_name",
        viewonly=True,
    )

    @property
    def has_joined(self) -> bool:
        """Return whether the invitation has been accepted."""
        return self.password_hash is not None

    @property
    def name(self) -> str:
        """Return the name to show, falling back to the e-mail only for admins' lists."""
        return self.display_name or "(not joined yet)"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class SupervisorAssignment(Model):
    """A supervisor who may review a trainee's practice."""

    __table_args__ = (
        UniqueConstraint(
            "trainee_id", "supervisor_id", name="uq_supervisor_assignment_trainee_supervisor"
        ),
        CheckConstraint("trainee_id <> supervisor_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    supervisor_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


def find_user_by_email(email: str) -> User | None:
    """Return the user with this e-mail, ignoring case and surrounding spaces."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))
