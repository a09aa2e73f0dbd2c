"""Sign-in limits are shared between app servers through Redis."""

from __future__ import annotations

import os
import secrets

import pytest
import redis

from lms.extensions import db
from tests.conftest import PASSWORD, build_test_app, csrf_token
from tests.factories import make_user

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
requires_redis = pytest.mark.skipif(
    not REDIS_URL and not os.environ.get("LMS_REQUIRE_ALL_SUITES"),
    reason="LMS_TEST_REDIS_URL is not set (setup.sh and CI set it)",
)


@requires_redis
def test_two_servers_share_sign_in_limits_through_redis(tmp_path):
    assert REDIS_URL, "LMS_TEST_REDIS_URL must be set in CI"
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    prefix = f"lantern-test-{secrets.token_hex(4)}"
    servers = [build_test_app(database, RATELIMIT_STORAGE_URI=REDIS_URL,
                              RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="4 per minute")
               for _ in range(2)]
    with servers[0].app_context():
        db.create_all()
        from lms.auth.models import Role

        make_user(Role.TRAINEE, "shared@example.org", "Shared Person")
        db.session.commit()
    clients = [server.test_client() for server in servers]
    statuses = []
    for attempt in range(5):
        client = clients[attempt % 2]
        token = csrf_token(client, "/sign-in")
        statuses.append(client.post("/sign-in", data={
            "email": "shared@example.org", "password": "wrong guess here", "csrf_token": token,
        }).status_code)
    # Four attempts were spread over two servers; the fifth is refused on either.
    assert statuses == [400, 400, 400, 400, 429]
    token = csrf_token(clients[1], "/sign-in")
    response = clients[1].post("/sign-in", data={"email": "shared@example.org",
                                                 "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    # The counters must live in Redis itself, where every server host can see them.
    store = redis.Redis.from_url(REDIS_URL)
    keys = store.keys(f"*{prefix}*")
    assert keys, "no rate-limit counters were written to Redis"
    store.delete(*keys)
    store.close()
    for server in servers:
        with server.app_context():
            db.engine.dispose()


def test_sign_in_keeps_working_when_redis_is_down(tmp_path, caplog):
    from lms.auth.models import Role

    app = build_test_app(f"sqlite:///{tmp_path / 'db.sqlite3'}",
                         RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                         LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        make_user(Role.TRAINEE, "calm@example.org", "Calm Person")
        db.session.commit()
    client = app.test_client()
    with caplog.at_level("WARNING"):
        token = csrf_token(client, "/sign-in")
        response = client.post("/sign-in", data={"email": "calm@example.org",
                                                 "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert any("fall" in record.getMessage().lower() or "redis" in record.getMessage().lower()
               or "storage" in record.getMessage().lower() for record in caplog.records)
    # The per-process fallback still limits guessing.
    client = app.test_client()
    statuses = []
    for _ in range(4):
        token = csrf_token(client, "/sign-in")
        statuses.append(client.post("/sign-in", data={
            "email": "calm@example.org", "password": "wrong guess here",
            "csrf_token": token}).status_code)
    assert 429 in statuses
    with app.app_context():
        db.engine.dispose()


@requires_redis
def test_two_servers_share_the_verify_lookup_budget_through_redis(tmp_path):
    assert REDIS_URL, "LMS_TEST_REDIS_URL must be set in CI"
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    prefix = f"lantern-test-{secrets.token_hex(4)}"
    servers = [build_test_app(database, RATELIMIT_STORAGE_URI=REDIS_URL,
                              RATELIMIT_KEY_PREFIX=prefix) for _ in range(2)]
    # The limiter object is shared by every app in this process; an earlier test may have left
    # it on its in-memory fallback (storage down). These servers have Redis.
    from lms.extensions import limiter

    limiter._storage_dead = False
    with servers[0].app_context():
        db.create_all()
    first, second = (server.test_client() for server in servers)
    statuses = [first.get("/verify/not-a-code").status_code for _ in range(10)]
    statuses += [second.get("/credentials/not-a-code.json").status_code for _ in range(10)]
    assert statuses == [404] * 20
    assert first.get("/verify/not-a-code.json").status_code == 429
    assert second.get("/verify/not-a-code").status_code == 429
    # Flask-Limiter keeps the first key prefix it was given in this process, so look by scope.
    store = redis.Redis.from_url(REDIS_URL)
    keys = store.keys("*certificate-lookups*")
    assert keys, "no look-up counters were written to Redis"
    store.delete(*keys)
    store.close()
    for server in servers:
        with server.app_context():
            db.engine.dispose()
