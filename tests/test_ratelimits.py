"""Flask-Limiter set-up: the idle per-request check is dropped only when nothing needs it."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask

from lms.extensions import limiter
from tests.certification.test_verify_pages import issued  # noqa: F401  (fixture)
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


def test_the_verify_page_and_json_share_the_failed_lookup_budget_with_decorated_routes(
        app, client):
    # The page and its JSON check their limits directly (lms.ratelimits.lookup_limited); the
    # signed credential still goes through Flask-Limiter's decorators. One budget for all.
    statuses = [client.get("/verify/not-a-code").status_code for _ in range(7)]
    statuses += [client.get("/verify/not-a-code.json").status_code for _ in range(7)]
    statuses += [client.get("/credentials/not-a-code.json").status_code for _ in range(6)]
    assert statuses == [404] * 20
    for url in ("/verify/not-a-code", "/verify/not-a-code.json", "/credentials/x.json"):
        refused = client.get(url)
        assert refused.status_code == 429, url
        assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_found_lookups_spend_only_the_routes_own_limit(app, client, issued):  # noqa: F811
    for _ in range(25):  # more than the failed-look-up budget: found look-ups do not spend it
        assert client.get(f"/verify/{issued}").status_code == 200
    assert client.get("/verify/not-a-code").status_code == 404
    statuses = [client.get(f"/verify/{issued}.json").status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120 and statuses[120] == 429
    assert client.get(f"/verify/{issued}").status_code == 200  # each route has its own count


def test_the_verify_limits_fall_back_to_memory_when_storage_is_down(tmp_path: Path, caplog):
    down = build_test_app(f"sqlite:///{tmp_path / 'down.db'}",
                          RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    try:
        client = down.test_client()
        with caplog.at_level("WARNING"):
            statuses = [client.get("/verify/not-a-code").status_code for _ in range(21)]
        assert statuses[:20] == [404] * 20 and statuses[20] == 429
        assert any("falling back" in record.getMessage() for record in caplog.records)
    finally:
        # The limiter object is shared by every app in this process: later apps have storage.
        limiter._storage_dead = False
        with down.app_context():
            from lms.extensions import db

            db.engine.dispose()


def test_in_memory_counts_expire_on_read_and_are_swept_from_one_steady_timer(app):
    from lms.ratelimits import SWEEP_SECONDS, _SteadyMemoryStorage

    storage = limiter.storage
    assert isinstance(storage, _SteadyMemoryStorage)
    assert storage.incr("steady-test", expiry=0.05) == 1
    assert storage.incr("steady-test", expiry=0.05) == 2
    assert storage.timer.interval == SWEEP_SECONDS and storage.timer.daemon
    timer = storage.timer
    storage.incr("steady-other", expiry=60)
    assert storage.timer is timer  # no new thread per count while one is waiting
    time.sleep(0.06)
    assert storage.get("steady-test") == 0  # expired: not counted, whatever the sweep
    assert storage.incr("steady-test", expiry=0.05) == 1
    storage.clear("steady-test")
    storage.clear("steady-other")


def test_in_memory_counters_share_one_lock_and_keep_none_per_address(app):
    storage = limiter.storage
    for number in range(50):
        assert storage.incr(f"address-test-{number}", expiry=60) == 1
    assert storage.incr("address-test-0", expiry=60) == 2
    assert storage.acquire_entry("window-test", limit=1, expiry=60)
    assert not storage.acquire_entry("window-test", limit=1, expiry=60)  # still enforced
    assert len(storage.locks) == 0  # 50 addresses, and not one lock kept for them
    assert storage.locks["address-test-1"] is storage.locks["address-test-2"]
    for number in range(50):
        storage.clear(f"address-test-{number}")
    storage.clear("window-test")
