"""What a trainee has done in each module of their programs, read in one statement.

The start page needs, for every enrolled program and module: whether the lesson was read, how
many quiz attempts were submitted, whether and how well it was passed, and when the last
failed attempt was (for the pause before the next try). Deciding what that means for the
person (not started, reading, quiz not passed yet, passed) is a pure function of these facts
and lives with the page, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, select, type_coerce

from lms.extensions import db
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.models import UTCDateTime


@dataclass(frozen=True)
class ModuleFacts:
    """One trainee's record in one module."""

    read_at: datetime | None = None
    passed_at: datetime | None = None
    best_score: int | None = None
    attempts: int = 0
    last_failed_at: datetime | None = None


_enrollment = Enrollment.__table__.c
_progress = ModuleProgress.__table__.c
_attempt = QuizAttempt.__table__.c

_ATTEMPTS = (
    select(_attempt.program_slug, _attempt.module_slug, func.count().label("attempts"),
           type_coerce(func.max(case((_attempt.passed.is_(False), _attempt.submitted_at))),
                       UTCDateTime).label("last_failed_at"))
    .where(_attempt.user_id == bindparam("user_id"), _attempt.submitted_at.is_not(None))
    .group_by(_attempt.program_slug, _attempt.module_slug)
    .subquery("attempts")
)
# Built once per process. Every submitted attempt updates its module's progress row
# (submit_attempt), so joining attempts to progress rows loses none.
_FACTS = (
    select(_enrollment.program_slug, _enrollment.edition, _progress.module_slug, _progress.read_at,
           _progress.passed_at, _progress.best_score, _ATTEMPTS.c.attempts,
           _ATTEMPTS.c.last_failed_at)
    .select_from(Enrollment.__table__)
    .outerjoin(ModuleProgress.__table__, (_progress.user_id == _enrollment.user_id)
               & (_progress.program_slug == _enrollment.program_slug))
    .outerjoin(_ATTEMPTS, (_ATTEMPTS.c.program_slug == _progress.program_slug)
               & (_ATTEMPTS.c.module_slug == _progress.module_slug))
    .where(_enrollment.user_id == bindparam("user_id"))
    .order_by(_enrollment.enrolled_at, _enrollment.id)
)


def module_facts(user_id: int) -> dict[str, dict[str, ModuleFacts]]:
    """Return, per enrolled program slug (in enrolment order), the facts of each module touched."""
    return {slug: modules for slug, (_edition, modules) in enrolled_facts(user_id).items()}


def enrolled_facts(user_id: int) -> dict[str, tuple[int, dict[str, ModuleFacts]]]:
    """Return, per enrolled program slug (in enrolment order), its edition and module facts."""
    facts: dict[str, tuple[int, dict[str, ModuleFacts]]] = {}
    for row in db.session.execute(_FACTS, {"user_id": user_id}):
        _edition, modules = facts.setdefault(row.program_slug, (row.edition, {}))
        if row.module_slug is not None:
            modules[row.module_slug] = ModuleFacts(
                read_at=row.read_at, passed_at=row.passed_at, best_score=row.best_score,
                attempts=int(row.attempts or 0), last_failed_at=row.last_failed_at)
    return facts
