"""Dashboard, module pages and quizzes, through the real views."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.models import ModuleProgress, QuizAttempt
from lms.learning.services import (
    QuizUnavailable,
    quiz_status,
    start_attempt,
    submit_attempt,
)
from lms.models import utcnow
from tests.conftest import csrf_token, get_user

MODULE_URL = "/programs/foundations/active-listening"


def _module(app):
    with app.app_context():
        return get_catalog().program("foundations").module("active-listening")


def _html_fragments_that_must_stay_secret(module):
    """Return feedback and explanation texts: none may reach the page before submission."""
    secrets = []
    for question in module.questions:
        secrets.append(re.sub(r"<[^>]+>", "", question.explanation_html).strip()[:60])
        for choice in question.choices:
            secrets.append(re.sub(r"<[^>]+>", "", choice.feedback_html).strip()[:60])
    return [text for text in secrets if text]


def _start(client):
    token = csrf_token(client, MODULE_URL)
    response = client.post(f"{MODULE_URL}/quiz", data={"csrf_token": token})
    assert response.status_code == 302
    return response.headers["Location"]


def _posted_answers(app, attempt_url, wrong=0):
    """Return form data answering the drawn questions, the first `wrong` of them wrongly."""
    attempt_id = int(attempt_url.rstrip("/").split("/")[-1])
    module = _module(app)
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        data: dict[str, list[str]] = {}
        for number, item in enumerate(attempt.drawn, start=1):
            question = module.question(item["q"])
            wanted = question.correct_keys if number > wrong else {
                next(c.key for c in question.choices if not c.correct)}
            data[f"q-{number}"] = [str(item["c"].index(key) + 1) for key in sorted(wanted)]
        db.session.remove()
    return data


def test_dashboard_shows_progress_and_next_step(app, people, client, sign_in):
    sign_in("trainee@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "Peer Support Foundations" in page
    modules = get_catalog_modules(app)
    assert page.count("<progress") == 1 + len(modules)
    assert "Overall progress: 0%" in page
    assert re.search(rf'Next step:</strong>\s*read <a href="{modules[0].url}">', page)


def get_catalog_modules(app):
    with app.app_context():
        return get_catalog().program("foundations").modules


def test_module_page_has_lesson_toc_and_no_answers(app, people, client, sign_in):
    sign_in("trainee@example.org")
    module = _module(app)
    page = client.get(MODULE_URL).get_data(as_text=True)
    assert f"<h1>{module.title}</h1>" in page
    assert "On this page" in page and 'href="#quiz"' in page
    for entry in module.toc:
        if entry.level == 2:
            assert f'id="{entry.anchor_id}"' in page
    for secret in _html_fragments_that_must_stay_secret(module):
        assert secret not in page, f"answer feedback leaked onto the module page: {secret}"
    assert "Previous:" in page and "Next:" in page


def test_mark_as_read_feeds_progress(app, people, client, sign_in):
    sign_in("trainee@example.org")
    token = csrf_token(client, MODULE_URL)
    client.post(f"{MODULE_URL}/read", data={"csrf_token": token})
    with app.app_context():
        row = db.session.scalar(select(ModuleProgress).filter_by(
            user_id=people["trainee"], module_slug="active-listening"))
        assert row.read_at is not None and row.passed_at is None
    assert "Read, quiz to do" in client.get("/").get_data(as_text=True)


def test_quiz_page_has_fieldsets_and_no_answers(app, people, client, sign_in):
    sign_in("trainee@example.org")
    module = _module(app)
    page = client.get(_start(client)).get_data(as_text=True)
    assert page.count("<fieldset") == module.quiz.draw
    assert page.count("<legend>") == module.quiz.draw
    for secret in _html_fragments_that_must_stay_secret(module):
        assert secret not in page, f"answer feedback leaked onto the quiz page: {secret}"
    assert not re.search(r'value="[a-z]"', page), "choice keys must not be sent as values"


def test_missing_answers_keep_the_others_and_record_nothing(app, people, client, sign_in):
    sign_in("trainee@example.org")
    url = _start(client)
    data = _posted_answers(app, url)
    del data["q-3"]
    token = csrf_token(client, url)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'You have not answered this question yet: <a href="#q-3">question 3</a>.' in page
    assert re.search(r'<fieldset[^>]*id="q-3"[^>]*aria-describedby="q-3-error"', page)
    assert '<p class="error" id="q-3-error">Please choose an answer to this question.</p>' in page
    assert "q-2-error" not in page
    assert page.count(" checked") >= len(data)
    with app.app_context():
        assert db.session.scalar(select(QuizAttempt.submitted_at)) is None


def test_passing_quiz_records_once_and_feeds_progress(app, people, client, sign_in):
    sign_in("trainee@example.org")
    module = _module(app)
    url = _start(client)
    data = _posted_answers(app, url)
    token = csrf_token(client, url)
    first = client.post(url, data={**data, "csrf_token": token})
    second = client.post(url, data={**data, "csrf_token": token})  # double click / back
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    result = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Your result: 100%" in result and "You passed" in result
    any_feedback = _html_fragments_that_must_stay_secret(module)
    assert sum(secret in result for secret in any_feedback) >= module.quiz.draw
    with app.app_context():
        attempts = db.session.scalars(select(QuizAttempt)).all()
        assert len(attempts) == 1 and attempts[0].score == 100 and attempts[0].passed
        assert attempts[0].content_version == module.version
        row = db.session.scalar(select(ModuleProgress).filter_by(module_slug=module.slug))
        assert row.passed_at is not None and row.best_score == 100
        assert row.passed_version == module.version
    assert "Passed (100%)" in client.get("/").get_data(as_text=True)


def test_failed_attempt_shows_feedback_and_pause(app, people, client, sign_in):
    sign_in("trainee@example.org")
    url = _start(client)
    data = _posted_answers(app, url, wrong=len(_module(app).questions))  # every answer wrong
    token = csrf_token(client, url)
    response = client.post(url, data={**data, "csrf_token": token})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not quite" in page
    assert "not quite enough" in page
    token = csrf_token(client, MODULE_URL)
    refused = client.post(f"{MODULE_URL}/quiz", data={"csrf_token": token},
                          follow_redirects=True).get_data(as_text=True)
    assert "Take a short break" in refused
    assert re.search(r"opens again in about \d+ minutes, at \d\d:\d\d \(UTC\)", refused)
    module_page = client.get(MODULE_URL).get_data(as_text=True)
    assert re.search(r"The quiz opens again in (?:a minute|about \d+ minutes)", module_page)


def test_cooldown_and_attempt_limit(app, people, app_ctx):
    module = get_catalog().program("foundations").module("boundaries")
    trainee = get_user(people["trainee"])
    now = utcnow()
    for number in range(module.quiz.max_attempts):
        attempt = start_attempt(trainee, module, now)
        assert attempt.number == number + 1
        submit_attempt(attempt, module, {item["q"]: ["zz"] for item in attempt.drawn}, now)
        last = number == module.quiz.max_attempts - 1
        with pytest.raises(QuizUnavailable, match="used all" if last else "short break"):
            start_attempt(trainee, module, now + timedelta(minutes=1))
        now += timedelta(minutes=module.quiz.cooldown_minutes + 1)
    with pytest.raises(QuizUnavailable, match="used all the attempts"):
        start_attempt(trainee, module, now)
    status = quiz_status(trainee, module, now)
    assert status.attempts_left == 0 and not status.passed
    count = db.session.scalar(select(func.count()).select_from(QuizAttempt))
    assert count == module.quiz.max_attempts


def test_starting_twice_resumes_the_open_attempt(app, people, app_ctx):
    module = get_catalog().program("foundations").module("boundaries")
    trainee = get_user(people["trainee"])
    first = start_attempt(trainee, module)
    assert start_attempt(trainee, module).id == first.id


def test_not_enrolled_trainee_is_refused(app, people, client, sign_in):
    from lms.auth.models import Role
    from tests.factories import make_user

    with app.app_context():
        make_user(Role.TRAINEE, "loner@example.org", "Lone Trainee")
        db.session.commit()
    sign_in("loner@example.org")
    assert client.get(MODULE_URL).status_code == 403
    assert "not enrolled in a program yet" in client.get("/").get_data(as_text=True)


def test_unknown_module_is_404(app, people, client, sign_in):
    sign_in("trainee@example.org")
    assert client.get("/programs/foundations/no-such-module").status_code == 404
    assert client.get("/programs/nowhere/active-listening").status_code == 404


@pytest.mark.parametrize("tampered", [
    {"q-99": ["1"]},
    {"q-1": ["9"]},
    {"q-1": ["x"]},
    {"q-1": ["\u00b2"]},  # a digit to str.isdigit(), not to int()
    {"q-1": ["99999999999999999999999"]},
])
def test_answers_outside_the_drawn_set_are_refused(app, people, client, sign_in, tampered):
    sign_in("trainee@example.org")
    url = _start(client)
    data = {**_posted_answers(app, url), **tampered}
    token = csrf_token(client, url)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert "Nothing was recorded" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QuizAttempt.submitted_at)) is None


def test_two_answers_to_a_single_choice_question_are_refused(app, people, client, sign_in):
    sign_in("trainee@example.org")
    url = _start(client)
    module = _module(app)
    with app.app_context():
        attempt = db.session.scalars(select(QuizAttempt)).one()
        single = next(number for number, item in enumerate(attempt.drawn, start=1)
                      if not module.question(item["q"]).multiple)
        db.session.remove()
    data = {**_posted_answers(app, url), f"q-{single}": ["1", "2"]}
    token = csrf_token(client, url)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert f"Question {single} takes one answer" in response.get_data(as_text=True)


def test_cooldown_can_be_shortened_by_configuration(app, people, app_ctx):
    module = get_catalog().program("foundations").module("boundaries")
    trainee = get_user(people["trainee"])
    now = utcnow()
    attempt = start_attempt(trainee, module, now)
    submit_attempt(attempt, module, {item["q"]: ["zz"] for item in attempt.drawn}, now)
    app.config["QUIZ_COOLDOWN_SECONDS"] = 5
    try:
        assert quiz_status(trainee, module, now + timedelta(seconds=4)).available_from
        assert quiz_status(trainee, module, now + timedelta(seconds=6)).can_start
    finally:
        app.config["QUIZ_COOLDOWN_SECONDS"] = None
