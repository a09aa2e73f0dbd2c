"""The supervisor's queue and decisions: order, totals, approval, return, bulk, and refusals."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from lms.admin.services import assign_supervisor
from lms.audit.models import AuditEvent
from lms.auth.models import Role
from lms.catalog.loader import load_catalog
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.services import enroll
from lms.practice.models import Decision, EntryState, PracticeDecision, PracticeEntry
from lms.practice.services import EntryData, content_sha256, create_entry, decide, submit_entry
from tests.conftest import csrf_token, get_user
from tests.factories import make_user
from tests.practice.helpers import make_entry

QUEUE = "/supervision/queue"
ROOT = Path(__file__).resolve().parents[2]


def _token(client):
    return csrf_token(client, QUEUE)


def _entry(app, entry_id):
    with app.app_context():
        entry = db.session.get(PracticeEntry, entry_id)
        db.session.expunge(entry)
        return entry


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _trainee(name, email, supervisor_id=None):
    trainee = make_user(Role.TRAINEE, email, name)
    enroll(trainee, "foundations")
    if supervisor_id:
        assign_supervisor(trainee, get_user(supervisor_id), None)
    return trainee


def test_queue_lists_assigned_trainees_oldest_first_with_running_totals(app, people, client,
                                                                       sign_in):
    with app.app_context():
        stranger = _trainee("Robin Elsewhere", "robin@example.org")
        make_entry(stranger.id, submit=True)
        make_entry(people["trainee"], minutes=120, approve_by=people["supervisor"])
        first = make_entry(people["trainee"], minutes=45, submit=True,
                           day=date.today() - timedelta(days=5))
        second = make_entry(people["trainee"], minutes=30, submit=True, activity="group")
        make_entry(people["trainee"], minutes=60, submit=True, activity="supervision-received")
        make_entry(people["trainee"], minutes=90)  # a draft: never shown to supervisors
        db.session.commit()
        first_id, second_id = first.id, second.id
    sign_in("supervisor@example.org")
    page = client.get(QUEUE).get_data(as_text=True)
    assert "Robin Elsewhere" not in page
    assert "3 entries waiting, oldest first" in page
    assert page.index(f'id="entry-{first_id}"') < page.index(f'id="entry-{second_id}"')
    assert "Approved so far: 2 h of 20 h. With this entry and the earlier ones here: 2 h 45 min." \
        in page
    assert "With this entry and the earlier ones here: 3 h 15 min." in page
    assert "Supervision received is recorded but does not count toward practice hours." in page
    assert "<legend>Entries waiting for review</legend>" in page
    assert page.count('name="entries"') == 3


def test_approve_locks_the_entry_and_records_who_when_and_what(app, people, client, sign_in):
    with app.app_context():
        entry = make_entry(people["trainee"], submit=True)
        db.session.commit()
        entry_id, digest = entry.id, content_sha256(entry)
    sign_in("supervisor@example.org")
    response = client.post(f"/supervision/entries/{entry_id}/approve",
                           data={"csrf_token": _token(client), "submission": "1"})
    assert response.status_code == 302
    entry = _entry(app, entry_id)
    assert entry.state is EntryState.APPROVED and entry.approved_by_id == people["supervisor"]
    with app.app_context():
        [decision] = db.session.scalars(select(PracticeDecision)).all()
        assert decision.supervisor_id == people["supervisor"] and decision.decided_at
        assert decision.content_sha256 == digest
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "practice.approve"))
        assert event.actor_id == people["supervisor"]
        assert event.payload["content_sha256"] == digest
    assert "Approved: Jordan Trainee" in client.get(QUEUE).get_data(as_text=True)


def test_approving_twice_says_so_and_changes_nothing(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"], approve_by=people["supervisor"]).id
        db.session.commit()
    sign_in("supervisor@example.org")
    response = client.post(f"/supervision/entries/{entry_id}/approve",
                           data={"csrf_token": _token(client), "submission": "1"})
    assert response.status_code == 409
    assert "already approved by Sam Supervisor" in response.get_data(as_text=True)
    assert _count(app, PracticeDecision) == 1
    assert _count(app, AuditEvent, AuditEvent.kind == "practice.approve") == 1


def test_return_needs_a_comment_then_trainee_fixes_and_resubmits(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"], submit=True).id
        db.session.commit()
    sign_in("supervisor@example.org")
    url = f"/supervision/entries/{entry_id}/return"
    response = client.post(url, data={"csrf_token": _token(client), "comment": "  "})
    assert response.status_code == 400
    assert "Please say what the trainee should change" in response.get_data(as_text=True)
    assert _entry(app, entry_id).state is EntryState.SUBMITTED
    response = client.post(url, data={"csrf_token": _token(client), "submission": "1",
                                      "comment": "Please add what you would try next time."})
    assert response.status_code == 302
    assert _entry(app, entry_id).state is EntryState.RETURNED

    client.post("/sign-out", data={"csrf_token": _token(client)})
    sign_in("trainee@example.org")
    assert "Returned to you for changes" in client.get("/practice").get_data(as_text=True)
    edit = f"/practice/entries/{entry_id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "Please add what you would try next time." in page
    response = client.post(edit, data={
        "csrf_token": csrf_token(client, edit), "submit": "yes",
        "practice_date": (date.today() - timedelta(days=1)).isoformat(), "minutes": "60",
        "activity": "one-to-one", "setting": "in-person",
        "reflection": "I rushed. Next time I will pause and reflect before asking."})
    assert response.status_code == 302
    entry = _entry(app, entry_id)
    assert entry.state is EntryState.SUBMITTED and entry.submissions == 2

    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/practice")})
    sign_in("supervisor@example.org")
    page = client.get(QUEUE).get_data(as_text=True)
    assert "resubmitted after changes" in page
    assert "Last returned by Sam Supervisor" in page
    stale = client.post(f"/supervision/entries/{entry_id}/approve",
                        data={"csrf_token": _token(client), "submission": "1"})
    assert stale.status_code == 409
    assert "resubmitted this entry after you opened it" in stale.get_data(as_text=True)
    client.post(f"/supervision/entries/{entry_id}/approve",
                data={"csrf_token": _token(client), "submission": "2"})
    assert _entry(app, entry_id).state is EntryState.APPROVED
    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.seq)).all()
    assert kinds == ["practice.submit", "practice.return", "practice.resubmit",
                     "practice.approve"]
    page = client.get(f"/practice/entries/{entry_id}").get_data(as_text=True)
    assert page.count("Content fingerprint (SHA-256)") == 2
    client.post("/sign-out", data={"csrf_token": _token(client)})
    sign_in("trainee@example.org")
    mine = client.get(f"/practice/entries/{entry_id}").get_data(as_text=True)
    assert "Review history" in mine and "Content fingerprint" not in mine  # no jargon for them


def test_bulk_approve_approves_the_ticked_and_skips_the_decided(app, people, client, sign_in):
    with app.app_context():
        entries = [make_entry(people["trainee"], submit=True) for _ in range(3)]
        db.session.commit()
        ids = [entry.id for entry in entries]
    sign_in("supervisor@example.org")
    token = _token(client)
    client.post(f"/supervision/entries/{ids[0]}/approve", data={"csrf_token": token})
    response = client.post("/supervision/queue/approve", data={
        "csrf_token": token, "entries": [f"{ids[0]}:1", f"{ids[1]}:1"]})
    assert response.status_code == 302
    page = client.get(QUEUE).get_data(as_text=True)
    assert "Approved 1 entry. 1 had already been decided" in page
    assert [_entry(app, i).state for i in ids] == [EntryState.APPROVED, EntryState.APPROVED,
                                                   EntryState.SUBMITTED]
    assert _count(app, PracticeDecision) == 2
    response = client.post("/supervision/queue/approve", data={"csrf_token": token})
    assert "Please tick at least one entry" in client.get(QUEUE).get_data(as_text=True)


def test_unassigned_supervisor_is_refused_and_nothing_changes(app, people, client, sign_in):
    with app.app_context():
        make_user(Role.SUPERVISOR, "other.supervisor@example.org", "Olu Other")
        entry_id = make_entry(people["trainee"], submit=True).id
        mine = _trainee("Mine Trainee", "mine@example.org")
        db.session.flush()
        assign_supervisor(mine, db.session.scalar(select(type(mine)).filter_by(
            email="other.supervisor@example.org")), None)
        my_entry = make_entry(mine.id, submit=True).id
        db.session.commit()
    sign_in("other.supervisor@example.org")
    token = _token(client)
    assert f'id="entry-{entry_id}"' not in client.get(QUEUE).get_data(as_text=True)
    # The entries of a trainee they do not supervise look missing (404), one by one; a bulk
    # approval naming one of them is refused as a whole, saying why (403).
    for url, data, status in ((f"/supervision/entries/{entry_id}/approve", {}, 404),
                              (f"/supervision/entries/{entry_id}/return", {"comment": "No"}, 404),
                              ("/supervision/queue/approve",
                               {"entries": [f"{my_entry}:1", f"{entry_id}:1"]}, 403)):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == status
    assert client.get(f"/practice/entries/{entry_id}").status_code == 404
    assert client.get(f"/supervision/trainees/{people['trainee']}").status_code == 403
    assert client.get(
        f"/supervision/trainees/{people['trainee']}/observations/new").status_code == 403
    assert _entry(app, entry_id).state is EntryState.SUBMITTED
    assert _entry(app, my_entry).state is EntryState.SUBMITTED  # the bulk did nothing at all
    assert _count(app, PracticeDecision) == 0


def test_trainees_never_approve(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"], submit=True).id
        db.session.commit()
    sign_in("trainee@example.org")
    token = csrf_token(client, "/practice")
    for url in (f"/supervision/entries/{entry_id}/approve", "/supervision/queue/approve"):
        response = client.post(url, data={"csrf_token": token, "entries": [f"{entry_id}:1"]})
        assert response.status_code == 403
    assert _entry(app, entry_id).state is EntryState.SUBMITTED


def test_supervisor_never_sees_drafts(app, people, client, sign_in):
    with app.app_context():
        entry_id = make_entry(people["trainee"]).id
        db.session.commit()
    sign_in("supervisor@example.org")
    assert client.get(f"/practice/entries/{entry_id}").status_code == 403


def test_home_pages_point_to_the_work(app, people, client, sign_in):
    with app.app_context():
        make_entry(people["trainee"], submit=True)
        make_entry(people["trainee"], return_by=people["supervisor"])
        db.session.commit()
    sign_in("supervisor@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "1 entry is waiting" in page and 'href="/supervision/queue"' in page
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in("trainee@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "1 entry was returned to you for changes" in page and "1 waiting for review" in page
    assert re.search(r"Counted practice: 0 min of 20 h", page)


def test_kept_queue_articles_show_every_change_at_once(app, people, client, sign_in):
    """Rendered entries are kept per process by what they show, so no change is ever hidden."""
    assert not app.debug  # the kept path, not debug mode's render-every-time path
    with app.app_context():
        first = make_entry(people["trainee"], minutes=45, submit=True,
                           day=date.today() - timedelta(days=3))
        make_entry(people["trainee"], minutes=30, submit=True)
        db.session.commit()
        first_id = first.id
    sign_in("supervisor@example.org")
    page = client.get(QUEUE).get_data(as_text=True)
    assert page.count("Approved so far: 0 min of 20 h.") == 2
    assert page.count("Jordan Trainee:") == 2
    with app.app_context():  # a new name, then an approval that moves the other entry's totals
        get_user(people["trainee"]).display_name = "Terry Renamed"
        db.session.commit()
    renamed = client.get(QUEUE).get_data(as_text=True)
    assert "Jordan Trainee" not in renamed and renamed.count("Terry Renamed:") == 2
    client.post(f"/supervision/entries/{first_id}/approve",
                data={"csrf_token": _token(client), "submission": "1"})
    after = client.get(QUEUE).get_data(as_text=True)
    assert f'id="entry-{first_id}"' not in after
    assert "Approved so far: 45 min of 20 h. With this entry and the earlier ones here: " \
        "1 h 15 min." in after


def test_running_totals_count_each_trainees_own_first_program(app, people, client, sign_in,
                                                              tmp_path, monkeypatch):
    """A trainee in another program than the first one enrolled anywhere gets their own total."""
    courses = tmp_path / "courses"
    shutil.copytree(ROOT / "courses" / "foundations", courses / "foundations")
    shutil.copytree(ROOT / "tests" / "catalog" / "valid" / "demo", courses / "demo")
    monkeypatch.setitem(app.extensions, "lantern.catalog", load_catalog(courses))
    with app.app_context():  # the fixture's trainee, in Foundations, was enrolled first
        make_entry(people["trainee"], minutes=120, approve_by=people["supervisor"])
        make_entry(people["trainee"], minutes=45, submit=True)
        other = make_user(Role.TRAINEE, "dana@example.org", "Dana Demo")
        enroll(other, "demo")
        assign_supervisor(other, get_user(people["supervisor"]), None)
        other_id = other.id
        db.session.commit()
    with app.app_context():
        demo, other = get_catalog().program("demo"), get_user(other_id)
        for minutes, approve in ((60, True), (30, False)):
            entry = create_entry(other, demo, EntryData(
                practice_date=date.today() - timedelta(days=1), minutes=minutes,
                activity="one-to-one", setting="in-person", competencies=["listening"],
                reflection="I listened for feelings before facts."))
            submit_entry(entry, other, confirmed=True)
            if approve:
                decide(entry, get_user(people["supervisor"]), Decision.APPROVE)
        db.session.commit()
    sign_in("supervisor@example.org")
    page = client.get(QUEUE).get_data(as_text=True)
    assert "Approved so far: 2 h of 20 h. With this entry and the earlier ones here: 2 h 45 min." \
        in page
    assert "Approved so far: 1 h of 10 h. With this entry and the earlier ones here: 1 h 30 min." \
        in page
