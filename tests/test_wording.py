"""Waiting times in words: relative first, exact time after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lms.wording import opens_again, wait_in_words


@pytest.mark.parametrize(("seconds", "words"), [
    (30, "a minute"), (90, "a minute"), (600, "about 10 minutes"), (3000, "about 50 minutes"),
    (3599, "about an hour"), (4 * 3600, "about 4 hours")])
def test_wait_in_words(seconds, words):
    assert wait_in_words(seconds) == words


def test_opens_again_gives_the_wait_and_the_time():
    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert opens_again(now + timedelta(minutes=30), now) == "in about 30 minutes, at 14:30 (UTC)"


def test_opens_again_names_the_zone_it_shows():
    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    words = opens_again(now + timedelta(minutes=30), now, zone="America/Chicago")
    assert words == "in about 30 minutes, at 08:30 (America/Chicago)"
