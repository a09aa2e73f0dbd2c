"""Times in the viewer's own zone, with the zone named; the instance default and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.config import ConfigError, build_config
from lms.extensions import db
from lms.timezones import format_datetime, format_time, is_zone, local_date
from tests.conftest import get_user

MOMENT = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)


def test_zone_names_come_from_the_iana_database():
    assert is_zone("Europe/Berlin") and is_zone("UTC")
    assert not is_zone("Mars/Olympus") and not is_zone("") and not is_zone("../etc/passwd")


def test_formats_name_the_zone():
    assert format_time(MOMENT, "Asia/Tokyo") == "08:30 (Asia/Tokyo)"
    assert format_datetime(MOMENT, "America/Chicago") == "6 December 2026, 17:30 (America/Chicago)"


def test_a_bad_default_zone_stops_start_up(tmp_path):
    with pytest.raises(ConfigError, match="LMS_TIME_ZONE .*Mars/Olympus.* not an IANA"):
        build_config(tmp_path, {"LMS_TIME_ZONE": "Mars/Olympus", "TESTING": True,
                                "SECRET_KEY": "x"})


def test_the_instance_default_applies_to_everyone_without_a_choice(app):
    app.config["LMS_TIME_ZONE"] = "Pacific/Auckland"
    try:
        with app.test_request_context():
            assert format_time(MOMENT) == "12:30 (Pacific/Auckland)"
            # Near midnight the viewer's calendar date differs from the UTC date.
            assert local_date(MOMENT).day == 7
    finally:
        app.config["LMS_TIME_ZONE"] = "UTC"


def test_a_person_sees_times_in_their_own_zone(app, people, client, sign_in):
    from tests.learning.test_progress import _fail_quiz

    with app.app_context():
        get_user(people["trainee"]).time_zone = "Asia/Kolkata"
        db.session.commit()
        _fail_quiz(people["trainee"], "active-listening")
        db.session.remove()
    sign_in("trainee@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "(Asia/Kolkata)" in page and "(UTC)" not in page
