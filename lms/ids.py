"""Numbers from URLs and forms: ASCII digits that fit a database integer, or nothing."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter, Map

#: The largest value of an SQL INTEGER column on PostgreSQL (SQLite's limit is higher).
MAX_ID = 2**31 - 1
#: Pages past this are empty anyway; the bound keeps OFFSET inside a 64-bit integer.
MAX_PAGE = 1_000_000


def parse_id(value: str | None) -> int | None:
    """Return the positive integer written in ASCII digits, or None if it is not one that fits."""
    # str.isdigit() also accepts "²" and other digits that int() refuses.
    if not value or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def coerce_id(value: object) -> int:
    """Coerce a chosen record's id for a form's select field, raising ValueError if it is odd."""
    # int() would read "١" (Arabic-Indic one) as 1, and a 5,000-digit string raises a
    # message about digit limits that means nothing to the person choosing.
    number = parse_id(str(value))
    if number is None:
        raise ValueError(f"not an id: {str(value)[:20]!r}")
    return number


def requested_page() -> int:
    """Return the ?page= number, 1 when it is missing or not a sensible page number."""
    page = parse_id(request.args.get("page"))
    return min(page, MAX_PAGE) if page else 1


class DatabaseIdConverter(IntegerConverter):
    """The app's <int:...> URL part: too large a number is a 404, not a database error."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
