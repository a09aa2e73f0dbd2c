"""Practice records: log entries, supervisor decisions, observations and supervision sessions."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.extensions import Model
from lms.models import UTCDateTime, after_create, utcnow


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=True, name=name)


class EntryState(enum.StrEnum):
    """Where a practice entry is in review; "resubmitted" is submitted with submissions > 1."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


class Decision(enum.StrEnum):
    """What a supervisor decided about a submitted entry."""

    APPROVE = "approve"
    RETURN = "return"


class PracticeEntry(Model):
    """One stretch of practice a trainee logged; approved entries are locked for good."""

    __table_args__ = (
        CheckConstraint("minutes BETWEEN 5 AND 720", name="minutes_range"),
        CheckConstraint("submissions >= 0", name="submissions_positive"),
        CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        CheckConstraint("state <> 'approved' OR (approved_at IS NOT NULL AND "
                        "approved_by_id IS NOT NULL)", name="approved_has_signoff"),
        Index("ix_practice_entry_trainee_state", "trainee_id", "state"),
        Index("ix_practice_entry_state_submitted", "state", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    #: The program whose activity types and requirements the entry was logged against.
    program_slug: Mapped[str] = mapped_column(String(64))
    #: The program's content hash when the entry was last written (its lists were checked).
    program_version: Mapped[str] = mapped_column(String(64))
    practice_date: Mapped[date]
    start_time: Mapped[time | None]
    minutes: Mapped[int]
    activity: Mapped[str] = mapped_column(String(64))
    setting: Mapped[str] = mapped_column(String(64))
    competencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Markdown written by the trainee; rendered and sanitized on display, never stored as HTML.
    reflection: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[EntryState] = mapped_column(_enum(EntryState, "entry_state"),
                                              default=EntryState.DRAFT)
    #: How many times it has been sent for review; approval forms name the one they saw.
    submissions: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the trainee confirmed that highlighted parts of the reflection identify no one.
    identifiers_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identifiers_confirmed_kinds: Mapped[list[str] | None] = mapped_column(JSON)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id], lazy="raise_on_sql")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id],
                                                    lazy="raise_on_sql")
    decisions: Mapped[list[PracticeDecision]] = relationship(
        back_populates="entry", order_by="PracticeDecision.id", lazy="raise_on_sql",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_resubmission(self) -> bool:
        """Return whether the trainee has sent this entry for review more than once."""
        return self.submissions > 1


class PracticeDecision(Model):
    """A supervisor's approval or return of one submission, with the content hash they saw."""

    __table_args__ = (
        CheckConstraint("decision = 'approve' OR length(trim(comment)) > 0",
                        name="return_has_comment"),
        UniqueConstraint("entry_id", "submission", name="uq_practice_decision_submission"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("practice_entry.id", ondelete="CASCADE"),
                                          index=True)
    #: Which submission of the entry this decides; one decision per submission.
    submission: Mapped[int]
    #: Indexed: the reports' turnaround tally recounts one supervisor's decisions at a time.
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    decision: Mapped[Decision] = mapped_column(_enum(Decision, "decision"))
    comment: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: SHA-256 of the entry's content at the moment of the decision.
    content_sha256: Mapped[str] = mapped_column(String(64))

    entry: Mapped[PracticeEntry] = relationship(back_populates="decisions")
    supervisor: Mapped[User] = relationship(lazy="raise_on_sql")


class CompetencyObservation(Model):
    """A supervisor's observation of a trainee practising one competency."""

    __table_args__ = (
        *(CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 0 AND 500", name=f"{name}_range")
          for name in ("open_questions", "closed_questions", "simple_reflections",
                       "complex_reflections", "affirmations", "summaries")),
        Index("ix_competency_observation_trainee", "trainee_id", "competency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    program_slug: Mapped[str] = mapped_column(String(64))
    #: The program's content hash when the observation was recorded.
    program_version: Mapped[str] = mapped_column(String(64))
    competency: Mapped[str] = mapped_column(String(64))
    observed_on: Mapped[date]
    #: True records "observed and competent"; False is feedback on the way there.
    competent: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    open_questions: Mapped[int | None]
    closed_questions: Mapped[int | None]
    simple_reflections: Mapped[int | None]
    complex_reflections: Mapped[int | None]
    affirmations: Mapped[int | None]
    summaries: Mapped[int | None]

    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id], lazy="raise_on_sql")

    @property
    def tallies(self) -> dict[str, int | None]:
        """Return the OARS tallies by name."""
        return {name: getattr(self, name) for name in OARS_FIELDS}


OARS_FIELDS = ("open_questions", "closed_questions", "simple_reflections",
               "complex_reflections", "affirmations", "summaries")


class SessionKind(enum.StrEnum):
    """Individual or group supervision."""

    INDIVIDUAL = "individual"
    GROUP = "group"


class SupervisionSession(Model):
    """One supervision session, recorded on its own date (never as a date range)."""

    __table_args__ = (CheckConstraint("minutes BETWEEN 5 AND 480", name="minutes_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    session_date: Mapped[date]
    start_time: Mapped[time | None]
    minutes: Mapped[int]
    kind: Mapped[SessionKind] = mapped_column(_enum(SessionKind, "session_kind"))
    modality: Mapped[str] = mapped_column(String(20))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    supervisor: Mapped[User] = relationship(lazy="raise_on_sql")
    attendees: Mapped[list[SessionAttendee]] = relationship(
        back_populates="session", lazy="raise_on_sql", cascade="all, delete-orphan")


class SessionAttendee(Model):
    """A trainee who took part in a supervision session."""

    __table_args__ = (UniqueConstraint("session_id", "trainee_id",
                                       name="uq_session_attendee_trainee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_session.id", ondelete="CASCADE"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)

    session: Mapped[SupervisionSession] = relationship(back_populates="attendees")
    trainee: Mapped[User] = relationship(lazy="raise_on_sql")



class SentForm(Model):
    """A form's one-time key, claimed when the form first creates a record.

    Without JavaScript nothing stops a double click or a resend after "back"; the key lets the
    second send find where the first one led instead of recording the practice twice.
    """

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Where the first send led (the new record's page); set in the same transaction.
    result_url: Mapped[str | None] = mapped_column(String(300))


# The database refuses to change or delete an approved entry, whatever the code path.
# Keep these statements in step with the migration that creates the table.
SQLITE_LOCK = (
    "CREATE TRIGGER practice_entry_locked_update BEFORE UPDATE ON practice_entry "
    "WHEN OLD.state = 'approved' "
    "BEGIN SELECT RAISE(ABORT, 'approved practice entries are locked'); END",
    "CREATE TRIGGER practice_entry_locked_delete BEFORE DELETE ON practice_entry "
    "WHEN OLD.state = 'approved' "
    "BEGIN SELECT RAISE(ABORT, 'approved practice entries are locked'); END",
)
POSTGRESQL_LOCK = (
    "CREATE OR REPLACE FUNCTION practice_entry_locked() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'approved practice entries are locked' USING ERRCODE = "
    "'restrict_violation'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER practice_entry_locked BEFORE UPDATE OR DELETE ON practice_entry "
    "FOR EACH ROW WHEN (OLD.state = 'approved') EXECUTE FUNCTION practice_entry_locked()",
)
after_create(PracticeEntry, SQLITE_LOCK, POSTGRESQL_LOCK)



# Supervisors' decisions and competency observations are sign-offs: the database keeps them
# exactly as recorded, even if a code path (or a cascade) tries to change or remove them.
# Keep these statements in step with the migration "practice: sign-offs are kept".
SIGN_OFF_KEPT = "sign-offs are kept as recorded"
POSTGRESQL_KEEP_FUNCTION = (
    "CREATE OR REPLACE FUNCTION sign_off_kept() RETURNS trigger AS $$ BEGIN "
    f"RAISE EXCEPTION '{SIGN_OFF_KEPT}' USING ERRCODE = 'restrict_violation'; "
    "END $$ LANGUAGE plpgsql")


def sqlite_keep(table: str) -> tuple[str, ...]:
    """Return SQLite triggers that refuse any change to or removal of the table's rows."""
    return tuple(f"CREATE TRIGGER {table}_kept_{action.lower()} BEFORE {action} ON {table} "
                 f"BEGIN SELECT RAISE(ABORT, '{SIGN_OFF_KEPT}'); END"
                 for action in ("UPDATE", "DELETE"))


def postgresql_keep(table: str) -> tuple[str, ...]:
    """Return the PostgreSQL function and trigger that do the same."""
    return (POSTGRESQL_KEEP_FUNCTION,
            f"CREATE TRIGGER {table}_kept BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sign_off_kept()")


# Supervision sessions and who attended are records a certificate rests on too: a correction
# is a new, linked record. Keep in step with the migration "certificates and supervision
# sessions are kept".
for _model in (PracticeDecision, CompetencyObservation, SupervisionSession, SessionAttendee):
    after_create(_model, sqlite_keep(_model.__tablename__),
                 postgresql_keep(_model.__tablename__))
