"""An edit or delete from a page read before another tab sent the entry changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.models import utcnow
from lms.practice.models import EntryState, PracticeEntry
from lms.practice.services import EntryData, EntryLocked, delete_entry, update_entry
from tests.conftest import get_user
from tests.practice.helpers import make_entry


def _sent_elsewhere(entry: PracticeEntry) -> None:
    """Submit the entry behind the loaded object's back, as a second tab would."""
    db.session.execute(update(PracticeEntry).where(PracticeEntry.id == entry.id)
                       .values(state=EntryState.SUBMITTED, submissions=entry.submissions + 1,
                               submitted_at=utcnow())
                       .execution_options(synchronize_session=False))


def test_an_edit_after_another_tab_submitted_is_refused(app, people, app_ctx):
    entry = make_entry(people["trainee"])
    _sent_elsewhere(entry)
    changed = EntryData(practice_date=date.today() - timedelta(days=1), minutes=30,
                        activity="one-to-one", setting="in-person",
                        competencies=["active-listening"], reflection="A different text.")
    with pytest.raises(EntryLocked, match="changed a moment ago"):
        update_entry(entry, get_catalog().program("foundations"), changed)
    db.session.expire_all()
    assert db.session.get(PracticeEntry, entry.id).reflection != "A different text."


def test_a_delete_after_another_tab_submitted_is_refused(app, people, app_ctx):
    entry = make_entry(people["trainee"])
    _sent_elsewhere(entry)
    with pytest.raises(EntryLocked, match="changed a moment ago"):
        delete_entry(entry, get_user(people["trainee"]))
    db.session.expire_all()
    assert db.session.get(PracticeEntry, entry.id) is not None


def test_an_edit_page_opened_before_a_send_and_take_back_keeps_the_typed_text(
        app, people, client, sign_in):
    from tests.conftest import csrf_token

    with app.app_context():
        entry_id = make_entry(people["trainee"]).id
        db.session.commit()
    sign_in("trainee@example.org")
    url = f"/practice/entries/{entry_id}/edit"
    old_page = client.get(url).get_data(as_text=True)
    assert 'name="submissions" type="hidden" value="0"' in old_page
    token = csrf_token(client, url)
    entry_url = f"/practice/entries/{entry_id}"
    client.post(f"{entry_url}/submit", data={"csrf_token": token})  # in another tab
    client.post(f"{entry_url}/withdraw", data={"csrf_token": token})
    form = {"csrf_token": token, "practice_date": (date.today() - timedelta(days=1)).isoformat(),
            "minutes": "30", "activity": "one-to-one", "setting": "in-person",
            "reflection": "Typed in the old tab.", "save": "yes", "submissions": "0"}
    refused = client.post(url, data=form)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "came back since you opened this page" in page and "Typed in the old tab." in page
    assert 'name="submissions" type="hidden" value="1"' in page
    with app.app_context():
        assert db.session.get(PracticeEntry, entry_id).reflection != "Typed in the old tab."
    assert client.post(url, data={**form, "submissions": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(PracticeEntry, entry_id).reflection == "Typed in the old tab."
