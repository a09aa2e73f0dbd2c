"""Health check, request logging, database outages, and SQLite backup and restore."""

from __future__ import annotations

import logging

from sqlalchemy import select

from lms.auth.models import Role, User
from lms.extensions import db
from tests.conftest import build_test_app
from tests.factories import make_user


def test_healthz_reports_the_database(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_database_outage_gets_a_friendly_503(tmp_path):
    broken = build_test_app(f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}",
                            PROPAGATE_EXCEPTIONS=False)
    client = broken.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "unreachable"
    with client.session_transaction() as session:
        # Well formed, so the identity has to be looked up in the (unreachable) database.
        session["_user_id"] = f"1:{'s' * 22}:{'k' * 43}"
    page = client.get("/")
    assert page.status_code == 503
    body = page.get_data(as_text=True)
    assert "briefly unavailable" in body and "Traceback" not in body
    with broken.app_context():
        db.engine.dispose()


def test_each_request_logs_one_line_without_personal_data(app, people, client, sign_in):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("lantern.requests")
    logger.addHandler(handler)
    try:
        sign_in("trainee@example.org")
        response = client.get("/invite/secret-token-value", headers={"X-Request-ID": "abc12345"})
    finally:
        logger.removeHandler(handler)
    lines = [record.getMessage() for record in records]
    assert any("request_id=abc12345" in line and "endpoint=auth.join" in line for line in lines)
    assert response.headers["X-Request-ID"] == "abc12345"
    assert len(lines) == 3  # GET sign-in, POST sign-in, GET invite: one line each
    for line in lines:
        assert "trainee@example.org" not in line and "secret-token-value" not in line


def test_backup_and_restore_round_trip(tmp_path):
    app = build_test_app(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    runner = app.test_cli_runner()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        make_user(Role.ADMIN, "kept@example.org", "Kept Person")
        db.session.commit()
    result = runner.invoke(args=["lms", "backup", str(tmp_path / "backup.sqlite3")])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["lms", "backup", str(tmp_path / "backup.sqlite3")])
    assert again.exit_code != 0 and "already exists" in again.output
    with app.app_context():
        make_user(Role.TRAINEE, "later@example.org", "Added Later")
        db.session.commit()
    result = runner.invoke(args=["lms", "restore", "--yes", str(tmp_path / "backup.sqlite3")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        emails = db.session.scalars(select(User.email).order_by(User.email)).all()
        assert emails == ["kept@example.org"]
        db.engine.dispose()
    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_text("hello")
    result = runner.invoke(args=["lms", "restore", "--yes", str(bad)])
    assert result.exit_code != 0 and "nothing was restored" in result.output


def test_backup_refuses_postgresql():
    from lms.backup import BackupError, sqlite_path

    try:
        sqlite_path("postgresql+psycopg://x@localhost/y")
    except BackupError as error:
        assert "pg_dump" in str(error)
    else:
        raise AssertionError("PostgreSQL backups must be refused with a pointer to pg_dump")
