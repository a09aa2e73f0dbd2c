"""Flask extensions, created unbound and initialised in the factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import click
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CursorResult, Executable, MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base whose constraint names are deterministic for Alembic."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)


def execute_dml(statement: Executable) -> CursorResult[Any]:
    """Run an UPDATE or DELETE in the session; its result says how many rows it changed."""
    return cast(CursorResult[Any], db.session.execute(statement))


class _DeferredMigrateConfig:
    """Stands in for Flask-Migrate's app.extensions["migrate"] until something reads it."""

    def __init__(self, database: SQLAlchemy, directory: str) -> None:
        self._database, self._directory = database, directory
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            from flask_migrate import Migrate, _MigrateConfig

            self._real = _MigrateConfig(Migrate(db=self._database, directory=self._directory),
                                        self._database)
        return getattr(self._real, name)


class _DeferredMigrateCommands(click.Group):
    """`flask db ...`: Flask-Migrate's command group, loaded when the command runs."""

    def _real(self) -> click.Group:
        from flask_migrate.cli import db as commands

        return cast(click.Group, commands)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        # The real group runs from here on: its options (-d, -x) and its callback.
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)


class DeferredMigrate:
    """Flask-Migrate without importing it (Alembic and Mako, about 11 MB) in app workers.

    Workers never migrate; `flask db ...`, flask_migrate.upgrade() and the migrations' env.py
    get the real objects on first use (docs/performance.md, worker memory).
    """

    def init_app(self, app: Flask, database: SQLAlchemy, directory: str) -> None:
        """Register `flask db` and the migrations' configuration, both deferred."""
        app.extensions["migrate"] = _DeferredMigrateConfig(database, directory)
        app.cli.add_command(_DeferredMigrateCommands("db", help="Perform database migrations."))


migrate = DeferredMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)

if TYPE_CHECKING:
    Model = Base
else:
    # db.Model keeps Flask-SQLAlchemy's automatic table names; mypy cannot follow it.
    Model = db.Model
