"""An admin changes a person's name or address; both are audited; reissue follows a rename."""

from __future__ import annotations

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import csrf_token, get_user
from tests.factories import make_certificate

REISSUE = "Reissue under the current name"


def _post(client, people, what, data):
    page = f"/admin/people/{people['trainee']}/account"
    token = csrf_token(client, page)
    return client.post(f"/admin/people/{people['trainee']}/{what}",
                       data={**data, "csrf_token": token})


def test_reissue_is_offered_only_once_the_names_differ(app, people, client, sign_in):
    with app.app_context():
        make_certificate(people["trainee"], holder_name="Jordan Trainee")
        db.session.commit()
    sign_in("admin@example.org")
    certificates = f"/admin/people/{people['trainee']}/certificates"
    assert REISSUE not in client.get(certificates).get_data(as_text=True)
    response = _post(client, people, "name", {"display_name": "Jordan Rivers"})
    assert response.status_code == 302
    page = client.get(certificates).get_data(as_text=True)
    assert f"{REISSUE}, Jordan Rivers" in page
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.kind == "account.name_changed"))
        assert (event.actor_id, event.about_user_id) == (people["admin"], people["trainee"])


def test_an_admin_changes_an_address_and_it_is_audited(app, people, client, sign_in):
    sign_in("admin@example.org")
    response = _post(client, people, "email", {"email": "Jordan.New@Example.org"})
    assert response.status_code == 302
    with app.app_context():
        assert get_user(people["trainee"]).email == "jordan.new@example.org"
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.kind == "account.email_changed"))
        assert event.actor_id == people["admin"] and event.payload == {}


def test_an_address_already_in_use_is_refused_and_kept(app, people, client, sign_in):
    sign_in("admin@example.org")
    response = _post(client, people, "email", {"email": "supervisor@example.org"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Another account already uses that address" in page
    assert 'value="supervisor@example.org"' in page
    with app.app_context():
        assert get_user(people["trainee"]).email == "trainee@example.org"
