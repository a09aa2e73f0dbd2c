"""Migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from lms.extensions import db
from tests.conftest import build_test_app


def _databases(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'migrated.db'}"
    if os.environ.get("LMS_TEST_DATABASE_URL"):
        yield "postgresql", os.environ["LMS_TEST_DATABASE_URL"]


@pytest.fixture
def scratch_postgres_schema():
    """Give PostgreSQL migrations an empty schema of their own, dropped afterwards."""
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        yield None
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
    yield url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dmigration_check"
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
    engine.dispose()


def test_migrations_match_models_and_downgrade_cleanly(tmp_path, scratch_postgres_schema):
    urls = [f"sqlite:///{tmp_path / 'migrated.db'}"]
    if scratch_postgres_schema:
        urls.append(scratch_postgres_schema)
    for url in urls:
        app = build_test_app(url)
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
            assert differences == [], f"{url}: models and migrations differ: {differences}"
            downgrade(revision="base")
            upgrade()
            db.engine.dispose()
