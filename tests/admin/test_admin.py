"""The admin area: people list, invitations, deactivation and supervisor assignment."""

from __future__ import annotations

import re

from lms.auth.models import Role, find_user_by_email
from lms.extensions import db
from tests.conftest import csrf_token, get_user
from tests.factories import make_user


def test_people_list_shows_everyone_with_supervisors(app, people, client, sign_in):
    sign_in("admin@example.org")
    page = client.get("/admin/people").get_data(as_text=True)
    assert "Jordan Trainee" in page and "Sam Supervisor" in page
    assert re.search(r"Jordan Trainee.*?Sam Supervisor", page, re.S)
    filtered = client.get("/admin/people?role=supervisor&q=sam").get_data(as_text=True)
    assert "Sam Supervisor" in filtered and "Jordan Trainee" not in filtered
    for wildcard in ("%", "_"):  # typed characters, not SQL wildcards
        found = client.get("/admin/people", query_string={"q": wildcard}).get_data(as_text=True)
        assert "No one matches that search." in found


def test_invite_shows_one_time_link(app, people, client, sign_in):
    sign_in("admin@example.org")
    token = csrf_token(client, "/admin/people/invite")
    response = client.post("/admin/people/invite", data={
        "email": "  New.Person@Example.org ", "role": "supervisor", "csrf_token": token})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'value="http://localhost/invite/[\w.-]+"', page)
    with app.app_context():
        user = find_user_by_email("new.person@example.org")
        assert user.role is Role.SUPERVISOR and not user.has_joined


def test_duplicate_email_is_a_form_error(app, people, client, sign_in):
    sign_in("admin@example.org")
    token = csrf_token(client, "/admin/people/invite")
    response = client.post("/admin/people/invite", data={
        "email": "TRAINEE@example.org", "role": "trainee", "csrf_token": token})
    assert response.status_code == 400
    assert "already has the e-mail address trainee@example.org" in response.get_data(as_text=True)


def test_invalid_email_is_a_form_error(app, people, client, sign_in):
    sign_in("admin@example.org")
    token = csrf_token(client, "/admin/people/invite")
    response = client.post("/admin/people/invite", data={
        "email": "not-an-address", "role": "trainee", "csrf_token": token})
    assert response.status_code == 400
    assert "whole e-mail address" in response.get_data(as_text=True)


def test_assign_and_remove_supervisor(app, people, client, sign_in):
    with app.app_context():
        second = make_user(Role.SUPERVISOR, "second@example.org", "Riley Second")
        db.session.commit()
        second_id, trainee_id = second.id, people["trainee"]
    sign_in("admin@example.org")
    url = f"/admin/people/{trainee_id}"
    token = csrf_token(client, url)
    response = client.post(f"{url}/supervisors", data={"supervisor_id": second_id,
                                                        "csrf_token": token},
                           follow_redirects=True)
    assert "Riley Second now supervises Jordan Trainee" in response.get_data(as_text=True)
    response = client.post(f"{url}/supervisors", data={"supervisor_id": second_id,
                                                        "csrf_token": token},
                           follow_redirects=True)
    assert "Riley Second already supervises Jordan Trainee" in response.get_data(as_text=True)
    assert ('Remove<span class="visually-hidden"> Riley Second as supervisor</span>'
            in response.get_data(as_text=True))
    response = client.post(f"{url}/supervisors/{second_id}/remove",
                           data={"csrf_token": token}, follow_redirects=True)
    assert "Riley Second no longer supervises" in response.get_data(as_text=True)
    with app.app_context():
        trainee = find_user_by_email("trainee@example.org")
        assert [s.display_name for s in trainee.supervisors] == ["Sam Supervisor"]


def test_cannot_assign_a_trainee_as_supervisor(people, app_ctx):
    import pytest

    from lms.admin.services import PeopleError, assign_supervisor

    other = make_user(Role.TRAINEE, "other@example.org", "Other Trainee")
    with pytest.raises(PeopleError, match="not a supervisor"):
        assign_supervisor(get_user(people["trainee"]), other, get_user(people["admin"]))


def test_deactivate_and_reactivate(app, people, client, sign_in):
    sign_in("admin@example.org")
    trainee_id = people["trainee"]
    token = csrf_token(client, f"/admin/people/{trainee_id}")
    page = client.post(f"/admin/people/{trainee_id}/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Jordan Trainee is now deactivated" in page
    page = client.post(f"/admin/people/{trainee_id}/reactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Jordan Trainee is now active" in page


def test_admin_cannot_deactivate_self(app, people, client, sign_in):
    sign_in("admin@example.org")
    admin_id = people["admin"]
    token = csrf_token(client, f"/admin/people/{admin_id}")
    page = client.post(f"/admin/people/{admin_id}/deactivate", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "cannot deactivate your own account" in page
    with app.app_context():
        assert find_user_by_email("admin@example.org").is_active


def test_new_link_for_pending_person_voids_the_old_one(app, people, client, sign_in):
    from lms.admin.services import invite_person

    with app.app_context():
        first = invite_person("pending@example.org", Role.TRAINEE, None)
        db.session.commit()
        pending_id = first.user.id
    sign_in("admin@example.org")
    token = csrf_token(client, f"/admin/people/{pending_id}")
    page = client.post(f"/admin/people/{pending_id}/link", data={"csrf_token": token})
    assert "The invitation link is ready" in page.get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(first.link.removeprefix("http://localhost")).status_code == 410
