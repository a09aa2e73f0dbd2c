"""Every way a session ends, seen from two app servers (two app objects over one database)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.auth.identity import CAPACITY, Identity, IdentityCache
from lms.auth.loader import SESSION_ENDED, SESSION_ENDED_ON_SEND
from lms.auth.models import Role
from lms.auth.sessions import UserSession
from lms.config import ConfigError
from lms.extensions import db
from lms.learning.models import ModuleProgress
from tests.conftest import PASSWORD, build_test_app, csrf_token, get_user
from tests.sqlcount import counting_queries

MODULE = "/programs/foundations/active-listening"
BOUND = 5.0  # seconds: LMS_IDENTITY_CACHE_SECONDS by default


def _signed_in(server: Flask, email: str) -> FlaskClient:
    client = server.test_client()
    token = csrf_token(client, "/sign-in")
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _same_browser_on(server: Flask, cookie: str) -> FlaskClient:
    """Return a client for a server carrying a copy of a browser's session cookie."""
    other = server.test_client()
    other.set_cookie("session", cookie, domain="localhost")
    return other


def _signed_out_calmly(client: FlaskClient, url: str = MODULE) -> bool:
    response = client.get(url)
    if response.status_code != 302 or not response.headers["Location"].startswith("/sign-in"):
        return False
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return SESSION_ENDED in page


def _passes_time(server: Flask, seconds: float) -> None:
    server.extensions["lantern.identities"].clock.advance(seconds)


def _mark_read(client: FlaskClient) -> int:
    token = csrf_token(client, MODULE)
    return client.post(f"{MODULE}/read", data={"csrf_token": token}).status_code


def _read_marks(app: Flask, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ModuleProgress).where(
            ModuleProgress.user_id == user_id, ModuleProgress.read_at.is_not(None))) or 0


def _end_and_check(servers: tuple[Flask, Flask], people: dict[str, int], end) -> None:
    """Open one browser on A and on B, end the session with `end`, check both servers."""
    server_a, server_b = servers
    on_a = _signed_in(server_a, "trainee@example.org")
    cookie = _cookie(on_a)
    on_b = _same_browser_on(server_b, cookie)
    token = csrf_token(on_b, MODULE)  # the page is open, and B holds the identity in its cache
    end(on_a)
    # A POST on B reads the database at once: refused, and nothing is recorded.
    before = _read_marks(server_a, people["trainee"])
    post = on_b.post(f"{MODULE}/read", data={"csrf_token": token})
    assert post.status_code == 302 and post.headers["Location"].startswith("/sign-in")
    assert SESSION_ENDED_ON_SEND in on_b.get("/sign-in").get_data(as_text=True)
    assert _read_marks(server_a, people["trainee"]) == before
    # Read-only pages on B see the end within the bound, without a query before it.
    on_b = _same_browser_on(server_b, cookie)
    _passes_time(server_b, BOUND)
    assert _signed_out_calmly(on_b)


def _sign_out(client: FlaskClient) -> None:
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})


def test_signing_out_on_a_ends_the_session_on_a_and_b(servers, people):
    _end_and_check(servers, people, _sign_out)


def test_a_copied_cookie_stops_at_once_where_the_person_signed_out(servers, people):
    server_a, _ = servers
    browser = _signed_in(server_a, "trainee@example.org")
    copy = _same_browser_on(server_a, _cookie(browser))
    assert copy.get(MODULE).status_code == 200
    _sign_out(browser)
    assert _signed_out_calmly(copy)


def test_signing_out_ends_only_that_browser(servers, people):
    server_a, server_b = servers
    phone = _signed_in(server_a, "trainee@example.org")
    laptop = _signed_in(server_b, "trainee@example.org")
    _sign_out(phone)
    _passes_time(server_b, BOUND)
    assert laptop.get(MODULE).status_code == 200
    assert _mark_read(laptop) == 302 and _read_marks(server_a, people["trainee"]) == 1


def test_signing_out_everywhere_ends_every_browser(servers, people):
    server_a, server_b = servers
    laptop = _signed_in(server_b, "trainee@example.org")
    assert laptop.get("/").status_code == 200

    def everywhere(client: FlaskClient) -> None:
        response = client.post("/account/sign-out-everywhere",
                               data={"csrf_token": csrf_token(client, "/")})
        assert response.status_code == 302
        assert "every device" in client.get("/sign-in").get_data(as_text=True)

    _end_and_check(servers, people, everywhere)
    assert _signed_out_calmly(laptop)
    with server_a.app_context():
        open_rows = db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == people["trainee"], UserSession.ended_at.is_(None)))
    assert open_rows == 0


def test_a_password_change_ends_every_session(servers, people):
    server_a, _ = servers

    def change_password(_client: FlaskClient) -> None:
        from lms.auth.services import set_password

        with server_a.app_context():
            set_password(get_user(people["trainee"]), "a new calm password by the sea")
            db.session.commit()

    _end_and_check(servers, people, change_password)


def test_a_password_reset_through_the_link_ends_every_session(servers, people):
    server_a, _ = servers

    def reset(_client: FlaskClient) -> None:
        from lms.auth.services import LinkPurpose, make_account_link

        with server_a.test_request_context():
            link = make_account_link(get_user(people["trainee"]), LinkPurpose.RESET)
            db.session.remove()
        path = link.removeprefix("http://localhost")
        visitor = server_a.test_client()
        response = visitor.post(path, data={"csrf_token": csrf_token(visitor, path),
                                            "password": "a new calm password by the sea",
                                            "confirm": "a new calm password by the sea"})
        assert response.status_code == 302, response.get_data(as_text=True)

    _end_and_check(servers, people, reset)


def test_deactivation_by_an_admin_on_a_ends_sessions_on_b(servers, people):
    server_a, _ = servers

    def deactivate(_client: FlaskClient) -> None:
        admin = _signed_in(server_a, "admin@example.org")
        url = f"/admin/people/{people['trainee']}/deactivate"
        token = csrf_token(admin, f"/admin/people/{people['trainee']}")
        assert admin.post(url, data={"csrf_token": token}).status_code == 302

    _end_and_check(servers, people, deactivate)


def test_a_role_change_ends_every_session(servers, people):
    server_a, _ = servers

    def change_role(_client: FlaskClient) -> None:
        with server_a.app_context():
            get_user(people["trainee"]).role = Role.SUPERVISOR
            db.session.commit()

    _end_and_check(servers, people, change_role)


def test_a_read_only_page_within_the_bound_needs_no_session_query(servers, people):
    _, server_b = servers
    browser = _signed_in(server_b, "trainee@example.org")
    browser.get("/")
    with counting_queries() as statements:
        assert browser.get("/").status_code == 200
    assert not [sql for sql in statements if "user_session" in sql]
    with counting_queries() as statements:
        assert _mark_read(browser) == 302
    assert [sql for sql in statements if "user_session" in sql]


@pytest.mark.parametrize("cookie", [
    "", "7", "1:stamp", "abc:defghijkl:" + "k" * 43, "1:" + "s" * 22,
    f"1:{'s' * 22}:{'k' * 43}", f"99999999999999999999:{'s' * 22}:{'k' * 43}",
    f"1:{'s' * 22}:{'k' * 43}:extra", f"1:{'s' * 5}:{'k' * 43}", "1:%%%%%%%%%%:<>",
])
def test_a_stale_or_malformed_cookie_signs_out_calmly(app, people, client, cookie):
    with client.session_transaction() as session:
        session["_user_id"] = cookie
    assert _signed_out_calmly(client)
    # The ended session is gone from the cookie: the next page is plain signed-out.
    response = client.get(MODULE)
    assert response.status_code == 302


def test_a_cookie_with_someone_elses_stamp_or_id_is_refused(app, people, client):
    probe = _same_browser_on(app, _cookie(_signed_in(app, "trainee@example.org")))
    with probe.session_transaction() as session:
        user_id, stamp, key = session["_user_id"].split(":")
        session["_user_id"] = f"{people['admin']}:{stamp}:{key}"
    assert _signed_out_calmly(probe)
    with probe.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{'x' * len(stamp)}:{key}"
    assert _signed_out_calmly(probe)


def test_signed_in_pages_are_never_stored(app, people, client, sign_in):
    assert "no-store" not in client.get("/sign-in").headers.get("Cache-Control", "")
    sign_in("trainee@example.org")
    for url in ("/", MODULE):
        assert client.get(url).headers["Cache-Control"] == "no-store"


def test_the_cache_holds_a_bounded_number_of_sessions():
    now = [0.0]
    cache = IdentityCache(5, clock=lambda: now[0])
    for number in range(CAPACITY + 1):
        cache.put(f"h{number}", Identity(number, Role.TRAINEE, "P", "s", "k"))
    assert len(cache) == CAPACITY // 2 + 1
    assert cache.get("h0") is None and cache.get(f"h{CAPACITY}") is not None
    now[0] = 5.0
    assert cache.get(f"h{CAPACITY}") is None


def test_the_cache_bound_cannot_exceed_five_seconds(tmp_path):
    with pytest.raises(ConfigError, match="0 to 5"):
        build_test_app(f"sqlite:///{tmp_path / 'x.db'}", LMS_IDENTITY_CACHE_SECONDS=6)
