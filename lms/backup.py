"""Online backup and restore of the SQLite database (PostgreSQL uses pg_dump)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason."""


def sqlite_path(database_url: str) -> Path:
    """Return the SQLite file behind a database URL, or explain why there is none."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError("backup and restore work on SQLite; for PostgreSQL use pg_dump and "
                          "pg_restore as docs/deploy.md describes")
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(url.database)


def backup(database_url: str, target: Path) -> int:
    """Copy the live database to target with SQLite's online backup API; return its pages."""
    source_path = sqlite_path(database_url)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_path)
    destination = sqlite3.connect(target)
    try:
        # The online backup copies a consistent snapshot while the app keeps serving.
        source.backup(destination)
        pages = destination.execute("PRAGMA page_count").fetchone()[0]
        check = destination.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the backup failed its integrity check: {check}")
    finally:
        destination.close()
        source.close()
    return pages


def restore(database_url: str, source_file: Path) -> None:
    """Replace the live database's contents with a backup, checking the backup first."""
    target_path = sqlite_path(database_url)
    if not source_file.is_file():
        raise BackupError(f"{source_file} does not exist")
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    try:
        try:
            check = source.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source_file} is not a SQLite database ({error}); "
                              "nothing was restored") from None
        if check != "ok":
            raise BackupError(f"{source_file} is damaged ({check}); nothing was restored")
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            raise BackupError(f"{source_file} is not a Lantern database; nothing was restored")
        destination = sqlite3.connect(target_path)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
