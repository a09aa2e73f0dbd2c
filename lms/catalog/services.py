"""The catalog's public entry points: the loaded content, loading it, and checking a path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import current_app

from lms.catalog.content import Catalog, ContentError, Edition
from lms.catalog.editions import LOCK_NAME, PublishError, append_to_lock
from lms.catalog.loader import collect as check_path
from lms.catalog.loader import load_catalog
from lms.catalog.quiz_checks import warn_path

__all__ = [
    "Catalog",
    "ContentError",
    "PublishError",
    "check_path",
    "get_catalog",
    "load_catalog",
    "publish_next_edition",
    "warn_path",
]


def get_catalog() -> Catalog:
    """Return the course content loaded at start-up."""
    catalog: Catalog = current_app.extensions["lantern.catalog"]
    return catalog


def publish_next_edition(folder: Path, today: date) -> Edition:
    """Publish a program folder's first unpublished edition by adding it to editions.lock."""
    if not (folder / "program.yaml").is_file():
        raise PublishError(f"{folder} is not a program folder: it has no program.yaml.")
    problems = check_path(folder)
    if problems:
        listed = "\n".join(str(problem) for problem in problems)
        raise PublishError(f"Fix these problems first; nothing was published:\n{listed}")
    program = load_catalog(folder.parent).program(folder.name)
    draft = next((edition for edition in program.editions if not edition.published), None)
    if draft is None:
        raise PublishError("Every edition is already published. To change the requirements, "
                           "add a new edition at the end of 'editions:' and publish that.")
    append_to_lock(folder / LOCK_NAME, f"{draft.number} {today.isoformat()} {draft.fingerprint}")
    return draft
