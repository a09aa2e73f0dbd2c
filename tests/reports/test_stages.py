"""Stages in SQL agree with the records, whatever the dialect."""

from __future__ import annotations

from datetime import date, timedelta

from lms.auth.models import Role
from lms.cohorts.services import create_cohort, move_to_cohort
from lms.extensions import db
from lms.learning.services import enroll
from lms.models import utcnow
from lms.reports.services import (
    Scope,
    Stage,
    funnel,
    quiet_count,
    stage_counts,
    supervisor_loads,
    time_to_certificate,
    trainee_list,
    turnaround,
    weekly_hours,
)
from tests.conftest import get_user
from tests.factories import make_certificate, make_user
from tests.practice.helpers import make_entry
from tests.reports.helpers import pass_every_module, take_quiz


def _trainee(email: str, joined: bool = True) -> int:
    user = make_user(Role.TRAINEE, email, "Robin Trainee", password=None if not joined
                     else "a calm river at dusk")
    enroll(user, "foundations")
    return user.id


def test_each_stage_is_counted_from_the_records(app_ctx):
    invited = _trainee("invited@example.org", joined=False)
    idle = _trainee("idle@example.org")
    learner = _trainee("learner@example.org")
    take_quiz(learner, "active-listening", right=True)
    practising = _trainee("practising@example.org")
    pass_every_module(practising)
    certified = _trainee("certified@example.org")
    make_certificate(certified)
    counts = stage_counts(Scope(), date.today())
    assert counts[Stage.INVITED] >= 1
    listed = {line.user_id: line.stage for line in
              trainee_list(Scope(), utcnow(), per_page=500)[0]}
    assert listed[invited] is Stage.INVITED
    assert listed[idle] is Stage.NOT_STARTED
    assert listed[learner] is Stage.LEARNING
    assert listed[practising] is Stage.PRACTISING
    assert listed[certified] is Stage.CERTIFIED
    assert sum(counts.values()) == len(listed)


def test_funnel_and_timing_follow_a_cohort(app_ctx):
    admin = make_user(Role.ADMIN, "boss@example.org", "Alex Admin")
    cohort = create_cohort("Spring", "foundations", "default", date.today(), admin)
    ids = [_trainee(f"t{number}@example.org") for number in range(3)]
    for trainee_id in ids:
        move_to_cohort(get_user(trainee_id), cohort, admin)
    pass_every_module(ids[0])
    make_certificate(ids[1])
    result = funnel(Scope(cohort_id=cohort.id), date.today())
    assert (result.invited, result.joined, result.first_quiz, result.modules_done,
            result.certified) == (3, 3, 1, 1, 1)
    timing = time_to_certificate(Scope(cohort_id=cohort.id), date.today())
    assert timing.count == 1
    assert timing.median_days is not None and timing.median_days < 1


def test_supervisor_figures(app_ctx):
    supervisor = make_user(Role.SUPERVISOR, "sup@example.org", "Sam Supervisor")
    trainee = _trainee("p@example.org")
    from lms.admin.services import assign_supervisor

    assign_supervisor(get_user(trainee), supervisor, None)
    make_entry(trainee, submit=True)
    make_entry(trainee, approve_by=supervisor.id)
    make_entry(trainee, return_by=supervisor.id)
    loads = supervisor_loads(supervisor.id)
    assert [(load.waiting, load.name) for load in loads] == [(1, "Sam Supervisor")]
    lines = turnaround(Scope())
    mine = next(line for line in lines if line.supervisor_id == supervisor.id)
    assert mine.decisions == 2 and mine.returned_share == 0.5
    assert mine.median_hours is not None and mine.median_hours < 1
    assert quiet_count(Scope(supervisor_id=supervisor.id), utcnow() + timedelta(days=31)) == 1
    assert quiet_count(Scope(supervisor_id=supervisor.id), utcnow()) == 0
    db.session.flush()


def test_weekly_hours_by_cohort(app_ctx):
    admin = make_user(Role.ADMIN, "boss2@example.org", "Alex Admin")
    supervisor = make_user(Role.SUPERVISOR, "sup2@example.org", "Sam Supervisor")
    cohort = create_cohort("Autumn", "foundations", "default", date.today(), admin)
    trainee = _trainee("w@example.org")
    move_to_cohort(get_user(trainee), cohort, admin)
    from lms.admin.services import assign_supervisor

    assign_supervisor(get_user(trainee), supervisor, None)
    make_entry(trainee, minutes=90, approve_by=supervisor.id)
    rows = weekly_hours(Scope(cohort_id=cohort.id), date.today())
    assert [(row.cohort, row.activity, row.minutes) for row in rows] == [
        ("Autumn", "one-to-one", 90)]
    yesterday = date.today() - timedelta(days=1)
    assert rows[0].week == yesterday - timedelta(days=yesterday.weekday())
