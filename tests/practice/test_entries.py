"""The trainee's log through the real views: write, screen, submit, withdraw, and the lock."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.practice.models import EntryState, PracticeDecision, PracticeEntry
from lms.practice.services import EntryLocked, update_entry
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.practice.helpers import REFLECTION, foundations, make_entry

NEW = "/practice/new"


def _form(**changes):
    data = {"practice_date": (date.today() - timedelta(days=2)).isoformat(),
            "start_time": "14:30", "minutes": "50", "activity": "one-to-one",
            "setting": "remote", "competencies": ["active-listening", "boundaries"],
            "reflection": REFLECTION}
    data.update(changes)
    return data


def _post(client, url, action="save", **changes):
    data = {**_form(**changes), "csrf_token": csrf_token(client, url), action: "yes"}
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def _entries(app):
    with app.app_context():
        rows = db.session.scalars(select(PracticeEntry).order_by(PracticeEntry.id)).all()
        db.session.expunge_all()
        return rows


def _events(app, kind=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if kind:
            query = query.where(AuditEvent.kind == kind)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def test_empty_log_invites_a_first_entry(app, people, client, sign_in):
    sign_in("trainee@example.org")
    page = client.get("/practice").get_data(as_text=True)
    assert "You have not logged any practice yet" in page
    assert "Counted practice: 0 min of 20 h" in page
    assert '<svg class="chart"' in page and "week beginning" in page


def test_entry_form_groups_choices_in_fieldsets_with_labels(app, people, client, sign_in):
    sign_in("trainee@example.org")
    page = client.get(NEW).get_data(as_text=True)
    assert page.count("<fieldset") == 3 and page.count("<legend>") == 3
    for label in ("Activity", "Setting", "Competencies you practised (optional)"):
        assert f"<legend>{label}</legend>" in page
    for field_id in ("practice_date", "start_time", "minutes", "reflection"):
        assert f'<label for="{field_id}">' in page
    assert "Supervision received" in page and "Remote (phone, video or chat)" in page
    assert 'id="reflection-hint"' in page and 'aria-describedby="reflection-hint"' in page


def test_save_draft_then_view_it(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = _post(client, NEW)
    assert response.status_code == 302
    [entry] = _entries(app)
    assert entry.state is EntryState.DRAFT and entry.minutes == 50
    assert entry.competencies == ["active-listening", "boundaries"]
    assert entry.start_time.strftime("%H:%M") == "14:30"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft" in page and "One-to-one peer support" in page and "50 min" in page
    assert _events(app) == []  # drafts are private and not audited


@pytest.mark.parametrize(("changes", "message"), [
    ({"minutes": "4"}, "Please enter between 5 and 720 minutes."),
    ({"minutes": "721"}, "Please enter between 5 and 720 minutes."),
    ({"minutes": "an hour"}, "Please enter the minutes as a whole number"),
    ({"practice_date": (date.today() + timedelta(days=3)).isoformat()},
     "The date cannot be in the future."),
    ({"practice_date": "14/03/2026"}, "Please enter a whole date"),
    ({"activity": "juggling"}, "Please choose an activity from the list."),
    ({"activity": None}, "Please choose an activity from the list."),
    ({"setting": "the moon"}, "Please choose a setting from the list."),
    ({"competencies": ["active-listening", "mind-reading"]},
     "Please choose competencies from the list only."),
])
def test_bad_input_is_explained_and_nothing_is_saved(app, people, client, sign_in, changes,
                                                      message):
    sign_in("trainee@example.org")
    response = _post(client, NEW, action="submit", **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert REFLECTION in page  # what was typed is still there
    assert _entries(app) == []


def test_clean_reflection_submits_straight_away(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = _post(client, NEW, action="submit")
    assert response.status_code == 302
    [entry] = _entries(app)
    assert entry.state is EntryState.SUBMITTED and entry.submissions == 1
    assert entry.identifiers_confirmed_at is None
    [event] = _events(app)
    assert event.kind == "practice.submit" and event.about_user_id == people["trainee"]
    assert event.payload["identifier_screen"] == {"hits": 0, "kinds": [], "confirmed": False}
    assert REFLECTION not in str(event.payload)  # reflections never enter the audit log
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sent to your supervisor" in page and "Withdraw to edit" in page


def test_identifiers_are_highlighted_and_the_draft_is_kept(app, people, client, sign_in):
    sign_in("trainee@example.org")
    text_with_ids = "I met Maria Lopez at 42 Elm Street. Her number is 555 123 4567."
    response = _post(client, NEW, action="submit", reflection=text_with_ids)
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    [entry] = _entries(app)
    assert entry.state is EntryState.DRAFT and entry.reflection == text_with_ids
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please check your reflection" in page
    assert '<mark title="a name or initials">Maria Lopez' in page
    assert '<mark title="an address or postcode">42 Elm Street' in page
    assert '<mark title="a phone number">555 123 4567' in page
    assert 'href="/programs/foundations/confidentiality#' in page
    assert 'name="confirm_identifiers"' in page
    assert _events(app) == []


def test_confirming_records_it_and_submits(app, people, client, sign_in):
    sign_in("trainee@example.org")
    reflection = "We role-played calling the 1-800-273-8255 helpline together."
    _post(client, NEW, action="submit", reflection=reflection)
    [entry] = _entries(app)
    url = f"/practice/entries/{entry.id}/edit"
    page = client.get(url).get_data(as_text=True)
    screened = re.search(r'name="screened" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    response = _post(client, url, action="submit", reflection=reflection,
                      confirm_identifiers="y", screened=screened)
    assert response.status_code == 302
    [entry] = _entries(app)
    assert entry.state is EntryState.SUBMITTED
    assert entry.identifiers_confirmed_at is not None
    assert entry.identifiers_confirmed_kinds == ["phone"]
    [event] = _events(app, "practice.submit")
    assert event.payload["identifier_screen"] == {"hits": 1, "kinds": ["phone"],
                                                  "confirmed": True}


def test_confirmation_does_not_cover_text_changed_since(app, people, client, sign_in):
    sign_in("trainee@example.org")
    _post(client, NEW, action="submit", reflection="I spoke with John Smith.")
    [entry] = _entries(app)
    url = f"/practice/entries/{entry.id}/edit"
    page = client.get(url).get_data(as_text=True)
    screened = re.search(r'name="screened" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    response = _post(client, url, action="submit", reflection="I spoke with Jane Doe.",
                     confirm_identifiers="y", screened=screened)
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    [entry] = _entries(app)
    assert entry.state is EntryState.DRAFT and entry.reflection == "I spoke with Jane Doe."
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You changed the reflection, so we checked it again." in page


def test_submit_needs_a_reflection(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = _post(client, NEW, action="submit", reflection="")
    [entry] = _entries(app)
    assert entry.state is EntryState.DRAFT
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Please write a short reflection before you submit" in page


def test_withdraw_edit_and_resubmit(app, people, client, sign_in):
    sign_in("trainee@example.org")
    _post(client, NEW, action="submit")
    [entry] = _entries(app)
    url = f"/practice/entries/{entry.id}"
    response = client.get(f"{url}/edit")
    assert response.status_code == 409
    assert "waiting for your supervisor" in response.get_data(as_text=True)
    response = client.post(f"{url}/withdraw", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert _entries(app)[0].state is EntryState.DRAFT
    _post(client, f"{url}/edit", action="submit", minutes="55")
    [entry] = _entries(app)
    assert entry.state is EntryState.SUBMITTED and entry.submissions == 2 and entry.minutes == 55
    assert [e.kind for e in _events(app)] == ["practice.submit", "practice.withdraw",
                                              "practice.resubmit"]
    assert "Resubmitted, waiting for review" in client.get(url).get_data(as_text=True)


def test_approved_entry_is_locked_everywhere(app, people, client, sign_in):
    with app.app_context():
        entry = make_entry(people["trainee"], approve_by=people["supervisor"])
        db.session.commit()
        entry_id = entry.id
    sign_in("trainee@example.org")
    url = f"/practice/entries/{entry_id}"
    for response in (client.get(f"{url}/edit"), _post(client, url + "/edit", minutes="600"),
                     client.post(f"{url}/delete", data={"csrf_token": csrf_token(client, url)}),
                     client.post(f"{url}/submit", data={"csrf_token": csrf_token(client, url)})):
        assert response.status_code == 409
        assert "approved" in response.get_data(as_text=True)
    with app.app_context():
        entry = db.session.get(PracticeEntry, entry_id)
        assert entry.minutes == 60 and entry.state is EntryState.APPROVED
        with pytest.raises(EntryLocked):
            update_entry(entry, foundations(), None)  # refused before the data is looked at


def test_database_refuses_changes_to_an_approved_entry(app, people, app_ctx):
    entry = make_entry(people["trainee"], approve_by=people["supervisor"])
    for statement in ("UPDATE practice_entry SET minutes = 700 WHERE id = :id",
                      "DELETE FROM practice_entry WHERE id = :id"):
        with pytest.raises(IntegrityError, match="approved practice entries are locked"):
            with db.session.begin_nested():
                db.session.execute(text(statement), {"id": entry.id})
    assert db.session.scalar(select(PracticeEntry.minutes).where(
        PracticeEntry.id == entry.id)) == 60


def test_delete_a_draft(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"]).id
        db.session.commit()
    sign_in("trainee@example.org")
    url = f"/practice/entries/{entry_id}"
    assert f'href="{url}/delete"' in client.get(url).get_data(as_text=True)
    confirm = client.get(f"{url}/delete").get_data(as_text=True)
    assert "This cannot be undone." in confirm and "Keep it" in confirm
    assert len(_entries(app)) == 1  # asking deletes nothing
    response = client.post(f"{url}/delete", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert _entries(app) == []


def test_script_in_a_reflection_is_never_executed(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"], reflection=(
            "<script>alert('x')</script> **bold** <img src=x onerror=alert(1)> "
            "[link](javascript:alert(1))")).id
        db.session.commit()
    sign_in("trainee@example.org")
    page = client.get(f"/practice/entries/{entry_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "javascript:" not in page
    assert "&lt;script&gt;" in page and "<strong>bold</strong>" in page


def test_someone_elses_entry_is_refused(app, people, client, sign_in):
    with app.app_context():
        other = make_user(email="other.trainee@example.org", name="Other Trainee")
        from lms.learning.services import enroll

        enroll(other, "foundations")
        entry_id = make_entry(other.id, submit=True).id
        db.session.commit()
    sign_in("trainee@example.org")
    url = f"/practice/entries/{entry_id}"
    # Someone else's entry answers as if it did not exist: ids reveal nothing.
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/edit").status_code == 404
    token = csrf_token(client, "/practice")
    assert client.post(f"{url}/withdraw", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(PracticeEntry, entry_id).state is EntryState.SUBMITTED
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_trainee_without_a_program_is_told_so(app, client, sign_in):
    with app.app_context():
        make_user(email="lonely@example.org", name="Lonely Trainee")
        db.session.commit()
    sign_in("lonely@example.org")
    assert "not enrolled in a program yet" in client.get("/practice").get_data(as_text=True)
    assert client.get(NEW).status_code == 403


def test_a_reviewed_entry_is_kept_with_its_feedback(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"], return_by=people["supervisor"]).id
        db.session.commit()
    sign_in("trainee@example.org")
    url = f"/practice/entries/{entry_id}"
    assert "Delete this entry" not in client.get(url).get_data(as_text=True)
    assert client.get(f"{url}/delete").status_code == 409
    response = client.post(f"{url}/delete", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 409
    assert "stays in your record with their feedback" in response.get_data(as_text=True)
    assert len(_entries(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PracticeDecision)) == 1


def test_delete_a_withdrawn_entry_leaves_its_history_in_the_audit_log(app, people, client,
                                                                      sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"], submit=True).id
        db.session.commit()
    sign_in("trainee@example.org")
    url = f"/practice/entries/{entry_id}"
    client.post(f"{url}/withdraw", data={"csrf_token": csrf_token(client, url)})
    response = client.post(f"{url}/delete", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert _entries(app) == []
    assert [event.kind for event in _events(app)] == [
        "practice.submit", "practice.withdraw", "practice.delete"]



def test_every_problem_is_reported_in_one_go(app, people, client, sign_in):
    sign_in("trainee@example.org")
    response = _post(client, NEW, minutes="an hour",
                     practice_date=(date.today() + timedelta(days=3)).isoformat(),
                     activity="juggling")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in ("Please enter the minutes as a whole number",
                    "The date cannot be in the future.",
                    "Please choose an activity from the list."):
        assert message in page
    assert _entries(app) == []

def test_line_breaks_count_once_toward_the_reflection_limit(app, people, client, sign_in):
    from lms.practice.services import MAX_REFLECTION

    sign_in("trainee@example.org")
    line = "We practised reflecting feelings back, slowly and without advice.\n"
    text = (line * (MAX_REFLECTION // len(line)))[:MAX_REFLECTION]
    assert len(text) <= MAX_REFLECTION < len(text.replace("\n", "\r\n"))
    response = _post(client, NEW, reflection=text.replace("\n", "\r\n"))
    assert response.status_code == 302
    stored = _entries(app)[-1].reflection
    assert "\r" not in stored and stored.strip() == text.strip()


def test_a_refused_edit_screens_the_text_just_typed(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"]).id
        db.session.commit()
    sign_in("trainee@example.org")
    url = f"/practice/entries/{entry_id}/edit"
    response = _post(client, url, minutes="4", reflection="I spoke with Jane Doe about sleep.")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<mark title="a name or initials">Jane Doe' in page
