"""Make a trainee eligible: real passed modules, and practice records from a stand-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from lms.catalog.content import Program
from lms.catalog.profile import practice_rules
from lms.extensions import db
from lms.learning.models import ModuleProgress
from lms.models import utcnow
from lms.practice import services as practice


@dataclass
class PracticeStandIn:
    """Approved practice as the practice feature would report it (tested on its own there)."""

    minutes: dict[str, int]
    supervision: int
    competencies: dict[str, date]
    since_minutes: dict[str, int] = field(default_factory=dict)

    def approved_minutes_by_activity(self, trainee_id, program, since=None):  # noqa: ANN001
        """Return all approved minutes, or those approved since a date."""
        return dict(self.since_minutes if since is not None else self.minutes)

    def supervision_minutes(self, trainee_id, since=None):  # noqa: ANN001
        """Return supervision minutes."""
        return 0 if since is not None else self.supervision

    def observed_competencies(self, trainee_id):  # noqa: ANN001
        """Return observed competencies."""
        return dict(self.competencies)


def make_eligible(monkeypatch, trainee_id: int, program: Program) -> PracticeStandIn:  # noqa: ANN001
    """Pass every module for real and stand in for approved practice; return the stand-in."""
    for module in program.modules:
        db.session.add(ModuleProgress(user_id=trainee_id, program_slug=program.slug,
                                      module_slug=module.slug, read_at=utcnow(),
                                      passed_at=utcnow(), best_score=90,
                                      passed_version=module.version))
    db.session.flush()
    rules = practice_rules(program)
    stand_in = PracticeStandIn(
        minutes={"one-to-one": 700, "group": 600, "supervision-received": 300},
        supervision=300,
        competencies={competency.key: date(2026, 6, 1) for competency in rules.competencies})
    for name in ("approved_minutes_by_activity", "supervision_minutes", "observed_competencies"):
        monkeypatch.setattr(practice, name, getattr(stand_in, name))
    return stand_in


def earn_everything(trainee_id: int, supervisor_id: int) -> None:
    """Meet the default profile through the real services: quizzes, practice and sign-offs."""
    from lms.auth.models import User
    from lms.catalog.services import get_catalog
    from lms.learning.services import start_attempt, submit_attempt
    from lms.practice.models import Decision, SessionKind
    from lms.practice.records import (
        ObservationData,
        SessionData,
        record_observation,
        record_session,
    )
    from lms.practice.services import EntryData, create_entry, decide, submit_entry

    trainee = db.session.get(User, trainee_id)
    supervisor = db.session.get(User, supervisor_id)
    program = get_catalog().program("foundations")
    for module in program.modules:
        attempt = start_attempt(trainee, module)
        answers = {item["q"]: sorted(module.question(item["q"]).correct_keys)
                   for item in attempt.drawn}
        submit_attempt(attempt, module, answers)
    yesterday = date.today() - timedelta(days=1)
    for minutes, activity in ((720, "one-to-one"), (600, "group")):
        entry = create_entry(trainee, program, EntryData(
            practice_date=yesterday, minutes=minutes, activity=activity, setting="in-person",
            competencies=["active-listening"],
            reflection="I practised reflections and let silences be."))
        submit_entry(entry, trainee, confirmed=True)
        decide(entry, supervisor, Decision.APPROVE)
    for competency in program.requirements["competencies"]:
        record_observation(supervisor, trainee, program, ObservationData(
            competency=competency, observed_on=yesterday, competent=True))
    record_session(supervisor, [trainee], SessionData(
        session_date=yesterday, minutes=240, kind=SessionKind.INDIVIDUAL,
        modality="in-person", topics=["skill-building"]))
    db.session.flush()
