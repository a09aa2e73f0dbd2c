"""My data: every record about a person in one streamed ZIP, and nobody else's."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

from sqlalchemy import insert, select

from lms.account.services import claim_download, release_download
from lms.admin.services import assign_supervisor
from lms.audit.models import AuditEvent
from lms.auth.models import Role, SupervisorAssignment
from lms.certification.models import Certificate
from lms.extensions import db
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.practice.models import (
    CompetencyObservation,
    PracticeDecision,
    PracticeEntry,
    SessionAttendee,
    SupervisionSession,
)
from tests.certification.records import earn_everything
from tests.conftest import csrf_token, get_user
from tests.factories import make_certificate, make_user
from tests.practice.helpers import make_entry

OTHER_REFLECTION = "Another trainee's reflection that must never travel with someone else."


def _records(people):
    """Give the trainee every kind of record, and another trainee some of their own."""
    earn_everything(people["trainee"], people["supervisor"])
    make_entry(people["trainee"], return_by=people["supervisor"])
    make_certificate(people["trainee"])
    other = make_user(Role.TRAINEE, "other@example.org", "Robin Other")
    assign_supervisor(other, get_user(people["supervisor"]), get_user(people["admin"]))
    make_entry(other.id, reflection=OTHER_REFLECTION, approve_by=people["supervisor"])
    make_certificate(other.id, holder_name="Robin Other")
    db.session.commit()
    return other.id


def _download(client, url="/account/data", page="/account"):
    token = csrf_token(client, page)
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 200, response.status_code
    assert response.is_streamed
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def _ids(archive, name):
    return {record["id"] for record in json.loads(archive.read(name))}


def _csv_ids(archive, name):
    lines = archive.read(name).decode().splitlines()
    header = lines[0].split(",")
    return {int(line.split(",")[header.index("id")]) for line in lines[1:]}


def _expected(model, *conditions):
    return set(db.session.scalars(select(model.id).where(*conditions)))


def test_the_zip_holds_every_record_of_the_person_and_no_one_elses(app, people, client, sign_in):
    uid = people["trainee"]
    with app.app_context():
        other = _records(people)
    sign_in("trainee@example.org")
    archive = _download(client)
    everything = b"".join(archive.read(name) for name in archive.namelist())
    with app.app_context():
        entries = _expected(PracticeEntry, PracticeEntry.trainee_id == uid)
        assert entries and _ids(archive, "practice_entries.json") == entries
        assert _ids(archive, "quiz_attempts.json") == _expected(QuizAttempt,
                                                                QuizAttempt.user_id == uid)
        assert _ids(archive, "decisions_on_my_entries.json") == _expected(
            PracticeDecision, PracticeDecision.entry_id.in_(entries))
        assert _ids(archive, "observations_of_me.json") == _expected(
            CompetencyObservation, CompetencyObservation.trainee_id == uid)
        assert _ids(archive, "sessions_attended.json") == _expected(
            SupervisionSession, SupervisionSession.id.in_(
                select(SessionAttendee.session_id).where(SessionAttendee.trainee_id == uid)))
        certificates = _expected(Certificate, Certificate.user_id == uid)
        assert _ids(archive, "certificates.json") == certificates
        assert _csv_ids(archive, "enrolments.csv") == _expected(Enrollment,
                                                                Enrollment.user_id == uid)
        assert _csv_ids(archive, "module_progress.csv") == _expected(
            ModuleProgress, ModuleProgress.user_id == uid)
        assert _csv_ids(archive, "supervisors.csv") == _expected(
            SupervisorAssignment, SupervisorAssignment.trainee_id == uid)
        assert _ids(archive, "audit_events.json") == _expected(
            AuditEvent, AuditEvent.about_user_id == uid)
        for code, pdf in db.session.execute(select(Certificate.code, Certificate.pdf)
                                            .where(Certificate.user_id == uid)):
            assert archive.read(f"certificates/{code}.pdf") == pdf
            assert f"certificates/{code}.credential.json" in archive.namelist()
        others = db.session.scalars(select(Certificate.code).where(Certificate.user_id == other))
        for code in others:
            assert code.encode() not in everything
    profile = json.loads(archive.read("profile.json"))[0]
    assert profile["email"] == "trainee@example.org"
    assert "password_hash" not in profile and "security_stamp" not in profile
    assert b"Please say more about what you learned." in everything  # the return's comment
    assert OTHER_REFLECTION.encode() not in everything
    assert b"other@example.org" not in everything and b"Robin Other" not in everything


def test_a_supervisors_data_is_what_they_wrote(app, people, client, sign_in):
    from tests.practice.helpers import REFLECTION

    sid = people["supervisor"]
    with app.app_context():
        _records(people)
    sign_in("supervisor@example.org")
    archive = _download(client)
    everything = b"".join(archive.read(name) for name in archive.namelist())
    with app.app_context():
        assert _ids(archive, "decisions_i_made.json") == _expected(
            PracticeDecision, PracticeDecision.supervisor_id == sid)
        assert _ids(archive, "observations_i_recorded.json") == _expected(
            CompetencyObservation, CompetencyObservation.supervisor_id == sid)
        assert _ids(archive, "sessions_i_led.json") == _expected(
            SupervisionSession, SupervisionSession.supervisor_id == sid)
    assert b"Please say more about what you learned." in everything
    assert REFLECTION.encode() not in everything and OTHER_REFLECTION.encode() not in everything
    assert _ids(archive, "practice_entries.json") == set()


def test_downloads_are_audited_and_an_admin_can_download_anyones(app, people, client, sign_in):
    sign_in("admin@example.org")
    page = f"/admin/people/{people['trainee']}/account"
    archive = _download(client, f"/admin/people/{people['trainee']}/data", page)
    assert json.loads(archive.read("profile.json"))[0]["id"] == people["trainee"]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.kind == "account.data_downloaded"))
        assert (event.actor_id, event.about_user_id) == (people["admin"], people["trainee"])
        assert event.payload == {"by_admin": True}


def test_a_second_download_while_one_runs_gets_a_calm_message(app, people, client, sign_in):
    sign_in("trainee@example.org")
    with app.app_context():
        assert claim_download(people["trainee"])
    try:
        token = csrf_token(client, "/account")
        response = client.post("/account/data", data={"csrf_token": token},
                               follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "still being prepared" in page
        with app.app_context():
            assert db.session.scalar(select(AuditEvent.id).where(
                AuditEvent.kind == "account.data_downloaded")) is None
    finally:
        with app.app_context():
            release_download(people["trainee"])
    assert _download(client).namelist()  # once it finished, another may start


def test_ten_thousand_entries_stream_without_holding_the_zip(app, people, client, sign_in):
    import secrets
    import tracemalloc

    uid = people["trainee"]
    with app.app_context():
        day = date.today() - timedelta(days=1)
        db.session.execute(insert(PracticeEntry), [
            {"trainee_id": uid, "program_slug": "foundations", "program_version": "0" * 64,
             "practice_date": day, "minutes": 30, "activity": "one-to-one",
             "setting": "in-person", "competencies": ["active-listening"],
             # Random text barely compresses, so the ZIP is as large as what it holds.
             "reflection": secrets.token_hex(256)} for _ in range(10_000)])
        db.session.commit()
    sign_in("trainee@example.org")
    token = csrf_token(client, "/account")
    response = client.post("/account/data", data={"csrf_token": token})
    assert response.is_streamed
    tracemalloc.start()
    size = 0
    try:
        for chunk in response.response:
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    # About 3 MB of ZIP went out, while no more than a small part of it was ever held.
    assert size > 2_500_000
    assert peak < size / 2, (peak, size)


def test_the_readme_describes_every_file(app, people):
    from lms.account.export import README, sources

    with app.app_context():
        for name in sources(get_user(people["trainee"])):
            assert f"\n{name} " in README, name
