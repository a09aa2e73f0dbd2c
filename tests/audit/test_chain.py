"""The audit chain: hashes link events, verification names the first broken link, rows stay put."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from lms.audit.models import GENESIS_HASH, AuditEvent
from lms.audit.services import append_event, event_hash, events_for, verify_chain
from lms.extensions import db
from tests.conftest import get_user


def _bypass_append_only_guard() -> None:
    """Stand in for someone with direct database access (undone by the test's rollback)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(text("DROP TRIGGER audit_event_no_delete"))
    else:
        db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))


@pytest.fixture
def chain(app, people, app_ctx):
    """Append four events and return them."""
    supervisor = get_user(people["supervisor"])
    events = [append_event(f"test.step{number}", supervisor, ("thing", number),
                           {"number": number, "note": "é ü ✓"}, about=people["trainee"])
              for number in range(1, 5)]
    db.session.flush()
    return events


def test_a_fresh_database_verifies(app, app_ctx):
    report = verify_chain()
    assert report.ok and report.events == 0 and report.head_hash == GENESIS_HASH


def test_events_link_by_hash(chain):
    assert [event.seq for event in chain] == [1, 2, 3, 4]
    assert chain[0].prev_hash == GENESIS_HASH
    for previous, event in zip(chain, chain[1:], strict=False):
        assert event.prev_hash == previous.hash
    db.session.expire_all()
    assert all(event_hash(event) == event.hash for event in chain)  # survives a round trip
    report = verify_chain()
    assert report.ok and report.events == 4 and report.head_hash == chain[-1].hash
    assert [event.seq for event in events_for(("thing", 3))] == [3]


def test_changed_content_is_named(chain):
    _bypass_append_only_guard()
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2)
                       .values(payload={"number": 20, "note": "é ü ✓"}))
    db.session.expire_all()
    report = verify_chain()
    assert not report.ok and report.broken_seq == 2 and report.events == 1
    assert "event #2 (test.step2" in report.problem and "was changed" in report.problem


def test_a_rewritten_hash_breaks_the_next_link(chain):
    _bypass_append_only_guard()
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor_id=None))
    db.session.expire_all()
    forged = db.session.get(AuditEvent, chain[1].id)
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2)
                       .values(hash=event_hash(forged)))
    db.session.expire_all()
    report = verify_chain()
    assert report.broken_seq == 3 and "does not follow event #2" in report.problem


def test_a_deleted_event_is_named(chain):
    _bypass_append_only_guard()
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    report = verify_chain()
    assert report.broken_seq == 2 and "event #2 is missing" in report.problem


def test_a_removed_tail_is_noticed(chain):
    _bypass_append_only_guard()
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
    report = verify_chain()
    assert not report.ok and "head names event #4 but the last event found is #3" \
        in report.problem


def test_the_database_refuses_to_change_or_delete_events(chain):
    for statement in (update(AuditEvent).where(AuditEvent.seq == 1).values(kind="forged"),
                      delete(AuditEvent).where(AuditEvent.seq == 1)):
        with pytest.raises((IntegrityError, DBAPIError), match="append-only"):
            with db.session.begin_nested():
                db.session.execute(statement)
    assert verify_chain().ok


def test_subjects_can_be_records_ids_or_pairs(app, people, app_ctx):
    trainee = get_user(people["trainee"])
    by_id = append_event("certificate.issue", None, trainee.id, {"code": "X"})
    by_user = append_event("account.note", None, trainee)
    assert (by_id.subject_type, by_id.subject_id, by_id.about_user_id) == (
        "user", str(trainee.id), trainee.id)
    assert by_user.about_user_id == trainee.id and by_user.actor_id is None
    assert verify_chain().ok


def test_cli_verify_passes_then_names_the_tampered_event(chain, runner):
    result = runner.invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit chain OK: 4 event(s)" in result.output
    _bypass_append_only_guard()
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(kind="forged"))
    db.session.expire_all()
    result = runner.invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN after 2 good event(s): event #3 (forged" in result.output


def test_no_head_row_with_events_is_refused(chain):
    from lms.audit.models import AuditHead
    from lms.audit.services import AuditChainError

    db.session.execute(delete(AuditHead))
    with pytest.raises(AuditChainError, match="head row is missing"):
        append_event("test.more", None, ("thing", 9))
    assert db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) == 4


def test_cli_verify_passes_on_a_fresh_database(app, runner):
    result = runner.invoke(args=["lms", "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"Audit chain OK: 0 event(s), head {GENESIS_HASH}." in result.output
