"""The app factory's settings and start-up refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lms import ConfigError, create_app

ROOT = Path(__file__).resolve().parent.parent


def test_production_without_secret_key_refuses(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY is not set"):
        create_app({"LMS_ENV": "production"})


def test_development_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    first = create_app({"LMS_ENV": "development"}).config["SECRET_KEY"]
    second = create_app({"LMS_ENV": "development"}).config["SECRET_KEY"]
    assert first == second
    assert len(first) >= 40
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize("url", ["not a url", "mysql://root@localhost/x", "postgresql://:bad:port"])
def test_malformed_database_url_refuses(monkeypatch, tmp_path, url):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_DATABASE_URL", url)
    with pytest.raises(ConfigError, match="LMS_DATABASE_URL"):
        create_app({"LMS_ENV": "development"})


def test_postgres_url_uses_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://lantern@db.internal/lantern")
    app = create_app({"LMS_ENV": "development"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_https_base_url_makes_cookies_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_BASE_URL", "https://lantern.example.org/")
    app = create_app({"LMS_ENV": "development"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["LMS_BASE_URL"] == "https://lantern.example.org"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_redis_url_selects_redis_rate_limit_storage(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app({"LMS_ENV": "development"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_sqlite_file_database_uses_wal_and_foreign_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    app = create_app({"LMS_ENV": "development"})
    from lms.extensions import db

    with app.app_context():
        assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("lantern.sqlite3")
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _run_wsgi(env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "LMS_INSTANCE_PATH": str(tmp_path), **env_overrides}
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_bad_settings_stop_startup_with_one_line(tmp_path):
    result = _run_wsgi({"LMS_ENV": "production"}, tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("Lantern cannot start: LMS_SECRET_KEY is not set")

    result = _run_wsgi({"LMS_DATABASE_URL": "::nonsense::"}, tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "LMS_DATABASE_URL is not a database URL" in result.stderr


def test_production_needs_an_https_base_url(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_MAIL_URL", "none")
    settings = {"LMS_ENV": "production", "SECRET_KEY": "x" * 48}
    monkeypatch.setenv("LMS_BASE_URL", "http://lantern.example.org")
    with pytest.raises(ConfigError, match="production needs an https:// address"):
        create_app(settings)
    monkeypatch.setenv("LMS_BASE_URL", "https://lantern.example.org")
    from lms.certification.credentials.keys import generate_key_file

    generate_key_file(str(tmp_path / "signing_key.pem"))
    monkeypatch.setenv("LMS_SIGNING_KEY", str(tmp_path / "signing_key.pem"))
    config = create_app(settings).config
    assert config["SESSION_COOKIE_SECURE"] and config["PREFERRED_URL_SCHEME"] == "https"


def test_production_needs_lms_base_url_set(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LMS_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="LMS_BASE_URL is not set"):
        create_app({"LMS_ENV": "production", "SECRET_KEY": "x" * 48})
