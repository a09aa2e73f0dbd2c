"""Sign-in limits key on the real client, and no client can lock another out."""

from __future__ import annotations

import pytest

from lms.auth import passwords
from tests.conftest import PASSWORD, csrf_token


def _post(client, email: str, password: str, client_address: str, *, forwarded: bool = False):
    """Sign in from a given client address, directly or through one trusted proxy."""
    if forwarded:
        environ = {"REMOTE_ADDR": "10.0.0.2"}  # the proxy, the same for everyone
        headers = {"X-Forwarded-For": client_address}
    else:
        environ, headers = {"REMOTE_ADDR": client_address}, {}
    token = csrf_token(client, "/sign-in")
    return client.post("/sign-in", data={"email": email, "password": password,
                                         "csrf_token": token},
                       environ_base=environ, headers=headers)


@pytest.fixture
def behind_one_proxy(app, monkeypatch):
    """Put the shared test app behind one trusted proxy, as the README's nginx example does."""
    from lms.security import trust_proxies

    # What create_app does with LMS_TRUSTED_PROXIES=1; the original is put back afterwards.
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    trust_proxies(app, 1)


def test_failures_from_one_client_behind_the_proxy_leave_others_alone(
        app, people, client, behind_one_proxy):
    # Ten failed sign-ins for made-up addresses from one client, through the proxy...
    statuses = [_post(client, f"nobody{number}@example.org", "wrong password!", "203.0.113.5",
                      forwarded=True).status_code for number in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
    # ...slow that client down, and only that client.
    response = _post(client, "admin@example.org", PASSWORD, "198.51.100.7", forwarded=True)
    assert response.status_code == 302


def test_the_trusted_proxies_setting_applies_proxy_fix(tmp_path):
    from tests.conftest import build_test_app

    app = build_test_app(f"sqlite:///{tmp_path / 'proxied.db'}", LMS_TRUSTED_PROXIES=1)
    seen: list[str] = []

    @app.get("/whoami")
    def whoami() -> str:
        from flask import request

        seen.append(request.remote_addr or "")
        return "ok"

    app.test_client().get("/whoami", environ_base={"REMOTE_ADDR": "10.0.0.2"},
                          headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.5"})
    # Only the entry the one trusted proxy appended is believed, not what the client sent.
    assert seen == ["203.0.113.5"]


def test_without_trusted_proxies_a_forged_header_changes_nothing(app, people, client):
    statuses = [_post(client, f"nobody{number}@example.org", "wrong password!", "203.0.113.5",
                      forwarded=True).status_code for number in range(11)]
    assert statuses[-1] == 429
    # Claiming to be someone else in X-Forwarded-For does not escape the limit.
    assert _post(client, "admin@example.org", PASSWORD, "198.51.100.7",
                 forwarded=True).status_code == 429


def test_failures_for_an_account_from_many_clients_never_lock_its_owner_out(
        app, people, client):
    # Twelve clients each guess the admin's password once: more than any one limit allows.
    for number in range(12):
        assert _post(client, "admin@example.org", "wrong password!",
                     f"203.0.113.{number + 1}").status_code == 400
    # The admin, from a client that has not failed, gets in at once.
    assert _post(client, "admin@example.org", PASSWORD, "198.51.100.7").status_code == 302


def test_a_client_failing_on_one_account_is_slowed_for_that_account_first(app, people, client):
    statuses = [_post(client, "admin@example.org", "wrong password!", "203.0.113.5").status_code
                for _ in range(6)]
    assert statuses == [400] * 5 + [429]  # LOGIN_PAIR_RATE_LIMIT: 5 per minute
    # The same client can still sign in to another account: its own limit is not reached.
    assert _post(client, "trainee@example.org", PASSWORD, "203.0.113.5").status_code == 302


def test_past_the_account_threshold_attempts_wait_but_are_never_refused(
        app, people, client, monkeypatch):
    import lms.auth.throttle as throttle

    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_THRESHOLD", "3 per hour")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_DELAY", 0.25)
    waits: list[float] = []
    monkeypatch.setattr(throttle.time, "sleep", waits.append)
    for number in range(3):
        _post(client, "admin@example.org", "wrong password!", f"203.0.113.{number + 1}")
    assert waits == []
    # The fourth guess, from yet another client, waits before it is checked.
    assert _post(client, "admin@example.org", "wrong password!", "203.0.113.9"
                 ).status_code == 400
    assert waits == [0.25]
    # Other accounts are not slowed.
    assert _post(client, "trainee@example.org", "wrong password!", "198.51.100.8"
                 ).status_code == 400
    assert waits == [0.25]
    # The owner waits too, and still gets in: a delay, never a lock.
    assert _post(client, "admin@example.org", PASSWORD, "198.51.100.7").status_code == 302
    assert waits == [0.25, 0.25]


@pytest.mark.parametrize("email", ["admin@example.org", "nobody-here@example.org"])
def test_the_password_hash_runs_for_known_and_unknown_addresses(app, people, client,
                                                               monkeypatch, email):
    calls: list[str] = []
    real = passwords._hasher

    class CountingHasher:
        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_[:9])
            return real.verify(hash_, password)

        def __getattr__(self, name: str):  # noqa: ANN204 - hash, check_needs_rehash
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_hasher", CountingHasher())
    assert _post(client, email, "wrong password!", "203.0.113.5").status_code == 400
    assert calls == ["$argon2id"]
