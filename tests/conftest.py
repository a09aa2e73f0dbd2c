"""Shared fixtures: one app per database, each test isolated in a rolled-back transaction."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from lms import create_app
from lms.auth.models import Role, User
from lms.extensions import db, limiter
from tests.factories import make_user

DATABASES = {"sqlite": None}
if os.environ.get("LMS_TEST_DATABASE_URL"):
    DATABASES["postgresql"] = os.environ["LMS_TEST_DATABASE_URL"]

PASSWORD = "a calm river at dusk"


class ManualClock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let time pass."""
        self.now += seconds


def pytest_configure(config: pytest.Config) -> None:
    """In CI, refuse to run without PostgreSQL and Redis rather than skip their tests."""
    if os.environ.get("LMS_REQUIRE_ALL_SUITES"):
        missing = [name for name in ("LMS_TEST_DATABASE_URL", "LMS_TEST_REDIS_URL")
                   if not os.environ.get(name)]
        if missing:
            raise pytest.UsageError(f"LMS_REQUIRE_ALL_SUITES is set but {missing} are not")


def build_test_app(database_url: str, **overrides: Any) -> Flask:
    """Create an app configured for tests on the given database."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LMS_BASE_URL": "http://localhost",
        "SERVER_NAME": "localhost",
    }
    config.update(overrides)
    app = create_app(config)
    # The identity cache trusts an entry for 5 s of this clock: query counts and tests of the
    # bound must not depend on how fast the machine runs. Tests move it with `.advance()`.
    app.extensions["lantern.identities"].clock = ManualClock()
    app.extensions["lantern.verify_cache"].clock = ManualClock()
    return app


@pytest.fixture(scope="session", params=list(DATABASES))
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """Return an app whose schema exists once per session, on SQLite and PostgreSQL."""
    url = DATABASES[request.param] or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    app = build_test_app(url)
    app.config["TEST_DATABASE"] = request.param
    with app.app_context():
        if request.param == "sqlite":
            # Let SQLAlchemy emit BEGIN itself so SAVEPOINTs work on pysqlite (style.md §11).
            @event.listens_for(db.engine, "connect")
            def _no_pysqlite_transactions(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None

            @event.listens_for(db.engine, "begin")
            def _emit_begin(connection: Any) -> None:
                connection.exec_driver_sql("BEGIN")

        db.session.session_factory.configure(join_transaction_mode="create_savepoint")
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context() -> Iterator[None]:
    """Stop pytest-flask sharing one request context (and one db.session) across requests."""
    yield


@pytest.fixture(autouse=True)
def _db_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each database test inside one outer transaction that is rolled back."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    limiter.reset()
    with app.app_context():
        engines = db.engines
    saved = []
    for key, engine in engines.items():
        connection = engine.connect()
        transaction = connection.begin()
        engines[key] = connection
        saved.append((key, engine, connection, transaction))
    yield
    for key, engine, connection, transaction in saved:
        transaction.rollback()
        connection.close()
        engines[key] = engine


@pytest.fixture
def runner(app: Flask) -> Any:
    """Return a CLI runner for `flask lms ...` commands."""
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    """Push an app context for tests that use the database directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    """Create one joined person per role, the supervisor assigned; return their ids by role."""
    from lms.admin.services import assign_supervisor
    from lms.learning.services import enroll

    # Its own app context, closed again: a context left pushed would be shared by every
    # test-client request (style.md §11) and hide a missing commit.
    with app.app_context():
        admin = make_user(Role.ADMIN, "admin@example.org", "Alex Admin")
        supervisor = make_user(Role.SUPERVISOR, "supervisor@example.org", "Sam Supervisor")
        trainee = make_user(Role.TRAINEE, "trainee@example.org", "Jordan Trainee")
        assign_supervisor(trainee, supervisor, admin)
        enroll(trainee, "foundations")
        db.session.commit()
        ids = {"admin": admin.id, "supervisor": supervisor.id, "trainee": trainee.id}
        db.session.remove()
    return ids


def get_user(user_id: int) -> User:
    """Load a person inside the current app context."""
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def csrf_token(client: FlaskClient, url: str) -> str:
    """Return the CSRF token from the form on a page."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture
def sign_in(client: FlaskClient) -> Callable[[str], Any]:
    """Return a helper that signs the client in as the person with this e-mail."""

    def _sign_in(email: str, password: str = PASSWORD) -> Any:
        token = csrf_token(client, "/sign-in")
        return client.post("/sign-in", data={"email": email, "password": password,
                                             "csrf_token": token})

    return _sign_in


@pytest.fixture(scope="session")
def second_app(app: Flask) -> Iterator[Flask]:
    """Return a second app object on the same database: another app server."""
    other = build_test_app(app.config["SQLALCHEMY_DATABASE_URI"])
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def servers(app: Flask, second_app: Flask) -> Iterator[tuple[Flask, Flask]]:
    """Let the second app share this test's transaction, as two servers share one database."""
    with app.app_context():
        connection = db.engines[None]
    with second_app.app_context():
        engines = db.engines
    saved = engines[None]
    engines[None] = connection
    yield app, second_app
    engines[None] = saved
