"""Bidirectional controls typed into reflections, comments and notes cannot reorder the page."""

from __future__ import annotations

from datetime import date

import pytest

from lms.extensions import db
from lms.markdown import render_user_markdown, without_bidi_controls
from lms.practice.models import Decision
from lms.practice.records import ObservationData, record_observation
from lms.practice.services import decide
from tests.conftest import get_user
from tests.practice.helpers import foundations, make_entry

CONTROLS = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
#: "Approved 30 minutes" would display as "Approved 03 setunim" after U+202E.
TRICK = "Approved \u202e30 minutes\u202c; see \u2067the note\u2069 below"


@pytest.mark.parametrize("control", CONTROLS)
def test_every_bidi_control_is_dropped_from_rendered_reflections(control):
    html = render_user_markdown(f"before {control}inside{control} after")
    assert control not in html and "before inside after" in html


def test_plain_text_keeps_everything_else():
    text = "שלום and مرحبا, with \u200f marks and **stars**"
    assert without_bidi_controls(text) == text


def _assert_shown_without_controls(page: str) -> None:
    assert not [char for char in CONTROLS if char in page]
    assert "Approved 30 minutes; see the note below" in page


@pytest.fixture
def tricked(app, people):
    """Record a reflection, a return comment and an observation note holding bidi controls."""
    with app.app_context():
        entry = make_entry(people["trainee"], reflection=f"I listened. {TRICK}", submit=True)
        decide(entry, get_user(people["supervisor"]), Decision.RETURN, TRICK)
        record_observation(get_user(people["supervisor"]), get_user(people["trainee"]),
                           foundations(), ObservationData("boundaries", date.today(), True, TRICK))
        db.session.commit()
        entry_id = entry.id
        db.session.remove()
    return entry_id


def test_the_trainee_sees_reflection_and_comment_without_controls(tricked, client, sign_in):
    sign_in("trainee@example.org")
    page = client.get(f"/practice/entries/{tricked}").get_data(as_text=True)
    _assert_shown_without_controls(page)
    assert page.count("Approved 30 minutes; see the note below") >= 2  # reflection and comment


def test_the_supervisor_sees_the_note_without_controls(tricked, people, client, sign_in):
    sign_in("supervisor@example.org")
    page = client.get(f"/supervision/trainees/{people['trainee']}").get_data(as_text=True)
    _assert_shown_without_controls(page)
