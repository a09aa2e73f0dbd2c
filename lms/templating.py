"""Jinja helpers shared by every template."""

from __future__ import annotations

from datetime import datetime

from flask import Flask


def format_date(value: datetime | None) -> str:
    """Format a date the same way everywhere, e.g. 23 November 2026."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def init_templating(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
