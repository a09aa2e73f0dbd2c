"""Times shown in the viewer's own time zone, with the zone named."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app, has_app_context, has_request_context

DEFAULT_ZONE = "UTC"


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Return every IANA zone name this machine knows (tzdata backs it up)."""
    return frozenset(available_timezones())


def is_zone(name: str) -> bool:
    """Return whether a name is a zone in the IANA database, e.g. "Europe/Berlin"."""
    return name in zone_names()


def common_zones() -> list[str]:
    """Return zone names for a chooser: Region/City names and UTC, alphabetical."""
    regions = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/",
               "Europe/", "Indian/", "Pacific/")
    return ["UTC", *sorted(name for name in zone_names() if name.startswith(regions))]


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def viewer_zone_name() -> str:
    """Return the signed-in person's zone, else the instance default (LMS_TIME_ZONE)."""
    if has_request_context():
        from flask_login import current_user

        chosen = getattr(current_user, "time_zone", None)
        if chosen:
            return str(chosen)
    if has_app_context():
        return str(current_app.config.get("LMS_TIME_ZONE") or DEFAULT_ZONE)
    return DEFAULT_ZONE


def to_viewer(moment: datetime, zone: str | None = None) -> datetime:
    """Return an aware moment in the viewer's zone (or the zone given)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(zone or viewer_zone_name()))


def format_time(moment: datetime, zone: str | None = None) -> str:
    """Return the clock time with its zone named, e.g. "14:05 (Europe/Berlin)"."""
    name = zone or viewer_zone_name()
    return f"{to_viewer(moment, name):%H:%M} ({name})"


def format_datetime(moment: datetime | None, zone: str | None = None) -> str:
    """Return a date and time in the viewer's zone, e.g. "6 December 2026, 14:05 (UTC)"."""
    if moment is None:
        return ""
    name = zone or viewer_zone_name()
    local = to_viewer(moment, name)
    return f"{local.day} {local:%B %Y}, {local:%H:%M} ({name})"


def local_date(value: date | datetime) -> date:
    """Return the viewer's calendar date for a moment; plain dates stay as they are."""
    if isinstance(value, datetime):
        return to_viewer(value).date()
    return value
