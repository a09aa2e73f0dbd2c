"""Two-step sign-in: drift, replay, wrong codes, recovery codes, enforcement and sign-offs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.second_factor import (
    LOCKED,
    MAX_WRONG_CODES,
    CodeRefused,
    RecoveryCode,
    SecondFactor,
    check_code,
    confirm_enrolment,
    pending_secret,
)
from lms.auth.sessions import UserSession, start_session
from lms.extensions import db
from lms.models import utcnow
from tests.conftest import PASSWORD, csrf_token, get_user

NOW = datetime(2026, 12, 6, 12, 0, 15, tzinfo=UTC)


def _enrol(user_id: int, at: datetime) -> tuple[str, list[str]]:
    """Set up a second factor for a person as of `at`; return the secret and recovery codes."""
    user = get_user(user_id)
    secret = pending_secret(user)
    codes = confirm_enrolment(user, pyotp.TOTP(secret).at(at), now=at)
    db.session.commit()
    return secret, codes


def _code(secret: str, at: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_one_step_of_drift_is_accepted(app: Flask, app_ctx: None, people: dict[str, int],
                                       steps: int) -> None:
    secret, _ = _enrol(people["supervisor"], NOW - timedelta(minutes=5))
    key = start_session(get_user(people["supervisor"]))
    assert check_code(people["supervisor"], key, _code(secret, NOW, steps), now=NOW) is False
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == people["supervisor"]))
    assert row is not None and row.second_factor_at is not None


@pytest.mark.parametrize("steps", [-3, -2, 2, 3])
def test_two_steps_of_drift_are_refused(app: Flask, app_ctx: None, people: dict[str, int],
                                        steps: int) -> None:
    secret, _ = _enrol(people["supervisor"], NOW - timedelta(minutes=5))
    key = start_session(get_user(people["supervisor"]))
    with pytest.raises(CodeRefused, match="did not match"):
        check_code(people["supervisor"], key, _code(secret, NOW, steps), now=NOW)


@pytest.mark.parametrize("bad", ["", "12345", "1234567", "abcdef", "12 34 5x", "-" * 40,
                                 "0000000000000000000000000000000000000000"])
def test_malformed_codes_are_refused_kindly(app: Flask, app_ctx: None, people: dict[str, int],
                                            bad: str) -> None:
    _enrol(people["supervisor"], NOW - timedelta(minutes=5))
    key = start_session(get_user(people["supervisor"]))
    with pytest.raises(CodeRefused):
        check_code(people["supervisor"], key, bad, now=NOW)


def test_a_code_works_once_and_older_codes_never(app: Flask, app_ctx: None,
                                                 people: dict[str, int]) -> None:
    secret, _ = _enrol(people["supervisor"], NOW - timedelta(minutes=5))
    user = get_user(people["supervisor"])
    first, second = start_session(user), start_session(user)
    check_code(user.id, first, _code(secret, NOW), now=NOW)
    with pytest.raises(CodeRefused, match="already been used"):
        check_code(user.id, second, _code(secret, NOW), now=NOW)
    with pytest.raises(CodeRefused, match="already been used"):
        check_code(user.id, second, _code(secret, NOW, -1), now=NOW)
    factor = db.session.get(SecondFactor, user.id)
    assert factor is not None and factor.last_step == int(NOW.timestamp()) // 30


def test_a_recovery_code_works_once(app: Flask, app_ctx: None, people: dict[str, int]) -> None:
    _, codes = _enrol(people["admin"], NOW - timedelta(minutes=5))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash)
                                .where(RecoveryCode.user_id == people["admin"])).all()
    assert len(stored) == 10 and not set(stored) & set(codes)  # only hashes are kept
    user = get_user(people["admin"])
    assert check_code(user.id, start_session(user), codes[3].upper(), now=NOW) is True
    with pytest.raises(CodeRefused):
        check_code(user.id, start_session(user), codes[3], now=NOW)


def test_another_persons_recovery_code_is_refused(app: Flask, app_ctx: None,
                                                  people: dict[str, int]) -> None:
    _, admin_codes = _enrol(people["admin"], NOW - timedelta(minutes=5))
    _enrol(people["supervisor"], NOW - timedelta(minutes=5))
    supervisor = get_user(people["supervisor"])
    with pytest.raises(CodeRefused):
        check_code(supervisor.id, start_session(supervisor), admin_codes[0], now=NOW)


# Through the pages ---------------------------------------------------------------------------


def _signed_in_with_password(client: FlaskClient, email: str) -> str:
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 302
    return response.headers["Location"]


def _post_code(client: FlaskClient, code: str) -> object:
    token = csrf_token(client, "/sign-in/code")
    return client.post("/sign-in/code", data={"code": code, "csrf_token": token})


def test_sign_in_asks_for_the_code_then_lets_the_person_in(
        app: Flask, client: FlaskClient, people: dict[str, int]) -> None:
    with app.app_context():
        secret, _ = _enrol(people["supervisor"], utcnow() - timedelta(minutes=5))
    assert _signed_in_with_password(client, "supervisor@example.org").startswith("/sign-in/code")
    # Every page leads back to the code step until it is done.
    assert client.get("/supervision/queue").headers["Location"].startswith("/sign-in/code")
    page = client.get("/sign-in/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert "onpaste" not in page
    response = _post_code(client, pyotp.TOTP(secret).now())
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert client.get("/supervision/queue").status_code == 200
    with app.app_context():
        row = db.session.scalar(select(UserSession)
                                .where(UserSession.user_id == people["supervisor"]))
        assert row is not None and row.second_factor_at is not None


def test_wrong_codes_are_slowed(app: Flask, client: FlaskClient,
                                people: dict[str, int]) -> None:
    with app.app_context():
        secret, _ = _enrol(people["supervisor"], utcnow() - timedelta(minutes=5))
    _signed_in_with_password(client, "supervisor@example.org")
    statuses = [_post_code(client, "000000").status_code  # type: ignore[attr-defined]
                for _ in range(100)]
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    # While slowed, even the right code waits: nothing is tried.
    assert _post_code(client, pyotp.TOTP(secret).now()).status_code == 429  # type: ignore[attr-defined]


def test_too_many_wrong_codes_end_that_session_only(
        app: Flask, client: FlaskClient, people: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LMS_2FA_RATE_LIMIT", "1000 per minute")
    with app.app_context():
        _enrol(people["supervisor"], utcnow() - timedelta(minutes=5))
        other_key = start_session(get_user(people["supervisor"]))
        db.session.commit()
    _signed_in_with_password(client, "supervisor@example.org")
    statuses = [_post_code(client, "000000").status_code  # type: ignore[attr-defined]
                for _ in range(MAX_WRONG_CODES - 1)]
    assert set(statuses) == {400}
    last = _post_code(client, "000000")
    assert last.status_code == 302 and last.headers["Location"] == "/sign-in"  # type: ignore[attr-defined]
    assert "too many wrong codes" in client.get("/sign-in").get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(UserSession)
                                  .where(UserSession.user_id == people["supervisor"])).all()
        ended = [row.end_reason for row in rows if row.ended_at is not None]
        open_rows = [row for row in rows if row.ended_at is None]
        assert ended == [LOCKED]
        assert len(open_rows) == 1 and open_rows[0].key_hash != ""
        del other_key
    # The person is not locked out: signing in again asks for a code as before.
    assert _signed_in_with_password(client, "supervisor@example.org").startswith("/sign-in/code")


def test_staff_without_a_second_factor_are_led_to_set_it_up(
        app: Flask, client: FlaskClient, people: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LMS_REQUIRE_2FA", "staff")
    _signed_in_with_password(client, "supervisor@example.org")
    for url in ("/", "/supervision/queue", "/programs/foundations/active-listening"):
        assert client.get(url).headers["Location"] == "/account/two-step"
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "<svg" in page and 'inputmode="numeric"' in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page)
    assert secret is not None
    assert client.get("/account/two-step").get_data(as_text=True).count(secret.group(1)) == 1
    token = csrf_token(client, "/account/two-step")
    wrong = client.post("/account/two-step", data={"code": "123", "csrf_token": token})
    assert wrong.status_code == 400 and secret.group(1) in wrong.get_data(as_text=True)
    done = client.post("/account/two-step", data={"code": pyotp.TOTP(secret.group(1)).now(),
                                                  "csrf_token": token})
    codes = re.findall(r"<li><code>([0-9a-f-]{23})</code></li>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    assert client.get("/supervision/queue").status_code == 200
    # Sign-out stays open to a half-signed-in person.
    assert client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")}).status_code == 302


def test_trainees_are_not_asked_under_staff(app: Flask, client: FlaskClient,
                                            people: dict[str, int],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "LMS_REQUIRE_2FA", "staff")
    _signed_in_with_password(client, "trainee@example.org")
    assert client.get("/").status_code == 200
    monkeypatch.setitem(app.config, "LMS_REQUIRE_2FA", "all")
    assert client.get("/").headers["Location"] == "/account/two-step"


def test_sign_off_records_the_second_factor(app: Flask, client: FlaskClient,
                                            people: dict[str, int]) -> None:
    from tests.practice.helpers import make_entry

    with app.app_context():
        secret, _ = _enrol(people["supervisor"], utcnow() - timedelta(minutes=5))
        entry_id = make_entry(people["trainee"], submit=True).id
        db.session.commit()
    _signed_in_with_password(client, "supervisor@example.org")
    _post_code(client, pyotp.TOTP(secret).now())
    token = csrf_token(client, "/supervision/queue")
    response = client.post(f"/supervision/entries/{entry_id}/approve",
                           data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "practice.approve"))
        assert event is not None and event.payload["second_factor"] is True


def test_admin_reset_and_command_are_audited(app: Flask, client: FlaskClient, runner: object,
                                             people: dict[str, int]) -> None:
    with app.app_context():
        _enrol(people["supervisor"], utcnow() - timedelta(minutes=5))
        _enrol(people["admin"], utcnow() - timedelta(minutes=5))
        admin_key = start_session(get_user(people["admin"]))
        db.session.commit()
    result = runner.invoke(args=["lms", "2fa", "reset", "ADMIN@example.org"])  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(SecondFactor, people["admin"]) is None
        row = db.session.scalar(select(UserSession).where(UserSession.user_id == people["admin"]))
        assert row is not None and row.ended_at is not None
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.kind == "auth.second_factor_reset")).all()
        assert [event.payload["how"] for event in events] == ["command line"]
    del admin_key
    _signed_in_with_password(client, "admin@example.org")
    token = csrf_token(client, f"/admin/people/{people['supervisor']}")
    response = client.post(f"/admin/people/{people['supervisor']}/reset-two-step",
                           data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(SecondFactor, people["supervisor"]) is None
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.kind == "auth.second_factor_reset").order_by(AuditEvent.id)).all()
        assert [(event.payload["how"], event.actor_id) for event in events] == [
            ("command line", None), ("admin", people["admin"])]
        from lms.notifications.models import OutboxMessage

        mails = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "second_factor_reset").order_by(OutboxMessage.id)).all()
        assert [mail.recipient for mail in mails] == ["admin@example.org",
                                                      "supervisor@example.org"]
        assert "by an administrator" in mails[1].body_text


def test_the_command_refuses_an_unknown_address(app: Flask, runner: object) -> None:
    result = runner.invoke(args=["lms", "2fa", "reset", "nobody@example.org"])  # type: ignore[attr-defined]
    assert result.exit_code != 0 and "No account" in result.output


def test_a_code_proved_on_one_server_is_seen_at_once_on_another(
        servers: tuple[Flask, Flask], people: dict[str, int]) -> None:
    from tests.auth.test_sessions import _cookie, _same_browser_on

    server_a, server_b = servers
    with server_a.app_context():
        secret, _ = _enrol(people["supervisor"], utcnow() - timedelta(minutes=5))
    browser = server_a.test_client()
    _signed_in_with_password(browser, "supervisor@example.org")
    on_b = _same_browser_on(server_b, _cookie(browser))
    # Server B now holds this session, not yet proved, in its identity cache.
    assert on_b.get("/supervision/queue").headers["Location"].startswith("/sign-in/code")
    assert _post_code(browser, pyotp.TOTP(secret).now()).status_code == 302  # type: ignore[attr-defined]
    on_b = _same_browser_on(server_b, _cookie(browser))
    assert on_b.get("/supervision/queue").status_code == 200
    # Set-up never shows the secret again, on either server.
    assert secret not in on_b.get("/account/two-step").get_data(as_text=True)
