"""Flask-Limiter set-up: the idle per-request check is dropped only when nothing needs it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from lms.extensions import limiter
from tests.conftest import build_test_app


def _has_idle_check(app: Flask) -> bool:
    return limiter._check_request_limit in app.before_request_funcs.get(None, [])


def test_without_default_limits_the_per_request_check_is_dropped(app):
    assert not _has_idle_check(app)


def test_route_limits_still_apply_without_the_per_request_check(app, client):
    statuses = [client.get("/verify/not-a-code").status_code for _ in range(21)]
    assert statuses[:20] == [404] * 20
    assert statuses[20] == 429


def test_a_configured_default_limit_keeps_the_check_and_is_enforced(tmp_path: Path):
    limited = build_test_app(f"sqlite:///{tmp_path / 'limits.db'}",
                             RATELIMIT_DEFAULT="3 per minute")
    try:
        assert _has_idle_check(limited)
        client = limited.test_client()
        statuses = [client.get("/healthz").status_code for _ in range(4)]
        assert statuses[3] == 429
        assert 1 <= int(client.get("/healthz").headers["Retry-After"]) <= 60
    finally:
        # The limiter object is shared by every app in this process; forget this app's default.
        limiter.limit_manager.set_default_limits([])
        with limited.app_context():
            from lms.extensions import db

            db.engine.dispose()
