"""The outbox: written with its event, delivered to a real SMTP server, retried, failed, kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.admin.services import invite_person
from lms.auth.models import Role
from lms.extensions import db
from lms.models import utcnow
from lms.notifications.models import Category, OutboxMessage, OutboxStatus
from lms.notifications.outbox import HeaderInjection, Recipient, queue_message
from lms.notifications.services import send_delivery_failed, send_password_changed
from lms.notifications.worker import MAX_ATTEMPTS, deliver_due, retry_message
from lms.timezones import format_datetime
from tests.conftest import csrf_token, get_user
from tests.notifications.conftest import REFUSED_DOMAIN, body_text, link_in


def _outbox(status: OutboxStatus | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


def test_invitation_is_written_with_the_account_and_delivered_by_smtp(app, app_ctx, smtp):
    invitation = invite_person("casey@example.org", Role.TRAINEE, None, "Casey New")
    db.session.commit()
    assert invitation.emailed
    assert not smtp.messages, "nothing is sent before a delivery run"

    report = deliver_due()

    assert report.sent == [_outbox()[0].id]
    [received] = smtp.messages
    assert received["To"].addresses[0].addr_spec == "casey@example.org"
    assert received["Subject"] == "You are invited to Lantern"
    assert link_in(received, "http://localhost/invite/") == invitation.link
    assert received.get_body(preferencelist=("html",)) is not None
    assert received["Message-ID"] == _outbox()[0].message_id
    assert received["List-Unsubscribe"] is None, "security notices cannot be turned off"
    [stored] = _outbox()
    assert stored.status is OutboxStatus.SENT and stored.attempts == 1 and stored.sent_at


def test_a_rolled_back_invitation_sends_nothing(app, app_ctx, smtp):
    invite_person("casey@example.org", Role.TRAINEE, None, "Casey New")
    db.session.rollback()
    assert deliver_due().sent == []
    assert smtp.messages == []
    assert _outbox() == []


def test_a_second_drain_sends_nothing_again(app, app_ctx, smtp, people):
    send_password_changed(get_user(people["trainee"]))
    db.session.commit()
    assert len(deliver_due().sent) == 1
    assert deliver_due().sent == []
    assert len(smtp.messages) == 1


def test_a_5xx_reply_marks_the_message_failed_and_tells_the_admins(app, app_ctx, smtp, people):
    queue_message("password_changed", Category.SECURITY,
                  Recipient(f"someone@{REFUSED_DOMAIN}", "Some One"), "Your password changed",
                  {"forgot_url": "http://localhost/password/forgot"})
    send_password_changed(get_user(people["trainee"]))
    db.session.commit()

    report = deliver_due(on_failure=send_delivery_failed)

    [failed] = _outbox(OutboxStatus.FAILED)
    assert failed.recipient == f"someone@{REFUSED_DOMAIN}"
    assert failed.last_error == "550 5.1.1 Mailbox unavailable"
    assert report.failed == [failed.id]
    # The other message in the same run still went, and the admin heard about the failure.
    assert [m["To"].addresses[0].addr_spec for m in smtp.messages] == [
        "trainee@example.org"]
    [notice] = [m for m in _outbox(OutboxStatus.QUEUED) if m.kind == "delivery_failed"]
    assert notice.recipient == "admin@example.org"
    deliver_due()
    [admin_mail] = smtp.mailbox.to("admin@example.org")
    assert "could not be delivered" in body_text(admin_mail)
    assert f"someone@{REFUSED_DOMAIN}" not in body_text(admin_mail)


def test_messages_wait_while_the_server_is_down_and_all_go_when_it_returns(app, app_ctx, smtp,
                                                                           people):
    for role in ("trainee", "supervisor", "admin"):
        send_password_changed(get_user(people[role]))
    db.session.commit()
    smtp.stop()

    down = deliver_due()

    assert down.sent == [] and len(down.waiting) == 3 and down.unavailable
    waiting = _outbox(OutboxStatus.QUEUED)
    assert [m.attempts for m in waiting] == [1, 1, 1]
    assert all(m.next_attempt_at > utcnow() for m in waiting), "retried later, not at once"
    message_ids = [m.message_id for m in waiting]

    smtp.start()
    assert deliver_due().sent == [], "not before the backoff is over"
    later = deliver_due(now=utcnow() + timedelta(minutes=5))

    assert len(later.sent) == 3
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(message_ids)
    assert _outbox(OutboxStatus.QUEUED) == []


def test_after_many_temporary_failures_a_message_fails_for_good(app, app_ctx, smtp, people):
    send_password_changed(get_user(people["trainee"]))
    db.session.commit()
    smtp.stop()
    moment = utcnow()
    for _ in range(MAX_ATTEMPTS):
        deliver_due(now=moment)
        moment += timedelta(days=1)
    [message] = _outbox()
    assert message.status is OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert message.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")


def test_retry_queues_a_failed_message_again(app, app_ctx, smtp):
    queue_message("password_changed", Category.SECURITY, Recipient(f"x@{REFUSED_DOMAIN}"),
                  "Your password changed", {"forgot_url": "/"})
    db.session.commit()
    deliver_due()
    [message] = _outbox(OutboxStatus.FAILED)
    retry_message(message)
    db.session.commit()
    assert _outbox(OutboxStatus.QUEUED) == [message]
    with pytest.raises(ValueError):
        retry_message(message)


@pytest.mark.parametrize("field", ["email", "name", "subject"])
def test_header_injection_is_refused_and_nothing_is_queued(app, app_ctx, field):
    values = {"email": "pat@example.org", "name": "Pat", "subject": "Hello"}
    values[field] += "\r\nBcc: everyone@example.org"
    with pytest.raises(HeaderInjection):
        queue_message("password_changed", Category.SECURITY,
                      Recipient(values["email"], values["name"]), values["subject"],
                      {"forgot_url": "/"})
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_header_injection_in_the_invite_form_is_refused(app, people, client, sign_in):
    sign_in("admin@example.org")
    token = csrf_token(client, "/admin/people/invite")
    response = client.post("/admin/people/invite", data={
        "csrf_token": token, "email": "pat@example.org\r\nBcc: everyone@example.org",
        "role": "trainee", "program": "foundations", "display_name": "Pat"})
    assert response.status_code == 400
    with app.app_context():
        assert _outbox() == []


def test_a_name_is_encoded_never_a_second_header(app, app_ctx, smtp):
    queue_message("password_changed", Category.SECURITY,
                  Recipient("pat@example.org", "Pät Ünïcode, \"Quoted\""), "Hello",
                  {"forgot_url": "/"})
    db.session.commit()
    deliver_due()
    [received] = smtp.messages
    assert received["To"].addresses[0].display_name == "Pät Ünïcode, \"Quoted\""
    assert received["Bcc"] is None


def test_no_message_carries_the_supervisors_comment(app, app_ctx, smtp, people):
    from tests.practice.helpers import make_entry

    entry = make_entry(people["trainee"], return_by=people["supervisor"])
    db.session.commit()
    deliver_due()
    [received] = smtp.mailbox.to("trainee@example.org")
    assert "Please say more" not in received.as_string()
    assert link_in(received, "http://localhost/practice/entries/") == (
        f"http://localhost/practice/entries/{entry.id}")


def test_inline_delivery_sends_right_after_the_request_commits(app, people, client, sign_in,
                                                               smtp):
    app.config["LMS_OUTBOX_INLINE"] = True
    try:
        sign_in("admin@example.org")
        token = csrf_token(client, "/admin/people/invite")
        response = client.post("/admin/people/invite", data={
            "csrf_token": token, "email": "casey@example.org", "role": "supervisor",
            "display_name": "Casey"})
        assert response.status_code == 200
        response.close()
    finally:
        app.config["LMS_OUTBOX_INLINE"] = False
    [received] = smtp.mailbox.to("casey@example.org")
    assert "We have e-mailed this link" in response.get_data(as_text=True)
    with app.app_context():
        [stored] = _outbox()
        assert stored.status is OutboxStatus.SENT
        assert received["Message-ID"] == stored.message_id


def test_the_admin_outbox_shows_who_and_when_never_the_body(app, people, client, sign_in):
    with app.app_context():
        send_password_changed(get_user(people["trainee"]))
        db.session.commit()
        [message] = _outbox()
        secret_line = "every other sign-in has ended"
        assert secret_line in message.body_text
        get_user(people["admin"]).time_zone = "Pacific/Auckland"
        db.session.commit()
        queued = format_datetime(message.created_at, "Pacific/Auckland")
    sign_in("admin@example.org")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "trainee@example.org" in page and "Your Lantern password was changed" in page
    assert f"<td>{queued}</td>" in page  # in the admin's own zone, as every page shows times
    assert secret_line not in page
    assert client.get("/admin/outbox?status=failed").status_code == 200


def test_the_outbox_and_its_retry_are_for_admins_only(app, people, client, sign_in):
    sign_in("trainee@example.org")
    assert client.get("/admin/outbox").status_code == 403
