"""A cohort follows a program edition; moving a trainee between cohorts moves their edition."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.audit.services import verify_chain
from lms.auth.models import Role, find_user_by_email
from lms.catalog.loader import load_catalog
from lms.cohorts import importing
from lms.cohorts.models import CohortMember
from lms.cohorts.services import CohortError, create_cohort, move_to_cohort
from lms.extensions import db
from lms.learning.services import edition_of
from tests.conftest import csrf_token
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.learning.test_editions import _courses

ROOT = Path(__file__).resolve().parents[2]


def _with_foundations(courses: Path) -> Path:
    """Add the real Foundations program beside the demo one: two programs to choose from."""
    shutil.copytree(ROOT / "courses" / "foundations", courses / "foundations")
    return courses


@pytest.fixture
def deploy(app, tmp_path, monkeypatch):
    """Deploy the two-edition demo program with 1 or 2 editions published."""
    catalogs = {count: load_catalog(_with_foundations(_courses(tmp_path / f"v{count}", count)))
                for count in (1, 2)}

    def _deploy(published: int) -> None:
        monkeypatch.setitem(app.extensions, "lantern.catalog", catalogs[published])

    return _deploy


def _events(kind: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)
                                   .order_by(AuditEvent.seq)))


@pytest.fixture
def setting(app, app_ctx, deploy):
    """Two cohorts of the demo program, on editions 1 and 2, an admin and a trainee."""
    deploy(2)
    admin = make_user(Role.ADMIN, "boss@example.org", "Bo Admin")
    early = create_cohort("Early", "demo", "default", date(2026, 9, 1), admin, edition=1)
    late = create_cohort("Late", "demo", "default", date(2027, 1, 1), admin)
    trainee = make_user(Role.TRAINEE, "ria@example.org", "Ria Trainee")
    db.session.commit()
    return admin, early, late, trainee


def test_a_new_cohort_follows_the_current_edition_unless_told(setting):
    _admin, early, late, _trainee = setting
    assert (early.edition_number, late.edition_number) == (1, 2)


def test_a_cohort_move_carries_the_edition_change_as_one_recorded_move(setting):
    admin, early, late, trainee = setting
    assert move_to_cohort(trainee, early, admin)
    assert edition_of(trainee.id, "demo") == 1  # joining enrols at the cohort's edition
    assert [e.payload["to_edition"] for e in _events("cohort.move")] == [1]

    assert move_to_cohort(trainee, late, admin)
    db.session.commit()
    assert edition_of(trainee.id, "demo") == 2
    assert db.session.get(CohortMember, trainee.id).cohort_id == late.id
    assert len(_events("cohort.move")) == 1, "the edition move is the record of this move"
    [moved] = _events("enrollment.edition")
    assert (moved.payload["from"], moved.payload["to"]) == (1, 2)
    assert moved.payload["cohort_move"] == {"from_cohort": early.id, "to_cohort": late.id,
                                            "profile": "default"}
    assert "Late" in moved.payload["reason"]
    assert (moved.actor_id, moved.about_user_id) == (admin.id, trainee.id)

    assert move_to_cohort(trainee, early, admin)  # back again: edition 1 is still published
    assert edition_of(trainee.id, "demo") == 1
    assert [e.payload["to"] for e in _events("enrollment.edition")] == [2, 1]
    assert verify_chain().ok


def test_a_move_within_an_edition_records_the_cohort_move_only(setting):
    admin, early, _late, trainee = setting
    other = create_cohort("Early too", "demo", "default", date(2026, 9, 1), admin, edition=1)
    move_to_cohort(trainee, early, admin)
    move_to_cohort(trainee, other, admin)
    assert [(e.payload["from_cohort"], e.payload["to_cohort"], e.payload["to_edition"])
            for e in _events("cohort.move")] == [(None, early.id, 1), (early.id, other.id, 1)]
    assert _events("enrollment.edition") == []


def test_a_move_to_an_edition_that_cannot_be_given_changes_nothing(setting, deploy):
    admin, early, late, trainee = setting
    move_to_cohort(trainee, early, admin)
    db.session.commit()
    deploy(1)  # the content goes back: edition 2 is a draft again
    with pytest.raises(CohortError, match="Ria Trainee cannot move to Late: .*not published"):
        move_to_cohort(trainee, late, admin)
    db.session.rollback()
    assert db.session.get(CohortMember, trainee.id).cohort_id == early.id
    assert edition_of(trainee.id, "demo") == 1
    assert len(_events("cohort.move")) == 1 and _events("enrollment.edition") == []


def test_only_an_admin_moves_a_trainee_to_another_edition(setting):
    admin, early, late, trainee = setting
    move_to_cohort(trainee, early, admin)
    supervisor = make_user(Role.SUPERVISOR, "sup@example.org", "Sue Supervisor")
    with pytest.raises(CohortError, match="Only an admin"):
        move_to_cohort(trainee, late, supervisor)
    assert db.session.get(CohortMember, trainee.id).cohort_id == early.id


def test_the_admin_page_says_why_a_move_is_refused(app, setting, deploy, client, sign_in):
    admin, early, late, trainee = setting
    move_to_cohort(trainee, early, admin)
    db.session.commit()
    deploy(1)
    trainee_id, late_id, early_id = trainee.id, late.id, early.id
    sign_in("boss@example.org", DEFAULT_PASSWORD)
    url = f"/admin/people/{trainee_id}"
    page = client.post(f"{url}/cohort", data={"cohort_id": late_id,
                                              "csrf_token": csrf_token(client, url)},
                       follow_redirects=True).get_data(as_text=True)
    assert "cannot move to Late" in page and "not published yet" in page
    db.session.remove()
    assert db.session.get(CohortMember, trainee_id).cohort_id == early_id


def test_a_bulk_import_enrols_at_the_cohorts_edition(setting):
    admin, _early, _late, _trainee = setting
    csv = (b"name,email,cohort,supervisor_email\n"
           b"Ada One,ada@example.org,Early,\nBen Two,ben@example.org,Late,\n")
    batch = importing.stage(csv, "two.csv", admin)
    assert batch.problem_count == 0
    importing.confirm(batch.token, admin)
    db.session.commit()
    ada, ben = find_user_by_email("ada@example.org"), find_user_by_email("ben@example.org")
    assert (edition_of(ada.id, "demo"), edition_of(ben.id, "demo")) == (1, 2)
    placed = {e.subject_id: e.payload["to_edition"] for e in _events("cohort.import")}
    assert sorted(placed.values()) == [1, 2]


def test_an_admin_creates_a_cohort_on_an_earlier_edition_and_moves_a_trainee_into_it(
        app, setting, client, sign_in):
    admin, _early, late, trainee = setting
    move_to_cohort(trainee, late, admin)
    db.session.commit()
    trainee_id = trainee.id
    sign_in("boss@example.org", DEFAULT_PASSWORD)
    page = client.get("/admin/cohorts/new").get_data(as_text=True)
    assert ": edition 2 (current)</option>" in page and ": edition 1</option>" in page
    form = {"csrf_token": csrf_token(client, "/admin/cohorts/new"), "name": "Catch-up",
            "program": "demo", "profile": "demo:default", "starts_on": "2027-02-01"}
    refused = client.post("/admin/cohorts/new", data={**form, "edition": "demo:7"})
    assert refused.status_code == 400
    assert "Please choose an edition from the list." in refused.get_data(as_text=True)
    mixed = client.post("/admin/cohorts/new", data={**form, "edition": "foundations:1"})
    assert mixed.status_code == 400
    assert "Please choose an edition of the program you chose." in mixed.get_data(as_text=True)
    made = client.post("/admin/cohorts/new", data={**form, "edition": "demo:1"},
                       follow_redirects=True)
    assert "Edition 1" in made.get_data(as_text=True)
    catch_up = int(made.request.path.rsplit("/", 1)[1])
    url = f"/admin/people/{trainee_id}"
    page = client.post(f"{url}/cohort", data={"cohort_id": catch_up,
                                              "csrf_token": csrf_token(client, url)},
                       follow_redirects=True).get_data(as_text=True)
    assert "is now in Catch-up. They moved from edition 2 to edition 1" in page
    db.session.remove()
    assert edition_of(trainee_id, "demo") == 1


def test_an_import_into_a_cohort_whose_edition_cannot_be_given_names_the_rows(setting, deploy):
    admin, _early, _late, _trainee = setting
    deploy(1)  # edition 2, which "Late" follows, is a draft again
    batch = importing.stage(b"name,email,cohort,supervisor_email\n"
                            b"Ada One,ada@example.org,Early,\nBen Two,ben@example.org,Late,\n",
                            "two.csv", admin)
    [row] = importing.problem_rows(batch, 1)
    assert (row.line, row.email) == (3, "ben@example.org")
    assert row.problems.startswith("nobody can join the cohort “Late” now: Edition 2")
    with pytest.raises(importing.ImportRefused, match="some rows still have problems"):
        importing.confirm(batch.token, admin)
    db.session.rollback()
    assert find_user_by_email("ada@example.org") is None
