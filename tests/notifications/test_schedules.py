"""Reminders and digests: once per key in the database, at the person's hour; preferences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.models import Category, MailPreference, OutboxMessage
from lms.notifications.outbox import set_preferences, unsubscribe_url
from lms.notifications.scheduling import run_schedules
from lms.notifications.services import send_password_changed, send_trainee_assigned
from lms.notifications.worker import deliver_due
from tests.conftest import csrf_token, get_user
from tests.factories import make_certificate


def _queued(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                   .order_by(OutboxMessage.id)))


def _expiring_certificate(trainee_id: int, expires_on):
    # Certificates are kept as issued (a trigger refuses changes): the expiry is set at issue.
    return make_certificate(trainee_id, expires_on=expires_on)


def test_expiry_reminders_go_once_per_threshold(app, app_ctx, people):
    start = datetime(2027, 1, 1, 12, tzinfo=UTC)
    _expiring_certificate(people["trainee"], start.date() + timedelta(days=60))
    db.session.commit()

    assert run_schedules(start) == 1
    assert run_schedules(start) == 0, "a second tick (or a second drain) sends nothing new"
    assert run_schedules(start + timedelta(days=20)) == 0, "still inside the same threshold"
    assert run_schedules(start + timedelta(days=30)) == 1
    assert run_schedules(start + timedelta(days=53)) == 1
    assert run_schedules(start + timedelta(days=54)) == 0
    subjects = [message.subject for message in _queued("certificate_expiring")]
    assert subjects == ["Your Lantern certificate expires in 60 days",
                        "Your Lantern certificate expires in 30 days",
                        "Your Lantern certificate expires in 7 days"]
    assert all(message.unsubscribe_url for message in _queued("certificate_expiring"))


def test_turned_off_reminders_are_not_sent(app, app_ctx, people):
    start = datetime(2027, 1, 1, 12, tzinfo=UTC)
    _expiring_certificate(people["trainee"], start.date() + timedelta(days=5))
    set_preferences(people["trainee"], reminders=False)
    db.session.commit()
    assert run_schedules(start) == 0
    assert _queued("certificate_expiring") == []


@pytest.fixture
def chicago(app):
    saved = app.config["LMS_TIME_ZONE"], app.config["LMS_DIGEST_HOUR"]
    app.config["LMS_TIME_ZONE"], app.config["LMS_DIGEST_HOUR"] = "America/Chicago", 8
    yield
    app.config["LMS_TIME_ZONE"], app.config["LMS_DIGEST_HOUR"] = saved


def test_the_digest_goes_once_a_day_at_the_digest_hour_in_the_zone(app, app_ctx, people,
                                                                   chicago):
    from tests.practice.helpers import make_entry

    make_entry(people["trainee"], submit=True)
    make_entry(people["trainee"], submit=True)
    db.session.commit()
    # 13:30 UTC is 07:30 in Chicago in January: too early.
    assert run_schedules(datetime(2027, 1, 12, 13, 30, tzinfo=UTC)) == 0
    assert run_schedules(datetime(2027, 1, 12, 14, 5, tzinfo=UTC)) == 1
    assert run_schedules(datetime(2027, 1, 12, 22, 0, tzinfo=UTC)) == 0
    # 03:00 UTC on the 13th is still the 12th in Chicago.
    assert run_schedules(datetime(2027, 1, 13, 3, 0, tzinfo=UTC)) == 0
    assert run_schedules(datetime(2027, 1, 13, 14, 0, tzinfo=UTC)) == 1
    [first, _second] = _queued("supervisor_digest")
    assert first.recipient == "supervisor@example.org"
    assert first.subject == "2 practice entries waiting for your review"
    assert "http://localhost/supervision/queue" in first.body_text
    assert "Please say more" not in first.body_text


def test_no_digest_when_nothing_waits(app, app_ctx, people, chicago):
    assert run_schedules(datetime(2027, 1, 12, 15, tzinfo=UTC)) == 0
    assert _queued("supervisor_digest") == []


def test_one_click_unsubscribe_works_without_signing_in(app, people, client, smtp):
    with app.app_context():
        send_trainee_assigned(get_user(people["supervisor"]), get_user(people["trainee"]))
        db.session.commit()
        deliver_due()
    [received] = smtp.messages
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = received["List-Unsubscribe"].strip("<>")
    path = url.removeprefix("http://localhost")

    page = client.get(path)
    assert page.status_code == 200 and "Stop updates about your work" in page.get_data(
        as_text=True)
    with app.app_context():
        assert db.session.get(MailPreference, people["supervisor"]) is None, "GET changes nothing"

    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        preference = db.session.get(MailPreference, people["supervisor"])
        assert preference is not None
        assert (preference.updates, preference.reminders, preference.digests) == (
            False, True, True)
        assert send_trainee_assigned(get_user(people["supervisor"]),
                                     get_user(people["trainee"])) is None
        assert send_password_changed(get_user(people["supervisor"])) is not None, (
            "security notices always go")


def test_a_forged_unsubscribe_link_is_refused_and_changes_nothing(app, people, client):
    with app.app_context():
        genuine = unsubscribe_url(people["trainee"], Category.DIGESTS)
    token = genuine.rsplit("/", 1)[1]
    body, _, signature = token.rpartition(".")
    forged = f"/unsubscribe/{body}.{signature[::-1]}"
    assert client.post(forged).status_code == 400
    other_person = genuine.replace(token, token.replace(token[5], "A" if token[5] != "A" else "B"))
    assert client.post(other_person.removeprefix("http://localhost")).status_code == 400
    with app.app_context():
        assert db.session.get(MailPreference, people["trainee"]) is None


def test_the_preferences_page_saves_choices(app, people, client, sign_in):
    sign_in("supervisor@example.org")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Security notices" in page and 'checked' in page
    token = csrf_token(client, "/account/notifications")
    response = client.post("/account/notifications", data={
        "csrf_token": token, "updates": "y", "reminders": "y"})
    assert response.status_code == 302
    with app.app_context():
        preference = db.session.get(MailPreference, people["supervisor"])
        assert (preference.updates, preference.reminders, preference.digests) == (
            True, True, False)
