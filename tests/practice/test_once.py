"""A form sent twice (double click, back and send again) records its practice once."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from lms.extensions import db
from lms.practice.models import CompetencyObservation, PracticeEntry, SentForm, SupervisionSession
from lms.practice.once import ALREADY_SENT, claim_form, new_form_key
from tests.conftest import csrf_token, get_user

TODAY = date.today()
KEY = re.compile(r'name="form_key" type="hidden" value="([0-9a-f]{32})"')


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _fields(client, url) -> dict[str, str]:
    page = client.get(url).get_data(as_text=True)
    match = KEY.search(page)
    assert match, f"no one-time key on {url}"
    return {"csrf_token": csrf_token(client, url), "form_key": match.group(1)}


def test_a_new_entry_sent_twice_is_saved_once(app, people, client, sign_in):
    sign_in("trainee@example.org")
    form = {**_fields(client, "/practice/new"),
            "practice_date": (TODAY - timedelta(days=1)).isoformat(), "minutes": "45",
            "activity": "one-to-one", "setting": "remote", "competencies": ["active-listening"],
            "reflection": "We practised open questions and slowed the pace.", "save": "yes"}
    first = client.post("/practice/new", data=form)
    second = client.post("/practice/new", data=form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]  # to the one saved entry
    assert _count(app, PracticeEntry) == 1
    assert ALREADY_SENT in client.get(second.headers["Location"]).get_data(as_text=True)


def test_a_session_sent_twice_counts_its_minutes_once(app, people, client, sign_in):
    sign_in("supervisor@example.org")
    url = "/supervision/sessions/new"
    form = {**_fields(client, url), "session_date": TODAY.isoformat(), "minutes": "60",
            "kind": "individual", "modality": "video", "trainees": [people["trainee"]],
            "topics": ["skill-building"]}
    assert client.post(url, data=form).status_code == 302
    assert client.post(url, data=form).status_code == 302
    assert _count(app, SupervisionSession) == 1


def test_an_observation_sent_twice_is_recorded_once(app, people, client, sign_in):
    sign_in("supervisor@example.org")
    url = f"/supervision/trainees/{people['trainee']}/observations/new"
    form = {**_fields(client, url), "competency": "active-listening",
            "observed_on": TODAY.isoformat(), "outcome": "competent", "note": "Calm pace."}
    assert client.post(url, data=form).status_code == 302
    assert client.post(url, data=form).status_code == 302
    assert _count(app, CompetencyObservation) == 1


def test_a_refused_send_leaves_the_key_free_for_the_corrected_one(app, people, client,
                                                                  sign_in):
    sign_in("supervisor@example.org")
    url = "/supervision/sessions/new"
    form = {**_fields(client, url), "session_date": (TODAY + timedelta(days=9)).isoformat(),
            "minutes": "60", "kind": "individual", "modality": "video",
            "trainees": [people["trainee"]], "topics": ["skill-building"]}
    assert client.post(url, data=form).status_code == 400
    assert _count(app, SentForm) == 0
    assert client.post(url, data={**form, "session_date": TODAY.isoformat()}).status_code == 302
    assert _count(app, SupervisionSession) == 1


def test_each_shown_form_gets_its_own_key(app, people, client, sign_in):
    sign_in("trainee@example.org")
    assert _fields(client, "/practice/new")["form_key"] != _fields(
        client, "/practice/new")["form_key"]


def test_another_persons_key_is_never_followed(app, people, app_ctx):
    key = new_form_key()
    trainee, supervisor = get_user(people["trainee"]), get_user(people["supervisor"])
    assert claim_form(key, trainee) is None
    db.session.commit()
    assert claim_form(key, supervisor) == ""  # refused, and no address to leak
    assert claim_form(None, trainee) is None and claim_form("short", trainee) is None


def test_keys_older_than_a_week_are_forgotten_at_the_next_claim(app, people, app_ctx):
    from lms.models import utcnow
    from lms.practice.once import KEEP_KEYS_FOR

    trainee = get_user(people["trainee"])
    old = new_form_key()
    db.session.add(SentForm(key=old, user_id=trainee.id,
                            sent_at=utcnow() - KEEP_KEYS_FOR - timedelta(hours=1)))
    db.session.flush()
    assert claim_form(new_form_key(), trainee) is None
    assert db.session.get(SentForm, old) is None
