"""The supervisor's review queue: one page of waiting entries and their total in one statement.

The statement is a Core select built once per process with bound parameters (as the start page
and the module page are): building the ORM select with its eager loads on every request cost
more than running it. Rows become small frozen items, not ORM objects, since the page only
reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import aliased

from lms.auth.models import SupervisorAssignment, User
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.services import programs_by_trainee
from lms.practice import profile
from lms.practice.models import EntryState, PracticeDecision, PracticeEntry
from lms.practice.totals import counted_minutes

NOT_JOINED = "(not joined yet)"  # as User.name shows someone without a display name


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One waiting entry as the queue shows it, with the last comment a supervisor left."""

    id: int
    trainee_id: int
    trainee_name: str
    program_slug: str
    practice_date: date
    minutes: int
    activity: str
    setting: str
    competencies: list[str]
    reflection: str
    submissions: int
    submitted_at: datetime
    identifiers_confirmed_at: datetime | None
    identifiers_confirmed_kinds: list[str] | None
    last_comment: str | None
    last_commenter: str | None

    @property
    def is_resubmission(self) -> bool:
        """Return whether the trainee has sent this entry for review more than once."""
        return self.submissions > 1


@cache
def queue_statement() -> Select[*tuple[Any, ...]]:
    """Return the page select: waiting entries of one supervisor's trainees, oldest first."""
    entry = PracticeEntry
    trainee = aliased(User, name="trainee")
    commenter = aliased(User, name="commenter")
    commented = aliased(PracticeDecision, name="commented")
    last_commented = (select(PracticeDecision.id)
                      .where(PracticeDecision.entry_id == entry.id,
                             PracticeDecision.comment.is_not(None), PracticeDecision.comment != "")
                      .order_by(PracticeDecision.id.desc()).limit(1)
                      .correlate(entry).scalar_subquery())
    return (select(entry.id, entry.trainee_id, trainee.display_name.label("trainee_name"),
                   entry.program_slug, entry.practice_date, entry.minutes, entry.activity,
                   entry.setting, entry.competencies, entry.reflection, entry.submissions,
                   entry.submitted_at, entry.identifiers_confirmed_at,
                   entry.identifiers_confirmed_kinds, commented.comment.label("last_comment"),
                   commenter.display_name.label("last_commenter"),
                   func.count().over().label("total"))
            .join(SupervisorAssignment,
                  and_(SupervisorAssignment.trainee_id == entry.trainee_id,
                       SupervisorAssignment.supervisor_id == bindparam("supervisor_id")))
            .join(trainee, trainee.id == entry.trainee_id)
            .outerjoin(commented, commented.id == last_commented)
            .outerjoin(commenter, commenter.id == commented.supervisor_id)
            .where(entry.state == EntryState.SUBMITTED)
            .order_by(entry.submitted_at, entry.id)
            .limit(bindparam("limit")).offset(bindparam("offset")))


@cache
def _count_statement() -> Select[*tuple[Any, ...]]:
    """Return the count of waiting entries, for a page past the end (which carries no total)."""
    return (select(func.count()).select_from(PracticeEntry)
            .join(SupervisorAssignment,
                  and_(SupervisorAssignment.trainee_id == PracticeEntry.trainee_id,
                       SupervisorAssignment.supervisor_id == bindparam("supervisor_id")))
            .where(PracticeEntry.state == EntryState.SUBMITTED))


def _item(row: Any) -> QueueItem:
    return QueueItem(row.id, row.trainee_id, row.trainee_name or NOT_JOINED, row.program_slug,
                     row.practice_date, row.minutes, row.activity, row.setting,
                     list(row.competencies or []), row.reflection or "", row.submissions,
                     row.submitted_at, row.identifiers_confirmed_at,
                     row.identifiers_confirmed_kinds,
                     row.last_comment, (row.last_commenter or NOT_JOINED)
                     if row.last_comment is not None else None)


class QueuePage(Pagination):
    """Flask-SQLAlchemy's pagination over the queue statement, reading page and total at once.

    `count(*) OVER ()` is worked out before LIMIT and OFFSET, so every row of the page carries
    the total. A page past the end has no rows to carry it: only then is it counted apart.
    """

    _window_total: int | None = None

    def _query_items(self) -> list[Any]:
        rows = db.session.execute(queue_statement(), {
            "supervisor_id": self._query_args["supervisor_id"], "limit": self.per_page,
            "offset": self._query_offset}).all()
        if rows:
            self._window_total = int(rows[0].total)
        return [_item(row) for row in rows]

    def _query_count(self) -> int:
        if self._window_total is not None:
            return self._window_total
        if self.page == 1:
            return 0
        return int(db.session.scalar(_count_statement(),
                                     {"supervisor_id": self._query_args["supervisor_id"]}) or 0)


@dataclass(frozen=True)
class Running:
    """Where a trainee would stand if the supervisor approved up to and including this entry."""

    approved: int
    with_queue: int
    required: int
    counts: bool


@cache
def _approved_statement() -> Select[*tuple[Any, ...]]:
    """Return approved minutes by trainee, program and activity for the trainees given."""
    entry = PracticeEntry
    return (select(entry.trainee_id, entry.program_slug, entry.activity, func.sum(entry.minutes))
            .where(entry.trainee_id.in_(bindparam("trainee_ids", expanding=True)),
                   entry.state == EntryState.APPROVED)
            .group_by(entry.trainee_id, entry.program_slug, entry.activity))


def running_totals(entries: Sequence[QueueItem]) -> dict[int, Running]:
    """Return, per entry, the trainee's approved total and the total with the queue so far.

    The approved total is the trainee's counted minutes in their first program, as their
    progress shows it; two statements for the whole page.
    """
    if not entries:
        return {}
    catalog = get_catalog()
    programs = programs_by_trainee(sorted({entry.trainee_id for entry in entries}))
    by_activity: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    if programs:
        for trainee_id, slug, activity, minutes in db.session.execute(
                _approved_statement(), {"trainee_ids": list(programs)}):
            by_activity[(trainee_id, slug)][activity] = int(minutes or 0)
    so_far: dict[int, int] = {}
    result: dict[int, Running] = {}
    for entry in entries:
        first = programs.get(entry.trainee_id)
        program = catalog.programs.get(entry.program_slug)
        counts = bool(program and entry.activity in profile.counting_activities(program))
        approved = (counted_minutes(by_activity[(entry.trainee_id, first.slug)], first)
                    if first else 0)
        so_far[entry.trainee_id] = so_far.get(entry.trainee_id, approved) + (
            entry.minutes if counts else 0)
        result[entry.id] = Running(approved, so_far[entry.trainee_id],
                                   profile.required_practice_minutes(first) if first else 0,
                                   counts)
    return result
