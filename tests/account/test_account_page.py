"""The account page: name, password and time zone, with clear refusals that lose nothing."""

from __future__ import annotations

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, get_user


def _post(client, url, data):
    token = csrf_token(client, "/account")
    return client.post(url, data={**data, "csrf_token": token})


def test_every_role_has_an_account_page(app, people, client, sign_in):
    for email in ("trainee@example.org", "supervisor@example.org", "admin@example.org"):
        client.delete_cookie("session")
        sign_in(email)
        page = client.get("/account").get_data(as_text=True)
        assert "Your account" in page and "Download your data" in page
        assert 'href="/account"' in page  # linked from the navigation on every page


def test_a_time_zone_outside_the_iana_database_is_refused(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = _post(client, "/account/time-zone", {"time_zone": "Mars/Olympus"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a time zone we know" in page and "Mars/Olympus" in page
    with app.app_context():
        assert get_user(people["trainee"]).time_zone is None


def test_choosing_a_zone_and_going_back_to_the_default(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = _post(client, "/account/time-zone", {"time_zone": "Europe/Lisbon"})
    assert response.status_code == 302
    with app.app_context():
        assert get_user(people["trainee"]).time_zone == "Europe/Lisbon"
    assert '<option selected>Europe/Lisbon</option>' in client.get("/account").get_data(
        as_text=True)
    _post(client, "/account/time-zone", {"time_zone": ""})
    with app.app_context():
        assert get_user(people["trainee"]).time_zone is None


def test_a_name_change_is_audited(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = _post(client, "/account/name", {"display_name": "  Jordan   Rivers "})
    assert response.status_code == 302
    with app.app_context():
        assert get_user(people["trainee"]).display_name == "Jordan Rivers"
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.kind == "account.name_changed"))
        assert event.actor_id == people["trainee"] and event.about_user_id == people["trainee"]
        assert event.payload == {"from": "Jordan Trainee", "to": "Jordan Rivers"}


def test_a_name_with_hidden_characters_is_refused_and_kept(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = _post(client, "/account/name", {"display_name": "Jordan\u202eevil"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "hidden formatting characters" in page
    assert 'value="Jordan\u202eevil"' in page  # what was typed is shown again
    with app.app_context():
        assert get_user(people["trainee"]).display_name == "Jordan Trainee"


def test_password_change_needs_the_current_password(app, people, client, sign_in):
    sign_in("trainee@example.org")
    new = "a quiet harbour at noon"
    refused = _post(client, "/account/password", {
        "current_password": "not it", "password": new, "confirm": new})
    assert refused.status_code == 400
    assert "current password is not right" in refused.get_data(as_text=True)
    changed = _post(client, "/account/password", {
        "current_password": PASSWORD, "password": new, "confirm": new})
    assert changed.status_code == 302
    # Still signed in here, with the new stamp.
    assert client.get("/account").status_code == 200
    client.delete_cookie("session")
    assert sign_in("trainee@example.org", new).status_code == 302


def test_links_to_other_settings_appear_only_when_they_exist(app, people, client, sign_in):
    sign_in("trainee@example.org")
    page = client.get("/account").get_data(as_text=True)
    has_notifications = "notifications.preferences" in app.view_functions
    assert ("Choose which reminders" in page) is has_notifications
    assert ("Sign out everywhere" in page) is ("auth.sign_out_everywhere" in app.view_functions)
