"""The database refuses what Lantern never does to certificates and supervision sessions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from lms.auth.models import Role
from lms.certification import issuing
from lms.certification.models import Certificate, CertificateStatus
from lms.extensions import db
from lms.learning.services import get_catalog
from lms.practice.models import SessionAttendee, SessionKind
from lms.practice.records import SessionData, record_session
from tests.certification.records import make_eligible
from tests.conftest import get_user
from tests.factories import make_user

KEPT = "certificates are kept as issued"
NOW = "CURRENT_TIMESTAMP"


@pytest.fixture
def certificate(app, people, app_ctx, monkeypatch):
    """Issue a real certificate for the trainee."""
    program = get_catalog().program("foundations")
    make_eligible(monkeypatch, people["trainee"], program)
    issued = issuing.claim(get_user(people["trainee"]), program, None, date.today())
    db.session.flush()
    return issued


def _refused(statement: str, row_id: int, message: str = KEPT) -> None:
    with pytest.raises((IntegrityError, DBAPIError), match=message):
        with db.session.begin_nested():
            db.session.execute(text(statement), {"id": row_id})


@pytest.mark.parametrize("statement", [
    "DELETE FROM certificate WHERE id = :id",
    "UPDATE certificate SET holder_name = 'Someone Else' WHERE id = :id",
    "UPDATE certificate SET expires_on = NULL WHERE id = :id",
    "UPDATE certificate SET pdf_sha256 = 'x' WHERE id = :id",
    # A status change must come with its reason and date...
    "UPDATE certificate SET status = 'revoked' WHERE id = :id",
    "UPDATE certificate SET status = 'revoked', status_reason = '  ' WHERE id = :id",
    "UPDATE certificate SET status = 'revoked', status_reason = 'fraud' WHERE id = :id",
    # ...may only leave "active"...
    "UPDATE certificate SET status_reason = 'why not', status_changed_at = "
    f"{NOW} WHERE id = :id",
    # ...and nothing else may change with it.
    "UPDATE certificate SET status = 'revoked', status_reason = 'fraud', status_changed_at = "
    f"{NOW}, holder_name = 'Someone Else' WHERE id = :id",
])
def test_an_active_certificate_refuses_every_other_change(certificate, statement):
    _refused(statement, certificate.id)
    db.session.expire_all()
    kept = db.session.get(Certificate, certificate.id)
    assert kept.status is CertificateStatus.ACTIVE and kept.holder_name == "Jordan Trainee"


def test_revocation_is_allowed_once_then_nothing_changes(certificate, people):
    issuing.revoke(certificate, "Issued in error", get_user(people["admin"]))
    db.session.flush()
    for statement in (
        "UPDATE certificate SET status = 'active', status_reason = NULL, "
        f"status_changed_at = {NOW} WHERE id = :id",
        "UPDATE certificate SET status = 'superseded', status_reason = 'renewed', "
        f"status_changed_at = {NOW} WHERE id = :id",
        "UPDATE certificate SET status_reason = 'a nicer reason', "
        f"status_changed_at = {NOW} WHERE id = :id",
        "DELETE FROM certificate WHERE id = :id",
    ):
        _refused(statement, certificate.id)
    db.session.expire_all()
    kept = db.session.get(Certificate, certificate.id)
    assert (kept.status, kept.status_reason) == (CertificateStatus.REVOKED, "Issued in error")


def test_a_status_change_by_hand_with_reason_and_date_is_allowed(certificate):
    with db.session.begin_nested():
        db.session.execute(text(
            "UPDATE certificate SET status = 'superseded', status_reason = 'Renewed by hand', "
            f"status_changed_at = {NOW} WHERE id = :id"), {"id": certificate.id})
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUPERSEDED


def test_reissue_still_supersedes_through_the_guard(certificate, people, app_ctx):
    trainee = get_user(people["trainee"])
    trainee.display_name = "Jordan Rivera"
    new = issuing.reissue(certificate, get_catalog().program("foundations"),
                          get_user(people["admin"]), date.today())
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUPERSEDED
    assert db.session.get(Certificate, new.id).holder_name == "Jordan Rivera"


def test_a_supervision_session_and_its_attendees_are_kept(app, people, app_ctx):
    other = make_user(Role.TRAINEE, "other@example.org", "Other Trainee")
    from lms.admin.services import assign_supervisor

    assign_supervisor(other, get_user(people["supervisor"]), get_user(people["admin"]))
    session = record_session(get_user(people["supervisor"]),
                             [get_user(people["trainee"]), other],
                             SessionData(date.today() - timedelta(days=1), 60, SessionKind.GROUP,
                                         "in-person", ["skill-building"]))
    attendee = db.session.scalars(select(SessionAttendee).filter_by(session_id=session.id)).first()
    kept = "sign-offs are kept as recorded"
    _refused("UPDATE supervision_session SET minutes = 480 WHERE id = :id", session.id, kept)
    _refused("DELETE FROM supervision_session WHERE id = :id", session.id, kept)
    _refused("UPDATE session_attendee SET trainee_id = trainee_id WHERE id = :id", attendee.id,
             kept)
    _refused("DELETE FROM session_attendee WHERE id = :id", attendee.id, kept)
    db.session.expire_all()
    assert db.session.get(SessionAttendee, attendee.id) is not None
