"""The oversight reports computed from the records themselves: the definitions the tallies keep.

lms.reports.services reads the tallies kept by lms.reports.summary; these queries read every
entry, decision or first attempt in scope, and the tests hold the two equal for every scope.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape

from sqlalchemy import ColumnElement, Select, and_, case, func, select

from lms.auth.assignments import trainee_ids_of
from lms.catalog.content import Program, Question, display_path
from lms.cohorts.services import membership_rows
from lms.extensions import db
from lms.learning.figures import first_attempt_answer_counts
from lms.practice import figures as practice_figures
from lms.practice.figures import Turnaround
from lms.reports import summary
from lms.reports.models import TraineeSummary
from lms.reports.stages import Scope

S = TraineeSummary


def in_scope(scope: Scope) -> list[ColumnElement[bool]]:
    """Return conditions keeping the summary rows in a scope (changes first brought in)."""
    summary.settle()
    return scope_conditions(scope)


def scope_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """Return conditions keeping the summary rows in a scope, as they stand."""
    conditions: list[ColumnElement[bool]] = []
    if scope.cohort_id is not None:
        conditions.append(S.cohort_id == scope.cohort_id)
    if scope.program_slug is not None:
        conditions.append(S.program_slug == scope.program_slug)
    if scope.supervisor_id is not None:
        conditions.append(S.user_id.in_(trainee_ids_of(scope.supervisor_id)))
    return conditions


def funnel_counts(scope: Scope) -> list[int]:
    """Return the funnel's counts of summary rows in scope, in lms.reports.funnel.STEPS order."""
    done, practice = S.modules_done, S.practice_met
    query = select(func.count(), func.sum(case((S.joined, 1), else_=0)),
                   func.sum(case((S.modules_passed > 0, 1), else_=0)),
                   func.sum(case((done, 1), else_=0)),
                   func.sum(case((and_(done, practice), 1), else_=0)),
                   func.sum(case((S.certificates > 0, 1), else_=0))).where(*in_scope(scope))
    return [int(value or 0) for value in db.session.execute(query).one()]


def scoped_trainees(scope: Scope) -> Select[int] | None:
    """Return a select of trainee ids in scope (from the summary's indexes), or None for all."""
    if scope.cohort_id is None and scope.program_slug is None:
        return None
    return select(S.user_id).where(*in_scope(scope))


def turnaround_reference(scope: Scope) -> list[Turnaround]:
    """Return each supervisor's turnaround from every decision in scope."""
    return practice_figures.turnaround(scoped_trainees(scope))


@dataclass(frozen=True)
class WeekHours:
    """Approved practice minutes in one week, one cohort and one activity type."""

    cohort: str
    week: date
    activity: str
    minutes: int


def weekly_hours_reference(scope: Scope, today: date, weeks: int = 12) -> list[WeekHours]:
    """Return the weekly hours from the entries themselves: the definition the tally keeps."""
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    rows = practice_figures.weekly_minute_rows(first).subquery("weekly")
    member = membership_rows().subquery("member")
    minutes = func.sum(rows.c.minutes)
    query = (select(member.c.name, rows.c.week, rows.c.activity, minutes)
             .join(member, member.c.user_id == rows.c.trainee_id)
             .group_by(member.c.name, rows.c.week, rows.c.activity)
             .order_by(rows.c.week, member.c.name, rows.c.activity))
    if scope.cohort_id is not None:
        query = query.where(member.c.cohort_id == scope.cohort_id)
    if scope.program_slug is not None:
        query = query.where(rows.c.program_slug == scope.program_slug)
    return [WeekHours(str(name), day if isinstance(day, date) else date.fromisoformat(day),
                      str(activity), int(total or 0))
            for name, day, activity, total in db.session.execute(query)]


@dataclass(frozen=True)
class ItemLine:
    """How one quiz question fares on trainees' first attempts."""

    module_title: str
    question_title: str
    source: str  # file:line of the question, for the author
    answered: int
    first_time_right: int
    top_wrong: str | None  # the wrong choice picked most, as text
    top_wrong_count: int

    @property
    def right_share(self) -> float:
        """Return the share answered correctly on the first attempt."""
        return self.first_time_right / self.answered if self.answered else 0.0


def item_analysis_reference(program: Program, scope: Scope) -> list[ItemLine]:
    """Return the item analysis from every first attempt in scope."""
    return item_lines(program, first_attempt_answer_counts(program.slug, scoped_trainees(scope)))


def item_lines(program: Program, counts: Iterable[tuple[str, str, str, int]]) -> list[ItemLine]:
    """Return every question of the program with these first-attempt counts, hardest first."""
    tallies: dict[tuple[str, str], dict[frozenset[str], int]] = defaultdict(dict)
    # Sorted, so that ties for the top wrong choice break the same way whatever the row order.
    for module_slug, question_key, chosen, count in sorted(counts):
        picked = frozenset(json.loads(chosen))
        bucket = tallies[(module_slug, question_key)]
        bucket[picked] = bucket.get(picked, 0) + count
    lines = []
    for module in program.modules:
        for question in module.questions:
            bucket = tallies.get((module.slug, question.key), {})
            right = bucket.get(question.correct_keys, 0)
            wrong: dict[str, int] = defaultdict(int)
            for picked, count in bucket.items():
                for key in picked - question.correct_keys:
                    wrong[key] += count
            top = max(wrong.items(), key=lambda item: item[1], default=None)
            top_text = _choice_text(question, top[0]) if top else None
            lines.append(ItemLine(module.title, question.title,
                                  f"{display_path(module.source_path)}:{question.line}",
                                  sum(bucket.values()), right, top_text, top[1] if top else 0))
    lines.sort(key=lambda line: (line.answered == 0, line.right_share))
    return lines


def _choice_text(question: Question, key: str) -> str:
    try:
        choice = question.choice(key)
    except KeyError:
        return key
    # Choices are rendered Markdown; the report shows their words only.
    return unescape(re.sub(r"<[^>]+>", "", choice.html)).strip()
