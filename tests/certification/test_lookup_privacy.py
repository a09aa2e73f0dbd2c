"""Look-ups reveal nothing: random holder ids, 404 for others' records, one failure budget."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from lms.auth.models import Role
from lms.certification import issuing, signing
from lms.certification.codes import format_code, new_code
from lms.certification.models import CredentialHolder
from lms.extensions import db
from lms.learning.services import enroll, get_catalog
from tests.certification.records import make_eligible
from tests.conftest import get_user
from tests.factories import make_certificate, make_user
from tests.practice.helpers import make_entry


def _holder_id(certificate) -> str:
    return json.loads(certificate.credential_json)["credentialSubject"]["id"]


def test_new_credentials_name_a_random_stored_holder_id(app, people, app_ctx, monkeypatch):
    program = get_catalog().program("foundations")
    trainee = get_user(people["trainee"])
    make_eligible(monkeypatch, trainee.id, program)
    first = issuing.claim(trainee, program, None, date.today())
    db.session.flush()
    derived = uuid.uuid5(uuid.NAMESPACE_URL, f"{signing.issuer_id()}/holders/{trainee.id}")
    holder = _holder_id(first)
    # Not worked out from the user id, as before: trying ids 1, 2, 3... finds no one.
    assert holder != f"urn:uuid:{derived}"
    stored = db.session.scalar(select(CredentialHolder.public_id).filter_by(user_id=trainee.id))
    assert holder == f"urn:uuid:{stored}" and uuid.UUID(stored).version == 4
    # The same person keeps the same id on the next credential...
    trainee.display_name = "Jordan Rivera"
    second = issuing.reissue(first, program, get_user(people["admin"]), date.today())
    assert _holder_id(second) == holder
    # ...and someone else gets another.
    other = make_user(Role.TRAINEE, "other@example.org", "Other Trainee")
    enroll(other, "foundations")
    make_eligible(monkeypatch, other.id, program)
    assert _holder_id(issuing.claim(other, program, None, date.today())) != holder


@pytest.fixture
def strangers(app, people):
    """Another trainee with an entry and a certificate, and a supervisor not assigned to them."""
    with app.app_context():
        other = make_user(Role.TRAINEE, "other@example.org", "Other Trainee")
        make_user(Role.SUPERVISOR, "stranger@example.org", "Stranger Supervisor")
        enroll(other, "foundations")
        db.session.flush()
        entry = make_entry(other.id, submit=True)
        certificate = make_certificate(other.id, "Other Trainee")
        db.session.commit()
        ids = {"entry": entry.id, "code": format_code(certificate.code)}
        db.session.remove()
    return ids


def _without_csrf(html: str) -> str:
    """Blank the CSRF token: it carries the second it was made, which may tick between requests."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)


def _same_as_missing(client, theirs: str, missing: str) -> None:
    mine, absent = client.get(theirs), client.get(missing)
    assert mine.status_code == absent.status_code == 404, (theirs, mine.status_code)
    pages = [_without_csrf(response.get_data(as_text=True)) for response in (mine, absent)]
    assert pages[0] == pages[1]
    assert 'name="csrf_token" value=""' in pages[0]  # the token was the only thing blanked


def test_another_trainees_entry_and_certificate_look_missing(app, people, strangers, client,
                                                            sign_in):
    sign_in("trainee@example.org")
    _same_as_missing(client, f"/practice/entries/{strangers['entry']}",
                     f"/practice/entries/{strangers['entry'] + 1000}")
    _same_as_missing(client, f"/practice/entries/{strangers['entry']}/edit",
                     f"/practice/entries/{strangers['entry'] + 1000}/edit")
    _same_as_missing(client, f"/certificates/{strangers['code']}.pdf",
                     f"/certificates/{format_code(new_code())}.pdf")


def test_an_unassigned_supervisor_sees_others_entries_as_missing(app, people, strangers, client,
                                                                sign_in):
    sign_in("stranger@example.org")
    _same_as_missing(client, f"/practice/entries/{strangers['entry']}",
                     f"/practice/entries/{strangers['entry'] + 1000}")
    _same_as_missing(client, f"/certificates/{strangers['code']}.pdf",
                     f"/certificates/{format_code(new_code())}.pdf")


def test_failed_look_ups_share_one_budget_across_routes(app, client):
    routes = ("/verify/{}", "/verify/{}.json", "/credentials/{}.json")
    statuses = [client.get(routes[number % 3].format(format_code(new_code()))).status_code
                for number in range(21)]
    # 20 a minute in all, not 20 on each route.
    assert statuses[:20] == [404] * 20 and statuses[20] == 429


def test_signed_in_pdf_look_ups_spend_the_same_budget(app, people, client, sign_in):
    sign_in("trainee@example.org")
    statuses = [client.get(f"/certificates/{format_code(new_code())}.pdf").status_code
                for _ in range(10)]
    statuses += [client.get(f"/verify/{format_code(new_code())}").status_code
                 for _ in range(11)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    assert client.get(f"/certificates/{format_code(new_code())}.pdf").status_code == 429
