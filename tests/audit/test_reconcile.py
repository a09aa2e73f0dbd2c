"""`lms audit verify` reconciles the chain with the live records and names every mismatch."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from lms.certification import issuing
from lms.certification.codes import format_code
from lms.extensions import db
from lms.learning.services import get_catalog
from lms.practice.models import (
    CompetencyObservation,
    PracticeDecision,
    PracticeEntry,
    SupervisionSession,
)
from tests.certification.records import earn_everything
from tests.conftest import build_test_app, get_user

#: Every trigger that stands between a hand-typed statement and the audited rows.
SQLITE_GUARDS = ("certificate_kept_update", "certificate_kept_delete",
                 "practice_decision_kept_update", "practice_decision_kept_delete",
                 "competency_observation_kept_update", "competency_observation_kept_delete",
                 "supervision_session_kept_update", "supervision_session_kept_delete",
                 "session_attendee_kept_update", "session_attendee_kept_delete",
                 "practice_entry_locked_update", "practice_entry_locked_delete")
POSTGRESQL_GUARDED = ("certificate", "practice_decision", "competency_observation",
                      "supervision_session", "session_attendee", "practice_entry")


def _bypass_guards() -> None:
    """Stand in for someone with direct database access (undone by the test's rollback)."""
    if db.session.get_bind().dialect.name == "sqlite":
        for name in SQLITE_GUARDS:
            db.session.execute(text(f"DROP TRIGGER {name}"))
    else:
        for table in POSTGRESQL_GUARDED:
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))


@pytest.fixture
def records(app, people, app_ctx):
    """Earn and claim a certificate through the real services; return the certificate."""
    earn_everything(people["trainee"], people["supervisor"])
    program = get_catalog().program("foundations")
    certificate = issuing.claim(get_user(people["trainee"]), program, None, date.today())
    db.session.flush()
    return certificate


def _verify(runner):
    db.session.flush()
    db.session.expire_all()
    return runner.invoke(args=["lms", "audit", "verify"])


def test_untouched_records_match_the_chain(records, runner):
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "Records match the audit chain." in result.output


def test_a_deleted_revoked_certificate_is_named_missing(records, runner, people):
    issuing.revoke(records, "Issued in error", get_user(people["admin"]))
    row_id = records.id
    _bypass_guards()
    db.session.execute(text("DELETE FROM certificate WHERE id = :id"), {"id": row_id})
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"Record certificate #{row_id} is missing: audit event #" in result.output
    assert "Records DO NOT MATCH the audit chain: 1 problem(s)" in result.output


def test_a_changed_holder_name_is_named_altered(records, runner):
    _bypass_guards()
    db.session.execute(text("UPDATE certificate SET holder_name = 'Someone Else' WHERE id = :id"),
                       {"id": records.id})
    result = _verify(runner)
    assert result.exit_code == 1
    assert (f"Record certificate {format_code(records.code)} (#{records.id}) is altered: "
            "facts_sha256 differ") in result.output


def test_a_status_flipped_back_is_named_altered(records, runner, people):
    issuing.revoke(records, "Issued in error", get_user(people["admin"]))
    db.session.flush()
    _bypass_guards()
    db.session.execute(text("UPDATE certificate SET status = 'active', status_reason = NULL "
                            "WHERE id = :id"), {"id": records.id})
    result = _verify(runner)
    assert result.exit_code == 1
    assert "is altered: reason, status differ" in result.output


def test_changed_and_removed_sign_offs_are_each_named(records, runner):
    decision = db.session.scalars(select(PracticeDecision)).first()
    observation = db.session.scalars(select(CompetencyObservation)).first()
    session = db.session.scalars(select(SupervisionSession)).one()
    entry = db.session.get(PracticeEntry, decision.entry_id)
    decision_id, entry_id, observation_id, session_id = (decision.id, entry.id, observation.id,
                                                         session.id)
    _bypass_guards()
    db.session.execute(text("UPDATE practice_decision SET comment = 'looks fine' WHERE id = :id"),
                       {"id": decision_id})
    db.session.execute(text("UPDATE practice_entry SET minutes = 719 WHERE id = :id"),
                       {"id": entry_id})
    db.session.execute(text("DELETE FROM competency_observation WHERE id = :id"),
                       {"id": observation_id})
    db.session.execute(text("UPDATE supervision_session SET minutes = 480 WHERE id = :id"),
                       {"id": session_id})
    db.session.execute(text("DELETE FROM session_attendee WHERE session_id = :id"),
                       {"id": session_id})
    result = _verify(runner)
    assert result.exit_code == 1
    lines = result.output
    assert (f"Record supervisor decision #{decision_id} (entry #{entry_id}, submission 1) is "
            "altered: comment_sha256 differ") in lines
    assert (f"Record approved practice entry #{entry_id} is altered: content_sha256, minutes "
            "differ") in lines
    assert f"Record competency observation #{observation_id} is missing" in lines
    assert (f"Record supervision session #{session_id} is altered: minutes, trainee_ids "
            "differ") in lines
    assert "Records DO NOT MATCH the audit chain: 4 problem(s)" in lines


def test_a_row_added_behind_lantern_is_named_unrecorded(records, runner, people):
    session = db.session.scalars(select(SupervisionSession)).one()
    db.session.execute(text(
        "INSERT INTO supervision_session (supervisor_id, session_date, minutes, kind, modality, "
        "topics, recorded_at) SELECT supervisor_id, session_date, 60, kind, modality, topics, "
        "recorded_at FROM supervision_session WHERE id = :id"), {"id": session.id})
    added = db.session.scalar(select(SupervisionSession.id).order_by(
        SupervisionSession.id.desc()))
    result = _verify(runner)
    assert result.exit_code == 1
    assert (f"Record supervision session #{added} is unrecorded: no audit event records it"
            in result.output)


def test_an_unmigrated_database_gets_one_line(tmp_path):
    app = build_test_app(f"sqlite:///{tmp_path / 'empty.db'}")
    result = app.test_cli_runner().invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.count("\n") == 1
    assert "run `flask --app wsgi db upgrade` first" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_database_gets_one_line(tmp_path):
    app = build_test_app("postgresql://nobody@127.0.0.1:1/nothing")
    result = app.test_cli_runner().invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("Cannot reach the database")

