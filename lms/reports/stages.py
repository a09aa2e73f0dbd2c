"""Where each trainee stands, defined in SQL so any number of trainees is counted at once.

A trainee's stage is worked out per enrolment from their records in one statement (a handful
of grouped subqueries joined to the enrolments), using the same rules as the Python checklist
(lms.certification.eligibility), carried into SQL by lms.reports.requirements. This is the
reference definition: lms.reports.summary keeps one row per enrolment with its result, refreshed
from this query in the same transaction as the records, and the pages read those rows.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    union_all,
)

from lms.auth.assignments import trainee_ids_of
from lms.auth.models import Role, User
from lms.catalog.content import Catalog
from lms.certification.figures import certificate_rows
from lms.cohorts.services import membership_rows
from lms.learning.figures import enrolment_rows, last_learning_steps, passed_module_rows
from lms.practice.figures import (
    approved_minute_rows,
    last_practice_steps,
    observed_competency_rows,
    supervision_minute_rows,
)
from lms.reports import requirements

EXPIRY_WINDOW_DAYS = 90
QUIET_DAYS = 30


class Stage(enum.StrEnum):
    """Where a trainee is on the way to (and after) their certificate, in order."""

    INVITED = "invited"
    NOT_STARTED = "not-started"
    LEARNING = "learning"
    PRACTISING = "practising"
    ELIGIBLE = "eligible"
    CERTIFIED = "certified"
    EXPIRING = "expiring"
    EXPIRED = "expired"


#: Joined, not certified: the stages whose trainees can be quiet.
WORKING_STAGES = [Stage.NOT_STARTED.value, Stage.LEARNING.value, Stage.PRACTISING.value,
                  Stage.ELIGIBLE.value]

STAGE_LABELS = {
    Stage.INVITED: "Invited, not joined yet",
    Stage.NOT_STARTED: "Joined, not started",
    Stage.LEARNING: "Learning the modules",
    Stage.PRACTISING: "Practising",
    Stage.ELIGIBLE: "Eligible, not yet certified",
    Stage.CERTIFIED: "Certified",
    Stage.EXPIRING: f"Certificate expires within {EXPIRY_WINDOW_DAYS} days",
    Stage.EXPIRED: "Certificate expired",
}


@dataclass(frozen=True)
class Scope:
    """Which trainees a figure covers: a cohort, a program, one supervisor's, or everyone."""

    cohort_id: int | None = None
    program_slug: str | None = None
    supervisor_id: int | None = None


def sort_name(display_name: SQLColumnExpression[str | None],
              email: SQLColumnExpression[str]) -> ColumnElement[str]:
    """Return the key trainee lists sort by: the name shown, or the e-mail address, lower-cased."""
    return func.lower(func.coalesce(func.nullif(display_name, ""), email))


def stage_at(base_stage: SQLColumnExpression[str], expires_on: SQLColumnExpression[date | None]
             ) -> ColumnElement[str]:
    """Return the stage on a day (bound as today, expiring_by) from the stored stage and expiry.

    The base stage never depends on the day; only an active certificate's expiry does, so
    expiring and expired are worked out when read, never frozen.
    """
    return case((expires_on <= bindparam("today", type_=Date()), Stage.EXPIRED.value),
                (expires_on <= bindparam("expiring_by", type_=Date()), Stage.EXPIRING.value),
                else_=base_stage)


def row_params(scope: Scope, today: date) -> dict[str, object]:
    """Return the values to execute a trainee_rows query with, for a scope and a day."""
    params: dict[str, object] = {"today": today,
                                 "expiring_by": today + timedelta(days=EXPIRY_WINDOW_DAYS)}
    if scope.cohort_id is not None:
        params["cohort_id"] = scope.cohort_id
    if scope.program_slug is not None:
        params["program_slug"] = scope.program_slug
    if scope.supervisor_id is not None:
        params["supervisor_id"] = scope.supervisor_id
    return params


def _enrolments(scope: Scope, by_ids: bool = False) -> Subquery:
    """Return one row per trainee enrolment with the profile it works toward."""
    enrolment = enrolment_rows().subquery("enrolled")
    members = membership_rows()
    if by_ids:  # else SQLite builds every membership first
        members = members.where(members.selected_columns.user_id.in_(
            bindparam("user_ids", expanding=True)))
    member = members.subquery("member")
    profile = case((member.c.program_slug == enrolment.c.program_slug, member.c.profile_slug),
                   else_=literal("default", String()))
    query = (select(enrolment.c.user_id, enrolment.c.program_slug, profile.label("profile"),
                    member.c.cohort_id, User.password_hash.is_not(None).label("joined"),
                    sort_name(User.display_name, User.email).label("sort_name"),
                    User.created_at, User.joined_at)
             .join(User, User.id == enrolment.c.user_id)
             .outerjoin(member, member.c.user_id == enrolment.c.user_id)
             .where(User.role == Role.TRAINEE, User.is_active))
    if scope.cohort_id is not None:
        query = query.where(member.c.cohort_id == bindparam("cohort_id", type_=Integer()))
    if scope.program_slug is not None:
        query = query.where(enrolment.c.program_slug == bindparam("program_slug",
                                                                  type_=String()))
    if scope.supervisor_id is not None:
        query = query.where(enrolment.c.user_id.in_(
            trainee_ids_of(bindparam("supervisor_id", type_=Integer()))))
    if by_ids:
        query = query.where(enrolment.c.user_id.in_(bindparam("user_ids", expanding=True)))
    return query.subquery("enrolment")


def trainee_rows(catalog: Catalog, scope: Scope) -> Subquery:
    """Return per-enrolment facts and the stage, as a subquery to count or list.

    Execute it with row_params(scope, today). Building this expression costs far more than
    running it on a small program, so one is built per catalog and kind of scope, and kept.
    """
    return _trainee_rows(catalog, scope.cohort_id is not None, scope.program_slug is not None,
                         scope.supervisor_id is not None)


def rows_of(catalog: Catalog) -> Subquery:
    """Return trainee_rows for the trainees bound as the expanding parameter user_ids."""
    return _trainee_rows(catalog, False, False, False, True)


@lru_cache(maxsize=32)
def _trainee_rows(catalog: Catalog, cohort: bool, program: bool, supervisor: bool,
                  by_ids: bool = False) -> Subquery:
    scope = Scope(1 if cohort else None, "" if program else None, 1 if supervisor else None)
    enrolment = _enrolments(scope, by_ids)
    # A narrowed scope (a supervisor's trainees, a cohort) narrows every aggregate too, so a
    # supervisor's page reads their trainees' records, not everyone's.
    narrowed = by_ids or any(value is not None for value in (
        scope.cohort_id, scope.program_slug, scope.supervisor_id))
    ids: Select[int] | None = select(enrolment.c.user_id) if narrowed else None
    if by_ids:
        # The bound ids themselves: SQLite would build the whole cohort membership again for
        # each aggregate's IN list (0.7 s at 100,000 trainees); extra ids match no enrolment.
        ids = select(User.id).where(User.id.in_(bindparam("user_ids", expanding=True)))
    req = requirements.profile_table(catalog)
    req_module = requirements.module_table(catalog)
    req_activity = requirements.activity_table(catalog)
    req_competency = requirements.competency_table(catalog)
    counting = requirements.counting_table(catalog)

    passed_rows = passed_module_rows(ids).subquery("passed_rows")
    modules = (select(passed_rows.c.user_id, passed_rows.c.program_slug, req_module.c.profile,
                      func.count().label("passed"))
               .join(req_module, and_(req_module.c.program == passed_rows.c.program_slug,
                                      req_module.c.module == passed_rows.c.module_slug))
               .group_by(passed_rows.c.user_id, passed_rows.c.program_slug,
                         req_module.c.profile).subquery("modules"))
    by_activity = approved_minute_rows(ids).subquery("by_activity")
    counted = (select(by_activity.c.trainee_id, by_activity.c.program_slug,
                      func.sum(by_activity.c.minutes).label("minutes"))
               .join(counting, and_(counting.c.program == by_activity.c.program_slug,
                                    counting.c.activity == by_activity.c.activity))
               .group_by(by_activity.c.trainee_id, by_activity.c.program_slug)
               .subquery("counted"))
    minimums = (select(by_activity.c.trainee_id, by_activity.c.program_slug,
                       req_activity.c.profile, func.count().label("met"))
                .join(req_activity, and_(req_activity.c.program == by_activity.c.program_slug,
                                         req_activity.c.activity == by_activity.c.activity))
                .where(by_activity.c.minutes >= req_activity.c.minutes)
                .group_by(by_activity.c.trainee_id, by_activity.c.program_slug,
                          req_activity.c.profile).subquery("minimums"))
    supervision = supervision_minute_rows(ids).subquery("supervision")
    observed = observed_competency_rows(ids).subquery("observed")
    competencies = (select(observed.c.trainee_id, observed.c.program_slug,
                           req_competency.c.profile, func.count().label("observed"))
                    .join(req_competency, and_(
                        req_competency.c.program == observed.c.program_slug,
                        req_competency.c.competency == observed.c.competency))
                    .group_by(observed.c.trainee_id, observed.c.program_slug,
                              req_competency.c.profile).subquery("competencies"))
    certificates = certificate_rows(ids).subquery("certificates")
    activity = _last_activity(ids)

    passed = func.coalesce(modules.c.passed, 0)
    minutes = func.coalesce(counted.c.minutes, 0)
    modules_done = passed >= req.c.modules
    practice_met = and_(minutes >= req.c.minutes,
                        func.coalesce(minimums.c.met, 0) >= req.c.activities)
    eligible = and_(modules_done, practice_met,
                    func.coalesce(supervision.c.minutes, 0) >= req.c.supervision,
                    func.coalesce(competencies.c.observed, 0) >= req.c.competencies)
    active = certificates.c.active == 1
    base_stage = case(
        (active, Stage.CERTIFIED.value),
        (enrolment.c.joined.is_(False), Stage.INVITED.value),
        (activity.c.last_at.is_(None), Stage.NOT_STARTED.value),
        (~modules_done, Stage.LEARNING.value),
        (~eligible, Stage.PRACTISING.value),
        else_=Stage.ELIGIBLE.value)
    expires_on = case((active, certificates.c.expires_on), else_=None)
    stage = stage_at(base_stage, expires_on)
    # Everyone who joined has a last step: an account made with a password before joining
    # was recorded counts from its creation, so "quiet" is one index range.
    joined_at = func.coalesce(enrolment.c.joined_at,
                              case((enrolment.c.joined, enrolment.c.created_at)))
    query = (select(enrolment.c.user_id, enrolment.c.program_slug, enrolment.c.sort_name,
                    enrolment.c.profile,
                    enrolment.c.cohort_id, enrolment.c.created_at, enrolment.c.joined_at,
                    stage.label("stage"), base_stage.label("base_stage"),
                    expires_on.label("expires_on"), enrolment.c.joined,
                    passed.label("modules_passed"),
                    req.c.modules.label("modules_needed"), minutes.label("counted_minutes"),
                    req.c.minutes.label("minutes_needed"),
                    modules_done.label("modules_done"), and_(modules_done, practice_met)
                    .label("practice_met"),
                    func.coalesce(certificates.c.issued, 0).label("certificates"),
                    certificates.c.first_issued,
                    func.coalesce(activity.c.last_at, joined_at).label("last_at"))
             .join(req, and_(req.c.program == enrolment.c.program_slug,
                             req.c.profile == enrolment.c.profile))
             .outerjoin(modules, and_(modules.c.user_id == enrolment.c.user_id,
                                      modules.c.program_slug == enrolment.c.program_slug,
                                      modules.c.profile == enrolment.c.profile))
             .outerjoin(counted, and_(counted.c.trainee_id == enrolment.c.user_id,
                                      counted.c.program_slug == enrolment.c.program_slug))
             .outerjoin(minimums, and_(minimums.c.trainee_id == enrolment.c.user_id,
                                       minimums.c.program_slug == enrolment.c.program_slug,
                                       minimums.c.profile == enrolment.c.profile))
             .outerjoin(supervision, supervision.c.trainee_id == enrolment.c.user_id)
             .outerjoin(competencies, and_(
                 competencies.c.trainee_id == enrolment.c.user_id,
                 competencies.c.program_slug == enrolment.c.program_slug,
                 competencies.c.profile == enrolment.c.profile))
             .outerjoin(certificates, and_(certificates.c.user_id == enrolment.c.user_id,
                                           certificates.c.program_slug
                                           == enrolment.c.program_slug))
             .outerjoin(activity, activity.c.user_id == enrolment.c.user_id))
    return query.subquery("trainee")


def _last_activity(ids: Select[int] | None) -> Subquery:
    """Return each trainee's latest step: a module read or passed, a quiz, or practice."""
    steps = union_all(last_learning_steps(ids), last_practice_steps(ids)).subquery("steps")
    return (select(steps.c.user_id, func.max(steps.c.at).label("last_at"))
            .group_by(steps.c.user_id).subquery("activity"))


def stage_counts_query(rows: Subquery) -> Select:
    """Return the select counting enrolments per stage."""
    return select(rows.c.stage, func.count()).group_by(rows.c.stage)
