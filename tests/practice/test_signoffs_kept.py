"""The database keeps supervisors' decisions and competency observations exactly as recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from lms.extensions import db
from lms.practice.models import CompetencyObservation, PracticeDecision
from lms.practice.records import ObservationData, record_observation
from tests.conftest import get_user
from tests.practice.helpers import foundations, make_entry

STATEMENTS = {
    "practice_decision": ("UPDATE practice_decision SET comment = 'edited' WHERE id = :id",
                          "DELETE FROM practice_decision WHERE id = :id"),
    "competency_observation": ("UPDATE competency_observation SET competent = false "
                               "WHERE id = :id",
                               "DELETE FROM competency_observation WHERE id = :id"),
}


def _refused(statement: str, row_id: int) -> None:
    with pytest.raises((IntegrityError, DBAPIError), match="sign-offs are kept as recorded"):
        with db.session.begin_nested():
            db.session.execute(text(statement), {"id": row_id})


def test_a_decision_can_be_neither_changed_nor_deleted(app, people, app_ctx):
    entry = make_entry(people["trainee"], return_by=people["supervisor"])
    decision = db.session.query(PracticeDecision).filter_by(entry_id=entry.id).one()
    for statement in STATEMENTS["practice_decision"]:
        _refused(statement, decision.id)
    # Nor by the cascade from its entry.
    _refused("DELETE FROM practice_entry WHERE id = :id", entry.id)
    db.session.expire_all()
    assert db.session.get(PracticeDecision, decision.id).comment == decision.comment


def test_an_observation_can_be_neither_changed_nor_deleted(app, people, app_ctx):
    observation = record_observation(
        get_user(people["supervisor"]), get_user(people["trainee"]), foundations(),
        ObservationData("boundaries", date.today(), True, "Kept a calm, clear boundary."))
    for statement in STATEMENTS["competency_observation"]:
        _refused(statement, observation.id)
    db.session.expire_all()
    assert db.session.get(CompetencyObservation, observation.id).competent is True
