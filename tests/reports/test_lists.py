"""Each list behind a figure, page after page, equals the reference stage query sorted in Python."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.auth.models import Role
from lms.catalog.services import get_catalog
from lms.cohorts.services import create_cohort, move_to_cohort
from lms.extensions import db
from lms.learning.services import enroll
from lms.models import utcnow
from lms.reports.services import Scope, Stage, quiet_count, stage_counts, trainee_list
from lms.reports.stages import QUIET_DAYS, WORKING_STAGES, row_params, trainee_rows
from lms.sqltime import aware_utc
from tests.conftest import get_user
from tests.factories import make_certificate, make_user
from tests.reports.helpers import take_quiz

_numbers = itertools.count()
PROGRAM = "foundations"
# Letters and digits only, so that Python's order is the database's under any collation;
# None is a person invited without a name, listed (and sorted) by their e-mail address.
NAMES = ("alex", "Alex", "bea", "beatrix", "Carl", "t0", None)
#: Days from today to a certificate's expiry, or never; the lists are also read 31 and 95
#: days from now, when some of these have lapsed or lapse soon.
EXPIRIES = (None, 1, 45, 90, 91, 120, 700)

people = st.tuples(
    st.sampled_from(NAMES),
    st.booleans(),  # joined
    st.integers(0, 90),  # joined this many days ago
    st.booleans(),  # joining time recorded (an account made with a password may lack it)
    st.booleans(),  # passed a quiz today
    st.sampled_from(("none", *EXPIRIES)),  # a certificate ("none": not yet) and its expiry
    st.integers(0, 2),  # cohort: none, the first or the second
)


def _make(person: tuple, cohorts: list) -> int:
    name, joined, days_ago, recorded, quiz, expiry, cohort = person
    number = next(_numbers)
    user = make_user(Role.TRAINEE, f"t{number:05d}@example.org",
                     (name or "sam") if joined else name,
                     password="a calm river at dusk" if joined else None)
    if joined:
        user.joined_at = (utcnow() - timedelta(days=days_ago)) if recorded else None
        user.created_at = utcnow() - timedelta(days=days_ago + 1)
    enroll(user, PROGRAM)
    if joined and quiz:
        take_quiz(user.id, "active-listening", right=True)
    if expiry != "none":
        make_certificate(user.id, expires_on=None if expiry is None
                         else date.today() + timedelta(days=expiry))
    if cohort:
        move_to_cohort(get_user(user.id), cohorts[cohort - 1], None)
    return user.id


def _agree_counts(scopes: list[Scope], cohorts: list, now: datetime) -> None:
    """Assert each scope's stage counts equal counting the reference query's rows."""
    for scope in [*scopes, *(Scope(cohort_id=cohort.id) for cohort in cohorts)]:
        rows = db.session.execute(trainee_rows(get_catalog(), scope).select(),
                                  row_params(scope, now.date())).all()
        found = Counter(row.stage for row in rows)
        assert stage_counts(scope, now.date()) == {
            stage: found.get(stage.value, 0) for stage in Stage}, scope


def _reference(scope: Scope, now: datetime, stage: Stage | None, quiet: bool) -> list[tuple]:
    """Return (user_id, program) in the list's documented order, from the reference query."""
    rows = trainee_rows(get_catalog(), scope)
    found = db.session.execute(rows.select(), row_params(scope, now.date())).all()
    before = now - timedelta(days=QUIET_DAYS)
    if stage is not None:
        found = [row for row in found if row.stage == stage.value]
    if quiet:
        found = [row for row in found if row.stage in WORKING_STAGES
                 and (row.last_at is None or aware_utc(row.last_at) < before)]
        found.sort(key=lambda row: (aware_utc(row.last_at), row.user_id, row.program_slug))
        return [(row.user_id, row.program_slug) for row in found]
    found.sort(key=lambda row: (row.sort_name, row.user_id, row.program_slug))
    if stage is Stage.EXPIRING:
        found.sort(key=lambda row: row.expires_on)
    if stage is Stage.EXPIRED:
        found.sort(key=lambda row: row.expires_on, reverse=True)
    return [(row.user_id, row.program_slug) for row in found]


def _listed(scope: Scope, now: datetime, stage: Stage | None, quiet: bool) -> list[tuple]:
    """Return every line of the list, read page by page, checking each page's count."""
    lines: list[tuple] = []
    for page in itertools.count(1):
        found, total = trainee_list(scope, now, stage, quiet, page, per_page=3)
        lines += [(line.user_id, line.program_slug) for line in found]
        if len(found) < 3:
            assert total == len(lines), (scope, stage, quiet)
            return lines


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(group=st.lists(people, min_size=1, max_size=10), later=st.sampled_from((0, 31, 95)))
def test_every_list_pages_through_the_reference_in_its_order(app, group, later):
    with app.app_context():
        number = next(_numbers)
        cohorts = [create_cohort(f"List cohort {number}-{index}", PROGRAM, "default",
                                 date.today(), None) for index in range(2)]
        made = [_make(person, cohorts) for person in group]
        db.session.commit()
        now = utcnow() + timedelta(days=later)
        scopes = [Scope(), Scope(program_slug=PROGRAM),
                  *(Scope(cohort_id=cohort.id, program_slug=PROGRAM) for cohort in cohorts)]
        _agree_counts(scopes, cohorts, now)
        # Then some move: a quiz passed, another cohort; the counters move with them.
        for user_id in made[::2]:
            take_quiz(user_id, "active-listening", right=True)
            move_to_cohort(get_user(user_id), cohorts[user_id % 2], None)
        db.session.commit()
        _agree_counts(scopes, cohorts, now)
        for scope in scopes:
            for stage in (None, *Stage):
                assert _listed(scope, now, stage, False) == _reference(scope, now, stage,
                                                                       False), (scope, stage)
            quiet = _reference(scope, now, None, True)
            assert _listed(scope, now, None, True) == quiet, scope
            assert quiet_count(scope, now) == len(quiet), scope


def test_a_new_name_moves_the_trainee_in_the_list(app_ctx):
    from lms.account.services import change_name

    ids = []
    for name in ("Anna", "Bruno", "Chen"):
        user = make_user(Role.TRAINEE, f"{name.lower()}-{next(_numbers)}@example.org", name)
        enroll(user, PROGRAM)
        ids.append(user.id)
    db.session.commit()

    def order() -> list[int]:
        lines, _ = trainee_list(Scope(), utcnow(), Stage.NOT_STARTED, per_page=500)
        return [line.user_id for line in lines if line.user_id in ids]

    assert order() == ids
    anna = get_user(ids[0])
    assert change_name(anna, "Zoe", anna)
    db.session.commit()
    assert order() == [ids[1], ids[2], ids[0]]
