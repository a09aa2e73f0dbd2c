"""Security headers, signed session cookies, the real client behind trusted proxies, and NULs."""

from __future__ import annotations

import time
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from flask_wtf.csrf import csrf_meta_tag, generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def add_security_headers(response: Response) -> Response:
    """Set CSP, nosniff, referrer and framing headers unless a view chose its own."""
    headers = response.headers
    # The names a view chose, read in one pass: Headers.setdefault finds a missing name by
    # raising and catching a KeyError, once per header on every response.
    chosen = {name.lower() for name in headers.keys()}
    hsts = current_app.config.get("LANTERN_HSTS")
    for name, value in (*SECURITY_HEADERS, ("Strict-Transport-Security", hsts)):
        if value and name.lower() not in chosen:
            headers.add(name, value)
    return response


def hsts_header(base_url: str, max_age: int) -> str | None:
    """Return the Strict-Transport-Security value for an https base URL, else None."""
    # Over plain http the header is ignored by browsers and would only mislead a reader.
    if urlsplit(base_url).scheme != "https" or max_age <= 0:
        return None
    return f"max-age={max_age}"


NUL_REFUSED = ("What was sent contains a NUL character, an invisible control code that "
               "Lantern cannot store. Please remove it and try again. Nothing was saved.")


def refuse_nul_characters() -> None:
    """Refuse a request whose path, query or form holds a NUL, before any view stores it."""
    # PostgreSQL cannot store NUL in text, and no keyboard types one: it is always pasted
    # binary or a crafted request, so refusing it loses nothing a person wrote.
    # The query is only decoded when its raw text could hold a NUL ("%00", or a raw one).
    query = request.environ.get("QUERY_STRING", "")
    if "\x00" in request.path or (("%00" in query or "\x00" in query) and _has_nul(request.args)):
        abort(400, NUL_REFUSED)
    if request.method in {"POST", "PUT", "PATCH"} and _has_nul(request.form):
        abort(400, NUL_REFUSED)


def _has_nul(values: MultiDict[str, str]) -> bool:
    return any("\x00" in key or any("\x00" in value for value in items)
               for key, items in values.lists())


def trust_proxies(app: Flask, count: int) -> None:
    """Read the client's address and scheme from the `count` proxies in front, if any."""
    # Only the last `count` X-Forwarded-For entries are believed: earlier ones are whatever
    # the client chose to send, and rate limits key on this address.
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


class KeptSerializerSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the serializer and decoded cookies kept per process.

    Flask builds the signing serializer for every request that reads or writes the cookie
    (about 10 µs: it serializes an empty dict to learn that it writes text), then checks the
    signature, inflates and decodes the same cookie on every request of a visit (about 25 µs).
    The serializer is kept per set of keys, and a cookie that held only plain values is kept
    decoded, by its exact signed text, for later requests with the same keys. Its age is still
    checked against the session lifetime on every request, and each request gets its own copy.
    """

    _kept: tuple[tuple[object, ...], URLSafeTimedSerializer, dict[str, KeptCookie]] | None = None

    def _serializer_and_cookies(self, app: Flask
                                ) -> tuple[URLSafeTimedSerializer | None, dict[str, KeptCookie]]:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept[1], kept[2]
        serializer = super().get_signing_serializer(app)
        if serializer is None:
            return None, {}
        cookies: dict[str, KeptCookie] = {}
        self._kept = (keys, serializer, cookies)
        return serializer, cookies

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Return the serializer for the app's current keys, built once per set of keys."""
        return self._serializer_and_cookies(app)[0]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Return the request's session, decoding a cookie only the first time it is seen."""
        serializer, cookies = self._serializer_and_cookies(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = cookies.get(value)
        if kept is not None and 0 <= int(time.time()) - kept.signed_at <= max_age:
            return self.session_class(kept.data)
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(type(item) in PLAIN_TYPES for item in data.values()):
            if len(cookies) >= KEPT_COOKIES:
                cookies.clear()
            cookies[value] = KeptCookie(data, int(signed_at.timestamp()))
        return self.session_class(data)


#: Values a kept cookie may hold: a copy of the dict then shares nothing a request could change.
#: Flashed messages are a list, so a cookie carrying them is decoded afresh (and read only once).
PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
#: Decoded cookies kept per process (a few hundred bytes each); the lot is dropped when full.
KEPT_COOKIES = 512


class KeptCookie(NamedTuple):
    """A cookie's decoded session and the time its signature was made (whole seconds)."""

    data: dict[str, object]
    signed_at: int


def kept_csrf_token() -> str:
    """Return the session's signed CSRF token (the templates' csrf_token), signed once per key."""
    # Flask-WTF signs the session's token afresh on every page that shows a form, and every
    # signed-in page does (the sign-out button): about 20 µs. With no time limit on tokens a
    # signature never ages, so one per session token and key serves every later page.
    config = current_app.config
    if "csrf_token" in g or config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()
    key = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key,
           session.get("csrf_token"))
    signed = _signed_csrf_tokens.get(key)
    if signed is None or key[1] is None:
        signed = generate_csrf()
        if len(_signed_csrf_tokens) >= KEPT_COOKIES:
            _signed_csrf_tokens.clear()
        _signed_csrf_tokens[(key[0], session["csrf_token"])] = signed
    g.csrf_token = signed
    return signed


_signed_csrf_tokens: dict[tuple[object, object], str] = {}


def init_security(app: Flask) -> None:
    """Register the security headers, the NUL check and the trusted proxies on the app."""
    app.session_interface = KeptSerializerSessions()
    app.config["LANTERN_HSTS"] = hsts_header(app.config["LMS_BASE_URL"],
                                             app.config["LMS_HSTS_MAX_AGE"])
    trust_proxies(app, app.config["LMS_TRUSTED_PROXIES"])
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    _use_kept_csrf_token(app)


def _use_kept_csrf_token(app: Flask) -> None:
    """Give templates kept_csrf_token where Flask-WTF gives its generate_csrf."""
    # Flask-WTF sets it both as a Jinja global and from a context processor (which wins).
    app.jinja_env.globals["csrf_token"] = kept_csrf_token
    processors = app.template_context_processors[None]
    for index, processor in enumerate(processors):
        if processor.__module__ == "flask_wtf.csrf":
            processors[index] = _kept_csrf_context


def _kept_csrf_context() -> dict[str, object]:
    return {"csrf_token": kept_csrf_token, "csrf_meta_tag": csrf_meta_tag}
