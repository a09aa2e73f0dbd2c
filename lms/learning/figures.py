"""Learning records as SQL building blocks for reports, so reports never read learning's tables.

Each function returns a select that a report joins or counts in its own statement, or runs one
statement itself; none loads records one trainee at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ScalarSelect,
    Select,
    SQLColumnExpression,
    Text,
    bindparam,
    cast,
    func,
    literal,
    select,
    true,
    union_all,
)

from lms.extensions import db
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt

__all__ = [
    "enrolment_rows",
    "first_program_slug",
    "first_attempt_answer_counts",
    "first_attempt_answer_rows",
    "last_learning_steps",
    "passed_module_rows",
    "trainee_columns",
]


def trainee_columns() -> list[SQLColumnExpression[int]]:
    """Return the column naming the trainee in each learning table a trainee's stage reads."""
    return [Enrollment.user_id, ModuleProgress.user_id,
            QuizAttempt.user_id]


def enrolment_rows() -> Select[int, str]:
    """Return (user_id, program_slug) for every enrolment."""
    return select(Enrollment.user_id.label("user_id"),
                  Enrollment.program_slug.label("program_slug"))


def first_program_slug(user_id: SQLColumnExpression[int],
                       programs: Iterable[str] | None = None) -> ScalarSelect[str]:
    """Return the person's first enrolment among `programs` (or the bound `program_slugs`)."""
    # Given the programs the content still has, it picks as services.programs_by_trainee.
    # Named one by one, they are plain parameters: an expanding one is rewritten into the
    # SQL on every execution, which a statement built once per content need not pay for.
    among = (bindparam("program_slugs", expanding=True) if programs is None
             else [literal(slug) for slug in programs])
    return (select(Enrollment.program_slug)
            .where(Enrollment.user_id == user_id, Enrollment.program_slug.in_(among))
            .order_by(Enrollment.enrolled_at, Enrollment.id).limit(1).scalar_subquery())


def passed_module_rows(user_ids: Select[int] | None = None) -> Select[int, str, str]:
    """Return (user_id, program_slug, module_slug) for every module passed (by these people)."""
    query = (select(ModuleProgress.user_id.label("user_id"),
                    ModuleProgress.program_slug.label("program_slug"),
                    ModuleProgress.module_slug.label("module_slug"))
             .where(ModuleProgress.passed_at.is_not(None)))
    return query if user_ids is None else query.where(ModuleProgress.user_id.in_(user_ids))


def last_learning_steps(user_ids: Select[int] | None = None) -> Select[int, datetime]:
    """Return (user_id, at): each trainee's latest module read or pass, or quiz started."""
    progress = (select(ModuleProgress.user_id.label("user_id"),
                       func.max(func.coalesce(ModuleProgress.passed_at, ModuleProgress.read_at))
                       .label("at")).group_by(ModuleProgress.user_id))
    attempts = (select(QuizAttempt.user_id, func.max(QuizAttempt.started_at))
                .group_by(QuizAttempt.user_id))
    if user_ids is not None:
        progress = progress.where(ModuleProgress.user_id.in_(user_ids))
        attempts = attempts.where(QuizAttempt.user_id.in_(user_ids))
    steps = union_all(progress, attempts).subquery("learning_steps")
    return select(steps.c.user_id, steps.c.at)


def first_attempt_answer_counts(program_slug: str, user_ids: Select[int] | None = None
                                ) -> list[tuple[str, str, str, int]]:
    """Return (module, question, chosen keys as JSON text, how many) over first attempts.

    SQLite and PostgreSQL both spell "each key of a JSON object" json_each; grouping happens
    there, so the result has one row per distinct answer however many attempts there are.
    """
    answer = func.json_each(QuizAttempt.answers).table_valued("key", "value").alias("answer")
    chosen = cast(answer.c.value, Text)
    query = (select(QuizAttempt.module_slug, answer.c.key, chosen, func.count())
             .select_from(QuizAttempt).join(answer, true())
             .where(QuizAttempt.number == 1, QuizAttempt.submitted_at.is_not(None),
                    QuizAttempt.program_slug == program_slug)
             .group_by(QuizAttempt.module_slug, answer.c.key, chosen))
    if user_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(user_ids))
    return [(str(module), str(question), str(picked), int(count))
            for module, question, picked, count in db.session.execute(query)]


def first_attempt_answer_rows(user_ids: BindParameter[Any] | None = None
                              ) -> Select[int, str, str, str, str, int]:
    """Return (user_id, program, module, question, chosen keys as JSON text, how many).

    The same first attempts and JSON text as first_attempt_answer_counts, per trainee and
    every program, for a tally that moves one trainee's answers at a time.
    """
    answer = func.json_each(QuizAttempt.answers).table_valued("key", "value").alias("answer")
    chosen = cast(answer.c.value, Text)
    query = (select(QuizAttempt.user_id.label("user_id"),
                    QuizAttempt.program_slug.label("program_slug"),
                    QuizAttempt.module_slug.label("module_slug"),
                    answer.c.key.label("question_key"), chosen.label("chosen"),
                    func.count().label("answers"))
             .select_from(QuizAttempt).join(answer, true())
             .where(QuizAttempt.number == 1, QuizAttempt.submitted_at.is_not(None))
             .group_by(QuizAttempt.user_id, QuizAttempt.program_slug, QuizAttempt.module_slug,
                       answer.c.key, chosen))
    if user_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(user_ids))
    return query
