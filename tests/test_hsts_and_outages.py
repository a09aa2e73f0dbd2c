"""HSTS over https, JSON answers and Retry-After when the database is down, and the settings."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lms import ConfigError
from lms.certification.codes import format_code, new_code
from lms.config import HSTS_DEFAULT_MAX_AGE
from lms.extensions import db
from tests.conftest import build_test_app

ROOT = Path(__file__).resolve().parent.parent


def test_an_https_base_url_sends_strict_transport_security(tmp_path):
    app = build_test_app(f"sqlite:///{tmp_path / 'https.db'}",
                         LMS_BASE_URL="https://lantern.example.org")
    for url in ("/sign-in", "/no-such-page", "/healthz"):
        headers = app.test_client().get(url, base_url="https://localhost").headers
        assert headers["Strict-Transport-Security"] == f"max-age={HSTS_DEFAULT_MAX_AGE}"


def test_the_hsts_max_age_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_HSTS_MAX_AGE", "600")
    app = build_test_app(f"sqlite:///{tmp_path / 'https.db'}",
                         LMS_BASE_URL="https://lantern.example.org")
    response = app.test_client().get("/sign-in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=600"


def test_plain_http_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


@pytest.mark.parametrize(("name", "value"), [
    ("LMS_HSTS_MAX_AGE", "a year"), ("LMS_TRUSTED_PROXIES", "-1"),
    ("LMS_TRUSTED_PROXIES", "٣"), ("LMS_LOGIN_ACCOUNT_DELAY", "60"),
])
def test_malformed_security_settings_stop_start_up(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        build_test_app(f"sqlite:///{tmp_path / 'x.db'}")


def test_the_readme_production_example_trusts_one_proxy_and_sends_hsts():
    readme = (ROOT / "README.md").read_text()
    assert "export LMS_TRUSTED_PROXIES=1" in readme
    nginx = re.search(r"```nginx\n(.*?)```", readme, re.S)
    assert nginx and "Strict-Transport-Security" in nginx.group(1)


def test_the_deploy_guide_lists_every_security_setting():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    section = guide[guide.index("## Security"):]
    for name in ("LMS_TRUSTED_PROXIES", "LMS_HSTS_MAX_AGE", "LMS_LOGIN_RATE_LIMIT",
                 "LMS_LOGIN_PAIR_RATE_LIMIT", "LMS_LOGIN_ACCOUNT_THRESHOLD",
                 "LMS_LOGIN_ACCOUNT_DELAY", "LMS_BASE_URL", "LMS_SECRET_KEY", "LMS_REDIS_URL"):
        assert f"`{name}`" in section, f"{name} is missing from the security section"


def _unreachable_apps(tmp_path):
    """Yield apps whose database cannot be reached: SQLite, and PostgreSQL when tested."""
    yield build_test_app(f"sqlite:///{tmp_path / 'missing-folder' / 'db.sqlite3'}",
                         PROPAGATE_EXCEPTIONS=False)
    if os.environ.get("LMS_TEST_DATABASE_URL"):
        yield build_test_app("postgresql://nobody@127.0.0.1:1/nothing",
                             PROPAGATE_EXCEPTIONS=False)


#: A well-formed code (its check character holds), so the look-up reaches the database.
CODE = format_code(new_code())


@pytest.mark.parametrize("url", [f"/verify/{CODE}.json", f"/credentials/{CODE}.json",
                                 "/credentials/status/revocation.json", "/issuer", "/healthz"])
def test_json_routes_answer_json_when_the_database_is_down(tmp_path, url):
    for app in _unreachable_apps(tmp_path):
        response = app.test_client().get(url)
        assert response.status_code == 503, url
        assert response.is_json, f"{url} answered {response.mimetype}"
        assert response.headers["Retry-After"] == "30"
        with app.app_context():
            db.engine.dispose()


def test_pages_answer_503_with_retry_after_when_the_database_is_down(tmp_path):
    for app in _unreachable_apps(tmp_path):
        client = app.test_client()
        with client.session_transaction() as session:
            # A well-formed cookie (id:stamp:key), so the loader has to ask the database.
            session["_user_id"] = "1:stampstamp:" + "k" * 43
        response = client.get("/")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "briefly unavailable" in response.get_data(as_text=True)
        with app.app_context():
            db.engine.dispose()


def test_an_aborted_503_carries_retry_after(tmp_path):
    from flask import abort

    app = build_test_app(f"sqlite:///{tmp_path / 'x.db'}")

    @app.get("/test-maintenance")
    def maintenance() -> str:
        abort(503)

    response = app.test_client().get("/test-maintenance")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
