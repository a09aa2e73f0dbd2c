"""Cohorts, their members, and CSV imports waiting between preview and confirmation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.models import UTCDateTime, utcnow


class Cohort(Model):
    """Trainees who start together on one program edition, working toward one profile."""

    __table_args__ = (CheckConstraint("name_key = lower(name_key)", name="name_key_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The name folded to lower case: two cohorts may not differ only by case.
    name_key: Mapped[str] = mapped_column(String(120), unique=True)
    program_slug: Mapped[str] = mapped_column(String(64))
    #: The program's content version (sha256) when the cohort was made; kept for the record.
    edition: Mapped[str] = mapped_column(String(64))
    #: The numbered edition of requirements its trainees work toward (lms.learning editions).
    edition_number: Mapped[int] = mapped_column(server_default="1")
    profile_slug: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class CohortMember(Model):
    """A trainee's one cohort; moving them rewrites this row and appends to the audit log."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportBatch(Model):
    """An uploaded CSV waiting for confirmation; any app server can confirm it by its token."""

    token: Mapped[str] = mapped_column(String(43), primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    filename: Mapped[str] = mapped_column(String(200))
    row_count: Mapped[int]
    problem_count: Mapped[int]
    #: A problem with the whole file (columns, encoding), shown instead of row problems.
    file_problem: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportRow(Model):
    """One row of an uploaded CSV, with what is wrong with it (NULL: nothing)."""

    __table_args__ = (
        Index("ix_import_row_batch_line", "batch_token", "line", unique=True),
        # The preview pages through rows with problems only.
        Index("ix_import_row_problems", "batch_token", "line",
              sqlite_where=text("problems IS NOT NULL"),
              postgresql_where=text("problems IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_token: Mapped[str] = mapped_column(
        ForeignKey("import_batch.token", ondelete="CASCADE"))
    line: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(300))
    cohort_name: Mapped[str] = mapped_column(String(200))
    supervisor_email: Mapped[str] = mapped_column(String(300))
    problems: Mapped[str | None] = mapped_column(Text)
    #: The person created from this row, once the import is confirmed.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
