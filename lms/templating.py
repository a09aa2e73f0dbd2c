"""Jinja helpers for every template: one date format, one duration format, and labels."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from markupsafe import Markup

from lms.certification.codes import format_code
from lms.markdown import render_user_markdown, without_bidi_controls
from lms.practice import labels
from lms.timezones import format_datetime, format_time, local_date
from lms.wording import opens_again


def format_date(value: date | datetime | None) -> str:
    """Format a date the same way everywhere, e.g. 3 March 2026 (moments in the viewer's zone)."""
    if value is None:
        return ""
    value = local_date(value)
    return f"{value.day} {value:%B %Y}"


def format_duration(minutes: int | None) -> str:
    """Format minutes the same way everywhere: '1 h 30 min', '45 min' or '2 h'."""
    hours, rest = divmod(int(minutes or 0), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def masked_email(address: str) -> str:
    """Return the address with its name part hidden, for pages anyone holding a link can open."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else "•••"


def capitalize_first(text: str) -> str:
    """Capitalise only the first letter, leaving names and acronyms as they are."""
    return text[:1].upper() + text[1:]


def user_markdown(text: str | None) -> Markup:
    """Render a person's Markdown safely (no raw HTML; sanitized by nh3)."""
    return Markup(render_user_markdown(text or ""))


def percent(part: int, whole: int) -> int:
    """Return part of whole as a whole percentage, capped at 100."""
    return 100 if whole <= 0 else min(100, round(100 * part / whole))


def init_templating(app: Flask) -> None:
    """Register the app-wide filters and globals."""
    app.jinja_env.filters.update({
        "date": format_date,
        "datetime": format_datetime,
        "time": format_time,
        "duration": format_duration,
        "masked_email": masked_email,
        "opens_again": opens_again,
        "capitalize_first": capitalize_first,
        "certificate_code": format_code,
        "user_markdown": user_markdown,
        # Comments and notes people typed: shown without characters that reorder the page.
        "user_text": without_bidi_controls,
        "topic_label": labels.topic_label,
    })
    app.jinja_env.globals.update({
        "percent": percent,
        "practice_state": labels.state_label,
        "entry_labels": labels.entry_labels,
        "competency_names": labels.competency_names,
        "modality_label": labels.modality_label,
    })
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
