"""Bulk invitations by e-mail: each person imported gets their own mail, and nothing private."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.auth.models import find_user_by_email
from lms.extensions import db
from lms.notifications.models import OutboxMessage, OutboxStatus
from lms.notifications.transport import MailSettings
from lms.notifications.worker import deliver_due
from tests.cohorts.test_import import HEADER, five, preview_token, upload
from tests.conftest import csrf_token
from tests.notifications.conftest import REFUSED_DOMAIN, body_text, link_in
from tests.sqlcount import counting_queries


def _confirm(client, token: str):
    return client.post(f"/admin/import/{token}/confirm",
                       data={"csrf_token": csrf_token(client, f"/admin/import/{token}")},
                       follow_redirects=True)


def _invitations(app) -> list[OutboxMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMessage)
                                        .where(OutboxMessage.kind == "invitation")
                                        .order_by(OutboxMessage.recipient)))
        db.session.expunge_all()
        return found


def test_each_imported_person_receives_their_invitation(app, cohort, client, sign_in, smtp):
    sign_in("admin@example.org")
    done = _confirm(client, preview_token(upload(client, five())))
    page = done.get_data(as_text=True)
    assert "5 people were invited" in page
    assert "5 are waiting to go out" in page  # queued in the import's own transaction
    assert [m.recipient for m in _invitations(app)] == [
        f"person{number}@example.org" for number in range(1, 6)]

    with app.app_context():
        assert len(deliver_due().sent) >= 5  # the worker's run, as in production
    for number in range(1, 6):
        [mail] = smtp.mailbox.to(f"person{number}@example.org")
        assert mail["Subject"] == "You are invited to Lantern"
        text = body_text(mail) + mail.get_body(preferencelist=("html",)).get_content()
        # Only the greeting, who invited them and the link: no cohort, supervisor or program.
        assert "Spring 2027" not in text and "supervisor@example.org" not in text
        assert "Foundations" not in text and "Sam Supervisor" not in text
        link = link_in(mail, "http://localhost/invite/")
        invited = app.test_client()  # the person, on their own browser
        assert "choose" in invited.get(link.removeprefix("http://localhost")).get_data(
            as_text=True).lower()
    page = client.get(done.request.path).get_data(as_text=True)
    assert "5 invitations have been delivered to the mail server" in page
    assert "could not" not in page
    # The links stay downloadable for anyone whose mail goes astray.
    links = client.get(done.request.path.replace("/done", "/links.csv"))
    assert links.get_data(as_text=True).count("http://localhost/invite/") == 5


def test_an_address_the_mail_server_refuses_is_named(app, cohort, client, sign_in, smtp):
    sign_in("admin@example.org")
    body = five().replace("person2@example.org", f"sam@{REFUSED_DOMAIN}")
    done = _confirm(client, preview_token(upload(client, body)))
    with app.app_context():
        report = deliver_due()
        assert len(report.failed) == 1
    page = client.get(done.request.path).get_data(as_text=True)
    assert "4 invitations have been delivered" in page
    assert "1 could not be delivered" in page
    assert f"Person 2 (sam@{REFUSED_DOMAIN})" in page
    assert not smtp.mailbox.to(f"sam@{REFUSED_DOMAIN}")


def test_without_mail_the_links_are_the_way(app, cohort, client, sign_in):
    saved = app.config["LMS_MAIL"]
    app.config["LMS_MAIL"] = MailSettings("none")
    try:
        sign_in("admin@example.org")
        page = _confirm(client, preview_token(upload(client, five()))).get_data(as_text=True)
    finally:
        app.config["LMS_MAIL"] = saved
    assert "does not send e-mail on this server" in page
    assert "Download the join links (CSV)" in page
    assert _invitations(app) == []


def test_ten_thousand_invitations_are_queued_in_a_few_statements(app, cohort, client, sign_in,
                                                                  smtp):
    sign_in("admin@example.org")
    rows = [f"Person {n},p{n}@example.org,Spring 2027," for n in range(10_000)]
    token = preview_token(upload(client, HEADER + "\n".join(rows)))
    with counting_queries() as statements:
        page = _confirm(client, token).get_data(as_text=True)
    assert "10000 people were invited" in page
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # Chunks of 500 for the checks and the people, never one statement per row.
    assert len(selects) < 150, len(selects)
    assert len(statements) < 300, len(statements)
    with app.app_context():
        queued = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "invitation", OutboxMessage.status == OutboxStatus.QUEUED))
        assert queued == 10_000
        assert find_user_by_email("p9999@example.org") is not None
