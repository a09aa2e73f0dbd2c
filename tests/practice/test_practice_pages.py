"""Practice pages stay within the 60 KB budget when full, and carry nothing the CSP blocks."""

from __future__ import annotations

import re

from lms.extensions import db
from lms.practice.models import SessionKind
from lms.practice.records import ObservationData, SessionData, record_observation, record_session
from lms.practice.services import MAX_REFLECTION
from tests.conftest import get_user
from tests.practice.helpers import foundations, make_entry
from tests.test_pages import BUDGET_BYTES, page_weight

LONG = ("I practised reflective listening and noticed how often I wanted to fix things. "
        * 80)[:MAX_REFLECTION - 20]


def _full_history(app, people):
    """Fill every practice page: many long entries, observations and sessions."""
    with app.app_context():
        trainee, supervisor = get_user(people["trainee"]), get_user(people["supervisor"])
        ids = [make_entry(trainee.id, reflection=LONG, submit=True).id for _ in range(30)]
        for _ in range(10):
            make_entry(trainee.id, reflection=LONG, approve_by=supervisor.id)
        for key in ("active-listening", "boundaries", "self-disclosure"):
            record_observation(supervisor, trainee, foundations(), ObservationData(
                key, make_entry(trainee.id).practice_date, True, "Clear and kind. " * 20,
                {"open_questions": 7, "closed_questions": 3, "affirmations": 1}))
        for _ in range(12):
            record_session(supervisor, [trainee], SessionData(
                make_entry(trainee.id).practice_date, 60, SessionKind.INDIVIDUAL, "video",
                ["skill-building", "self-care", "case-review"]))
        db.session.commit()
        return ids


def _check(client, url, record_property):
    with client.get(url) as response:
        html = response.get_data(as_text=True)
    assert response.status_code == 200, url
    weight = page_weight(client, html)
    record_property(f"weight {url}", weight)
    assert weight <= BUDGET_BYTES, f"{url} weighs {weight} bytes"
    assert 'class="skip-link" href="#main"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"inline script on {url}"
    assert not re.search(r"\sstyle=", html), f"inline style attribute on {url}"
    assert not re.search(r"\son[a-z]+=", html), f"inline event handler on {url}"
    assert html.count("<h1") == 1, url


def test_trainee_pages(app, people, client, sign_in, record_property):
    ids = _full_history(app, people)
    sign_in("trainee@example.org")
    for url in ("/", "/practice", "/practice/new", f"/practice/entries/{ids[0]}"):
        _check(client, url, record_property)
    with app.app_context():
        draft_id = make_entry(people["trainee"], reflection=LONG + " Maria Lopez").id
        db.session.commit()
    _check(client, f"/practice/entries/{draft_id}/edit", record_property)


def test_supervisor_pages(app, people, client, sign_in, record_property):
    ids = _full_history(app, people)
    sign_in("supervisor@example.org")
    trainee = people["trainee"]
    for url in ("/", "/supervision/queue", "/supervision/trainees",
                f"/supervision/trainees/{trainee}", f"/practice/entries/{ids[0]}",
                f"/supervision/trainees/{trainee}/observations/new", "/supervision/sessions/new"):
        _check(client, url, record_property)
