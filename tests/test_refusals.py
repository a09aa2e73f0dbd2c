"""Every refusal says why: 403 pages name the reason, and 429 pages the real wait."""

from __future__ import annotations

from lms.auth.models import Role
from lms.extensions import db
from tests.factories import make_user
from tests.practice.helpers import make_entry

MODULE = "/programs/foundations/active-listening"


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_a_trainee_not_yet_enrolled_is_told_so(app, people, client, sign_in):
    with app.app_context():
        make_user(Role.TRAINEE, "new@example.org", "New Trainee")
        db.session.commit()
    sign_in("new@example.org")
    for path in (MODULE, "/practice/new"):
        response = client.get(path)
        assert response.status_code == 403
        assert "not enrolled in" in _page(response)
        assert "administrator can enrol you" in _page(response)


def test_a_page_for_another_role_names_who_it_is_for(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = client.get("/supervision/queue")
    assert response.status_code == 403
    assert "This page is for supervisors, and your account is a trainee account." in _page(
        response)
    assert "Error code 403" in _page(response)


def test_an_entry_taken_back_tells_the_supervisor_it_will_return(app, people, client,
                                                                 sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"]).id  # a draft: as if withdrawn
        db.session.commit()
    sign_in("supervisor@example.org")
    response = client.get(f"/practice/entries/{entry_id}")
    assert response.status_code == 403
    assert "taken this entry back" in _page(response)
    assert "ask your program administrator" not in _page(response)


def test_an_unassigned_supervisor_sees_the_entry_as_missing(app, people, client, sign_in):
    with app.app_context():
        make_user(Role.SUPERVISOR, "other@example.org", "Other Supervisor")
        entry_id = make_entry(people["trainee"], submit=True).id
        db.session.commit()
    sign_in("other@example.org")
    response = client.get(f"/practice/entries/{entry_id}")
    # Issue 14: another trainee's entry answers like a missing one, so ids reveal nothing.
    assert response.status_code == 404
    assert "We could not find that page" in _page(response)


def test_the_certificate_page_explains_an_empty_state(app, people, client, sign_in):
    with app.app_context():
        make_user(Role.TRAINEE, "new@example.org", "New Trainee")
        db.session.commit()
    sign_in("new@example.org")
    page = _page(client.get("/certificates"))
    assert "not enrolled in a program yet" in page


def test_a_page_with_form_errors_says_so_in_its_title(app, people, client, sign_in):
    assert "<title>Sign in · Lantern</title>" in _page(client.get("/sign-in"))
    refused = sign_in("trainee@example.org", "not the right password")
    assert refused.status_code == 400
    assert "<title>Error: Sign in · Lantern</title>" in _page(refused)


def test_an_empty_sign_in_asks_plainly_for_each_field(app, people, client):
    from tests.conftest import csrf_token

    response = client.post("/sign-in", data={"csrf_token": csrf_token(client, "/sign-in")})
    page = _page(response)
    assert "Please enter your e-mail address." in page and "Please enter your password." in page
    assert "This field is required" not in page


def test_a_refused_form_lists_each_problem_with_a_link_to_its_field(app, people, client,
                                                                    sign_in):
    from tests.conftest import csrf_token

    sign_in("admin@example.org")
    response = client.post("/admin/people/invite", data={
        "csrf_token": csrf_token(client, "/admin/people/invite"), "email": "", "role": "trainee"})
    assert response.status_code == 400
    page = _page(response)
    assert '<div class="error-summary" role="alert">' in page
    assert ('<a href="#email">E-mail address: Please enter their e-mail address.</a>' in page)
    assert 'id="email"' in page


def test_werkzeugs_own_texts_never_replace_the_friendly_advice():
    from werkzeug.exceptions import BadRequestKeyError, Forbidden, NotFound

    from lms.errors import _reason

    assert _reason(Forbidden("You are not enrolled.")) == "You are not enrolled."
    assert _reason(NotFound()) is None and _reason(BadRequestKeyError("q")) is None
