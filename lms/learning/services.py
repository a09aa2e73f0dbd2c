"""Learning rules: enrolment, reading progress and quiz attempts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.catalog.content import Module, Program
from lms.catalog.services import get_catalog
from lms.extensions import db, execute_dml
from lms.ids import parse_id
from lms.learning import quiz

# The start page's reads and the data download live in modules of their own (public here).
from lms.learning.dashboard import NOTHING_YET as NOTHING_YET
from lms.learning.dashboard import ExtraColumns as ExtraColumns
from lms.learning.dashboard import ModuleCard as ModuleCard
from lms.learning.dashboard import cooldown as cooldown
from lms.learning.dashboard import dashboard as dashboard
from lms.learning.dashboard import passed_scores as passed_scores
from lms.learning.dashboard import start_page_facts as start_page_facts
from lms.learning.dashboard import start_page_statement as start_page_statement

# The edition API is public through this module (cohorts and certification call it here).
from lms.learning.editions import EditionError as EditionError
from lms.learning.editions import edition_of as edition_of
from lms.learning.editions import editions_by_trainee as editions_by_trainee
from lms.learning.editions import move_to_edition as move_to_edition
from lms.learning.editions import offered_edition as offered_edition
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.learning.personal_data import personal_data as personal_data
from lms.models import utcnow
from lms.wording import opens_again


class LearningError(Exception):
    """A refusal whose message is kind enough to show the trainee."""


class QuizUnavailable(LearningError):
    """No new attempt may start now (attempts used up, or a pause after a failed one)."""


class MissingAnswers(LearningError):
    """Some drawn questions have no answer yet; nothing was recorded."""

    def __init__(self, numbers: list[int]) -> None:
        self.numbers = numbers
        listed = ", ".join(str(number) for number in numbers)
        plural = "s" if len(numbers) > 1 else ""
        super().__init__(f"You have not answered question{plural} {listed} yet. "
                         "Your other answers are still selected.")


def enroll(user: User, program_slug: str, edition: int | None = None) -> Enrollment:
    """Enrol a trainee in a program once, under the current edition or a published one.

    An existing enrolment is returned unchanged: its edition moves only by move_to_edition.
    """
    program = get_catalog().program(program_slug)  # KeyError for an unknown program
    chosen = offered_edition(program, edition)
    existing = db.session.scalar(select(Enrollment).filter_by(user_id=user.id,
                                                              program_slug=program_slug))
    if existing:
        return existing
    enrollment = Enrollment(user_id=user.id, program_slug=program_slug, edition=chosen.number)
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def enrolments_of(user: User) -> list[tuple[Program, int]]:
    """Return the programs a person is enrolled in that still exist, with their edition numbers."""
    catalog = get_catalog()
    rows = db.session.execute(select(Enrollment.program_slug, Enrollment.edition)
                              .filter_by(user_id=user.id)
                              .order_by(Enrollment.enrolled_at, Enrollment.id))
    return [(catalog.program(slug), edition) for slug, edition in rows
            if slug in catalog.programs]


def programs_of(user: User) -> list[Program]:
    """Return the programs a person is enrolled in that still exist in the content."""
    return [program for program, _ in enrolments_of(user)]


# Built once: the review queue and the trainee lists ask on every request.
_ENROLMENTS_OF = (select(Enrollment.user_id, Enrollment.program_slug)
                  .where(Enrollment.user_id.in_(bindparam("user_ids", expanding=True)))
                  .order_by(Enrollment.enrolled_at, Enrollment.id))


def programs_by_trainee(trainee_ids: Iterable[int]) -> dict[int, Program]:
    """Return each trainee's first program that still exists, in one query."""
    ids = list(trainee_ids)
    if not ids:
        return {}
    catalog = get_catalog()
    result: dict[int, Program] = {}
    for user_id, slug in db.session.execute(_ENROLMENTS_OF, {"user_ids": ids}):
        if user_id not in result and slug in catalog.programs:
            result[user_id] = catalog.program(slug)
    return result


def program_of(user: User) -> Program | None:
    """Return the person's first program, or None when they are not enrolled."""
    programs = programs_of(user)
    return programs[0] if programs else None


def is_enrolled(user: User, program: Program) -> bool:
    """Return whether the person is enrolled in the program."""
    query = select(Enrollment.id).filter_by(user_id=user.id, program_slug=program.slug)
    return db.session.scalar(query) is not None


def progress_by_module(user: User, program: Program) -> dict[str, ModuleProgress]:
    """Return the trainee's progress rows for a program, by module slug, in one query."""
    rows = db.session.scalars(select(ModuleProgress).filter_by(user_id=user.id,
                                                               program_slug=program.slug))
    return {row.module_slug: row for row in rows}


def _progress_row(user: User, module: Module) -> ModuleProgress:
    row = db.session.scalar(select(ModuleProgress).filter_by(
        user_id=user.id, program_slug=module.program_slug, module_slug=module.slug))
    if row is None:
        row = ModuleProgress(user_id=user.id, program_slug=module.program_slug,
                             module_slug=module.slug)
        db.session.add(row)
    return row


def mark_read(user: User, module: Module) -> None:
    """Record that the trainee has read the lesson (the first time counts)."""
    row = _progress_row(user, module)
    row.read_at = row.read_at or utcnow()
    db.session.flush()


class AttemptLike(Protocol):
    """What a quiz status needs of an attempt: an ORM QuizAttempt or a plain row."""

    id: int
    number: int
    submitted_at: datetime | None
    passed: bool | None
    score: int | None


@dataclass(frozen=True)
class QuizStatus:
    """Where a trainee stands with a module's quiz."""

    attempts_used: int
    attempts_left: int | None  # None means unlimited
    open_attempt: Any  # the attempt not yet submitted (QuizAttempt, or a row on the page)
    available_from: datetime | None  # set while a pause after a failed attempt runs
    passed: bool
    best_score: int | None
    last_attempt: Any  # the last submitted attempt, in the same form as open_attempt

    @property
    def can_start(self) -> bool:
        """Return whether a new attempt may start now."""
        return self.open_attempt is None and self.attempts_left != 0 and not self.available_from


def quiz_status(user: User, module: Module, now: datetime | None = None) -> QuizStatus:
    """Return the trainee's attempts, limits and pause for a module's quiz."""
    attempts = list(db.session.scalars(
        select(QuizAttempt).filter_by(user_id=user.id, program_slug=module.program_slug,
                                      module_slug=module.slug).order_by(QuizAttempt.number)))
    return summarise_attempts(attempts, module, now or utcnow())


def summarise_attempts(attempts: Sequence[AttemptLike], module: Module,
                       now: datetime) -> QuizStatus:
    """Return the quiz status for attempts in number order: limits, pause and best score."""
    submitted = [attempt for attempt in attempts if attempt.submitted_at is not None]
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    limit = module.quiz.max_attempts
    left = None if limit == 0 else max(limit - len(submitted), 0)
    last = submitted[-1] if submitted else None
    available_from = None
    if last is not None and not last.passed and last.submitted_at is not None:
        resume = last.submitted_at + cooldown(module)
        available_from = resume if resume > now else None
    scores = [attempt.score for attempt in submitted if attempt.score is not None]
    return QuizStatus(
        attempts_used=len(submitted), attempts_left=left, open_attempt=open_attempt,
        available_from=available_from, passed=any(a.passed for a in submitted),
        best_score=max(scores) if scores else None, last_attempt=last,
    )


_enrolment = Enrollment.__table__
_progress = ModuleProgress.__table__.alias("progress")
_attempt = QuizAttempt.__table__.alias("attempt")
# The module page runs on every lesson view: one statement, Core rather than ORM (nothing here
# needs identity-mapped objects) and built once per process, reads enrolment, reading progress
# and quiz attempts together (one row per attempt, or one row with no attempt).
_MODULE_STATE = (
    select(_enrolment.c.id.label("enrollment_id"), _progress.c.id.label("progress_id"),
           _progress.c.read_at, _progress.c.passed_at,
           _progress.c.best_score.label("progress_best"),
           _attempt.c.id, _attempt.c.number, _attempt.c.submitted_at,
           _attempt.c.passed, _attempt.c.score)
    .select_from(_enrolment)
    .outerjoin(_progress, and_(_progress.c.user_id == _enrolment.c.user_id,
                               _progress.c.program_slug == _enrolment.c.program_slug,
                               _progress.c.module_slug == bindparam("module")))
    .outerjoin(_attempt, and_(_attempt.c.user_id == _enrolment.c.user_id,
                              _attempt.c.program_slug == _enrolment.c.program_slug,
                              _attempt.c.module_slug == bindparam("module")))
    .where(_enrolment.c.user_id == bindparam("user"),
           _enrolment.c.program_slug == bindparam("program"))
    .order_by(_attempt.c.number)
)


@dataclass(frozen=True)
class ReadingProgress:
    """A trainee's reading and passing of one module, as the module page shows it."""

    read_at: datetime | None
    passed_at: datetime | None
    best_score: int | None


@dataclass(frozen=True)
class ModuleState:
    """Whether a trainee may see a module, how far they are, and where their quiz stands."""

    enrolled: bool
    progress: ReadingProgress | None
    status: QuizStatus | None


def module_state(user: User, module: Module, now: datetime | None = None) -> ModuleState:
    """Return enrolment, progress and quiz status for one module, in one query."""
    # Core rows through the session's connection: the ORM's execute path adds a third of the
    # statement's time and nothing here is an ORM object.
    rows = db.session.connection().execute(_MODULE_STATE, {
        "user": user.id, "program": module.program_slug, "module": module.slug}).all()
    if not rows:
        return ModuleState(enrolled=False, progress=None, status=None)
    first = rows[0]
    progress = None
    if first.progress_id is not None:
        progress = ReadingProgress(first.read_at, first.passed_at, first.progress_best)
    # Each row carries one attempt's id, number, submitted_at, passed and score (AttemptLike).
    attempts = [row for row in rows if row.id is not None]
    return ModuleState(True, progress, summarise_attempts(attempts, module, now or utcnow()))


def start_attempt(user: User, module: Module, now: datetime | None = None) -> QuizAttempt:
    """Start a new attempt, or return the one already open (a double click starts one)."""
    status = quiz_status(user, module, now)
    if status.open_attempt is not None:
        return cast(QuizAttempt, status.open_attempt)
    if status.attempts_left == 0:
        raise QuizUnavailable("You have used all the attempts for this quiz. Please talk to "
                              "your supervisor or program administrator about what comes next.")
    if status.available_from is not None:
        raise QuizUnavailable(
            f"Take a short break before trying again: the quiz opens again "
            f"{opens_again(status.available_from)}. Re-reading the lesson in the meantime helps.")
    attempt = QuizAttempt(
        user_id=user.id, program_slug=module.program_slug, module_slug=module.slug,
        number=status.attempts_used + 1, content_version=module.version,
        drawn=quiz.draw(module), started_at=now or utcnow(),
    )
    db.session.add(attempt)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Another request opened an attempt at the same moment; use that one.
        reopened = quiz_status(user, module, now).open_attempt
        if reopened is None:
            raise
        return cast(QuizAttempt, reopened)
    return attempt


def submit_attempt(attempt: QuizAttempt, module: Module, answers: dict[str, list[str]],
                   now: datetime | None = None) -> quiz.Grade:
    """Grade and record an attempt once; a repeated submission records nothing new."""
    drawn = quiz.resolve(module, attempt.drawn)
    if attempt.submitted_at is None:
        missing = quiz.missing_answers(drawn, answers)
        if missing:
            raise MissingAnswers(missing)
    else:
        return quiz.grade(module, drawn, attempt.answers or {})
    result = quiz.grade(module, drawn, answers)
    submitted_at = now or utcnow()
    recorded = execute_dml(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=submitted_at, answers=answers, score=result.score,
                passed=result.passed)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if recorded != 1:
        # Lost a race with another submission of the same attempt: show what was recorded.
        return quiz.grade(module, drawn, attempt.answers or {})
    user = db.session.get(User, attempt.user_id)
    assert user is not None
    row = _progress_row(user, module)
    row.best_score = max(row.best_score or 0, result.score)
    if result.passed and row.passed_at is None:
        row.passed_at = submitted_at
        row.passed_version = module.version
    db.session.flush()
    return result


class ForeignAnswer(LearningError):
    """The submission names a question or choice that was not drawn for this attempt."""


def answers_from_form(drawn: list[quiz.DrawnQuestion],
                      form: dict[str, list[str]]) -> dict[str, list[str]]:
    """Turn posted positions ("q-1" -> ["2"]) into choice keys, refusing anything not drawn."""
    allowed = {f"q-{number}" for number in range(1, len(drawn) + 1)}
    foreign = sorted(name for name in form if name.startswith("q-") and name not in allowed)
    if foreign:
        raise ForeignAnswer("Your answers included a question that is not part of this "
                            "attempt. Nothing was recorded; please answer the questions shown.")
    answers: dict[str, list[str]] = {}
    for number, item in enumerate(drawn, start=1):
        keys = []
        values = form.get(f"q-{number}", [])
        if len(values) > 1 and not item.question.multiple:
            raise ForeignAnswer(f"Question {number} takes one answer. Nothing was recorded; "
                                "please choose one.")
        for value in values:
            position = parse_id(value)
            if position is None or position > len(item.choice_keys):
                raise ForeignAnswer(f"An answer to question {number} is not one of its "
                                    "choices. Nothing was recorded; please choose again.")
            keys.append(item.choice_keys[position - 1])
        if keys:
            answers[item.question.key] = sorted(set(keys))
    return answers


def attempts_count(user: User) -> int:
    """Return how many quiz attempts the person has submitted, in all modules."""
    query = select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None))
    return db.session.scalar(query) or 0


def passed_modules(user_id: int, program_slug: str) -> dict[str, ModuleProgress]:
    """Return the trainee's passed modules in a program, for eligibility checks."""
    rows = db.session.scalars(select(ModuleProgress).where(
        ModuleProgress.user_id == user_id, ModuleProgress.program_slug == program_slug,
        ModuleProgress.passed_at.is_not(None)))
    return {row.module_slug: row for row in rows}


def enrol_many(rows: Sequence[tuple[int, str, int | None]], at: datetime) -> None:
    """Enrol many new people at once, in one statement (a bulk invitation).

    Each row is (user id, program slug, edition number or None for the current edition).
    """
    catalog = get_catalog()
    # Checked once per (program, edition): an unpublished edition refuses the whole batch.
    numbers = {(slug, edition): offered_edition(catalog.program(slug), edition).number
               for slug, edition in {(slug, edition) for _user, slug, edition in rows}}
    if rows:
        db.session.execute(insert(Enrollment), [
            {"user_id": user_id, "program_slug": slug, "enrolled_at": at,
             "edition": numbers[slug, edition]}
            for user_id, slug, edition in rows])
