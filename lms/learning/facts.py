"""What a trainee has done in each module of their programs, read in one statement.

The start page needs, for every enrolled program and module: whether the lesson was read, how
many quiz attempts were submitted, whether and how well it was passed, and when the last
failed attempt was (for the pause before the next try). Deciding what that means for the
person (not started, reading, quiz not passed yet, passed) is a pure function of these facts
and lives with the page, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, case, func, select, type_coerce

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
#: Builds extra columns for each enrolment row from its (user_id, program_slug) columns, so a
#: higher layer can fold its own per-enrolment figures into the facts statement.
ExtraColumns = Callable[[ColumnElement[int], ColumnElement[str]], Sequence[ColumnElement[Any]]]


def facts_statement(extra: ExtraColumns | None = None) -> Select[Any]:
    """Return the facts select (bind parameter user_id), with the caller's labelled columns.

    Every submitted attempt updates its module's progress row (submit_attempt), so joining
    attempts to progress rows loses none. Callers build it once per process.
    """
    columns = list(extra(_enrollment.user_id, _enrollment.program_slug)) if extra else []
    return (
        select(_enrollment.program_slug, _enrollment.edition, _progress.module_slug,
               _progress.read_at, _progress.passed_at, _progress.best_score,
               _ATTEMPTS.c.attempts, _ATTEMPTS.c.last_failed_at, *columns)
        .select_from(Enrollment.__table__)
        .outerjoin(ModuleProgress.__table__, (_progress.user_id == _enrollment.user_id)
                   & (_progress.program_slug == _enrollment.program_slug))
        .outerjoin(_ATTEMPTS, (_ATTEMPTS.c.program_slug == _progress.program_slug)
                   & (_ATTEMPTS.c.module_slug == _progress.module_slug))
        .where(_enrollment.user_id == bindparam("user_id"))
        .order_by(_enrollment.enrolled_at, _enrollment.id)
    )


_FACTS = facts_statement()


@dataclass(frozen=True)
class EnrolledFacts:
    """One enrolment: its edition, the facts of each module touched, and the extra columns."""

    edition: int
    modules: dict[str, ModuleFacts] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def module_facts(user_id: int) -> dict[str, dict[str, ModuleFacts]]:
    """Return, per enrolled program slug (in enrolment order), the facts of each module touched."""
    return {slug: modules for slug, (_edition, modules) in enrolled_facts(user_id).items()}


def enrolled_facts(user_id: int) -> dict[str, tuple[int, dict[str, ModuleFacts]]]:
    """Return, per enrolled program slug (in enrolment order), its edition and module facts."""
    return {slug: (found.edition, found.modules)
            for slug, found in read_facts(_FACTS, user_id).items()}


def read_facts(statement: Select[Any], user_id: int) -> dict[str, EnrolledFacts]:
    """Run a facts_statement() and return, per enrolled program slug in order, its facts."""
    facts: dict[str, EnrolledFacts] = {}
    plain = len(_FACTS.selected_columns)
    # Core rows through the session's connection (no ORM objects here): cheaper per request.
    for row in db.session.connection().execute(statement, {"user_id": user_id}):
        found = facts.get(row.program_slug)
        if found is None:
            found = facts[row.program_slug] = EnrolledFacts(
                row.edition, {}, dict(zip(row._fields[plain:], row[plain:], strict=True)))
        if row.module_slug is not None:
            found.modules[row.module_slug] = ModuleFacts(
                read_at=row.read_at, passed_at=row.passed_at, best_score=row.best_score,
                attempts=int(row.attempts or 0), last_failed_at=row.last_failed_at)
    return facts
