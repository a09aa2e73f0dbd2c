"""The supervisor's review queue: one page of waiting entries and their total in one statement.

The statement is a Core select built once per content (the catalog) with bound parameters, as
the start page and the module page are: building the ORM select with its eager loads on every
request cost more than running it. The content's programs and counted activities are plain
parameters in it, not expanding ones SQLAlchemy would rewrite into the SQL on every execution.
Rows become small named tuples, not ORM objects, since the page only reads them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, NamedTuple

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from lms.auth.models import SupervisorAssignment, User
from lms.catalog.content import Catalog, Program
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.figures import first_program_slug
from lms.practice import profile
from lms.practice.models import EntryState, PracticeDecision, PracticeEntry

NOT_JOINED = "(not joined yet)"  # as User.name shows someone without a display name


class QueueItem(NamedTuple):
    """One waiting entry as the queue shows it, with the last comment a supervisor left.

    Immutable and hashable: everything the page shows of the entry is in it, so it can key the
    rendered article (see review_views.queue_articles). A named tuple, not a frozen dataclass:
    a page makes 15 of them and looks each up in the article cache, and a tuple is made,
    hashed and compared in C.
    """

    id: int
    trainee_id: int
    trainee_name: str
    program_slug: str
    practice_date: date
    minutes: int
    activity: str
    setting: str
    competencies: tuple[str, ...]
    reflection: str
    submissions: int
    submitted_at: datetime
    identifiers_confirmed_at: datetime | None
    identifiers_confirmed_kinds: tuple[str, ...] | None
    last_comment: str | None
    last_commenter: str | None
    #: The trainee's first program (as their progress counts it) and their counted approved
    #: minutes in it; None when they have no program the content still has.
    first_program: str | None
    approved_minutes: int

    @property
    def is_resubmission(self) -> bool:
        """Return whether the trainee has sent this entry for review more than once."""
        return self.submissions > 1


def _waiting_for_supervisor() -> list[ColumnElement[bool]]:
    """Return the conditions for entries waiting for the bound supervisor."""
    # An IN over the supervisor's assignments lets the planner start from them and read each
    # trainee's waiting entries by index, instead of every waiting entry in the program.
    trainees = select(SupervisorAssignment.trainee_id).where(
        SupervisorAssignment.supervisor_id == bindparam("supervisor_id"))
    return [PracticeEntry.trainee_id.in_(trainees), PracticeEntry.state == EntryState.SUBMITTED]


# The catalog is immutable and replaced whole on reload, so its statement is built once.
@lru_cache(maxsize=4)
def queue_statement(catalog: Catalog) -> Select[*tuple[Any, ...]]:
    """Return the page select: waiting entries of one supervisor's trainees, oldest first."""
    entry = PracticeEntry
    # The page (and the total, worked out before LIMIT) first; the names and last comment are
    # then joined for its rows only. The window also keeps SQLite on the trainees' index: with
    # the total as a scalar subquery instead (about 130 µs less on a queue of 120), it read the
    # page in (state, submitted_at) order through every waiting entry of every supervisor,
    # 2.4 to 207 ms at 100,000 trainees (docs/performance.md).
    page = (select(entry.id, entry.submitted_at, func.count().over().label("total"))
            .where(*_waiting_for_supervisor())
            .order_by(entry.submitted_at, entry.id)
            .limit(bindparam("limit")).offset(bindparam("offset")).subquery("page"))
    trainee = aliased(User, name="trainee")
    commenter = aliased(User, name="commenter")
    commented = aliased(PracticeDecision, name="commented")
    last_commented = (select(PracticeDecision.id)
                      .where(PracticeDecision.entry_id == entry.id,
                             PracticeDecision.comment.is_not(None), PracticeDecision.comment != "")
                      .order_by(PracticeDecision.id.desc()).limit(1)
                      .correlate(entry).scalar_subquery())
    # Correlated by name: nested in the counted minutes below, it would otherwise take
    # practice_entry into its own FROM and pick one program for every trainee.
    first_program = first_program_slug(entry.trainee_id, sorted(catalog.programs)
                                       ).correlate(entry)
    earlier = aliased(PracticeEntry, name="earlier")
    # Counted minutes: approved, in the first program, of an activity type that counts there.
    approved = (select(func.sum(earlier.minutes))
                .where(earlier.trainee_id == entry.trainee_id,
                       earlier.state == EntryState.APPROVED,
                       earlier.program_slug == first_program,
                       _counted(catalog, earlier.program_slug, earlier.activity))
                .correlate(entry).scalar_subquery())
    return (select(entry.id, entry.trainee_id, trainee.display_name.label("trainee_name"),
                   entry.program_slug, entry.practice_date, entry.minutes, entry.activity,
                   entry.setting, cast(entry.competencies, Text).label("competencies"),
                   entry.reflection, entry.submissions, entry.submitted_at,
                   entry.identifiers_confirmed_at,
                   cast(entry.identifiers_confirmed_kinds, Text).label("kinds"),
                   commented.comment.label("last_comment"),
                   commenter.display_name.label("last_commenter"),
                   first_program.label("first_program"), approved.label("approved_minutes"),
                   page.c.total)
            .select_from(page)
            .join(entry, entry.id == page.c.id)
            .join(trainee, trainee.id == entry.trainee_id)
            .outerjoin(commented, commented.id == last_commented)
            .outerjoin(commenter, commenter.id == commented.supervisor_id)
            .order_by(page.c.submitted_at, page.c.id))


@cache
def _count_statement() -> Select[*tuple[Any, ...]]:
    """Return the count of waiting entries, for a page past the end (which carries no total)."""
    return (select(func.count()).select_from(PracticeEntry)
            .where(*_waiting_for_supervisor()))


def _counted(catalog: Catalog, slug: SQLColumnExpression[str],
             activity: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """Return whether the activity counts toward practice hours in the program of that slug."""
    counting = {key: profile.counting_activities(program)
                for key, program in catalog.programs.items()}
    return or_(false(), *(and_(slug == literal(key),
                               activity.in_([literal(name) for name in sorted(names)]))
                          for key, names in sorted(counting.items()) if names))


@lru_cache(maxsize=1024)
def _strings(text: str | None) -> tuple[str, ...] | None:
    """Return a JSON list of strings as a tuple (the queue reads the same few lists again)."""
    value = json.loads(text) if text is not None else None
    return tuple(value) if value is not None else None


def _item(row: Any) -> QueueItem:
    # Unpacked by position: a page reads some 300 fields, and a Row's names cost more.
    (id_, trainee_id, trainee_name, program_slug, practice_date, minutes, activity, setting,
     competencies, reflection, submissions, submitted_at, confirmed_at, kinds, last_comment,
     last_commenter, first_program, approved_minutes, _total) = row
    return QueueItem(id_, trainee_id, trainee_name or NOT_JOINED, program_slug, practice_date,
                     minutes, activity, setting, _strings(competencies) or (), reflection or "",
                     submissions, submitted_at, confirmed_at, _strings(kinds), last_comment,
                     (last_commenter or NOT_JOINED) if last_comment is not None else None,
                     first_program, int(approved_minutes or 0))


class QueuePage(Pagination):
    """Flask-SQLAlchemy's pagination over the queue statement, reading page and total at once.

    `count(*) OVER ()` is worked out before LIMIT and OFFSET, so every row of the page carries
    the total. A page past the end has no rows to carry it: only then is it counted apart.
    """

    _window_total: int | None = None

    def _query_items(self) -> list[Any]:
        # A plain Core read on the session's connection: no ORM entities, so no ORM layer.
        rows = db.session.connection().execute(queue_statement(get_catalog()), {
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


class Running(NamedTuple):
    """Where a trainee would stand if the supervisor approved up to and including this entry."""

    approved: int
    with_queue: int
    required: int
    counts: bool


def running_totals(entries: Sequence[QueueItem]) -> dict[int, Running]:
    """Return, per entry, the trainee's approved total and the total with the queue so far.

    The approved total is the trainee's counted minutes in their first program, as their
    progress shows it; the page statement read it, so this runs no statement.
    """
    programs = get_catalog().programs
    so_far: dict[int, int] = {}
    result: dict[int, Running] = {}
    for entry in entries:
        first = programs.get(entry.first_program) if entry.first_program else None
        program = programs.get(entry.program_slug)
        counts = program is not None and entry.activity in _practice_rules(program)[0]
        approved = entry.approved_minutes if first else 0
        so_far[entry.trainee_id] = so_far.get(entry.trainee_id, approved) + (
            entry.minutes if counts else 0)
        result[entry.id] = Running(approved, so_far[entry.trainee_id],
                                   _practice_rules(first)[1] if first else 0, counts)
    return result


# Programs are immutable and loaded once; every entry on a page asks the same one or two.
@lru_cache(maxsize=64)
def _practice_rules(program: Program) -> tuple[frozenset[str], int]:
    """Return the program's counted activities and the counted minutes it requires."""
    return (frozenset(profile.counting_activities(program)),
            profile.required_practice_minutes(program))
