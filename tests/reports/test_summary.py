"""The trainee summary rows agree with the SQL stage definition after real service calls."""

from __future__ import annotations

import itertools
from contextlib import suppress
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from lms.auth.models import Role
from lms.catalog.services import get_catalog
from lms.cohorts.services import create_cohort, move_to_cohort
from lms.extensions import db
from lms.learning.services import QuizUnavailable, enroll
from lms.reports.models import TraineeSummary
from lms.reports.services import Scope, Stage, rebuild_summaries, stage_counts
from lms.reports.stages import row_params, rows_of
from lms.reports.summary import SUMMARY_COLUMNS
from lms.sqltime import aware_utc
from tests.conftest import get_user
from tests.factories import make_certificate, make_user
from tests.practice.helpers import make_entry
from tests.reports.helpers import pass_every_module, take_quiz

_numbers = itertools.count()

ACTIONS = ("quiz-right", "quiz-wrong", "pass-all", "entry-draft", "entry-submitted",
           "entry-approved", "entry-returned", "entry-deleted", "certificate",
           "certificate-expiring", "cohort", "join", "deactivate",
           "assign", "unassign", "commit")


def _plain(value: Any) -> Any:
    """Return a value as both dialects and both reads compare equal."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return aware_utc(value)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[:4].isdigit():
        return aware_utc(value) if len(value) > 10 else date.fromisoformat(value)
    return value


def _rows(query: Any, params: dict[str, object] | None = None) -> set[tuple[Any, ...]]:
    return {tuple(_plain(value) for value in row) for row in db.session.execute(query, params)}


def _stored(user_ids: list[int]) -> set[tuple[Any, ...]]:
    table = TraineeSummary.__table__
    return _rows(select(*(table.c[name] for name in SUMMARY_COLUMNS))
                 .where(table.c.user_id.in_(user_ids)))


def _reference(user_ids: list[int]) -> set[tuple[Any, ...]]:
    rows = rows_of(get_catalog())
    params = row_params(Scope(), date.today()) | {"user_ids": user_ids}
    return _rows(select(*(rows.c[name] for name in SUMMARY_COLUMNS)), params)


def _queue(supervisor_id: int) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Return the supervisor's stored queue row and the one the entries give."""
    from sqlalchemy import literal

    from lms.practice.figures import waiting_rows
    from lms.reports.models import SupervisorQueue

    queue = SupervisorQueue.__table__
    stored = _rows(select(queue.c.supervisor_id, queue.c.waiting, queue.c.oldest)
                   .where(queue.c.supervisor_id == supervisor_id))
    return stored, _rows(waiting_rows(select(literal(supervisor_id))))


def _certify(trainee_id: int, expires_on: date | None) -> None:
    """Add an active certificate unless the schema keeps the one already there."""
    from sqlalchemy.exc import IntegrityError

    with suppress(IntegrityError), db.session.begin_nested():
        make_certificate(trainee_id, expires_on=expires_on)


def _apply(action: str, trainee_id: int, supervisor_id: int, admin_id: int) -> None:
    """Change a trainee's records through the services the app uses."""
    from lms.admin.services import assign_supervisor, set_active, unassign_supervisor
    from lms.auth.assignments import supervisor_is_assigned
    from lms.auth.services import accept_invitation
    from lms.certification import issuing
    from lms.certification.models import Certificate, CertificateStatus
    from lms.practice.services import delete_entry

    trainee = get_user(trainee_id)
    modules = get_catalog().program("foundations").modules
    if action in ("quiz-right", "quiz-wrong", "pass-all"):
        # A quiz failed twice pauses for a while: that refusal is the app's, not a finding.
        with suppress(QuizUnavailable):
            if action == "pass-all":
                pass_every_module(trainee_id)
            else:
                module = modules[trainee_id % len(modules)]
                take_quiz(trainee_id, module.slug, right=action == "quiz-right")
    elif action == "entry-draft":
        make_entry(trainee_id, minutes=600)
    elif action == "entry-submitted":
        make_entry(trainee_id, submit=True)
    elif action in ("entry-approved", "entry-returned") and not supervisor_is_assigned(
            trainee_id, supervisor_id):
        assign_supervisor(trainee, get_user(supervisor_id), None)
    elif action == "entry-approved":
        make_entry(trainee_id, minutes=720, approve_by=supervisor_id)
    elif action == "entry-returned":
        make_entry(trainee_id, return_by=supervisor_id)
    elif action == "entry-deleted":
        delete_entry(make_entry(trainee_id), trainee)
    elif action == "certificate":
        _certify(trainee_id, None)
    elif action.startswith("certificate") and (held := db.session.scalar(
            select(Certificate).where(Certificate.user_id == trainee_id,
                                      Certificate.status == CertificateStatus.ACTIVE))):
        issuing.revoke(held, "Issued in error.", get_user(admin_id))
    elif action == "certificate-expiring":
        _certify(trainee_id, date.today() + timedelta(days=30))
    elif action == "cohort":
        cohort = create_cohort(f"Cohort {next(_numbers)}", "foundations", "default",
                               date.today(), None)
        move_to_cohort(trainee, cohort, None)
    elif action == "join" and not trainee.has_joined:
        accept_invitation(trainee, "Robin Trainee", "a calm river at dusk")
    elif action == "deactivate" and trainee.is_active:
        set_active(trainee, False, get_user(admin_id))
    elif action == "assign" and not supervisor_is_assigned(trainee_id, supervisor_id):
        assign_supervisor(trainee, get_user(supervisor_id), None)
    elif action == "unassign" and supervisor_is_assigned(trainee_id, supervisor_id):
        unassign_supervisor(trainee, get_user(supervisor_id))
    elif action == "commit":
        db.session.commit()


@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(ACTIONS)), max_size=12))
def test_summary_rows_agree_with_the_stage_query(app, people, steps):
    with app.app_context():
        ids = []
        for joined in (True, False, True):
            number = next(_numbers)
            user = make_user(Role.TRAINEE, f"summary{number}@example.org", f"Summary {number}",
                             password="a calm river at dusk" if joined else None)
            enroll(user, "foundations")
            ids.append(user.id)
        _apply("assign", ids[0], people["supervisor"], people["admin"])
        for index, action in steps:
            _apply(action, ids[index], people["supervisor"], people["admin"])
        # Read before the commit (the pages settle first), then what the commit left stored.
        stage_counts(Scope(), date.today())
        assert _stored(ids) == _reference(ids)
        stored, expected = _queue(people["supervisor"])
        assert stored == expected
        db.session.commit()
        assert _stored(ids) == _reference(ids)
        stored, expected = _queue(people["supervisor"])
        assert stored == expected


def test_a_bulk_statement_is_seen_and_a_rebuild_restores_every_row(app, people):
    with app.app_context():
        trainee = make_user(Role.TRAINEE, "bulk@example.org", "Bulk Trainee")
        enroll(trainee, "foundations")
        take_quiz(trainee.id, "active-listening", right=True)
        db.session.commit()
        assert _stored([trainee.id]) == _reference([trainee.id])
        table = TraineeSummary.__table__
        db.session.execute(delete(table))
        assert not _stored([trainee.id])
        assert rebuild_summaries() >= 1
        db.session.commit()
        assert _stored([trainee.id]) == _reference([trainee.id])


def test_expiry_is_worked_out_on_the_day_it_is_read(app, people):
    with app.app_context():
        trainee = make_user(Role.TRAINEE, "lapsing@example.org", "Lapsing Trainee")
        enroll(trainee, "foundations")
        make_certificate(trainee.id, expires_on=date.today() + timedelta(days=100))
        db.session.commit()
        stored = _stored([trainee.id])
        today = date.today()
        before = stage_counts(Scope(), today)
        assert stage_counts(Scope(), today + timedelta(days=20))[Stage.EXPIRING] == (
            before[Stage.EXPIRING] + 1)
        assert stage_counts(Scope(), today + timedelta(days=101))[Stage.EXPIRED] >= (
            before[Stage.EXPIRED] + 1)
        assert _stored([trainee.id]) == stored  # the day is applied when read, never stored
