"""Each event queues its message in its own transaction, saying what happened and no more."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.admin.services import assign_supervisor
from lms.catalog.services import get_catalog
from lms.certification import issuing
from lms.certification.codes import format_code
from lms.extensions import db
from lms.notifications.models import OutboxMessage
from lms.notifications.services import send_email_changed
from tests.certification.records import make_eligible
from tests.conftest import get_user
from tests.factories import make_user


def _by_kind(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                   .order_by(OutboxMessage.id)))


def test_issuing_and_revoking_a_certificate_tell_the_holder(app, app_ctx, people, monkeypatch):
    program = get_catalog().program("foundations")
    make_eligible(monkeypatch, people["trainee"], program)
    certificate = issuing.claim(get_user(people["trainee"]), program, None, date.today())
    code = format_code(certificate.code)

    [issued] = _by_kind("certificate_issued")
    assert issued.recipient == "trainee@example.org"
    assert f"http://localhost/verify/{code}" in issued.body_text
    assert "http://localhost/certificates" in issued.body_text

    issuing.revoke(certificate, "Issued in error: a private detail", get_user(people["admin"]))
    [revoked] = _by_kind("certificate_revoked")
    assert revoked.subject == "Your Lantern certificate was revoked"
    assert "a private detail" not in revoked.body_text, "the reason stays on the verify page"
    assert revoked.unsubscribe_url is None, "a revocation notice cannot be turned off"


def test_assigning_a_trainee_tells_the_supervisor(app, app_ctx, people):
    other = make_user(email="robin@example.org", name="Robin Trainee")
    assign_supervisor(other, get_user(people["supervisor"]), get_user(people["admin"]))
    [assigned] = _by_kind("trainee_assigned")
    assert assigned.recipient == "supervisor@example.org"
    assert "Robin Trainee has been assigned to you" in assigned.body_text
    assert assigned.unsubscribe_url


def test_an_address_change_is_told_to_the_old_and_the_new_address(app, app_ctx, people):
    trainee = get_user(people["trainee"])
    trainee.email = "jordan.new@example.org"
    send_email_changed(trainee, "trainee@example.org")
    assert [m.recipient for m in _by_kind("email_changed")] == [
        "jordan.new@example.org", "trainee@example.org"]
    assert all("jordan.new@example.org" in m.body_text for m in _by_kind("email_changed"))


def test_nothing_is_queued_when_mail_is_off(app, app_ctx, people):
    from lms.notifications.services import send_password_changed
    from lms.notifications.transport import MailSettings

    saved = app.config["LMS_MAIL"]
    app.config["LMS_MAIL"] = MailSettings("none")
    try:
        assert send_password_changed(get_user(people["trainee"])) is None
    finally:
        app.config["LMS_MAIL"] = saved
    assert _by_kind("password_changed") == []


def test_with_mail_off_queued_messages_wait_unsent(app, app_ctx, people):
    from lms.notifications.models import OutboxStatus
    from lms.notifications.services import send_password_changed
    from lms.notifications.transport import MailSettings
    from lms.notifications.worker import deliver_due

    send_password_changed(get_user(people["trainee"]))
    db.session.commit()
    saved = app.config["LMS_MAIL"]
    app.config["LMS_MAIL"] = MailSettings("none")
    try:
        assert deliver_due().sent == []
    finally:
        app.config["LMS_MAIL"] = saved
    assert [m.status for m in _by_kind("password_changed")] == [OutboxStatus.QUEUED]
