"""The weekly hours report read from the cohort tallies equals its reference on the entries."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from lms.auth.models import Role
from lms.cohorts.services import create_cohort, move_to_cohort
from lms.extensions import db
from lms.learning.services import enroll
from lms.reports.models import WeeklyMinutes
from lms.reports.services import (
    Scope,
    rebuild_summaries,
    weekly_hours,
    weekly_hours_reference,
)
from tests.conftest import get_user
from tests.factories import make_user
from tests.practice.helpers import make_entry

_numbers = itertools.count()

ACTIVITIES = ("one-to-one", "group", "role-play")
ACTIONS = ("approved", "approved-old", "submitted", "returned", "deleted", "cohort-new",
           "cohort-other", "commit")


def _agree(cohorts: list[int], today: date) -> None:
    """Assert the tally and the reference agree for everyone and for each cohort."""
    for scope in (Scope(), *(Scope(cohort_id=cohort) for cohort in cohorts),
                  Scope(program_slug="foundations")):
        assert weekly_hours(scope, today) == weekly_hours_reference(scope, today), scope


def _apply(action: str, trainee_id: int, days_ago: int, activity: str, supervisor_id: int,
           cohorts: list[int]) -> None:
    """Change a trainee's entries or cohort through the services the app uses."""
    from lms.admin.services import assign_supervisor
    from lms.auth.assignments import supervisor_is_assigned
    from lms.practice.services import delete_entry

    trainee = get_user(trainee_id)
    day = date.today() - timedelta(days=days_ago)
    if action in ("approved", "approved-old", "returned") and not supervisor_is_assigned(
            trainee_id, supervisor_id):
        assign_supervisor(trainee, get_user(supervisor_id), None)
    if action == "approved":
        make_entry(trainee_id, minutes=30 + days_ago, activity=activity, day=day,
                   approve_by=supervisor_id)
    elif action == "approved-old":
        # Outside the twelve weeks shown: kept in the tally, never in the report.
        make_entry(trainee_id, minutes=45, activity=activity, day=day - timedelta(weeks=20),
                   approve_by=supervisor_id)
    elif action == "submitted":
        make_entry(trainee_id, activity=activity, day=day, submit=True)
    elif action == "returned":
        make_entry(trainee_id, activity=activity, day=day, return_by=supervisor_id)
    elif action == "deleted":
        delete_entry(make_entry(trainee_id, day=day), trainee)
    elif action == "cohort-new":
        cohort = create_cohort(f"Tally cohort {next(_numbers)}", "foundations", "default",
                               date.today(), None)
        cohorts.append(cohort.id)
        move_to_cohort(trainee, cohort, None)
    elif action == "cohort-other" and cohorts:
        from lms.cohorts.services import get_cohort

        cohort = get_cohort(cohorts[days_ago % len(cohorts)])
        assert cohort is not None
        move_to_cohort(trainee, cohort, None)
    elif action == "commit":
        db.session.commit()


@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(ACTIONS),
                                st.integers(0, 100), st.sampled_from(ACTIVITIES)),
                      max_size=14))
def test_weekly_hours_from_the_tally_equal_the_reference(app, people, steps):
    with app.app_context():
        ids = []
        for _ in range(3):
            number = next(_numbers)
            user = make_user(Role.TRAINEE, f"tally{number}@example.org", f"Tally {number}",
                             password="a calm river at dusk")
            enroll(user, "foundations")
            ids.append(user.id)
        cohorts: list[int] = []
        for index, action, days_ago, activity in steps:
            _apply(action, ids[index], days_ago, activity, people["supervisor"], cohorts)
        today = date.today()
        # Read before the commit (the report settles first), then what the commit left stored.
        _agree(cohorts, today)
        db.session.commit()
        _agree(cohorts, today)
        # Another day's twelve weeks come from the same tally.
        _agree(cohorts, today + timedelta(weeks=3))


def test_the_report_has_rows_and_a_rebuild_restores_the_tally(app, people):
    with app.app_context():
        trainee = make_user(Role.TRAINEE, "tally-rebuild@example.org", "Tally Rebuild",
                            password="a calm river at dusk")
        enroll(trainee, "foundations")
        cohort = create_cohort(f"Tally cohort {next(_numbers)}", "foundations", "default",
                               date.today(), None)
        move_to_cohort(trainee, cohort, None)
        _apply("approved", trainee.id, 3, "group", people["supervisor"], [])
        db.session.commit()
        lines = weekly_hours(Scope(cohort_id=cohort.id), date.today())
        assert [(line.activity, line.minutes) for line in lines] == [("group", 33)]
        db.session.execute(delete(WeeklyMinutes))
        assert weekly_hours(Scope(cohort_id=cohort.id), date.today()) == []
        rebuild_summaries()
        db.session.commit()
        assert weekly_hours(Scope(cohort_id=cohort.id), date.today()) == lines
        _agree([cohort.id], date.today())


def test_a_trainee_who_changes_cohort_takes_their_minutes_along(app, people):
    with app.app_context():
        trainee = make_user(Role.TRAINEE, "tally-move@example.org", "Tally Move",
                            password="a calm river at dusk")
        enroll(trainee, "foundations")
        cohorts: list[int] = []
        _apply("cohort-new", trainee.id, 0, "group", people["supervisor"], cohorts)
        _apply("approved", trainee.id, 10, "one-to-one", people["supervisor"], cohorts)
        db.session.commit()
        _apply("cohort-new", trainee.id, 0, "group", people["supervisor"], cohorts)
        first, second = cohorts
        assert weekly_hours(Scope(cohort_id=first), date.today()) == []
        moved = weekly_hours(Scope(cohort_id=second), date.today())
        assert [(line.activity, line.minutes) for line in moved] == [("one-to-one", 40)]
        _agree(cohorts, date.today())
        db.session.commit()
        _agree(cohorts, date.today())
