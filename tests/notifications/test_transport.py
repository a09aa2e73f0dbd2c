"""LMS_MAIL_URL: each form understood, malformed ones stop start-up with one line."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from lms import ConfigError, create_app
from lms.extensions import db
from lms.notifications.services import send_password_changed
from lms.notifications.settings import MailSettingError, mail_config
from lms.notifications.transport import MailSettings, MailUrlError, parse_mail_url
from lms.notifications.worker import deliver_due
from tests.conftest import get_user

INSTANCE = Path("/srv/lantern/instance")


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp+starttls://user:p%40ss@mail.example.org",
     MailSettings("smtp+starttls", "mail.example.org", 587, "user", "p@ss")),
    ("smtps://user:secret@mail.example.org:465",
     MailSettings("smtps", "mail.example.org", 465, "user", "secret")),
    ("smtp://127.0.0.1:2525", MailSettings("smtp", "127.0.0.1", 2525)),
    ("smtp://relay.internal", MailSettings("smtp", "relay.internal", 25)),
    ("file:///var/mail/lantern", MailSettings("file", folder=Path("/var/mail/lantern"))),
    ("file://", MailSettings("file", folder=INSTANCE / "mail")),
    ("none", MailSettings("none")),
    (" NONE ", MailSettings("none")),
])
def test_every_form_of_the_mail_url(url, expected):
    assert parse_mail_url(url, INSTANCE, production=False) == expected


@pytest.mark.parametrize(("url", "problem"), [
    ("mail.example.org", "not understood"),
    ("ftp://mail.example.org", "not understood"),
    ("smtp://:25", "names no mail server host"),
    ("smtp://mail.example.org:port", "port that is not a number"),
    ("file://relative/folder", "absolute folder"),
])
def test_malformed_mail_urls_say_what_is_wrong(url, problem):
    with pytest.raises(MailUrlError, match=problem):
        parse_mail_url(url, INSTANCE, production=False)


def test_production_refuses_a_password_over_plain_smtp():
    url = "smtp://user:secret@mail.example.org:25"
    assert parse_mail_url(url, INSTANCE, production=False).username == "user"
    with pytest.raises(MailUrlError, match="unencrypted"):
        parse_mail_url(url, INSTANCE, production=True)


def _production(tmp_path: Path, **overrides):
    return mail_config({}, overrides, "production", tmp_path, "https://lantern.example.org")


def test_production_needs_the_mail_url_set(tmp_path):
    with pytest.raises(MailSettingError, match="LMS_MAIL_URL is not set") as refused:
        _production(tmp_path)
    assert "\n" not in str(refused.value)
    assert _production(tmp_path, LMS_MAIL_URL="none")["LMS_MAIL"].sends is False
    assert _production(tmp_path, LMS_MAIL_URL="none")["LMS_OUTBOX_INLINE"] is False


@pytest.mark.parametrize(("setting", "value", "problem"), [
    ("LMS_MAIL_URL", "smtp:/broken", "not understood"),
    ("LMS_MAIL_FROM", "Lantern <not an address>", "LMS_MAIL_FROM"),
    ("LMS_MAIL_FROM", "lantern@example.org\r\nBcc: x@example.org", "LMS_MAIL_FROM"),
    ("LMS_DIGEST_HOUR", "25", "LMS_DIGEST_HOUR"),
    ("LMS_TIME_ZONE", "Mars/Olympus", "LMS_TIME_ZONE"),
    ("LMS_OUTBOX_INLINE", "sometimes", "LMS_OUTBOX_INLINE"),
])
def test_malformed_settings_stop_start_up_with_one_line(setting, value, problem):
    with pytest.raises(ConfigError, match=problem) as refused:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", setting: value})
    assert "\n" not in str(refused.value)


def test_the_file_transport_writes_one_eml_per_message(app, app_ctx, people, tmp_path):
    saved = app.config["LMS_MAIL"]
    app.config["LMS_MAIL"] = MailSettings("file", folder=tmp_path / "mail")
    try:
        message = send_password_changed(get_user(people["trainee"]))
        db.session.commit()
        deliver_due()
    finally:
        app.config["LMS_MAIL"] = saved
    [written] = (tmp_path / "mail").glob("*.eml")
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == message.message_id
    assert parsed["To"] == "Jordan Trainee <trainee@example.org>"
    assert not list((tmp_path / "mail").glob(".*")), "no partial file left behind"


def test_starttls_never_falls_back_to_plain_text(app, app_ctx, people, smtp_server):
    """A server that offers no STARTTLS (aiosmtpd without TLS) never gets the message."""
    saved = app.config["LMS_MAIL"]
    app.config["LMS_MAIL"] = MailSettings("smtp+starttls", "127.0.0.1", smtp_server.port)
    try:
        send_password_changed(get_user(people["trainee"]))
        db.session.commit()
        report = deliver_due()
    finally:
        app.config["LMS_MAIL"] = saved
    assert report.sent == [] and len(report.waiting) == 1
    assert "STARTTLS" in (report.unavailable or "")
    assert smtp_server.messages == []


def test_outbox_drain_command_delivers_and_says_what_it_did(app, people, runner, smtp):
    with app.app_context():
        send_password_changed(get_user(people["trainee"]))
        db.session.commit()
    result = runner.invoke(args=["lms", "outbox", "drain"])
    assert result.exit_code == 0, result.output
    assert f"Mail goes to smtp://127.0.0.1:{smtp.port}: 1 sent" in result.output
    assert len(smtp.messages) == 1
