"""A reference page for the bench: Lantern's per-request plumbing for a signed-in person, alone.

It is served only by the bench's own copy of the app. Its ratio to the bare app is the ceiling
for any signed-in page: the session cookie, Flask-Login's user load, CSRF set-up, the request
log and the security headers, with no page work at all.
"""

from __future__ import annotations

from flask import Flask
from flask_login import login_required

FLOOR_PATH = "/bench/signed-in-floor"


def add_floor_route(app: Flask) -> Flask:
    """Register the signed-in floor page on the app and return the app."""

    @app.get(FLOOR_PATH)
    @login_required
    def bench_signed_in_floor() -> str:
        """Return a fixed text to a signed-in person."""
        return "ok"

    return app
