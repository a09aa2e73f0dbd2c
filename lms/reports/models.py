"""One summary row per trainee enrolment: the reference stage query's result, kept current."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Model
from lms.models import UTCDateTime


class TraineeSummary(Model):
    """Where one trainee stands in one program, as lms.reports.stages defines it.

    lms.reports.summary rewrites a trainee's rows from that definition in the same transaction
    as any record it depends on. Nothing here depends on the day: expiring, expired and quiet
    are worked out when read from expires_on and last_at.
    """

    # The lists behind the admin home's figures read one page in the order of an index:
    # by name within a stage (everyone, a cohort, a program), by expiry for certificates
    # expiring or expired, and by last activity for the quiet.
    __table_args__ = (
        Index("ix_trainee_summary_stage", "base_stage", "expires_on"),
        Index("ix_trainee_summary_stage_last", "base_stage", "last_at"),
        Index("ix_trainee_summary_stage_name", "base_stage", "sort_name"),
        Index("ix_trainee_summary_name", "sort_name"),
        Index("ix_trainee_summary_cohort_name", "cohort_id", "program_slug", "base_stage",
              "sort_name"),
        Index("ix_trainee_summary_cohort_expiry", "cohort_id", "program_slug", "base_stage",
              "expires_on"),
        Index("ix_trainee_summary_cohort_last", "cohort_id", "program_slug", "base_stage",
              "last_at"),
        Index("ix_trainee_summary_program_name", "program_slug", "base_stage", "sort_name"),
        Index("ix_trainee_summary_program_expiry", "program_slug", "base_stage", "expires_on"),
        Index("ix_trainee_summary_program_last", "program_slug", "base_stage", "last_at"),
        Index("ix_trainee_summary_first_issued", "first_issued"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    program_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The name shown (or the e-mail address before one is given), lower-cased to sort by.
    #: The default only covers rows written before the column existed; every rewrite sets it.
    sort_name: Mapped[str] = mapped_column(String(254), server_default="")
    profile: Mapped[str] = mapped_column(String(64))
    cohort_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined: Mapped[bool]
    #: The stage whatever the day: "certified" for an active certificate, expired or not.
    base_stage: Mapped[str] = mapped_column(String(16))
    modules_passed: Mapped[int]
    modules_needed: Mapped[int]
    counted_minutes: Mapped[int]
    minutes_needed: Mapped[int]
    modules_done: Mapped[bool]
    practice_met: Mapped[bool]
    certificates: Mapped[int]
    first_issued: Mapped[date | None] = mapped_column(Date)
    #: The active certificate's expiry (far future if it never expires); NULL without one.
    expires_on: Mapped[date | None] = mapped_column(Date)
    #: The latest step on the way (or joining, before any step); set for everyone who joined.
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SupervisorQueue(Model):
    """Entries waiting for one supervisor and the oldest wait, kept like the trainee summary.

    Written from lms.practice.figures.waiting_rows for the supervisors of any trainee whose
    entries change, and for any supervisor whose assignments or account change.
    """

    __table_args__ = (Index("ix_supervisor_queue_oldest", "oldest"),)

    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                               primary_key=True)
    waiting: Mapped[int]
    oldest: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StageCount(Model):
    """How many enrolments stand at each base stage in one report scope, moved with each row.

    Keyed like the funnel counters: (cohort_key, program_key), 0 and '' for any. Counting
    100,000 summary rows by stage reads them all; these few rows answer it at once. Expiring,
    expired and quiet still come from the summary's indexes on the day they are read.
    """

    __tablename__ = "scope_stage_count"

    cohort_key: Mapped[int] = mapped_column(primary_key=True)
    program_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    base_stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    trainees: Mapped[int]


class WeeklyMinutesShare(Model):
    """One trainee's approved minutes in one cohort, program, week and activity, as last counted.

    lms.reports.tallies keeps it so that a trainee's share can be taken out of the cohort
    tally exactly when their entries or their cohort change.
    """

    trainee_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                            primary_key=True)
    cohort_id: Mapped[int] = mapped_column(primary_key=True)
    program_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    activity: Mapped[str] = mapped_column(String(64), primary_key=True)
    minutes: Mapped[int]


class WeeklyMinutes(Model):
    """Approved minutes per cohort, program, week and activity: the sum of the trainees' shares.

    The weekly hours report reads twelve weeks of these few rows instead of every entry.
    A row whose trainees all left stays with zero minutes and is never shown.
    """

    __table_args__ = (Index("ix_weekly_minutes_week", "week", "cohort_id"),)

    cohort_id: Mapped[int] = mapped_column(primary_key=True)
    program_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    activity: Mapped[str] = mapped_column(String(64), primary_key=True)
    minutes: Mapped[int]


# The tallies below name people without a foreign key on purpose: a cascade would remove a
# trainee's stored share before the summary hook could take it out of the tally.


class AnswerShare(Model):
    """How often one trainee chose an answer on first attempts, as last counted.

    lms.reports.answers keeps it so that a trainee's answers can be taken out of the tally
    exactly when their attempts or the scopes they count in change.
    """

    trainee_id: Mapped[int] = mapped_column(primary_key=True)
    program_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_key: Mapped[str] = mapped_column(Text, primary_key=True)
    #: The chosen keys as the database's JSON text, exactly as the reference groups them.
    chosen: Mapped[str] = mapped_column(Text, primary_key=True)
    answers: Mapped[int]


class AnswerScope(Model):
    """A report scope a trainee with first-attempt answers counted in, when last counted.

    The scopes are the four groupings of the trainee's summary rows: everyone (cohort_key 0,
    program_key ''), each cohort, each program, and each cohort with its program.
    """

    trainee_id: Mapped[int] = mapped_column(primary_key=True)
    cohort_key: Mapped[int] = mapped_column(primary_key=True)
    program_key: Mapped[str] = mapped_column(String(64), primary_key=True)


class AnswerCount(Model):
    """First-attempt answers per report scope and question: the sum of the trainees' shares.

    The quiz item analysis reads one scope's rows (a few hundred) instead of every attempt.
    """

    cohort_key: Mapped[int] = mapped_column(primary_key=True)
    program_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    program_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_key: Mapped[str] = mapped_column(Text, primary_key=True)
    chosen: Mapped[str] = mapped_column(Text, primary_key=True)
    answers: Mapped[int]


class SupervisorTurnaround(Model):
    """One supervisor's decisions in one report scope: how many, returned, median hours.

    Medians do not add up, so lms.reports.turnaround recounts an affected supervisor's rows
    from every decision they made, with the reference query's own window and hours.
    """

    # The reports page lists a scope's slowest supervisors: a top-N read of this index.
    __table_args__ = (Index("ix_supervisor_turnaround_slowest", "cohort_key", "program_key",
                            "median_hours"),)

    cohort_key: Mapped[int] = mapped_column(primary_key=True)
    program_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(primary_key=True)
    decisions: Mapped[int]
    returned: Mapped[int]
    median_hours: Mapped[float | None] = mapped_column(Float)


class FunnelCount(Model):
    """The completion funnel's counts of summary rows in one report scope, moved with each row.

    Keyed like the tallies: (cohort_key, program_key), 0 and '' for any. Counting 100,000
    summary rows for the funnel read them all; lms.reports.funnel moves these by the
    difference whenever the summary hook rewrites rows.
    """

    cohort_key: Mapped[int] = mapped_column(primary_key=True)
    program_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    invited: Mapped[int]
    joined: Mapped[int]
    first_quiz: Mapped[int]
    modules_done: Mapped[int]
    practice_met: Mapped[int]
    certified: Mapped[int]


class TimingFigure(Model):
    """Days from invitation to first certificate in one report scope: how many, median, p90.

    Percentiles do not add up, so lms.reports.timing works a scope's figures out again, with
    the reference's own window, whenever a summary rewrite changes the days in that scope.
    """

    cohort_key: Mapped[int] = mapped_column(primary_key=True)
    program_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    certified: Mapped[int]
    median_days: Mapped[float | None] = mapped_column(Float)
    p90_days: Mapped[float | None] = mapped_column(Float)
