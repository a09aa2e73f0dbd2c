"""Numbers from URLs and forms: odd digits and huge values are refused calmly, never a crash."""

from __future__ import annotations

import pytest

from lms.extensions import db
from lms.ids import MAX_ID, parse_id
from lms.practice.models import EntryState, PracticeEntry
from tests.conftest import csrf_token
from tests.practice.helpers import make_entry

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(("text", "expected"), [
    ("7", 7), (str(MAX_ID), MAX_ID), ("0", None), (str(MAX_ID + 1), None), (HUGE, None),
    ("\u00b2", None), ("\u0663", None), ("-3", None), ("3.0", None), (" 3", None), ("", None),
    (None, None),
])
def test_parse_id_accepts_only_ascii_digits_that_fit(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize("path", [
    f"/practice/entries/{HUGE}", f"/practice/entries/{MAX_ID + 1}",
    f"/supervision/trainees/{HUGE}", f"/admin/people/{HUGE}",
])
def test_huge_ids_in_addresses_are_not_found(app, people, client, sign_in, path):
    sign_in("admin@example.org" if path.startswith("/admin") else "trainee@example.org")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(("email", "path"), [
    ("trainee@example.org", "/practice"), ("supervisor@example.org", "/supervision/queue"),
    ("admin@example.org", "/admin/people"),
])
@pytest.mark.parametrize("page", [HUGE, "\u00b2", "-1", "abc", "0"])
def test_odd_page_numbers_show_a_page(app, people, client, sign_in, email, path, page):
    sign_in(email)
    assert client.get(path, query_string={"page": page}).status_code == 200


def test_session_form_ignores_an_odd_trainee_number(app, people, client, sign_in):
    sign_in("supervisor@example.org")
    for wanted in ("\u00b2", HUGE):
        response = client.get("/supervision/sessions/new", query_string={"trainee": wanted})
        assert response.status_code == 200


def test_odd_numbers_in_review_forms_change_nothing(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"], submit=True).id
        db.session.commit()
    sign_in("supervisor@example.org")
    token = csrf_token(client, "/supervision/queue")
    response = client.post("/supervision/queue/approve", data={
        "csrf_token": token, "entries": ["\u00b2:1", f"{HUGE}:1", f"{entry_id}:{HUGE}"]})
    assert response.status_code == 302
    with app.app_context():
        # A huge submission number reads as "not given", so the approval is refused as stale
        # or goes through on the entry the supervisor saw; either way it is a clear outcome.
        state = db.session.get(PracticeEntry, entry_id).state
    assert state in (EntryState.SUBMITTED, EntryState.APPROVED)
    response = client.post(f"/supervision/entries/{entry_id}/approve", data={
        "csrf_token": token, "submission": "\u00b2"})
    assert response.status_code in (302, 409)
