"""The trainees behind each figure: one page read in the order of an index, and how many.

Every list reads its page from an index in the order it shows, so a page costs the same with
100 trainees or 100,000: by name within a stage (and within a cohort or a program), by expiry
for certificates expiring or expired (soonest first, most recent first), and by last
activity for trainees with none for 30 days (the longest quiet first). Counts come from each
scope's per-stage counters where they answer, and from index ranges where they depend on the
day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Select,
    bindparam,
    case,
    func,
    select,
    union_all,
)

from lms.auth.models import User
from lms.extensions import db
from lms.reports import summary
from lms.reports.models import StageCount, TraineeSummary
from lms.reports.reference import in_scope, scope_conditions
from lms.reports.stages import (
    EXPIRY_WINDOW_DAYS,
    QUIET_DAYS,
    WORKING_STAGES,
    Scope,
    Stage,
    stage_at,
)
from lms.reports.turnaround import ANY_COHORT, ANY_PROGRAM
from lms.sqltime import aware_utc

S = TraineeSummary
TODAY = bindparam("today", type_=S.expires_on.type)
EXPIRING_BY = bindparam("expiring_by", type_=S.expires_on.type)
QUIET_BEFORE = bindparam("quiet_before", type_=S.last_at.type)
#: Ties in any order are broken by the primary key, so pages never overlap or skip a row.
BY_NAME: tuple[ColumnExpressionArgument[Any], ...] = (S.sort_name, S.user_id, S.program_slug)
CERTIFIED_STAGES = {Stage.CERTIFIED, Stage.EXPIRING, Stage.EXPIRED}


@dataclass(frozen=True)
class TraineeLine:
    """One trainee in a list behind a figure."""

    user_id: int
    name: str
    program_slug: str
    stage: Stage
    modules_passed: int
    modules_needed: int
    counted_minutes: int
    minutes_needed: int
    last_at: datetime | None


def _params(now: datetime) -> dict[str, object]:
    return {**stage_day(now.date()), "quiet_before": now - timedelta(days=QUIET_DAYS)}


def stage_conditions(stage: Stage) -> list[ColumnElement[bool]]:
    """Return index-friendly conditions for one stage (the day bound as today, expiring_by)."""
    certified = S.base_stage == Stage.CERTIFIED.value
    if stage is Stage.EXPIRED:
        return [certified, S.expires_on <= TODAY]
    if stage is Stage.EXPIRING:
        return [certified, S.expires_on > TODAY, S.expires_on <= EXPIRING_BY]
    if stage is Stage.CERTIFIED:
        return [certified, S.expires_on > EXPIRING_BY]
    return [S.base_stage == stage.value]


def _order(stage: Stage | None) -> tuple[ColumnExpressionArgument[Any], ...]:
    if stage is Stage.EXPIRING:
        return (S.expires_on, *BY_NAME)
    if stage is Stage.EXPIRED:
        return (S.expires_on.desc(), *BY_NAME)
    return BY_NAME


def _quiet_keys(scope: list[ColumnElement[bool]], enough: int) -> Select[tuple[int, str]]:
    """Return the first `enough` quiet rows by last activity, one index range per stage.

    An IN over the four stages would read every quiet row and sort them; each stage's range
    of the (base_stage, last_at) index is already in order, so the union sorts a few rows.
    """
    ranges = [select(S.user_id, S.program_slug, S.last_at)
              .where(*scope, S.base_stage == stage, S.last_at < QUIET_BEFORE)
              .order_by(S.last_at, S.user_id, S.program_slug).limit(enough)
              .subquery().select() for stage in WORKING_STAGES]
    found = union_all(*ranges).subquery("quiet")
    return select(found.c.user_id, found.c.program_slug).order_by(
        found.c.last_at, found.c.user_id, found.c.program_slug).limit(enough)


def _scope_key(scope: Scope) -> tuple[int, str] | None:
    """Return the keys of a scope's stage counters; None for a supervisor's trainees (none kept)."""
    if scope.supervisor_id is not None:
        return None
    return (scope.cohort_id if scope.cohort_id is not None else ANY_COHORT,
            scope.program_slug if scope.program_slug is not None else ANY_PROGRAM)


def _stored(key: tuple[int, str]) -> Select[Any]:
    return select(func.coalesce(func.sum(StageCount.trainees), 0)).where(
        StageCount.cohort_key == key[0], StageCount.program_key == key[1])


def _lapsing(scoped: list[ColumnElement[bool]]) -> Select[Any]:
    """Return how many active certificates in scope have lapsed, and lapse within 90 days."""
    return select(func.coalesce(func.sum(case((S.expires_on <= TODAY, 1), else_=0)), 0),
                  func.count()).where(*scoped, S.base_stage == Stage.CERTIFIED.value,
                                      S.expires_on <= EXPIRING_BY)


def _count(scope: Scope, scoped: list[ColumnElement[bool]],
           conditions: list[ColumnElement[bool]], stage: Stage | None, quiet: bool
           ) -> Select[Any]:
    """Return a select of how many rows a list holds, from counters where they answer."""
    key = _scope_key(scope)
    if quiet or key is None or stage in (Stage.EXPIRING, Stage.EXPIRED):
        return select(func.count()).select_from(S).where(*conditions)
    if stage is None:
        return _stored(key)
    if stage is Stage.CERTIFIED:  # every active certificate, less those that lapse soon
        lapsing = _lapsing(scoped).with_only_columns(func.count()).scalar_subquery()
        return select(_stored(key).where(StageCount.base_stage == Stage.CERTIFIED.value)
                      .scalar_subquery() - lapsing)
    return _stored(key).where(StageCount.base_stage == stage.value)


def stage_counts(scope: Scope, today: date) -> dict[Stage, int]:
    """Return how many trainee enrolments are in each stage (every stage, zeros included).

    The per-stage counters answer at once; only certificates expiring within 90 days or
    expired are counted, from an index range of the summary.
    """
    scoped = in_scope(scope)
    params = stage_day(today)
    key = _scope_key(scope)
    if key is None:
        stage = stage_at(S.base_stage, S.expires_on)
        query = select(stage, func.count()).where(*scoped).group_by(stage)
        found = {value: count for value, count in db.session.execute(query, params)}
        return {stage: int(found.get(stage.value, 0)) for stage in Stage}
    counts = {Stage(value): int(count) for value, count in db.session.execute(
        select(StageCount.base_stage, StageCount.trainees).where(
            StageCount.cohort_key == key[0], StageCount.program_key == key[1]))}
    expired, ending = (int(value) for value in db.session.execute(
        _lapsing(scoped), params).one())
    counts[Stage.EXPIRED] = expired
    counts[Stage.EXPIRING] = ending - expired
    counts[Stage.CERTIFIED] = counts.get(Stage.CERTIFIED, 0) - ending
    return {stage: counts.get(stage, 0) for stage in Stage}


def stage_day(today: date) -> dict[str, object]:
    """Return the bound values the read-time stage needs for a day."""
    return {"today": today, "expiring_by": today + timedelta(days=EXPIRY_WINDOW_DAYS)}


def _conditions(scope: Scope, stage: Stage | None, quiet: bool
                ) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """Return the scope's conditions, and those of the whole list."""
    scoped = scope_conditions(scope)
    conditions = [*scoped, *(stage_conditions(stage) if stage is not None else [])]
    if quiet:
        conditions += [S.base_stage.in_(WORKING_STAGES), S.last_at < QUIET_BEFORE]
    return scoped, conditions


# Building a list's statements (and SQLAlchemy's first look at them) cost more than running
# them; each list and page is built once per process, the day and time bound when run.
@lru_cache(maxsize=256)
def _statements(scope: Scope, stage: Stage | None, quiet: bool, page: int, per_page: int
                ) -> tuple[Select[Any], Select[*tuple[Any, ...]]]:
    """Return the count and the page select of one list."""
    scoped, conditions = _conditions(scope, stage, quiet)
    skip = (page - 1) * per_page
    stage_now = stage_at(S.base_stage, S.expires_on).label("stage")
    columns = (S.user_id, User.display_name, User.email, S.program_slug, stage_now,
               S.modules_passed, S.modules_needed, S.counted_minutes, S.minutes_needed,
               S.last_at)
    query: Select[*tuple[Any, ...]]
    if quiet:
        keys = _quiet_keys(scoped, skip + per_page).subquery("keys")
        query = (select(*columns)
                 .join(keys, (keys.c.user_id == S.user_id)
                       & (keys.c.program_slug == S.program_slug))
                 .join(User, User.id == S.user_id)
                 .order_by(S.last_at, S.user_id, S.program_slug))
    else:
        query = (select(*columns).join(User, User.id == S.user_id).where(*conditions)
                 .order_by(*_order(stage)))
    return (_count(scope, scoped, conditions, stage, quiet),
            query.limit(per_page).offset(skip))


def trainee_list(scope: Scope, now: datetime, stage: Stage | None = None, quiet: bool = False,
                 page: int = 1, per_page: int = 50) -> tuple[list[TraineeLine], int]:
    """Return one page of trainees in a stage (or quiet, or all), and how many there are."""
    summary.settle()
    count, query = _statements(scope, stage, quiet, page, per_page)
    params = _params(now)
    total = int(db.session.scalar(count, params) or 0)
    return [TraineeLine(user_id, display_name or email, program_slug, Stage(stage_now),
                        passed, needed, minutes, minutes_needed, aware_utc(last_at))
            for (user_id, display_name, email, program_slug, stage_now, passed, needed,
                 minutes, minutes_needed, last_at) in db.session.execute(query, params)], total


def quiet_count(scope: Scope, now: datetime) -> int:
    """Return how many trainees on the way to a certificate did nothing for 30 days."""
    summary.settle()
    count, _ = _statements(scope, None, True, 1, 1)
    return int(db.session.scalar(count, _params(now)) or 0)
