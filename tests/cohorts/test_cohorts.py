"""Cohorts: a trainee's checklist follows the cohort's profile, and moves are audited."""

from __future__ import annotations

from datetime import date

from markupsafe import escape
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.audit.services import verify_chain
from lms.catalog.profile import profiles
from lms.catalog.services import get_catalog
from lms.cohorts.services import create_cohort, move_to_cohort
from lms.extensions import db
from tests.conftest import csrf_token, get_user


def _other_profile() -> str:
    return next(slug for slug in profiles(get_catalog().program("foundations"))
                if slug != "default")


def test_the_checklist_shows_the_cohorts_profile(app, people, client, sign_in):
    with app.app_context():
        other = _other_profile()
        cohort = create_cohort("Peer Recovery 2027", "foundations", other, date.today(), None)
        move_to_cohort(get_user(people["trainee"]), cohort, None)
        db.session.commit()
        title = str(escape(profiles(get_catalog().program("foundations"))[other].title))
        default_title = str(escape(profiles(get_catalog().program("foundations"))["default"]
                                   .title))
    sign_in("trainee@example.org")
    page = client.get("/certificates").get_data(as_text=True)
    assert page.index(title) < page.index(default_title)  # theirs first; the other stays


def test_moving_a_trainee_is_recorded_in_the_audit_chain(app, people, client, sign_in):
    with app.app_context():
        first = create_cohort("Winter", "foundations", "default", date.today(), None)
        second = create_cohort("Summer", "foundations", _other_profile(), date.today(), None)
        move_to_cohort(get_user(people["trainee"]), first, None)
        db.session.commit()
        first_id, second_id = first.id, second.id
    sign_in("admin@example.org")
    url = f"/admin/people/{people['trainee']}"
    assert "Winter" in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/cohort", data={"cohort_id": second_id,
                                                  "csrf_token": csrf_token(client, url)},
                           follow_redirects=True)
    assert "is now in Summer" in response.get_data(as_text=True)
    with app.app_context():
        moves = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "cohort.move")
                                   .order_by(AuditEvent.seq)).all()
        assert [(m.payload["from_cohort"], m.payload["to_cohort"]) for m in moves] == [
            (None, first_id), (first_id, second_id)]
        assert moves[-1].actor_id == people["admin"]
        assert moves[-1].about_user_id == people["trainee"]
        assert verify_chain().ok

