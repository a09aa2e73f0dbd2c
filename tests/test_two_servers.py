"""Two app servers share one PostgreSQL and one Redis: sessions, limits and certificates."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from tests.e2e.conftest import _free_port
from tests.test_sqlite_concurrency import PASSWORD, Client, _wait_until_up

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("LMS_TEST_DATABASE_URL")
REDIS = os.environ.get("LMS_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not (DATABASE and REDIS) and not os.environ.get("LMS_REQUIRE_ALL_SUITES"),
    reason="needs LMS_TEST_DATABASE_URL and LMS_TEST_REDIS_URL (setup.sh and CI set both)")

SEED = f"""
from lms import create_app
from lms.admin.services import assign_supervisor
from lms.auth.models import Role
from lms.extensions import db
from lms.learning.services import enroll
from tests.certification.records import earn_everything
from tests.factories import make_user
app = create_app()
with app.app_context():
    admin = make_user(Role.ADMIN, "admin@example.org", "Alex Admin", password={PASSWORD!r})
    trainee = make_user(Role.TRAINEE, "trainee@example.org", "Jordan Lee", password={PASSWORD!r})
    supervisor = make_user(Role.SUPERVISOR, "supervisor@example.org", "Sam Okafor",
                           password={PASSWORD!r})
    make_user(Role.TRAINEE, "guessed@example.org", "Guessed Person", password={PASSWORD!r})
    enroll(trainee, "foundations")
    assign_supervisor(trainee, supervisor, admin)
    earn_everything(trainee.id, supervisor.id)
    db.session.commit()
"""


def _reset_limits() -> None:
    """Start from zero sign-in attempts (Redis database 15 belongs to the tests)."""
    assert REDIS
    store = redis.Redis.from_url(REDIS)
    store.flushdb()
    store.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict]]:
    """Start servers A and B on different ports against one schema and one Redis."""
    assert DATABASE and REDIS, "LMS_TEST_DATABASE_URL and LMS_TEST_REDIS_URL must be set in CI"
    folder = tmp_path_factory.mktemp("two-servers")
    schema = f"two_{secrets.token_hex(4)}"
    engine = create_engine(DATABASE)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    key_file = folder / "signing_key.pem"
    subprocess.run([sys.executable, "-c",
                    "from lms.certification.credentials.keys import generate_key_file;"
                    f"generate_key_file({str(key_file)!r})"], cwd=ROOT, check=True)
    ports = [_free_port(), _free_port()]
    env = {**os.environ, "LMS_ENV": "production", "LMS_MAIL_URL": "none",
           "LMS_SECRET_KEY": secrets.token_urlsafe(32),
           "LMS_SIGNING_KEY": str(key_file), "LMS_REDIS_URL": REDIS,
           "LMS_DATABASE_URL": f"{DATABASE}{'&' if '?' in DATABASE else '?'}"
                               f"options=-csearch_path%3D{schema}",
           "LMS_BASE_URL": f"http://127.0.0.1:{ports[0]}", "LMS_INSTANCE_PATH": str(folder),
           "LMS_LOGIN_RATE_LIMIT": "4 per minute", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=env, check=True)
    _reset_limits()
    processes = []
    logs = []
    for port in ports:
        log = (folder / f"server-{port}.log").open("w")
        logs.append(log)
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        for port in ports:
            _wait_until_up(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", env
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        for log in logs:
            log.close()
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def test_a_session_started_on_a_keeps_working_on_b(servers):
    server_a, server_b, _ = servers
    client = Client(server_a, "trainee@example.org")
    client.sign_in()
    assert not client.errors
    client.base = server_b
    status, _, page = client.request("/")
    assert status == 200 and "Hello, Jordan Lee" in page
    status, _, page = client.request("/programs/foundations/active-listening")
    assert status == 200 and "Active listening" in page


def test_sign_in_limits_are_shared_through_redis(servers):
    server_a, server_b, _ = servers
    statuses = []
    for attempt in range(5):
        client = Client(server_a if attempt % 2 == 0 else server_b, "guessed@example.org")
        _, _, page = client.request("/sign-in")
        status, _, _ = client.request("/sign-in", {
            "email": "guessed@example.org", "password": "not the password",
            "csrf_token": client.token(page)})
        statuses.append(status)
    # Five attempts spread over two servers (four worker processes) hit the limit of four a
    # minute only because every process counts in the same Redis.
    assert statuses[0] == 400
    assert statuses[-1] == 429 and statuses.count(400) <= 4


def test_a_certificate_issued_through_a_verifies_and_downloads_through_b(servers):
    import json
    import re

    server_a, server_b, _ = servers
    _reset_limits()
    trainee = Client(server_a, "trainee@example.org")
    trainee.sign_in()
    assert not trainee.errors
    _, _, page = trainee.request("/certificates")
    status, _, page = trainee.request("/certificates/claim", {
        "csrf_token": trainee.token(page), "program": "foundations", "profile": "default"})
    assert status == 200
    found = re.search(r"Your certificate (\w{4}-\w{4}-\w{4}-\w{4}) is ready", page)
    assert found, re.findall(r"<p class=\"flash[^>]*>(.*?)</p>", page)
    code = found.group(1)

    visitor = Client(server_b, "")
    status, _, page = visitor.request(f"/verify/{code}")
    assert status == 200 and "Valid" in page and "Jordan Lee" in page
    status, _, facts = visitor.request(f"/verify/{code}.json")
    assert json.loads(facts)["status"] == "active"

    pdfs = []
    for server in (server_a, server_b):
        trainee.base = server
        opener_response = trainee.opener.open(f"{server}/certificates/{code}.pdf", timeout=30)
        pdfs.append(opener_response.read())
        opener_response.close()
    assert pdfs[0].startswith(b"%PDF-") and pdfs[0] == pdfs[1]


def _copy_of(client: Client, base: str) -> Client:
    """Return a client on another server holding a copy of this client's cookies."""
    import urllib.request

    copy = Client(base, client.email)
    jars = [next(handler.cookiejar for handler in opener.handlers
                 if isinstance(handler, urllib.request.HTTPCookieProcessor))
            for opener in (client.opener, copy.opener)]
    for cookie in jars[0]:
        jars[1].set_cookie(cookie)
    return copy


def test_signing_out_through_a_ends_the_session_on_b_within_five_seconds(servers):
    import time

    from lms.auth.loader import SESSION_ENDED, SESSION_ENDED_ON_SEND

    server_a, server_b, _ = servers
    _reset_limits()
    browser = Client(server_a, "trainee@example.org")
    browser.sign_in()
    assert not browser.errors
    module = "/programs/foundations/active-listening"
    on_b = _copy_of(browser, server_b)
    later = [_copy_of(browser, server_b) for _ in range(4)]
    status, _, page = on_b.request(module)
    assert status == 200 and "Active listening" in page
    _, _, home = browser.request("/")
    browser.request("/sign-out", {"csrf_token": browser.token(home)})
    signed_out_at = time.monotonic()
    # A POST reads the database at once.
    _, url, page = on_b.request(f"{module}/read", {"csrf_token": on_b.token(page)})
    assert "/sign-in" in url and SESSION_ENDED_ON_SEND in page
    # Read-only pages: every worker of B has let go of the session within five seconds.
    time.sleep(max(0.0, 5.0 - (time.monotonic() - signed_out_at)))
    for copy in later:
        _, url, page = copy.request(module)
        assert "/sign-in" in url and SESSION_ENDED in page
