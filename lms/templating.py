"""Jinja helpers for every template: one date format, one duration format, and labels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask import Flask, request, url_for
from markupsafe import Markup, escape

from lms.certification.codes import format_code
from lms.markdown import render_user_markdown, without_bidi_controls
from lms.practice import labels
from lms.security import kept_csrf_token
from lms.timezones import format_datetime, format_time, local_date
from lms.wording import opens_again

LAYOUT_URLS_KEPT = 256


def format_date(value: date | datetime | None) -> str:
    """Format a date the same way everywhere, e.g. 3 March 2026 (moments in the viewer's zone)."""
    if value is None:
        return ""
    return _format_day(local_date(value))


@lru_cache(maxsize=1024)
def _format_day(day: date) -> str:
    # strftime's %B is the slow part, and a page of entries formats the same few days.
    return f"{day.day} {day:%B %Y}"


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


@lru_cache(maxsize=2048)
def plain_text(text: str | None) -> str:
    """Return a person's Markdown as plain text for an excerpt (pure, so kept per process)."""
    return user_markdown(text).striptags()


def percent(part: int, whole: int) -> int:
    """Return part of whole as a whole percentage, capped at 100."""
    return 100 if whole <= 0 else min(100, round(100 * part / whole))


def layout_urls(app: Flask) -> Callable[..., str]:
    """Return a url_for for the layout's links that remembers each URL per mount point.

    The layout links to the same dozen pages on every request, and url_for costs about 5 µs
    each. Debug mode remembers nothing, so edited static files get their new hash at once.
    """
    known: dict[tuple[str, str, tuple[tuple[str, Any], ...]], str] = {}

    def layout_url(endpoint: str, **values: Any) -> str:
        key = (request.script_root, endpoint, tuple(sorted(values.items())))
        url = known.get(key)
        if url is None:
            url = url_for(endpoint, **values)
            # A proxy may pass any prefix: only a few mount points are ever remembered.
            if not app.debug and len(known) < LAYOUT_URLS_KEPT:
                known[key] = url
        return url

    return layout_url


#: Stands in a kept header for the session's CSRF token, the one part that is the person's own.
_TOKEN_MARK = "@@lantern-csrf-token@@"
SITE_HEADERS_KEPT = 512


def site_headers(app: Flask) -> Callable[[Any], Markup]:
    """Return the layout's header for the signed-in person, rendered once per role and page.

    The header (brand, navigation with the current page marked, the sign-out button) depends
    only on the mount point, the person's role and the endpoint, yet rendering it was about
    150 µs of every page. The sign-out button's CSRF token is put in on every request, so no
    person ever sees another's. Debug mode keeps nothing, so edited templates show at once.
    """
    kept: dict[tuple[str, str | None, str], str] = {}

    def site_header(user: Any) -> Markup:
        role = user.role.value if user is not None and user.is_authenticated else None
        key = (request.script_root, role, request.endpoint or "")
        html = kept.get(key)
        if html is None:
            html = app.jinja_env.get_template("_site_header.html").render(
                role=role, endpoint=key[2], csrf_token=lambda: _TOKEN_MARK)
            if not app.debug and len(kept) < SITE_HEADERS_KEPT:
                kept[key] = html
        if role is None:
            return Markup(html)
        return Markup(html.replace(_TOKEN_MARK, str(escape(kept_csrf_token()))))

    return site_header


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
        "plain_text": plain_text,
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
        "layout_url": layout_urls(app),
        "site_header": site_headers(app),
    })
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
