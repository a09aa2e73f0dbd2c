"""The module page's one-query state agrees with the rules the quiz itself enforces."""

from __future__ import annotations

from datetime import timedelta

from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.services import (
    mark_read,
    module_state,
    progress_by_module,
    quiz_status,
    start_attempt,
    submit_attempt,
)
from lms.models import utcnow
from tests.conftest import get_user
from tests.sqlcount import counting_queries

MODULE_URL = "/programs/foundations/boundaries"


def _assert_same(trainee, module, now):
    state = module_state(trainee, module, now)
    expected = quiz_status(trainee, module, now)
    assert state.enrolled
    got = state.status
    assert (got.attempts_used, got.attempts_left, got.available_from, got.passed,
            got.best_score, got.can_start) == (
        expected.attempts_used, expected.attempts_left, expected.available_from,
        expected.passed, expected.best_score, expected.can_start)
    assert getattr(got.open_attempt, "id", None) == getattr(expected.open_attempt, "id", None)
    assert getattr(got.last_attempt, "id", None) == getattr(expected.last_attempt, "id", None)
    row = progress_by_module(trainee, get_catalog().program("foundations")).get(module.slug)
    if row is None:
        assert state.progress is None
    else:
        assert (state.progress.read_at, state.progress.passed_at, state.progress.best_score) == (
            row.read_at, row.passed_at, row.best_score)
    return state


def test_module_state_matches_quiz_status_through_every_stage(app, people, app_ctx):
    module = get_catalog().program("foundations").module("boundaries")
    trainee = get_user(people["trainee"])
    now = utcnow()
    assert _assert_same(trainee, module, now).progress is None
    mark_read(trainee, module)
    assert _assert_same(trainee, module, now).progress.read_at is not None
    attempt = start_attempt(trainee, module, now)
    assert _assert_same(trainee, module, now).status.open_attempt.id == attempt.id
    submit_attempt(attempt, module, {item["q"]: ["zz"] for item in attempt.drawn}, now)
    paused = _assert_same(trainee, module, now + timedelta(minutes=1))
    assert paused.status.available_from is not None and not paused.status.can_start
    later = now + timedelta(minutes=module.quiz.cooldown_minutes + 1)
    again = start_attempt(trainee, module, later)
    answers = {item["q"]: sorted(module.question(item["q"]).correct_keys)
               for item in again.drawn}
    submit_attempt(again, module, answers, later)
    passed = _assert_same(trainee, module, later)
    assert passed.status.passed and passed.status.best_score == 100
    assert passed.progress.passed_at is not None


def test_module_state_says_when_the_trainee_is_not_enrolled(app, people, app_ctx):
    from lms.auth.models import Role
    from tests.factories import make_user

    module = get_catalog().program("foundations").module("boundaries")
    loner = make_user(Role.TRAINEE, "loner@example.org", "Lone Trainee")
    db.session.flush()
    state = module_state(loner, module)
    assert not state.enrolled and state.status is None


def test_module_page_queries_do_not_grow_with_attempts(app, people, client, sign_in):
    sign_in("trainee@example.org")
    client.get(MODULE_URL)
    with counting_queries() as before:
        assert client.get(MODULE_URL).status_code == 200
    with app.app_context():
        module = get_catalog().program("foundations").module("boundaries")
        trainee = get_user(people["trainee"])
        now = utcnow() - timedelta(days=1)
        for _attempt_number in range(2):
            attempt = start_attempt(trainee, module, now)
            submit_attempt(attempt, module, {item["q"]: ["zz"] for item in attempt.drawn}, now)
            now += timedelta(minutes=module.quiz.cooldown_minutes + 1)
        db.session.commit()
    with counting_queries() as after:
        page = client.get(MODULE_URL)
    assert page.status_code == 200 and "Attempts left" in page.get_data(as_text=True)
    # The session's own statements (savepoints in tests) aside: only the page state; the
    # signed-in identity comes from the per-process cache.
    reads = [sql for sql in after if sql.lstrip().upper().startswith("SELECT")]
    assert len(after) == len(before)
    assert len(reads) == 1
