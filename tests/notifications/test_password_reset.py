"""Forgot password: the same answer for every address, an e-mailed one-hour link, no sign-outs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.models import utcnow
from lms.notifications.models import OutboxMessage
from lms.notifications.password_reset import request_password_reset
from lms.notifications.worker import deliver_due
from tests.conftest import PASSWORD, csrf_token, get_user
from tests.factories import make_user
from tests.notifications.conftest import link_in

NEW_PASSWORD = "a slow boat on the canal"


def _ask(client, email: str):
    token = csrf_token(client, "/password/forgot")
    response = client.post("/password/forgot", data={"csrf_token": token, "email": email})
    # The address is looked up once the answer has gone, as a server closes the response.
    response.close()
    return response


def _queued(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def _e_mailed_link(app, smtp, email: str) -> str:
    with app.app_context():
        deliver_due()
    return link_in(smtp.mailbox.to(email)[-1], "http://localhost/password/reset/")


def test_known_and_unknown_addresses_get_the_same_page_and_status(app, people, client):
    known = _ask(client, " Trainee@Example.org ")
    assert _queued(app) == 1
    unknown = _ask(client, "nobody@example.org")
    assert _queued(app) == 1, "nothing is written for an unknown address"
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert "Check your e-mail" in known.get_data(as_text=True)


def _signed_in(app, email: str, password: str = PASSWORD):
    device = app.test_client()
    token = csrf_token(device, "/sign-in")
    device.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})
    return device


def test_the_e_mailed_link_sets_a_new_password_and_ends_other_sessions(app, people, smtp):
    # Plain test clients: pytest-flask's shared client would end the other one's session.
    client = app.test_client()
    other_device = app.test_client()
    token = csrf_token(other_device, "/sign-in")
    other_device.post("/sign-in", data={"email": "trainee@example.org", "password": PASSWORD,
                                        "csrf_token": token})
    assert other_device.get("/").status_code == 200

    _ask(client, "trainee@example.org")
    link = _e_mailed_link(app, smtp, "trainee@example.org")
    assert other_device.get("/").status_code == 200, "asking for a link signs nobody out"

    path = link.removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200 and "Choose a new password" in page.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/sign-in")

    assert other_device.get("/").status_code == 302, "setting the password ends other sessions"
    assert _signed_in(app, "trainee@example.org", NEW_PASSWORD).get("/").status_code == 200
    with app.app_context():
        deliver_due()
    assert "Your Lantern password was changed" in [
        m["Subject"] for m in smtp.mailbox.to("trainee@example.org")]
    used = client.get(path)
    assert used.status_code == 410
    assert "already been used" in used.get_data(as_text=True)
    assert "Send me a new link" in used.get_data(as_text=True)


def test_a_newer_link_voids_the_older_one(app, people, client, smtp):
    _ask(client, "trainee@example.org")
    first = _e_mailed_link(app, smtp, "trainee@example.org")
    _ask(client, "trainee@example.org")
    second = _e_mailed_link(app, smtp, "trainee@example.org")
    assert first != second
    assert client.get(first.removeprefix("http://localhost")).status_code == 410
    assert client.get(second.removeprefix("http://localhost")).status_code == 200


def test_a_link_expires_after_one_hour(app, people, client, smtp):
    with app.app_context():
        request_password_reset("trainee@example.org", now=utcnow() - timedelta(minutes=61))
        db.session.commit()
    link = _e_mailed_link(app, smtp, "trainee@example.org")
    response = client.get(link.removeprefix("http://localhost"))
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_a_weak_password_is_refused_and_the_link_still_works(app, people, client, smtp):
    _ask(client, "trainee@example.org")
    path = _e_mailed_link(app, smtp, "trainee@example.org").removeprefix("http://localhost")
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert client.get(path).status_code == 200


def test_someone_invited_but_not_joined_gets_their_invitation_again(app, client, smtp):
    with app.app_context():
        make_user(email="newcomer@example.org", password=None)
        db.session.commit()
    _ask(client, "newcomer@example.org")
    with app.app_context():
        deliver_due()
    [received] = smtp.mailbox.to("newcomer@example.org")
    assert link_in(received, "http://localhost/invite/")


def test_a_deactivated_account_gets_nothing(app, people, client):
    with app.app_context():
        get_user(people["trainee"]).is_active = False
        db.session.commit()
    assert _ask(client, "trainee@example.org").status_code == 200
    assert _queued(app) == 0


def test_asking_is_rate_limited_per_address(app, people, client):
    limit = int(app.config["FORGOT_PASSWORD_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        assert _ask(client, "trainee@example.org").status_code == 200
    assert _ask(client, "trainee@example.org").status_code == 429
    assert _ask(client, "supervisor@example.org").status_code == 200, "other addresses go on"
    assert _queued(app) == limit + 1


def test_a_malformed_address_gets_a_clear_message(app, client):
    response = _ask(client, "not an address")
    assert response.status_code == 400
    assert "e-mail address such as" in response.get_data(as_text=True)
    assert 'value="not an address"' in response.get_data(as_text=True), "nothing typed is lost"
