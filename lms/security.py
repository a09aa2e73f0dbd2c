"""Security headers, signed session cookies, the real client behind trusted proxies, and NULs."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
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
    if "\x00" in request.path or _has_nul(request.args):
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
    """Flask's signed cookie sessions, with the signing serializer built once per set of keys.

    Flask builds it for every request that reads or writes the cookie, and building it
    serializes an empty dict to learn that it writes text: about 10 µs of every signed-in
    request. It holds only the keys and settings, so one serves every request until the
    secret key or its fallbacks change.
    """

    _kept: tuple[tuple[object, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Return the serializer for the app's current keys, built once per set of keys."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept[1]
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            self._kept = (keys, serializer)
        return serializer


def init_security(app: Flask) -> None:
    """Register the security headers, the NUL check and the trusted proxies on the app."""
    app.session_interface = KeptSerializerSessions()
    app.config["LANTERN_HSTS"] = hsts_header(app.config["LMS_BASE_URL"],
                                             app.config["LMS_HSTS_MAX_AGE"])
    trust_proxies(app, app.config["LMS_TRUSTED_PROXIES"])
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
