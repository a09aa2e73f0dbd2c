"""Plain phrases for waiting times, shared by pages, flash messages and error pages."""

from __future__ import annotations

from datetime import datetime

from lms.models import utcnow
from lms.timezones import format_time


def wait_in_words(seconds: float) -> str:
    """Return a wait as people say it: "a minute", "about 10 minutes", "about an hour"."""
    if seconds <= 90:
        return "a minute"
    if seconds < 55 * 60:
        return f"about {round(seconds / 60)} minutes"
    if seconds < 90 * 60:
        return "about an hour"
    return f"about {round(seconds / 3600)} hours"


def opens_again(moment: datetime, now: datetime | None = None, zone: str | None = None) -> str:
    """Return when something opens again, relative first, then exact in the viewer's zone."""
    seconds = (moment - (now or utcnow())).total_seconds()
    return f"in {wait_in_words(seconds)}, at {format_time(moment, zone)}"
