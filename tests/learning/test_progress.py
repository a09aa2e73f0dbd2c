"""A module's honest state: the pure rule, and the dashboard that shows it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from lms.extensions import db
from lms.learning.facts import enrolled_facts
from lms.learning.progress import ModuleFacts, Stage, overall_percent, standing
from lms.learning.services import dashboard, get_catalog, start_attempt, submit_attempt
from tests.conftest import get_user

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
PAUSE = timedelta(minutes=30)


def _standing(facts: ModuleFacts, max_attempts: int = 3):
    return standing(facts, cooldown=PAUSE, max_attempts=max_attempts, now=NOW)


@pytest.mark.parametrize(("facts", "stage", "percent"), [
    (ModuleFacts(), Stage.NOT_STARTED, 0),
    (ModuleFacts(read=True), Stage.READING, 50),
    (ModuleFacts(attempts=1, best_score=40, last_failed_at=NOW), Stage.QUIZ_NOT_PASSED, 50),
    (ModuleFacts(read=True, attempts=2, passed=True, best_score=90), Stage.PASSED, 100),
    # A pass without reading the lesson still counts, as it does on the certificate checklist.
    (ModuleFacts(attempts=1, passed=True, best_score=80), Stage.PASSED, 100),
])
def test_stage_and_share(facts, stage, percent):
    result = _standing(facts)
    assert (result.stage, result.percent) == (stage, percent)


def test_a_failed_quiz_without_reading_is_not_not_started():
    result = _standing(ModuleFacts(read=False, attempts=1, best_score=20,
                                   last_failed_at=NOW - timedelta(minutes=10)))
    assert result.stage is Stage.QUIZ_NOT_PASSED
    assert result.next_try_at == NOW - timedelta(minutes=10) + PAUSE
    assert result.attempts_left == 2


def test_the_next_try_is_open_once_the_pause_is_over():
    result = _standing(ModuleFacts(attempts=1, last_failed_at=NOW - PAUSE - timedelta(1)))
    assert result.next_try_at is None and not result.out_of_attempts


def test_no_attempts_left_shows_no_next_try():
    result = _standing(ModuleFacts(attempts=3, last_failed_at=NOW), max_attempts=3)
    assert result.out_of_attempts and result.next_try_at is None


def test_unlimited_attempts_never_run_out():
    result = _standing(ModuleFacts(attempts=40, last_failed_at=NOW - PAUSE * 2), max_attempts=0)
    assert result.attempts_left is None and not result.out_of_attempts


def test_overall_reaches_100_only_when_every_module_is_passed():
    passed = _standing(ModuleFacts(passed=True))
    almost = _standing(ModuleFacts(read=True))
    assert overall_percent([passed] * 199 + [almost]) == 99
    assert overall_percent([passed, passed]) == 100
    assert overall_percent([]) == 0


def _fail_quiz(trainee_id: int, module_slug: str) -> None:
    module = get_catalog().program("foundations").module(module_slug)
    trainee = get_user(trainee_id)
    attempt = start_attempt(trainee, module)
    wrong = {question.key: [next(c.key for c in question.choices if not c.correct)]
             for question in module.questions}
    submit_attempt(attempt, module, wrong)
    db.session.commit()


def _pass_quiz(trainee_id: int, module_slug: str) -> None:
    module = get_catalog().program("foundations").module(module_slug)
    attempt = start_attempt(get_user(trainee_id), module)
    right = {question.key: sorted(question.correct_keys) for question in module.questions}
    submit_attempt(attempt, module, right)
    db.session.commit()


def test_dashboard_facts_match_the_checklist(app, people):
    from lms.certification.services import eligibility_for

    with app.app_context():
        _fail_quiz(people["trainee"], "active-listening")
        program = get_catalog().program("foundations")
        other = next(m.slug for m in program.modules if m.slug != "active-listening")
        _pass_quiz(people["trainee"], other)
        trainee = get_user(people["trainee"])
        edition, facts = enrolled_facts(trainee.id)["foundations"]
        board = dashboard(program, facts, edition)
        card = next(c for c in board["cards"] if c.module.slug == "active-listening")
        assert card.standing.stage is Stage.QUIZ_NOT_PASSED
        assert card.standing.next_try_at is not None
        on_dashboard = {c.module.slug for c in board["cards"] if c.standing.passed}
        on_checklist = {r.key for r in eligibility_for(trainee, program).requirements
                        if r.kind == "module" and r.met}
        assert on_dashboard == on_checklist == {other}
        db.session.remove()


def test_a_trainee_who_failed_a_quiz_sees_it_on_the_dashboard(app, people, client, sign_in):
    with app.app_context():
        _fail_quiz(people["trainee"], "active-listening")
        db.session.remove()
    sign_in("trainee@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "Quiz not passed yet" in page
    assert re.search(r"next try opens in (?:a minute|about \d+ minutes), at \d\d:\d\d \(UTC\)",
                     page)
    assert "Overall progress: 0%" not in page
    assert "0 of " in page and " modules passed." in page
