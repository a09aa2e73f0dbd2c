"""Security headers on every response, and the refusal of NUL characters in requests."""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict
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


def add_security_headers(response: Response) -> Response:
    """Set CSP, nosniff, referrer and framing headers unless a view chose its own."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


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


def init_security(app: Flask) -> None:
    """Register the security headers and the NUL check on the app."""
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
