"""Observations, supervision sessions, counting rules, totals and the weekly chart."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.practice import totals
from lms.practice.chart import hours_chart
from lms.practice.models import SessionKind
from lms.practice.records import (
    ObservationData,
    SessionData,
    oars_benchmarks,
    record_observation,
    record_session,
)
from lms.practice.services import (
    NeedsConfirmation,
    NotAssigned,
    PracticeError,
    approved_minutes_by_activity,
    counted_practice_minutes,
    observed_competencies,
    supervision_minutes,
)
from tests.conftest import csrf_token, get_user
from tests.factories import make_user
from tests.practice.helpers import foundations, make_entry

TODAY = date.today()


def test_counting_rules_leave_out_supervision_received(app, people, app_ctx):
    trainee, supervisor = people["trainee"], people["supervisor"]
    make_entry(trainee, minutes=90, approve_by=supervisor)
    make_entry(trainee, minutes=60, activity="group", approve_by=supervisor)
    make_entry(trainee, minutes=45, activity="supervision-received", approve_by=supervisor)
    make_entry(trainee, minutes=300, submit=True)  # not approved: never counts
    old = make_entry(trainee, minutes=30, day=TODAY - timedelta(days=400),
                     approve_by=supervisor)
    program = foundations()
    assert approved_minutes_by_activity(trainee, program) == {
        "one-to-one": 120, "group": 60, "supervision-received": 45}
    assert counted_practice_minutes(trainee, program) == 180
    since = datetime.combine(TODAY - timedelta(days=30), datetime.min.time(), tzinfo=UTC)
    assert counted_practice_minutes(trainee, program, since=since) == 150
    assert old.practice_date < since.date()


def test_progress_measures_against_the_profile(app, people, app_ctx):
    trainee, supervisor = people["trainee"], people["supervisor"]
    make_entry(trainee, minutes=600, approve_by=supervisor)
    make_entry(trainee, minutes=600, activity="role-play", approve_by=supervisor)
    progress = totals.progress(trainee)
    assert progress.counted_minutes == 1200 and progress.practice_met
    assert not progress.supervision_met and not progress.competencies_met
    one_to_one = next(line for line in progress.activities if line.key == "one-to-one")
    assert one_to_one.required == 600 and one_to_one.minutes == 600
    assert progress.required_competency_count == 5


def test_observation_sign_off_counts_and_is_audited(app, people, app_ctx):
    supervisor, trainee = get_user(people["supervisor"]), get_user(people["trainee"])
    data = ObservationData("active-listening", TODAY - timedelta(days=3), True, "Warm and clear.",
                           {"open_questions": 8, "closed_questions": 2, "simple_reflections": 4,
                            "complex_reflections": 6, "affirmations": 1, "summaries": 1})
    observation = record_observation(supervisor, trainee, foundations(), data)
    record_observation(supervisor, trainee, foundations(), ObservationData(
        "boundaries", TODAY, False, "Getting there."))
    assert observed_competencies(trainee.id) == {"active-listening": TODAY - timedelta(days=3)}
    event = db.session.query(AuditEvent).filter_by(kind="competency.signoff").one()
    assert event.payload["observation_id"] == observation.id
    assert event.payload["tallies"]["open_questions"] == 8
    assert db.session.query(AuditEvent).filter_by(kind="competency.observe").count() == 1


@pytest.mark.parametrize(("data", "message"), [
    (ObservationData("telepathy", TODAY, True), "competency from the list"),
    (ObservationData("boundaries", TODAY + timedelta(days=3), True), "cannot be in the future"),
    (ObservationData("boundaries", date(226, 5, 1), True), "check the year"),
    (ObservationData("boundaries", TODAY, True, tallies={"affirmations": 900}), "between 0"),
])
def test_observation_bad_input_is_refused(app, people, app_ctx, data, message):
    with pytest.raises(PracticeError, match=message):
        record_observation(get_user(people["supervisor"]), get_user(people["trainee"]),
                           foundations(), data)


def test_observation_note_is_screened_for_identifiers(app, people, app_ctx):
    args = (get_user(people["supervisor"]), get_user(people["trainee"]), foundations(),
            ObservationData("boundaries", TODAY, True, "Handled Maria Lopez's request well."))
    with pytest.raises(NeedsConfirmation):
        record_observation(*args)
    assert record_observation(*args, confirmed=True).note.startswith("Handled")


def test_oars_benchmarks_beside_the_tallies():
    results = oars_benchmarks({"open_questions": 7, "closed_questions": 3,
                               "simple_reflections": 6, "complex_reflections": 4,
                               "affirmations": 0, "summaries": 1})
    assert [(b.value, b.met) for b in results] == [
        ("70%", True), ("40%", False), ("1.0", True), ("0", False)]
    assert oars_benchmarks({"open_questions": None}) == []
    empty = oars_benchmarks({"affirmations": 2})
    assert [b.met for b in empty] == [None, None, None, True]


def test_observation_page_shows_benchmarks(app, people, client, sign_in):
    sign_in("supervisor@example.org")
    url = f"/supervision/trainees/{people['trainee']}/observations/new"
    page = client.get(url).get_data(as_text=True)
    assert "<legend>Competency</legend>" in page and "<legend>OARS tallies (optional)</legend>" \
        in page
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "competency": "active-listening",
        "observed_on": TODAY.isoformat(), "outcome": "competent", "note": "Calm pace.",
        "open_questions": "9", "closed_questions": "1", "simple_reflections": "3",
        "complex_reflections": "7", "affirmations": "2", "summaries": "1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "observed and competent" in page and "90% <span class=\"met\">(met)</span>" in page
    assert "1 of the 5 the certificate needs" in page


def test_sessions_are_recorded_one_by_one(app, people, app_ctx):
    supervisor, trainee = get_user(people["supervisor"]), get_user(people["trainee"])
    other = make_user(email="second@example.org", name="Second Trainee")
    data = SessionData(TODAY - timedelta(days=1), 60, SessionKind.INDIVIDUAL, "video",
                       ["skill-building"])
    with pytest.raises(PracticeError, match="exactly one trainee"):
        record_session(supervisor, [trainee, trainee], data)
    with pytest.raises(NotAssigned):
        record_session(supervisor, [other], data)
    with pytest.raises(PracticeError, match="future"):
        record_session(supervisor, [trainee], SessionData(
            TODAY + timedelta(days=2), 60, SessionKind.INDIVIDUAL, "video", ["skill-building"]))
    with pytest.raises(PracticeError, match="check the year"):
        record_session(supervisor, [trainee], SessionData(
            date(1, 1, 1), 60, SessionKind.INDIVIDUAL, "video", ["skill-building"]))
    with pytest.raises(PracticeError, match="topic"):
        record_session(supervisor, [trainee], SessionData(
            TODAY, 60, SessionKind.INDIVIDUAL, "video", []))
    record_session(supervisor, [trainee], data)
    record_session(supervisor, [trainee], SessionData(TODAY, 90, SessionKind.GROUP, "in-person",
                                                      ["ethics-boundaries", "self-care"]))
    assert supervision_minutes(trainee.id) == 150
    since = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    assert supervision_minutes(trainee.id, since=since) == 90
    assert db.session.query(AuditEvent).filter_by(kind="supervision.session").count() == 2


def test_session_form_and_trainee_view(app, people, client, sign_in):
    sign_in("supervisor@example.org")
    url = "/supervision/sessions/new"
    page = client.get(url + f"?trainee={people['trainee']}").get_data(as_text=True)
    assert "<legend>Who took part</legend>" in page and "<legend>Topics</legend>" in page
    assert re.search(rf'checked[^>]*value="{people["trainee"]}"|value="{people["trainee"]}"'
                     r'[^>]*checked', page)
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "session_date": (TODAY + timedelta(days=5)).isoformat(),
                                      "minutes": "60", "kind": "individual",
                                      "modality": "video", "trainees": [people["trainee"]],
                                      "topics": ["skill-building"]})
    assert response.status_code == 400
    assert "cannot be in the future" in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "session_date": TODAY.isoformat(), "minutes": "60",
                                      "kind": "individual", "modality": "video",
                                      "trainees": [people["trainee"]],
                                      "topics": ["skill-building", "self-care"]})
    assert response.status_code == 302
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    sign_in("trainee@example.org")
    page = client.get("/practice").get_data(as_text=True)
    assert "1 h, individual, video call, with Sam Supervisor." in page
    assert "Skill building, Self-care and wellbeing" in page
    assert "Supervision sessions: 1 h of 4 h" in page



def test_session_form_marks_each_missing_choice_on_its_fieldset(app, people, client, sign_in):
    sign_in("supervisor@example.org")
    url = "/supervision/sessions/new"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "session_date": TODAY.isoformat(), "minutes": "60",
                                      "kind": "individual", "modality": "video"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'<fieldset[^>]*id="trainees"[^>]*aria-describedby="trainees-error"', page)
    assert '<p class="error" id="trainees-error">Please choose who took part.</p>' in page
    assert '<p class="error" id="topics-error">Please choose at least one topic.</p>' in page
    assert not re.search(r'type="checkbox"[^>]*required|required[^>]*type="checkbox"', page)

def test_weekly_chart_is_svg_without_inline_styles(app, people, app_ctx):
    make_entry(people["trainee"], minutes=90, approve_by=people["supervisor"], day=TODAY)
    make_entry(people["trainee"], minutes=600, activity="supervision-received",
               approve_by=people["supervisor"], day=TODAY)
    weeks = totals.weekly_hours([people["trainee"]], TODAY)
    assert len(weeks) == 12 and weeks[-1] == (totals.week_start(TODAY), 90)
    chart = str(hours_chart(weeks, "c", "Hours <per> week"))
    assert chart.count('class="chart-bar"') == 1 and ">1.5</text>" in chart
    assert 'role="img"' in chart and 'aria-labelledby="c-title c-desc"' in chart
    assert "Hours &lt;per&gt; week" in chart and "<table>" in chart
    assert not re.search(r"\sstyle=", chart)
