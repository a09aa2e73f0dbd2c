"""Security headers, CSRF and the friendly error pages."""

from __future__ import annotations

import pytest

from lms.extensions import db
from tests.conftest import PASSWORD, build_test_app


def test_every_response_has_security_headers(client):
    for url in ("/sign-in", "/no-such-page", "/static/lantern.css"):
        with client.get(url) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_post_without_csrf_token_gets_friendly_400(app, people, client):
    response = client.post("/sign-in", data={"email": "admin@example.org",
                                             "password": "a calm river at dusk"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)


@pytest.mark.parametrize("code", [400, 403, 404, 405, 429, 500])
def test_error_pages_are_friendly(app, code):
    from lms.errors import render_error

    with app.test_request_context():
        html, status = render_error(code)
    assert status == code
    assert "<h1>" in html and "Go to the start page" in html
    assert "Traceback" not in html


def test_unexpected_exception_shows_friendly_500(tmp_path):
    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}", PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("kaboom")

    with app.app_context():
        db.create_all()
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body and "kaboom" not in body


def test_session_cookie_is_httponly_and_lax(app, people, client, sign_in):
    response = sign_in("trainee@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(("method", "path", "fields"), [
    ("POST", "/sign-in", {"email": "admin\x00@example.org", "password": "x"}),
    ("POST", "/practice/new", {"reflection": "We practised\x00 reflections."}),
    ("GET", "/admin/people?q=%00", None),
    ("GET", "/verify/AB%00CD", None),
])
def test_nul_characters_are_refused_before_any_view(app, people, client, sign_in, method, path,
                                                    fields):
    sign_in("trainee@example.org")
    if method == "POST":
        from tests.conftest import csrf_token

        fields = {**fields, "csrf_token": csrf_token(client, "/")}
        response = client.post(path, data=fields)
    else:
        response = client.get(path)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)


def test_a_failed_write_gets_the_friendly_500_page_for_a_signed_in_person(tmp_path):
    from sqlalchemy.exc import DataError

    from lms.auth.models import Role, User
    from lms.auth.roles import role_required
    from tests.factories import make_user

    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}", PROPAGATE_EXCEPTIONS=False,
                         WTF_CSRF_ENABLED=False)

    @app.get("/duplicate")
    @role_required(Role.ADMIN)
    def duplicate() -> str:
        db.session.add(User(email="admin@example.org", role=Role.TRAINEE))
        db.session.flush()  # the e-mail is taken: IntegrityError, transaction now failed
        return "unreachable"

    @app.get("/bad-value")
    def bad_value() -> str:
        raise DataError("INSERT ...", {}, ValueError("value out of range"))

    with app.app_context():
        db.create_all()
        make_user(Role.ADMIN, "admin@example.org", "Alex Admin")
        db.session.commit()
    client = app.test_client()
    client.post("/sign-in", data={"email": "admin@example.org", "password": PASSWORD})
    for path in ("/duplicate", "/bad-value"):
        response = client.get(path)
        assert response.status_code == 500
        page = response.get_data(as_text=True)
        assert "Something went wrong on our side" in page
        assert "cannot reach our database" not in page
    assert "Sign out" in client.get("/duplicate").get_data(as_text=True)  # still signed in


def test_the_session_serializer_is_kept_until_the_keys_change(tmp_path):
    """One signing serializer serves every request; a new key (or fallback) gets a new one."""
    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}")
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert first is not None and interface.get_signing_serializer(app) is first
    cookie = first.dumps({"signed": "before"})
    app.secret_key = "a-new-secret-key-not-for-production"
    rotated = interface.get_signing_serializer(app)
    assert rotated is not None and rotated is not first
    assert not rotated.loads_unsafe(cookie)[0]  # the old key no longer signs
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret-key-not-for-production"]
    with_fallback = interface.get_signing_serializer(app)
    assert with_fallback is not None and with_fallback.loads(cookie) == {"signed": "before"}


def _open(app, cookie):
    """Open the session a request with this session cookie would get."""
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as context:
        return app.session_interface.open_session(app, context.request)


def _kept(app):
    return app.session_interface._kept[2]


def test_a_kept_cookie_gives_every_request_its_own_copy(tmp_path):
    """A cookie decoded once is kept, and what one request changes never reaches the next."""
    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}")
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "7", "n": 1})
    first = _open(app, cookie)
    assert cookie in _kept(app)
    first["n"] = 2
    first["added"] = "only here"
    again = _open(app, cookie)
    assert dict(again) == {"_user_id": "7", "n": 1}
    assert not again.modified


def test_a_kept_cookie_still_expires_with_the_session_lifetime(tmp_path, monkeypatch):
    import time
    from datetime import timedelta

    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}")
    app.permanent_session_lifetime = timedelta(minutes=10)
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "7"})
    assert _open(app, cookie)["_user_id"] == "7" and cookie in _kept(app)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 11 * 60)
    assert dict(_open(app, cookie)) == {}


def test_a_kept_cookie_is_refused_once_its_key_is_retired(tmp_path):
    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}")
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "7"})
    assert _open(app, cookie)["_user_id"] == "7"
    app.secret_key = "a-new-secret-key-not-for-production"
    assert dict(_open(app, cookie)) == {}
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret-key-not-for-production"]
    assert _open(app, cookie)["_user_id"] == "7"  # a fallback key still reads it


def test_cookies_with_lists_or_bad_signatures_are_never_kept(tmp_path):
    """Flashed messages are a list a request appends to, so that cookie is decoded afresh."""
    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}")
    serializer = app.session_interface.get_signing_serializer(app)
    flashing = serializer.dumps({"_flashes": [["info", "Saved."]]})
    first = _open(app, flashing)
    first["_flashes"].append(("info", "Another."))
    assert _open(app, flashing)["_flashes"] == [["info", "Saved."]]
    tampered = serializer.dumps({"_user_id": "7"})[:-2] + "xx"
    assert dict(_open(app, tampered)) == {}
    assert flashing not in _kept(app) and tampered not in _kept(app)


def test_kept_cookies_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr("lms.security.KEPT_COOKIES", 3)
    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}")
    serializer = app.session_interface.get_signing_serializer(app)
    cookies = [serializer.dumps({"n": n}) for n in range(7)]
    for n, cookie in enumerate(cookies):
        assert _open(app, cookie)["n"] == n
        assert len(_kept(app)) <= 3
    assert cookies[-1] in _kept(app)


def _sign_out_token(page: str) -> str:
    import re

    match = re.search(r'action="/sign-out" class="inline">\s*<input type="hidden" '
                      r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no sign-out form"
    return match.group(1)


def test_the_layout_token_is_signed_once_per_session_token_and_key(app, people, client,
                                                                   sign_in, monkeypatch):
    """Every page shows the same signed token for a session, and it still signs out."""
    import time

    sign_in("trainee@example.org")
    first = _sign_out_token(client.get("/").get_data(as_text=True))
    later = time.time() + 5  # a signature made now would carry another time
    monkeypatch.setattr(time, "time", lambda: later)
    assert _sign_out_token(client.get("/").get_data(as_text=True)) == first
    monkeypatch.setitem(app.config, "WTF_CSRF_SECRET_KEY", "another-csrf-key-not-for-production")
    rotated = _sign_out_token(client.get("/").get_data(as_text=True))
    assert rotated != first
    assert client.post("/sign-out", data={"csrf_token": first}).status_code == 400
    response = client.post("/sign-out", data={"csrf_token": rotated})
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/sign-in")


def test_the_kept_header_marks_the_page_and_carries_each_person_their_own_token(app, people):
    """The header is rendered once per role and page; the sign-out token is still per session."""
    from tests.conftest import csrf_token

    pages = {}
    for email in ("trainee@example.org", "supervisor@example.org"):
        client = app.test_client()
        client.post("/sign-in", data={"email": email, "password": PASSWORD,
                                      "csrf_token": csrf_token(client, "/sign-in")})
        home = client.get("/").get_data(as_text=True)
        again = client.get("/").get_data(as_text=True)
        account = client.get("/account").get_data(as_text=True)
        pages[email] = (client, _sign_out_token(home), home, account)
        # The account page's forms sign the token afresh (Flask-WTF), so only the start page
        # is compared: it shows the kept signature.
        assert _sign_out_token(again) == _sign_out_token(home)
        assert '<a href="/" aria-current="page">Home</a>' in home
        assert '<a href="/account" aria-current="page">Account</a>' in account
        assert 'aria-current="page">Home</a>' not in account
    trainee, supervisor = pages["trainee@example.org"], pages["supervisor@example.org"]
    assert trainee[1] != supervisor[1]
    assert ">Practice</a>" in trainee[2] and ">Review queue</a>" not in trainee[2]
    assert ">Review queue</a>" in supervisor[2] and ">Practice</a>" not in supervisor[2]
    # Each token signs out only its own session.
    assert trainee[0].post("/sign-out", data={"csrf_token": supervisor[1]}).status_code == 400
    assert trainee[0].post("/sign-out", data={"csrf_token": trainee[1]}).status_code == 302
    assert "@@" not in trainee[2] + supervisor[3]
