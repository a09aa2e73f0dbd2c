"""Jinja helpers shared by every template."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from lms.certification.codes import format_code
from lms.wording import opens_again


def format_date(value: date | datetime | None) -> str:
    """Format a date the same way everywhere, e.g. 23 November 2026."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def format_hours(minutes: int | None) -> str:
    """Format minutes as hours and minutes, e.g. 1 hour 30 minutes."""
    minutes = minutes or 0
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def masked_email(address: str) -> str:
    """Return the address with its name part hidden, for pages anyone holding a link can open."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else "•••"


def capitalize_first(text: str) -> str:
    """Capitalise only the first letter, leaving names and acronyms as they are."""
    return text[:1].upper() + text[1:]


def init_templating(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["hours"] = format_hours
    app.jinja_env.filters["masked_email"] = masked_email
    app.jinja_env.filters["opens_again"] = opens_again
    app.jinja_env.filters["capitalize_first"] = capitalize_first
    app.jinja_env.filters["certificate_code"] = format_code
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
