"""Signing in and out, invitations, reset links and password rules."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from lms.admin.services import invite_person, renew_link
from lms.auth.models import Role, User, find_user_by_email
from lms.auth.passwords import password_problem, verify_password
from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, get_user


def test_sign_in_and_out(app, people, client, sign_in):
    response = sign_in("trainee@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Hello, Jordan Trainee" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    response = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=True)
    assert "You have signed out" in response.get_data(as_text=True)
    assert client.get("/").headers["Location"].startswith("/sign-in")


def test_email_is_case_insensitive(app, people, client, sign_in):
    assert sign_in("  TRAINEE@Example.ORG ").status_code == 302


def test_wrong_password_is_refused_kindly(app, people, client, sign_in):
    response = sign_in("trainee@example.org", "not the right password")
    assert response.status_code == 400
    assert "do not match an account" in response.get_data(as_text=True)
    assert sign_in("nobody@example.org").status_code == 400


def test_inactive_user_cannot_sign_in(app, people, client, sign_in):
    with app.app_context():
        user = find_user_by_email("trainee@example.org")
        user.is_active = False
        db.session.commit()
    response = sign_in("trainee@example.org")
    assert response.status_code == 400
    assert "deactivated" in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(app, people, client, sign_in):
    sign_in("trainee@example.org")
    with app.app_context():
        from lms.admin.services import set_active

        set_active(find_user_by_email("trainee@example.org"), False,
                   find_user_by_email("admin@example.org"))
        db.session.commit()
    assert client.get("/").status_code == 302


def test_next_parameter_never_leaves_the_site(app, people, client):
    token = csrf_token(client, "/sign-in")
    for target, expected in (("/admin/people", "/admin/people"), ("//evil.example", "/"),
                             ("https://evil.example", "/")):
        client.get("/")  # keep the session cookie fresh
        response = client.post(f"/sign-in?next={target}", data={
            "email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
        assert response.headers["Location"] == expected
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
        token = csrf_token(client, "/sign-in")


@pytest.mark.parametrize("target", [
    "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/ /evil.example",
    "/\\evil.example", "https:/evil.example", "/\u3000/evil.example"])  # NUL: test_security
def test_next_parameter_with_hidden_characters_goes_home(app, people, client, target):
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", query_string={"next": target}, data={
        "email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_parameter_keeps_a_query_string(app, people, client):
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", query_string={"next": "/admin/people?q=sam&page=2"},
                           data={"email": "admin@example.org", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/admin/people?q=sam&page=2"


def test_too_many_sign_in_attempts_get_429(app, people, client):
    token = csrf_token(client, "/sign-in")
    statuses = [client.post("/sign-in", data={"email": "trainee@example.org",
                                              "password": "wrong password!",
                                              "csrf_token": token}).status_code
                for _ in range(7)]
    # Five failures for one account from one client (LOGIN_PAIR_RATE_LIMIT), then a pause.
    assert statuses[:5] == [400] * 5
    assert statuses[-1] == 429
    refused = client.post("/sign-in", data={"email": "trainee@example.org",
                                            "password": "wrong password!", "csrf_token": token})
    assert "Please wait a minute and try again." in refused.get_data(as_text=True)
    response = client.post("/sign-in", data={"email": "trainee@example.org",
                                             "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert "Please slow down" in response.get_data(as_text=True)


def _join(client, link, name="Robin Newcomer", password="lanterns glow at night",
          confirm=None):
    path = link.removeprefix("http://localhost")
    token = csrf_token(client, path)
    return client.post(path, data={"display_name": name, "password": password,
                                   "confirm": confirm or password, "csrf_token": token})


def test_invitation_is_accepted_once(app, people, client):
    with app.app_context():
        invitation = invite_person("Robin@Example.org", Role.TRAINEE, get_user(people["admin"]))
        db.session.commit()
    page = client.get(invitation.link.removeprefix("http://localhost")).get_data(as_text=True)
    assert "r•••@example.org" in page and "robin@" not in page.lower()  # anyone with the link
    response = _join(client, invitation.link)
    assert response.status_code == 302
    assert "Hello, Robin Newcomer" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = find_user_by_email("robin@example.org")
        assert user.has_joined and user.joined_at is not None
        assert verify_password(user.password_hash, "lanterns glow at night")
        stamp = user.security_stamp
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    again = client.get(invitation.link.removeprefix("http://localhost"))
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    with app.app_context():
        assert find_user_by_email("robin@example.org").security_stamp == stamp


def test_weak_or_mismatched_passwords_are_refused(app, people, client):
    with app.app_context():
        link = invite_person("weak@example.org", Role.TRAINEE, get_user(people["admin"])).link
        db.session.commit()
    for password, confirm, message in (
        ("short", None, "at least 12"),
        ("passwordpassword", None, "repeats itself"),
        ("iloveyou123456", None, "common passwords"),
        ("a good long phrase", "a different phrase", "The two passwords are not the same"),
    ):
        response = _join(client, link, password=password, confirm=confirm)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert not find_user_by_email("weak@example.org").has_joined


def test_expired_invitation_changes_nothing(app, people, client, monkeypatch):
    with app.app_context():
        link = invite_person("late@example.org", Role.TRAINEE, get_user(people["admin"])).link
        db.session.commit()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 8 * 24 * 3600)
    path = link.removeprefix("http://localhost")
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    response = client.post(path, data={"display_name": "Late", "password": "x" * 20})
    assert response.status_code in (400, 410)
    with app.app_context():
        assert not find_user_by_email("late@example.org").has_joined


def test_tampered_or_wrong_purpose_links_are_refused(app, people, client):
    with app.app_context():
        link = invite_person("t@example.org", Role.TRAINEE, get_user(people["admin"])).link
        db.session.commit()
        user_id = find_user_by_email("t@example.org").id
        stamp = find_user_by_email("t@example.org").security_stamp
        forged = URLSafeTimedSerializer("guess", salt="lantern.account-link").dumps(
            {"u": user_id, "s": stamp, "p": "invite"})
    assert client.get(link.removeprefix("http://localhost") + "x").status_code == 410
    assert client.get(f"/invite/{forged}").status_code == 410
    reset_path = link.removeprefix("http://localhost").replace("/invite/", "/reset/")
    assert client.get(reset_path).status_code == 410


def test_reset_link_changes_password_and_voids_old_one(app, people, client, sign_in):
    with app.app_context():
        link = renew_link(find_user_by_email("trainee@example.org")).link
        db.session.commit()
    path = link.removeprefix("http://localhost")
    assert path.startswith("/reset/")
    assert "trainee@example.org" not in client.get(path).get_data(as_text=True)
    token = csrf_token(client, path)
    response = client.post(path, data={"password": "a brand new phrase here",
                                       "confirm": "a brand new phrase here", "csrf_token": token})
    assert response.status_code == 302
    assert sign_in("trainee@example.org").status_code == 400
    assert sign_in("trainee@example.org", "a brand new phrase here").status_code == 302
    assert client.get(path).status_code == 410


@pytest.mark.parametrize("password,refused", [
    ("correct horse battery", False),
    ("123456789012", True),
    ("aaaaaaaaaaaaaaa", True),
    ("qwertyuiop2024!", True),
    ("trainee-secret-words", True),
])
def test_password_rules(password, refused):
    assert (password_problem(password, "trainee@example.org") is not None) is refused


def test_email_uniqueness_is_case_insensitive_in_schema(people, app_ctx):
    from sqlalchemy.exc import IntegrityError

    db.session.add(User(email="Trainee@example.org", role=Role.TRAINEE))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("name", ["Robin \u202eredoC", "Robin\u2066 Newcomer", "Robin\x07"])
def test_a_name_with_hidden_characters_is_refused_where_it_is_typed(app, people, client, name):
    with app.app_context():
        invitation = invite_person("robin@example.org", Role.TRAINEE, get_user(people["admin"]))
        db.session.commit()
    response = _join(client, invitation.link, name=name)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "without hidden formatting characters" in page
    assert 'id="display_name-error"' in page
    with app.app_context():
        assert not find_user_by_email("robin@example.org").has_joined


def test_invite_refuses_a_name_with_hidden_characters(app, people, client, sign_in):
    sign_in("admin@example.org")
    token = csrf_token(client, "/admin/people/invite")
    response = client.post("/admin/people/invite", data={
        "email": "robin@example.org", "role": "trainee", "display_name": "Robin \u202eredoC",
        "csrf_token": token})
    assert response.status_code == 400
    assert "without hidden formatting characters" in response.get_data(as_text=True)
    with app.app_context():
        assert find_user_by_email("robin@example.org") is None
