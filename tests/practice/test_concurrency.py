"""Two supervisors deciding at once: exactly one decision and one audit event, on both databases.

These tests use threads, so they build their own app on a real file SQLite database and on a
PostgreSQL schema of their own: the per-test transaction fixture shares one connection.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from lms.admin.services import assign_supervisor
from lms.audit.models import AuditEvent
from lms.audit.services import verify_chain
from lms.auth.models import Role, User
from lms.catalog.services import get_catalog
from lms.extensions import db
from lms.learning.services import enroll
from lms.practice.models import Decision, EntryState, PracticeDecision, PracticeEntry
from lms.practice.services import AlreadyDecided, EntryData, create_entry, decide, submit_entry
from tests.conftest import build_test_app
from tests.factories import make_user

SCHEMA = "practice_race"
ROUNDS = 8


def _targets() -> list[str]:
    targets = ["sqlite"]
    if os.environ.get("LMS_TEST_DATABASE_URL"):
        targets.append("postgresql")
    return targets


@pytest.fixture(params=_targets())
def race_app(request: pytest.FixtureRequest, tmp_path) -> Iterator[Flask]:
    """Return an app on its own database with two supervisors assigned to one trainee."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.db'}"
    else:
        base = os.environ["LMS_TEST_DATABASE_URL"]
        engine = create_engine(base)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{SCHEMA}"
    app = build_test_app(url)
    with app.app_context():
        db.create_all()
        trainee = make_user(Role.TRAINEE, "racer@example.org", "Riley Racer")
        enroll(trainee, "foundations")
        for number in (1, 2):
            supervisor = make_user(Role.SUPERVISOR, f"sup{number}@example.org", f"Sup {number}")
            assign_supervisor(trainee, supervisor, None)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


def _submitted_entries(app: Flask, count: int) -> list[int]:
    with app.app_context():
        trainee = db.session.scalar(select(User).filter_by(email="racer@example.org"))
        program = get_catalog().program("foundations")
        ids = []
        for number in range(count):
            entry = create_entry(trainee, program, EntryData(
                practice_date=date.today() - timedelta(days=1), minutes=30 + number,
                activity="one-to-one", setting="remote", reflection="I listened more."))
            submit_entry(entry, trainee)
            ids.append(entry.id)
        db.session.commit()
        db.session.remove()
    return ids


def _decide(app: Flask, entry_id: int, email: str, decision: Decision,
            barrier: threading.Barrier, results: list[str]) -> None:
    with app.app_context():
        try:
            entry = db.session.get(PracticeEntry, entry_id)
            supervisor = db.session.scalar(select(User).filter_by(email=email))
            barrier.wait(timeout=30)
            decide(entry, supervisor, decision, "Please add what you learned.",
                   seen_submission=1)
            db.session.commit()
            results.append("decided")
        except AlreadyDecided:
            db.session.rollback()
            results.append("refused")
        except Exception as error:  # reported below: any other outcome fails the test
            db.session.rollback()
            results.append(f"error: {error!r}")
        finally:
            db.session.remove()


def _run(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a decision never finished (deadlock?)"


@pytest.mark.parametrize("second", [Decision.APPROVE, Decision.RETURN])
def test_two_supervisors_deciding_at_once_make_one_decision(race_app, second):
    for entry_id in _submitted_entries(race_app, ROUNDS):
        results: list[str] = []
        barrier = threading.Barrier(2)
        _run([threading.Thread(target=_decide, args=(race_app, entry_id, email, decision,
                                                     barrier, results))
              for email, decision in (("sup1@example.org", Decision.APPROVE),
                                      ("sup2@example.org", second))])
        assert sorted(results) == ["decided", "refused"], results
        with race_app.app_context():
            decisions = db.session.scalars(select(PracticeDecision).filter_by(
                entry_id=entry_id)).all()
            events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.subject_id == str(entry_id),
                AuditEvent.kind.in_(["practice.approve", "practice.return"])))
            entry = db.session.get(PracticeEntry, entry_id)
            assert len(decisions) == 1 and events == 1
            expected = (EntryState.APPROVED if decisions[0].decision is Decision.APPROVE
                        else EntryState.RETURNED)
            assert entry.state is expected
            db.session.remove()
    with race_app.app_context():
        assert verify_chain().ok


def test_many_decisions_at_once_keep_the_chain_whole(race_app):
    entry_ids = _submitted_entries(race_app, 10)  # within the pool of 5 + 10 connections
    barrier = threading.Barrier(len(entry_ids))
    results: list[str] = []
    _run([threading.Thread(target=_decide, args=(
        race_app, entry_id, f"sup{1 + index % 2}@example.org", Decision.APPROVE, barrier,
        results)) for index, entry_id in enumerate(entry_ids)])
    assert results == ["decided"] * len(entry_ids), results
    with race_app.app_context():
        seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        assert seqs == list(range(1, 2 * len(entry_ids) + 1))
        report = verify_chain()
        assert report.ok, report.problem
        db.session.remove()
