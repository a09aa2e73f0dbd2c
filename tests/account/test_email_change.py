"""Changing one's own address: the password, then a single-use link e-mailed to the new address."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lms.account.models import EmailChangeRequest
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.models import utcnow
from lms.notifications.models import OutboxMessage
from lms.notifications.transport import MailSettings
from lms.notifications.worker import deliver_due
from tests.conftest import PASSWORD, csrf_token, get_user
from tests.factories import make_user
from tests.notifications.conftest import body_text, link_in

NEW = "jordan.new@example.org"
LINK = "http://localhost/account/email/confirm/"


@pytest.fixture
def client(app, people):
    """The trainee signed in on a plain test client.

    Plain clients: pytest-flask's shared one keeps its signed-in person around for the other
    browsers of a test.
    """
    return _new_device(app)


def _ask(client, new_email: str = NEW, password: str = PASSWORD):
    token = csrf_token(client, "/account")
    return client.post("/account/email", data={"email-csrf_token": token,
                                               "email-new_email": new_email,
                                               "email-current_password": password})


def _mailed_link(app, smtp, address: str = NEW) -> str:
    with app.app_context():
        deliver_due()
    return link_in(smtp.mailbox.to(address)[-1], LINK).removeprefix("http://localhost")


def _confirm(client, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def _address(app, people) -> str:
    with app.app_context():
        return get_user(people["trainee"]).email


def _new_device(app, email: str = "trainee@example.org", password: str = PASSWORD):
    device = app.test_client()
    device.post("/sign-in", data={"email": email, "password": password,
                                  "csrf_token": csrf_token(device, "/sign-in")})
    return device


def test_the_address_changes_only_when_the_e_mailed_link_is_used(app, people, client, smtp):
    response = _ask(client, " Jordan.New@Example.org ")
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert f"We sent a link to {NEW}" in page
    assert f"A confirmation link is waiting at <strong>{NEW}</strong>; it works until" in page
    assert _address(app, people) == "trainee@example.org", "nothing changes before the link"

    path = _mailed_link(app, smtp)
    mail = smtp.mailbox.to(NEW)[-1]
    assert mail["Subject"] == "Please confirm your new Lantern e-mail address"
    text = body_text(mail)
    assert "trainee@example.org" not in text, "the new address never learns the old one"
    assert "24 hours" in text
    assert smtp.mailbox.to("trainee@example.org") == [], "the old address hears only after"

    page = client.get(path)
    assert page.status_code == 200 and "Confirm the new address" in page.get_data(as_text=True)
    assert _address(app, people) == "trainee@example.org", "opening the page changes nothing"
    response = _confirm(client, path)
    assert response.status_code == 302 and response.location.endswith("/account")
    assert _address(app, people) == NEW
    assert f"Your e-mail address is now {NEW}" in client.get("/account").get_data(as_text=True)

    with app.app_context():
        deliver_due()
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.kind == "account.email_changed"))
        assert (event.actor_id, event.about_user_id) == (people["trainee"], people["trainee"])
        assert event.payload == {}, "addresses stay out of the permanent log"
    notice = smtp.mailbox.to("trainee@example.org")
    assert [m["Subject"] for m in notice] == ["Your Lantern e-mail address was changed"]
    # The session stays (nothing in the identity changed); the new address signs in.
    assert client.get("/account").status_code == 200
    assert _new_device(app, NEW).get("/account").status_code == 200
    assert _new_device(app, "trainee@example.org").get("/account").status_code == 302


def test_a_wrong_password_is_refused_and_keeps_the_new_address(app, people, client, smtp):
    response = _ask(client, NEW, "not my password")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your current password is not right" in page
    assert f'value="{NEW}"' in page, "the new address typed is kept"
    assert "not my password" not in page, "the password is never sent back"
    with app.app_context():
        assert db.session.scalar(select(EmailChangeRequest)) is None
        assert db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.recipient == NEW)) is None


def test_someone_elses_address_is_refused_without_saying_whose(app, people, client, smtp):
    response = _ask(client, "Supervisor@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Another account already uses that address" in page
    assert "Sam Supervisor" not in page
    with app.app_context():
        assert db.session.scalar(select(EmailChangeRequest)) is None


def test_an_expired_link_is_refused(app, people, client, smtp):
    _ask(client)
    path = _mailed_link(app, smtp)
    with app.app_context():
        db.session.execute(update(EmailChangeRequest).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    token = csrf_token(client, "/account")
    for response in (client.get(path), client.post(path, data={"csrf_token": token})):
        assert response.status_code == 410
        assert "This link has expired: links last 24 hours" in response.get_data(as_text=True)
    assert _address(app, people) == "trainee@example.org"


def test_a_used_link_cannot_be_used_again(app, people, client, smtp):
    _ask(client)
    path = _mailed_link(app, smtp)
    assert _confirm(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    token = csrf_token(client, "/account")
    assert client.post(path, data={"csrf_token": token}).status_code == 410
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.kind == "account.email_changed")).all()
        assert len(events) == 1


def test_a_newer_request_replaces_the_older_link(app, people, client, smtp):
    _ask(client, "first.new@example.org")
    first = _mailed_link(app, smtp, "first.new@example.org")
    _ask(client, "second.new@example.org")
    second = _mailed_link(app, smtp, "second.new@example.org")
    refused = client.get(first)
    assert refused.status_code == 410
    assert "a newer request has replaced it" in refused.get_data(as_text=True)
    assert _address(app, people) == "trainee@example.org"
    assert _confirm(client, second).status_code == 302
    assert _address(app, people) == "second.new@example.org"


def test_an_address_taken_by_someone_else_meanwhile_voids_the_link(app, people, client, smtp):
    _ask(client)
    path = _mailed_link(app, smtp)
    with app.app_context():
        make_user(email=NEW, name="Someone Else")
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "Another account now uses this address" in response.get_data(as_text=True)
    assert _address(app, people) == "trainee@example.org"


def test_a_password_change_after_asking_voids_the_link(app, people, client, smtp):
    _ask(client)
    path = _mailed_link(app, smtp)
    new_password = "a slow boat on the canal"
    token = csrf_token(client, "/account")
    assert client.post("/account/password", data={
        "csrf_token": token, "current_password": PASSWORD, "password": new_password,
        "confirm": new_password}).status_code == 302
    response = client.get(path)
    assert response.status_code == 410 and "password was changed" in response.get_data(
        as_text=True)


def test_a_signed_out_browser_confirms_and_is_told_to_sign_in(app, people, client, smtp):
    _ask(client)
    path = _mailed_link(app, smtp)
    elsewhere = app.test_client()
    response = _confirm(elsewhere, path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "You are not signed in here" in page
    assert NEW not in page, "a page opened by a link shows the address only masked"
    assert _address(app, people) == NEW
    assert elsewhere.get("/account").status_code == 302, "the link signs nobody in"


def test_someone_else_signed_in_is_told_nothing_changed_for_them(app, people, client, smtp):
    _ask(client)
    path = _mailed_link(app, smtp)
    supervisor = _new_device(app, "supervisor@example.org")
    page = _confirm(supervisor, path).get_data(as_text=True)
    assert "signed in as Sam Supervisor, a different account" in page
    assert _address(app, people) == NEW
    with app.app_context():
        assert get_user(people["supervisor"]).email == "supervisor@example.org"
    assert supervisor.get("/account").status_code == 200, "their own session goes on"


def test_without_e_mail_only_an_administrator_changes_the_address(app, people, client):
    saved = app.config["LMS_MAIL"]
    app.config["LMS_MAIL"] = MailSettings("none", "", 0)
    try:
        page = client.get("/account").get_data(as_text=True)
        assert "only your program administrator can change it" in page
        assert 'name="email-new_email"' not in page, "no form when no link can be sent"
        token = csrf_token(client, "/account")
        response = client.post("/account/email", data={
            "email-csrf_token": token, "email-new_email": NEW,
            "email-current_password": PASSWORD}, follow_redirects=True)
        assert "it cannot confirm a new address. Only your program administrator" in (
            response.get_data(as_text=True))
    finally:
        app.config["LMS_MAIL"] = saved
    assert _address(app, people) == "trainee@example.org"


def test_an_admins_change_tells_the_old_address_and_voids_pending_links(app, people, client,
                                                                         smtp):
    _ask(client)
    path = _mailed_link(app, smtp)
    admin = _new_device(app, "admin@example.org")
    token = csrf_token(admin, f"/admin/people/{people['trainee']}/account")
    assert admin.post(f"/admin/people/{people['trainee']}/email",
                       data={"csrf_token": token, "email": "by.admin@example.org"}
                       ).status_code == 302
    with app.app_context():
        deliver_due()
    assert [m["Subject"] for m in smtp.mailbox.to("trainee@example.org")] == [
        "Your Lantern e-mail address was changed"]
    assert client.get(path).status_code == 410
    assert _address(app, people) == "by.admin@example.org"


@pytest.mark.parametrize("secret", ["not-a-real-link", "x" * 43])
def test_an_unknown_link_changes_nothing(app, people, client, secret):
    response = client.get(f"/account/email/confirm/{secret}")
    assert response.status_code == 410
    assert re.search(r"not valid, or a newer request", response.get_data(as_text=True))
