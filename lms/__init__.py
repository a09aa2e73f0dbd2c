"""Lantern: train and certify mental-health peer supporters."""

from __future__ import annotations

import os
import sqlite3
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms.catalog.services import ContentError, load_catalog
from lms.config import ROOT, ConfigError, build_config
from lms.extensions import csrf, db, limiter, login_manager, migrate

__all__ = ["ConfigError", "ContentError", "create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Lantern app; raise ConfigError or ContentError saying what is wrong."""
    instance_path = Path(os.environ.get("LMS_INSTANCE_PATH", ROOT / "instance")).resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(build_config(instance_path, config))
    _configure_mail(app, config or {})
    instance_path.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)

    # Content is loaded, checked and rendered once here; broken content stops start-up.
    app.extensions["lantern.catalog"] = load_catalog(
        Path(app.config["LMS_COURSES_DIR"]),
        module_url=lambda program, module: f"/programs/{program}/{module}",
    )

    from lms.account import views as account_views
    from lms.admin import views as admin_views
    from lms.assets import init_assets
    from lms.auth import views as auth_views
    from lms.certification import views as certification_views
    from lms.certification.services import certificates_expiring
    from lms.certification.signing import init_signing
    from lms.certification.verify_cache import init_verify_cache
    from lms.cli import lms_cli
    from lms.cohorts import views as cohorts_views
    from lms.errors import init_errors
    from lms.ids import DatabaseIdConverter
    from lms.learning import views as learning_views
    from lms.main import views as main_views
    from lms.notifications import views as notifications_views
    from lms.notifications.cli import outbox_cli
    from lms.notifications.inline import init_inline_delivery
    from lms.notifications.scheduling import ScheduleSources, init_schedules
    from lms.operations import init_operations
    from lms.practice import views as practice_views
    from lms.practice.services import review_backlog
    from lms.ratelimits import skip_idle_limit_check, steady_memory_storage
    from lms.reports import views as reports_views
    from lms.security import init_security
    from lms.templating import init_templating

    init_signing(app)
    init_verify_cache(app)
    # Before any route is added: every <int:...> then refuses numbers no table can hold.
    app.url_map.converters["int"] = DatabaseIdConverter
    # A feature's <topic>_views modules add their routes to the blueprint in its views.py.
    import lms.auth.second_factor_views  # noqa: F401
    import lms.certification.api_views  # noqa: F401
    import lms.certification.oid4vci_views  # noqa: F401
    import lms.certification.verify_views  # noqa: F401
    import lms.cohorts.import_views  # noqa: F401
    import lms.notifications.password_views  # noqa: F401
    import lms.practice.oversight_views  # noqa: F401
    import lms.practice.review_views  # noqa: F401

    for views in (main_views, auth_views, admin_views, cohorts_views, reports_views,
                  learning_views, practice_views, certification_views, notifications_views,
                  account_views):
        app.register_blueprint(views.bp)
    skip_idle_limit_check(app)
    steady_memory_storage()
    lms_cli.add_command(outbox_cli)
    app.cli.add_command(lms_cli)
    init_inline_delivery(app)
    # Certification and practice queue mail through notifications, so they are wired in here.
    init_schedules(app, ScheduleSources(certificates_expiring, review_backlog))
    init_errors(app)
    init_operations(app)
    init_security(app)
    init_templating(app)
    init_assets(app)
    _fresh_connections_after_fork(app)
    return app


def _configure_mail(app: Flask, overrides: Mapping[str, Any]) -> None:
    """Add the validated mail settings (LMS_MAIL_URL and friends) to the config."""
    from lms.notifications.settings import MailSettingError, mail_config

    try:
        app.config.update(mail_config(os.environ, overrides, app.config["LMS_ENV"],
                                      Path(app.instance_path), app.config["LMS_BASE_URL"]))
    except MailSettingError as error:
        raise ConfigError(str(error)) from None


def _fresh_connections_after_fork(app: Flask) -> None:
    """Let each forked worker (gunicorn --preload) open its own database connections."""
    reference = weakref.ref(app)

    def forget_inherited_connections() -> None:
        forked = reference()
        if forked is None:
            return
        with forked.app_context():
            for engine in db.engines.values():
                # close=False: the parent's connections stay the parent's (SQLAlchemy's advice).
                engine.dispose(close=False)

    os.register_at_fork(after_in_child=forget_inherited_connections)


def _init_login(app: Flask) -> None:
    from lms.auth.loader import init_identity

    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    # Flask-Login's "basic" protection only marks a session no longer fresh when the address
    # or browser changes, and Lantern never asks for a fresh sign-in: a session is ended on the
    # server (lms/auth/sessions.py). It hashed two headers on every request for nothing.
    login_manager.session_protection = None
    init_identity(app, app.config["LMS_IDENTITY_CACHE_SECONDS"])


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Turn on foreign keys, WAL and a busy timeout for every SQLite connection."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 15000")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:
        # In-memory databases cannot use WAL; file databases always do.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
