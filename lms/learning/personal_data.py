"""The learning records in a person's data download."""

from __future__ import annotations

from sqlalchemy import select

from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.models import RecordSource, exported


def personal_data(user_id: int) -> dict[str, RecordSource]:
    """Return the person's learning records by file name, for their data download."""
    return {
        "enrolments.csv": exported(select(Enrollment).where(Enrollment.user_id == user_id)
                                   .order_by(Enrollment.id)),
        "module_progress.csv": exported(select(ModuleProgress)
                                        .where(ModuleProgress.user_id == user_id)
                                        .order_by(ModuleProgress.id)),
        "quiz_attempts.json": exported(select(QuizAttempt).where(QuizAttempt.user_id == user_id)
                                       .order_by(QuizAttempt.id)),
    }
