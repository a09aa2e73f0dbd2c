"""The catalog's public entry points: the loaded content, loading it, and checking a path."""

from __future__ import annotations

from flask import current_app

from lms.catalog.content import Catalog, ContentError
from lms.catalog.loader import collect as check_path
from lms.catalog.loader import load_catalog
from lms.catalog.quiz_checks import warn_path

__all__ = ["Catalog", "ContentError", "check_path", "get_catalog", "load_catalog", "warn_path"]


def get_catalog() -> Catalog:
    """Return the course content loaded at start-up."""
    catalog: Catalog = current_app.extensions["lantern.catalog"]
    return catalog
