"""Learning records: enrolments, module progress and quiz attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.models import UTCDateTime, utcnow


class Enrollment(Model):
    """A trainee's place in a program (programs live in courses/, not in the database)."""

    __table_args__ = (UniqueConstraint("user_id", "program_slug",
                                       name="uq_enrollment_user_program"),
                      CheckConstraint("edition >= 1", name="edition_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    program_slug: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The edition of the program's requirements the trainee works toward (program.yaml
    #: `editions`); set at enrolment, changed only by a recorded move.
    edition: Mapped[int] = mapped_column(default=1, server_default="1")


class ModuleProgress(Model):
    """What a trainee has done in one module: read it, and passed its quiz."""

    __table_args__ = (
        UniqueConstraint("user_id", "program_slug", "module_slug",
                         name="uq_module_progress_user_module"),
        CheckConstraint("best_score IS NULL OR best_score BETWEEN 0 AND 100",
                        name="best_score_percent"),
        CheckConstraint("passed_at IS NULL OR best_score IS NOT NULL", name="passed_has_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    program_slug: Mapped[str] = mapped_column(String(64))
    module_slug: Mapped[str] = mapped_column(String(64))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by the first passing attempt and never cleared.
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    best_score: Mapped[int | None]
    #: The module's content hash when it was passed.
    passed_version: Mapped[str | None] = mapped_column(String(64))


class QuizAttempt(Model):
    """One attempt at a module's quiz: the questions drawn, then the graded answers."""

    __table_args__ = (
        UniqueConstraint("user_id", "program_slug", "module_slug", "number",
                         name="uq_quiz_attempt_number"),
        CheckConstraint("(submitted_at IS NULL) = (score IS NULL)", name="submitted_has_score"),
        CheckConstraint("(submitted_at IS NULL) = (passed IS NULL)", name="submitted_has_result"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_percent"),
        # At most one open attempt per trainee and module, even under double clicks.
        Index("uq_quiz_attempt_open", "user_id", "program_slug", "module_slug", unique=True,
              sqlite_where=text("submitted_at IS NULL"),
              postgresql_where=text("submitted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    program_slug: Mapped[str] = mapped_column(String(64))
    module_slug: Mapped[str] = mapped_column(String(64))
    #: 1 for the first attempt at this module, 2 for the second, ...
    number: Mapped[int]
    #: The module file's SHA-256 when the questions were drawn.
    content_version: Mapped[str] = mapped_column(String(64))
    #: [{"q": question key, "c": [choice keys in the order shown]}]
    drawn: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: {"question key": [chosen choice keys]}
    answers: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    score: Mapped[int | None]
    passed: Mapped[bool | None]
